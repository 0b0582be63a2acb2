"""Notifications over HTTP: the caller's list, marking read, his settings; webhooks and failed
deliveries (admins)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from gridflow.errors import N_
from gridflow.schemas.cases import Paging
from gridflow.schemas.common import DB_INT_MAX, Input, LocalTime, Output, Page, text
from gridflow.schemas.errors import Problem

HourMinute = text(5, r"^([01]\d|2[0-3]):[0-5]\d$", N_("must be a time of day HH:MM"))
EventName = text(40, r"^(case\.[a-z_]+|\*)$", N_("must be a case event such as case.created, or *"))


class NotificationQuery(Paging):
    unread: bool = Field(False, description="only the unread ones (unread=1)")


class CaseNumberRef(Output):
    id: int
    number: str


class NotificationItem(Output):
    id: int
    kind: str
    case: CaseNumberRef
    text: str
    created_at: LocalTime
    read: bool


class NotificationList(Page[NotificationItem]):
    unread: int = Field(description="how many of the caller's notifications are unread (all of them)")


class ReadInput(Input):
    """Mark some (`ids`) or all of the caller's notifications read."""

    ids: Annotated[list[Annotated[int, Field(ge=1, le=DB_INT_MAX)]], Field(max_length=500)] | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self):
        if not self.all and not self.ids:
            raise Problem(N_("send ids (a list) or all: true"))
        return self


class ReadAnswer(Output):
    marked: int
    unread: int


class NotificationSettingsView(Output):
    email_on: bool
    sms_on: bool
    sms_all: bool
    language: Literal["zh", "en"]
    quiet_start: str | None
    quiet_end: str | None


class NotificationSettingsInput(Input):
    """Channels on or off (SMS by default only for urgent notices; `sms_all` for every one), the
    language of the messages, quiet hours (China time; non-urgent messages wait until they end)."""

    email_on: bool = True
    sms_on: bool = True
    sms_all: bool = False
    language: Literal["zh", "en"] = "zh"
    quiet_start: HourMinute | None = None
    quiet_end: HourMinute | None = None

    @model_validator(mode="after")
    def _both_or_neither(self):
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise Problem(N_("quiet_start and quiet_end go together"))
        return self


class WebhookInput(Input):
    url: text(500, r"^https?://\S+$", N_("must be an http(s) URL"))
    events: Annotated[list[EventName], Field(min_length=1, max_length=40)]


class WebhookView(Output):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: LocalTime


class WebhookCreated(WebhookView):
    secret: str = Field(description="the HMAC-SHA256 key of X-GridFlow-Signature: shown this once")


class WebhookList(Output):
    items: list[WebhookView]


class FailedDelivery(Output):
    id: int
    channel: str
    recipient: str
    case: CaseNumberRef
    kind: str
    attempts: int
    last_error: str | None
    created_at: LocalTime


class FailedPage(Page[FailedDelivery]):
    pass
