"""Data lifecycle and privacy: export, erasure, retention, uninstall, admin powers."""
