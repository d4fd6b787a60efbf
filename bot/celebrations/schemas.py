"""Typed shapes that cross a boundary: webhook bodies, and the win modal's private_metadata."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.celebrations.models import WinKind
from bot.celebrations.rules import checked_amount, is_known_currency

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,31}$")


# ---------------------------------------------------------------- POST /webhooks/salesforce


class SalesforceOpportunityIn(BaseModel):
    """The body of POST /webhooks/salesforce: one opportunity, with Salesforce's own field
    names (what a record-triggered Flow's HTTP callout sends); other fields are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    Id: Annotated[str, Field(pattern=r"^006[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")]
    Name: Annotated[str, Field(max_length=200)] = ""
    Amount: Decimal | None = Field(default=None, allow_inf_nan=False)
    CurrencyIsoCode: str | None = Field(default=None, max_length=3)
    StageName: Annotated[str, Field(max_length=100)] = ""
    IsWon: bool = False
    OwnerEmail: str | None = Field(default=None, max_length=254)
    OwnerName: Annotated[str, Field(max_length=200)] = ""
    OwnerSlackId: str | None = Field(default=None, max_length=32)

    @field_validator("Amount", mode="before")
    @classmethod
    def _number_not_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("not a number")
        return value

    @field_validator("Amount")
    @classmethod
    def _amount(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError("cannot be negative")
        return value

    @field_validator("CurrencyIsoCode")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value and not is_known_currency(value):
            raise ValueError("not an ISO 4217 currency code")
        return value.upper() if value else None

    @field_validator("OwnerEmail")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value and not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value or None

    @field_validator("OwnerSlackId")
    @classmethod
    def _slack_id(cls, value: str | None) -> str | None:
        if value and not SLACK_USER_ID.match(value):
            raise ValueError("not a Slack user id (U… or W…)")
        return value or None


# ---------------------------------------------------------------- POST /webhooks/wins


class WinnerIn(BaseModel):
    """A winner by Slack user id or by e-mail (matched with users.lookupByEmail)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slack_id: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    name: str | None = Field(default=None, max_length=200)

    @field_validator("slack_id")
    @classmethod
    def _slack_id(cls, value: str | None) -> str | None:
        if value is not None and not SLACK_USER_ID.match(value):
            raise ValueError("not a Slack user id (U... or W...)")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value.lower() if value else value

    @model_validator(mode="after")
    def _someone(self) -> WinnerIn:
        if not self.slack_id and not self.email:
            raise ValueError("give slack_id or email")
        return self


class WinIn(BaseModel):
    """The body of POST /webhooks/wins.

    `external_id` (with `source`) identifies the win in the sending system: the same pair is
    celebrated once, however often it is sent.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    winners: Annotated[list[WinnerIn], Field(min_length=1, max_length=20)]
    kind: WinKind
    title: Annotated[str, Field(min_length=1, max_length=200)]
    amount: Decimal | None = Field(default=None, allow_inf_nan=False)
    # Validated even when absent: an amount without its currency is reported under `currency`.
    currency: str | None = Field(default=None, max_length=3, validate_default=True)
    message: Annotated[str, Field(max_length=2000)] = ""
    source: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[\w.\- ]+$")]
    external_id: Annotated[str, Field(min_length=1, max_length=150)]

    @field_validator("amount", mode="before")
    @classmethod
    def _number_not_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("not a number")
        return value

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal | None) -> Decimal | None:
        if value is None:
            return None
        if value < 0:
            raise ValueError("must not be negative")
        return checked_amount(value)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value == "":
            # `amount` is declared first, so it is in info.data when it was valid.
            if info.data.get("amount") is not None:
                raise ValueError("an amount needs its currency")
            return None
        if not is_known_currency(value):
            raise ValueError("unknown ISO 4217 currency code")
        return value.upper()


# ---------------------------------------------------------------- POST /webhooks/hubspot


class HubSpotEvent(BaseModel):
    """One event of a HubSpot webhook batch (legacy `deal.propertyChange` or the generic
    `object.propertyChange` with objectTypeId 0-3)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    event_id: int = Field(alias="eventId")
    portal_id: int = Field(alias="portalId")
    subscription_type: str = Field(alias="subscriptionType", max_length=100)
    object_id: int = Field(alias="objectId", gt=0)
    object_type_id: str | None = Field(default=None, alias="objectTypeId")
    property_name: str | None = Field(default=None, alias="propertyName")
    property_value: str | None = Field(default=None, alias="propertyValue")
    occurred_at: int | None = Field(default=None, alias="occurredAt")

    @property
    def is_deal_stage_change(self) -> bool:
        deal_event = self.subscription_type == "deal.propertyChange" or (
            self.subscription_type == "object.propertyChange" and self.object_type_id == "0-3"
        )
        return deal_event and self.property_name == "dealstage"


# ---------------------------------------------------------------- the win modal


class WinDraft(BaseModel):
    """What the win modal carries in private_metadata: one id per opened modal, so a double
    submit records one win; `source_ref` when another domain's win must be celebrated once."""

    draft_id: str = Field(max_length=64)
    source_ref: str = Field(default="", max_length=200)

    def dump(self) -> str:
        return self.model_dump_json()

    @classmethod
    def load(cls, text: str) -> WinDraft:
        return cls.model_validate_json(text)
