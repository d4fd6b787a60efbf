from enum import StrEnum


class PrivacyAction(StrEnum):
    open_export = "privacy_open_export"
    open_erase = "privacy_open_erase"
    open_settings = "privacy_open_settings"


class PrivacyView(StrEnum):
    export = "privacy_export"
    erase = "privacy_erase"
    settings = "privacy_settings"


class PrivacyBlock(StrEnum):
    user = "privacy_user"
    confirm = "privacy_confirm"
    retention = "privacy_retention"
    grace = "privacy_grace"
    admin_group = "privacy_admin_group"
