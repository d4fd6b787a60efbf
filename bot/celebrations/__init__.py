"""Celebrations: win posts (by hand, HubSpot, any webhook), weekly gazette, top performers."""
