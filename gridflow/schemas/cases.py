"""Cases: what a report and an event take, the search and queue parameters, and what comes back."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.clock import CST
from gridflow.errors import N_
from gridflow.schemas.categories import CategoryCode  # its shape: the report checks it is in use
from gridflow.schemas.common import (
    DB_INT_MAX,
    PATTERN_HINTS,
    GridCode,
    Id,
    Input,
    LocalTime,
    Name,
    Output,
    Page,
    Query,
    Ref,
    Text,
    UserRef,
    optional,
    text,
)
from gridflow.schemas.errors import FieldError
from gridflow.workflow.table import EVENTS, SIDE_DOORS, STATES

Kind = Literal["incident", "dispute"]
Risk = Literal["red", "orange", "yellow"]
PartyRole = Literal["applicant", "respondent", "third_party"]
Level = Literal[LEVELS_BOTTOM_UP]
Event = Literal[tuple(e for e in EVENTS if e not in SIDE_DOORS)]  # attach, merge_in: their own doors
ReferralTarget = Literal["arbitration", "court", "administrative", "petition", "other"]
MAX_PARTIES = 50

# Mainland mobile (11 digits, 13x-19x), or a landline with its area code: 0 + 2-3 digits, an optional
# hyphen, 7-8 digits (010-12345678, 0393 1234567).
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"
ID_NUMBER_PATTERN = r"^\d{17}[\dXx]$"
PATTERN_HINTS[ID_NUMBER_PATTERN] = N_("must be an 18-character ID number")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_check_digit(value: str) -> str:
    """A resident ID number (GB 11643) must carry its check digit."""
    value = value.upper()
    check = "10X98765432"[sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS)) % 11]
    if value[17] != check:
        raise ValueError("has a wrong check digit")
    return value


IdNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=ID_NUMBER_PATTERN),
    AfterValidator(_id_check_digit),
]
Phone = text(
    20,
    PHONE_PATTERN,
    N_("must be a mainland mobile number (11 digits) or a landline with its area code (0393-1234567)"),
)


UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
# The sender's own id for a report or an event (a UUID made on the phone): sent again, it is the same
# one, taken once.  Stored in its canonical spelling.
ClientId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=UUID_PATTERN),
    AfterValidator(lambda value: str(uuid.UUID(value))),
    Field(description="a UUID made by the sender: a repeat with the same one is answered, not applied again"),
]
PATTERN_HINTS[UUID_PATTERN] = "must be a UUID (36 characters, such as 0b8a4f5e-8c1d-4b9a-9f5e-2d7c1a3b4c5d)"


# -- inputs -----------------------------------------------------------------------------------------
class LocationInput(Input):
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class PositionInput(LocationInput):
    """Where the worker stands (GPS, WGS-84) and how sure the phone is of it."""

    accuracy_m: Annotated[float, Field(ge=0, le=100_000)] | None = None


class PartyInput(Input):
    """A party to the case.  Phone and ID number are personal data (masked for those not responsible)."""

    name: Name
    role: PartyRole
    phone: optional(Phone) = None
    id_number: optional(IdNumber) = None


class ReportInput(Input):
    """A new case: where (a point, or an entity by its ref), what, and who is involved."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "dispute",
                    "category": "D02",
                    "description": "楼上漏水，邻里争执",
                    "location": {"lon": 115.01, "lat": 35.85},
                    "risk": "yellow",
                    "parties": [
                        {"name": "张三", "role": "applicant", "phone": "13800001111"},
                        {"name": "李四", "role": "respondent", "phone": "0393-1234567"},
                    ],
                },
                {"kind": "incident", "category": "G02", "description": "井盖缺失", "entity": "S1"},
            ]
        }
    }

    kind: Kind
    category: CategoryCode
    description: Text
    location: LocationInput | None = None
    entity: optional(text(64)) = None
    address: optional(text(300)) = Field(None, description="where, in words (default: the entity's name and address)")
    parties: Annotated[list[PartyInput], Field(max_length=MAX_PARTIES)] | None = None
    risk: optional(Risk) = None
    client_id: ClientId | None = None

    @model_validator(mode="after")
    def _where_and_risk(self) -> ReportInput:
        if self.location is None and self.entity is None:
            raise FieldError("location", "give location {lon, lat} or entity (a ref)")
        if self.risk is not None and self.kind != "dispute":
            raise FieldError("risk", N_("risk tiers are for disputes"))
        return self


class AgreementInput(Input):
    """A written mediation agreement (terms, performance deadline), or a recorded oral settlement."""

    form: Literal["written", "oral"] = "written"
    terms: Text
    performance_deadline: date | None = None

    @model_validator(mode="after")
    def _written_has_deadline(self) -> AgreementInput:
        if self.form == "written" and self.performance_deadline is None:
            raise FieldError("performance_deadline", N_("a written agreement needs a performance deadline"))
        return self


class ReferralInput(Input):
    to: ReferralTarget
    body: optional(text(200)) = None
    routes: Text


def _naive_utc(value: datetime) -> datetime:
    """A time as typed (a form's `datetime-local` has no offset: China time) as stored, naive UTC."""
    return (value if value.tzinfo else value.replace(tzinfo=CST)).astimezone(UTC).replace(tzinfo=None)


TypedTime = Annotated[datetime, AfterValidator(_naive_utc)]  # the service checks past or future
PastTime = TypedTime


class SessionInput(Input):
    """A mediation session: what was said (summary), who took part, and where and when it was held
    (default: when it is recorded; a time without offset is China time)."""

    summary: Text
    participants: optional(text(500)) = None
    place: optional(text(200)) = None
    held_at: PastTime | None = None


class VisitInput(Input):
    notes: Text
    performed: bool | None = None
    satisfied: bool | None = Field(
        None, description="whether the parties said they were satisfied (counted in the figures)"
    )


class EventInput(Input):
    """One event on a case: which, on which version, and the inputs that event needs (see the
    workflow table: `reason` for escalate/return/reject/rework/extend, `extend_by` in the level's
    own unit of time, `into` for merge, …)."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {"event": "claim", "version": 2},
                {"event": "escalate", "version": 3, "reason": "涉及多个社区"},
                {"event": "record", "version": 3, "session": {"summary": "双方到场，各自陈述"}},
                {"event": "extend", "version": 3, "reason": "当事人住院", "extend_by": 2},
            ]
        }
    }

    event: Event
    version: Annotated[int, Field(ge=0, le=DB_INT_MAX)]
    reason: optional(Text) = None
    outcome: optional(Text) = None
    agreement: AgreementInput | None = None
    referral: ReferralInput | None = None
    session: SessionInput | None = None
    visit: VisitInput | None = None
    extend_by: Annotated[float, Field(ge=0.01, le=365)] | None = None
    into: Id | None = None
    note: optional(Text) = None  # supervise: what the supervising level asks for
    due: TypedTime | None = None  # supervise: by when (China time without an offset)
    position: PositionInput | None = None  # verify, rework, follow_up: where the worker stands
    client_id: ClientId | None = None


StateList = text(
    100, rf"^({'|'.join(STATES)})(,({'|'.join(STATES)}))*$", f"must be among {', '.join(STATES)} (comma-separated)"
)


class Paging(Query):
    page: Annotated[int, Field(ge=1, le=10**6)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20


SEARCH_MIN = 2  # the shortest text `q` finds (see gridflow.cases.search)
SearchText = Annotated[
    text(100),
    StringConstraints(min_length=SEARCH_MIN),
]
CaseNumber = text(32, r"^[0-9A-Za-z-]+$", N_("must be a case number (such as 410902-20261126-00042)"))
Sort = Literal["deadline", "reported", "risk"]


class CaseFilters(Query):
    """The case search's filters (the list, its exports, the desk): every one optional, all of them
    applied together, inside the caller's area."""

    state: StateList | None = Field(None, description="one state, or several separated by commas")
    level: Level | None = None
    division: text(15) | None = Field(None, description="a division code: cases inside it")
    category: CategoryCode | None = None
    kind: Kind | None = None
    overdue: bool | None = Field(None, description="active and past its deadline now")
    supervised: bool | None = Field(None, description="under supervision (督办) from an upper level, or not")
    number: CaseNumber | None = Field(None, description="a case number, exactly")
    q: SearchText | None = Field(
        None, description="two or more characters found anywhere in the description or the address"
    )
    from_: date | None = Field(None, alias="from", description="reported on or after this day (China time)")
    to: date | None = Field(None, description="reported on or before this day (China time)")
    assignee: Id | None = Field(None, description="the assignee's user id")
    grid: GridCode | None = Field(None, description="a grid code")
    risk: Risk | None = None
    ever_overdue: bool | None = Field(None, description="past a deadline at some time (now, or found by the sweep)")
    escalated: bool | None = Field(None, description="escalated at least once")
    sort: Sort | None = Field(
        None,
        description="deadline (soonest first), reported (newest first, the default) or risk (by deadline "
        "hour, then red, orange, yellow)",
    )

    @model_validator(mode="after")
    def _period(self) -> CaseFilters:
        if self.from_ and self.to and self.from_ > self.to:
            raise FieldError("to", N_("must not be before from"))
        return self


class CaseSearch(CaseFilters, Paging):
    """Search inside the caller's area; every filter optional."""


class CaseExport(CaseFilters):
    """The case search's filters, for a file of every matching case (no pages); `lang=en`: English headers."""

    lang: Literal["zh", "en"] = "zh"


# -- outputs ----------------------------------------------------------------------------------------
class Point(Output):
    lon: float
    lat: float


class PartyView(Output):
    name: str
    role: str
    phone: str | None
    id_number: str | None


class Supervision(Output):
    """督办: supervised by `level` (by whom, with what note, until when, since when) until the case ends."""

    level: str
    by: UserRef | None
    note: str
    due: LocalTime
    at: LocalTime


class Urged(Output):
    """催办: how often the case was urged by upper levels, and the last time."""

    count: int
    last: LocalTime | None


class CaseSummary(Output):
    id: int
    number: str
    kind: str
    category: str
    category_version: int  # the version of its category the case was filed under (its time limits)
    category_name: str
    duty: str
    state: str
    level: str
    risk: str | None
    grid: Ref | None
    community: Ref | None
    street: Ref | None
    county: Ref | None
    city: Ref | None
    location: Point
    assignee: UserRef | None
    deadline: LocalTime | None
    warn_at: LocalTime | None
    overdue: bool
    overdue_flagged_at: LocalTime | None  # overdue at city level: for city supervisors
    warning: bool
    level_entered_at: LocalTime  # when the case reached its level (its level's clock started then)
    limit_unit: str  # the kind of time its level's limit counts (emergency_hours, working_hours, working_days)
    escalations: int
    reworks: int
    extensions: int
    extensions_left: int  # at the current level
    step_deadline: LocalTime | None  # reported: file it by then; resolved: verify it by then (the grid worker)
    unchecked: bool  # filed by the system when its filing limit passed: never checked on site
    verification_late_at: LocalTime | None  # its verification limit passed then (while still resolved)
    supervised: Supervision | None
    urged: Urged
    created_at: LocalTime
    updated_at: LocalTime
    version: int


class FollowUpDue(CaseSummary):
    """A closed case whose follow-up visit is due (see `workflow.rules.follow_up_due_on`)."""

    due_on: date  # China time
    purpose: Literal["performance", "satisfaction"]  # check the agreement was carried out, or ask satisfaction
    performance_deadline: date | None
    last_visit_at: LocalTime | None


class FollowUpsDue(Output):
    items: list[FollowUpDue]  # the longest due first (at most FOLLOW_UPS_LISTED)
    total: int


class AgreementView(Output):
    form: str
    terms: str
    performance_deadline: date | None
    signed_at: LocalTime
    confirmation_deadline: date | None


class SessionView(Output):
    held_at: LocalTime
    place: str | None
    participants: str | None
    summary: str


class VisitView(Output):
    visited_at: LocalTime
    notes: str
    performed: bool | None
    satisfied: bool | None = None


class CaseDetail(CaseSummary):
    description: str
    address: str | None
    reporter: str | None
    outcome: str | None
    merged_into: int | None
    merged_from: list[int]  # duplicates merged into this case
    resolved_at: LocalTime | None
    closed_at: LocalTime | None
    parties: list[PartyView]
    allowed_events: list[str]
    attach_stages: list[str]  # the stages the caller may upload files for now (POST …/attachments)
    agreement: AgreementView | None
    sessions: list[SessionView]
    follow_ups: list[VisitView]


class PossibleDuplicate(Output):
    id: int
    number: str
    state: str
    distance_m: float


class DuplicateQuery(Query):
    """A report not yet sent: its category and point (the field app asks before sending)."""

    category: CategoryCode
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class DuplicateList(Output):
    items: list[PossibleDuplicate]


class ReportedCase(CaseDetail):
    possible_duplicates: list[PossibleDuplicate]  # same category nearby lately, that the caller may see


class CasePage(Page[CaseSummary]):
    # A two-character `q` is looked for in the newest cases of the area only: true when older ones
    # were left unread (three or more characters are always looked for everywhere).
    partial: bool


class TimelineCase(Output):
    id: int
    number: str
    state: str
    level: str


class TimelineEvent(Output):
    seq: int
    at: LocalTime
    actor: str
    event: str
    from_state: str | None
    to_state: str
    from_level: str | None
    to_level: str
    reason: str | None
    data: dict[str, Any]
    hash: str
    key_id: str  # which chain key made the hash (keys can be rotated)


class Durations(Output):
    levels: dict[str, float]  # seconds per level (natural time)
    states: dict[str, float]  # seconds per state (natural time)
    working_levels: dict[str, float] = Field(description="office seconds per level (working time, the stored calendar)")
    working_states: dict[str, float] = Field(description="office seconds per state (working time)")
    office_seconds_per_day: float = Field(description="the office hours of one working day, in seconds")


class LevelStay(Output):
    """The case's time at one level, with the deadline it had there (null: no clock ran)."""

    level: str
    entered_at: LocalTime
    left_at: LocalTime | None  # null: still there
    deadline: LocalTime | None
    overdue: bool  # it stayed (or has stayed until now) past that deadline


class Timeline(Output):
    case: TimelineCase
    events: list[TimelineEvent]
    durations: Durations
    stays: list[LevelStay]
    chain_valid: bool
    chain_broken_at: int | None
    chain_problem: str | None
