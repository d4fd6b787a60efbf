"""The weekly personal digest DM."""
