from enum import StrEnum


class DigestAction(StrEnum):
    unsubscribe = "digest_unsubscribe"
    resubscribe = "digest_resubscribe"
    open_settings = "digest_open_settings"


class DigestView(StrEnum):
    settings = "digest_settings"


class DigestBlock(StrEnum):
    weekday = "digest_weekday"
    hour = "digest_hour"
    footer = "digest_footer"
