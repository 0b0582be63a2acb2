"""Reporting a case: the busiest write, built lean (see gridflow.hotpath and the README's "How a
request uses the database").

The look-ups (place, possible duplicates) run outside the write transaction, which stays short: SQLite
has one writer at a time, and on PostgreSQL the county's case counter row is locked until commit.
"""

from __future__ import annotations

import typing
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Connection, String, Table, bindparam, cast, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from geo.crs import metres_per_degree, nearby_m
from geo.levels import LEVELS_BOTTOM_UP
from gridflow.calendar import store as calendars
from gridflow.cases.act import mediation_record
from gridflow.cases.chain import event_row, seal
from gridflow.cases.policy import Policy
from gridflow.cases.view import case_detail, load_names, load_visible
from gridflow.categories import store as categories
from gridflow.clock import local_date, utcnow
from gridflow.db import Database
from gridflow.errors import Conflict, Invalid
from gridflow.hashchain import GENESIS, KeyRing
from gridflow.hotpath import HotInsert, HotStatement, rows_of_each
from gridflow.models import Case, CaseCounter, CaseEvent, CaseFacts, CaseParty, Entity
from gridflow.models.cases import CLIENT_ID_SQL, DUPLICATE_CANDIDATES_SQL
from gridflow.notifications.rules import for_events
from gridflow.people.access import can_see
from gridflow.places import lookup as places
from gridflow.schemas.cases import PossibleDuplicate, ReportedCase, ReportInput
from gridflow.spatial import to_shape
from gridflow.stats import tally, upkeep
from gridflow.workflow import table
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.categories import Category
from gridflow.workflow.rules import Actor, filing_deadline


def _counter_stmt(dialect: str):
    from sqlalchemy.dialects import postgresql, sqlite

    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        upsert(CaseCounter)
        .values(prefix=bindparam("prefix"), value=1)
        .on_conflict_do_update(index_elements=["prefix"], set_={"value": CaseCounter.value + 1})
        .returning(CaseCounter.value)
    )


def _insert_case_stmt(dialect: str):
    """The new case's row, returning its id and number.  On PostgreSQL the county-day serial is taken
    in the same statement (a data-modifying WITH): one round trip, and the counter row is locked for
    that much less time; SQLite (no such WITH) takes it in a statement of its own just before."""
    table = _CASE
    if dialect != "postgresql":
        return (
            insert(table)
            .values({c.key: bindparam(c.key, type_=c.type) for c in table.columns if c.key != "id"})
            .returning(table.c.id, table.c.number)
        )
    serial = _counter_stmt(dialect).cte("serial")
    digits = cast(serial.c.value, String)
    number = bindparam("prefix", type_=String) + func.lpad(
        digits, func.greatest(SERIAL_DIGITS, func.length(digits)), "0"
    )
    columns = [c for c in table.columns if c.key not in ("id", "number")]
    rows = select(number, *(bindparam(c.key, type_=c.type) for c in columns)).select_from(serial)
    return insert(table).from_select(["number", *(c.key for c in columns)], rows).returning(table.c.id, table.c.number)


_CASE, _PARTY, _EVENT = (typing.cast(Table, m.__table__) for m in (Case, CaseParty, CaseEvent))
# What the office keeps that a report needs: its category's current version and the working calendar's
# revision (one statement, sent with the place look-up).
_OFFICE = HotStatement(
    "report.category_and_calendar", categories.current_version_query().add_columns(calendars.revision_query())
)
# The statements of every report (see gridflow.hotpath).
_NEXT_SERIAL = HotStatement("report.next_serial", _counter_stmt)
_INSERT_CASE = HotStatement("report.insert_case", _insert_case_stmt)
_INSERT_PARTIES = HotInsert("report.insert_parties", _PARTY, ["case_id", "name", "phone", "id_number", "role"])
_INSERT_EVENTS = HotInsert(
    "report.insert_events",
    _EVENT,
    [c.key for c in _EVENT.columns if c.key not in ("id", "client_id")],  # the report's is the case's
)
_CASE_COLUMNS = [c.key for c in _CASE.columns if c.key != "id"]
_INSERT_FACTS = HotInsert("report.insert_facts", typing.cast(Table, CaseFacts.__table__), upkeep.COLUMNS)
_ADD_TALLY = HotStatement("report.add_tally", tally.TALLY.upsert)
# The chain's anchor, known once the case has its id (its events' hashes cover the id): sent with the
# events, it adds no round trip.
_ANCHOR = HotStatement(
    "report.anchor",
    update(_CASE)
    .where(_CASE.c.id == bindparam("case_id"))
    .values(chain_length=bindparam("length"), chain_head=bindparam("head"), chain_seal=bindparam("seal")),
)


SERIAL_DIGITS = 5


def _number_prefix(county_code: str, now: datetime) -> str:
    """Case numbers: county code + local date + serial per county and day, 410902-20261126-00042."""
    return f"{county_code}-{local_date(now):%Y%m%d}-"


def _store_case(conn: Connection, case: SimpleNamespace, county_code: str, now: datetime) -> None:
    """INSERT the case, numbered by one atomic counter upsert (concurrent reports never share a serial)."""
    prefix = _number_prefix(county_code, now)
    values = {c: getattr(case, c) for c in _CASE_COLUMNS}
    if conn.dialect.name != "postgresql":
        ((serial,),) = _NEXT_SERIAL.rows(conn, {"prefix": prefix})
        values["number"] = f"{prefix}{serial:0{SERIAL_DIGITS}d}"
    ((case.id, case.number),) = _INSERT_CASE.rows(conn, values | {"prefix": prefix})


# Exactly-once reports: the case this reporter already made with this client id (an index probe, sent
# with the place and duplicate look-ups; reports without a client id do not send it).
_BY_CLIENT_ID = HotStatement(
    "report.by_client_id",
    select(Case.id).where(
        Case.reporter_id == bindparam("reporter"), Case.client_id == bindparam("client_id"), CLIENT_ID_SQL
    ),
)


def _where(
    db: Database, data: dict, kind: str, actor: Actor, policy: Policy, now: datetime, client_id: str | None = None
) -> tuple[places.Responsible | None, list[PossibleDuplicate], int | None, Category, WorkCalendar]:
    """Resolve the report's location (or entity) to the grid and divisions answering for it, find
    possible duplicates there (before the new case exists, so it cannot match itself), the case
    already made with `client_id` (None: none), the current version of its category and the working
    calendar's revision."""
    with db.lookup() as conn:
        if "entity" in data:
            entity = conn.execute(
                select(Entity.id, Entity.geom, Entity.name, Entity.address).where(Entity.ref == data["entity"])
            ).first()
            if entity is None:
                raise Invalid(f"no entity with ref {data['entity']!r}", field="entity")
            point = to_shape(entity.geom).representative_point()
            data["lon"], data["lat"], data["entity_id"] = point.x, point.y, entity.id
            data["entity_address"] = " ".join(filter(None, (entity.name, entity.address)))[:300]
        # The look-ups do not depend on each other: one round trip on PostgreSQL.
        calls = [
            places.responsible_query(data["lon"], data["lat"]),
            _duplicates_query(data, policy, now),
            (_OFFICE, {"category": data["category"]}),
        ]
        if client_id is not None:
            calls.append((_BY_CLIENT_ID, {"reporter": actor.id, "client_id": client_id}))
        place_rows, nearby_rows, office_rows, *made = rows_of_each(conn, calls)
        version, revision = office_rows[0] if office_rows else (None, None)
        # Both from memory but for the first report of a version, or the first after a calendar change.
        category = categories.reported_category(conn, db, data["category"], version, kind)
        calendar = calendars.calendar_at(conn, db, revision, policy.office_hours)
    duplicates = _possible_duplicates(nearby_rows, data["lon"], data["lat"], actor, policy)
    earlier = made[0][0][0] if made and made[0] else None
    found = places.responsible_from(place_rows)
    if earlier is None and (found is None or None in (found.street, found.county, found.city)):
        raise Invalid("the location lies outside every grid: no one is responsible for it there", field="location")
    return found, duplicates, earlier, category, calendar


def report(db: Database, actor: Actor, inp: ReportInput, policy: Policy, source: str = "field") -> ReportedCase:
    """Report a case (see `report_once`)."""
    return report_once(db, actor, inp, policy, source)[0]


def _made_before(
    db: Database, actor: Actor, case_id: int, duplicates: list[PossibleDuplicate], now: datetime
) -> ReportedCase:
    """The case this reporter made with the same client id, answered as a report is."""
    with db.session() as s:
        case = load_visible(s, actor, case_id)  # his own report: always visible to him
        others = [d for d in duplicates if d.id != case_id]
        record = mediation_record(s, case)
        detail = case_detail(
            case, load_names(s, [case], db), actor, now, record, ReportedCase, possible_duplicates=others
        )
        return typing.cast(ReportedCase, detail)


def report_once(
    db: Database, actor: Actor, inp: ReportInput, policy: Policy, source: str = "field"
) -> tuple[ReportedCase, bool]:
    """Report a case: (the new case, True), or (the case this reporter already made with the same
    `client_id`, False) — also when two such reports race (the unique index decides, the loser reads
    the winner's case).  The look-ups happen outside the write transaction, which stays short: SQLite
    has one writer at a time, and on PostgreSQL the county's case counter row is locked until commit."""
    data = {"category": inp.category}
    if inp.location is not None:
        data["lon"], data["lat"] = inp.location.lon, inp.location.lat
    else:
        data["entity"] = inp.entity
    now = utcnow()
    found, duplicates, earlier, category, calendar = _where(db, data, inp.kind, actor, policy, now, inp.client_id)
    if earlier is not None:
        return _made_before(db, actor, earlier, duplicates, now), False
    assert found is not None  # checked by _where
    street, county, city = (typing.cast(places.Ref, getattr(found, lvl)) for lvl in LEVELS_BOTTOM_UP[1:])
    case = _new_case(
        kind=inp.kind,
        category=category.code,
        category_version=category.version,
        description=inp.description,
        address=inp.address or data.get("entity_address"),
        source=source,
        risk=inp.risk,
        lon=data["lon"],
        lat=data["lat"],
        entity_id=data.get("entity_id"),
        location=f"SRID=4326;POINT({data['lon']!r} {data['lat']!r})",
        grid_id=found.grid.id,
        community_id=found.community.id,
        street_id=street.id,
        county_id=county.id,
        city_id=city.id,
        reporter_id=actor.id,
        reporter_name=actor.name,
        state="reported",
        level=LEVELS_BOTTOM_UP[0],
        level_entered_at=now,
        created_at=now,
        updated_at=now,
        escalations=0,
        returns=0,
        reworks=0,
        extensions=0,
        extensions_left=0,  # set when the case's clock starts at a level
        unchecked=False,
        urge_count=0,
        version=1,
        chain_length=0,
        chain_head=GENESIS,
        client_id=inp.client_id,
        parties=list(inp.parties or ()),
    )
    events = [("report", None, None, {"source": source, "category": case.category, "grid": found.grid.code})]
    # A grid worker's field report is filed at once (the table's `file` row decides); filed before
    # the first INSERT, so the row is written once.
    if table.row_taken(case, "file", actor) is not None:
        events.append(("file", case.state, case.level, {}))
        if not table.fire(case, "file", actor=actor, now=now, **policy.effects(calendar, category)):
            raise Conflict("file is not allowed now")
    else:  # its grid worker's filing limit starts (the sweep files it when the limit passes)
        case.step_deadline = filing_deadline(calendar, category, now)
    worker_id = found.worker.id if found.worker else None
    facts = upkeep.facts_of_report(case, [(e[0], e[3]) for e in events], category, worker_id, calendar)
    try:
        with db.transaction(write=True, pipeline=True) as conn:
            _insert_case(conn, case, county.code, actor, events, now, policy.keys(), facts)
            unit = category.limit(case.level).unit
            numbered = [(event, seq) for seq, (event, *_) in enumerate(events, start=1)]
            for_events(conn, case, numbered, actor, now, policy.channels, unit)  # the outbox, same transaction
    except IntegrityError:
        if inp.client_id is None:
            raise
        with db.lookup() as conn:  # the same report, sent twice at once: the other one got in first
            winner = _BY_CLIENT_ID.first(conn, {"reporter": actor.id, "client_id": inp.client_id})
        if winner is None:
            raise
        return _made_before(db, actor, winner[0], duplicates, now), False
    names: dict[tuple, typing.Any] = {("division", d.id): d.to_dict() for d in (found.community, street, county, city)}
    names[("grid", found.grid.id)] = found.grid.to_dict()
    names[("category", category.code, category.version)] = category
    record: dict[str, typing.Any] = {"agreement": None, "sessions": [], "follow_ups": [], "merged_from": []}
    detail = case_detail(case, names, actor, now, record, ReportedCase, possible_duplicates=duplicates)
    return typing.cast(ReportedCase, detail), True


def _new_case(**values) -> SimpleNamespace:
    """A case not yet stored: every column of `case_file` (None unless given) as plain attributes.  The
    workflow table, the JSON view and the INSERT read attributes only; an ORM object would cost the
    busiest request its instrumentation for nothing."""
    return SimpleNamespace(**(dict.fromkeys(_CASE_COLUMNS) | {"id": None} | values))


def _insert_case(
    conn: Connection,
    case: SimpleNamespace,
    county_code: str,
    actor: Actor,
    events: list,
    now: datetime,
    keys: KeyRing,
    facts: dict,
) -> None:
    """Write a new case, its parties, its first timeline entries, their anchor and the case's facts: plain statements (a
    report is the busiest write; the ORM's unit of work would cost more than the statements).  In a
    pipelined transaction on PostgreSQL, BEGIN travels with the numbered case, the parties, events and
    anchor with the COMMIT."""
    _store_case(conn, case, county_code, now)
    if case.parties:
        _INSERT_PARTIES.rows(
            conn,
            [
                {"case_id": case.id, "name": p.name, "phone": p.phone, "id_number": p.id_number, "role": p.role}
                for p in case.parties
            ],
        )
    states = [("reported", LEVELS_BOTTOM_UP[0]), (case.state, case.level)]
    _INSERT_EVENTS.rows(
        conn,
        [
            event_row(case, actor, event, from_state, from_level, None, record, now, keys, to_state, to_level)
            for (event, from_state, from_level, record), (to_state, to_level) in zip(events, states)
        ],
    )
    seal(case, keys)
    _ANCHOR.rows(
        conn, {"case_id": case.id, "length": case.chain_length, "head": case.chain_head, "seal": case.chain_seal}
    )
    _INSERT_FACTS.rows(conn, [facts | {"case_id": case.id}])
    counted = tally.row_of(facts)
    if counted is not None:  # not filed at once: counted in its community's tally of reported cases
        _ADD_TALLY.rows(conn, counted)


# The candidates' area columns too: the hint lists only cases the reporter may see.
_AREA = ("grid_id", "community_id", "street_id", "county_id", "city_id", "reporter_id")
_DUPLICATES = HotStatement(
    "report.duplicates",
    select(Case.id, Case.number, Case.state, Case.lon, Case.lat, *(getattr(Case, c) for c in _AREA)).where(
        Case.category == bindparam("category"),
        Case.lat.between(bindparam("lat0"), bindparam("lat1")),
        Case.lon.between(bindparam("lon0"), bindparam("lon1")),
        Case.created_at >= bindparam("since"),
        DUPLICATE_CANDIDATES_SQL,
    ),
)


def _duplicates_query(data: dict, policy: Policy, now: datetime) -> tuple[HotStatement, dict]:
    """Active cases of the same category reported nearby lately: a box around the point first."""
    kx, ky = map(float, metres_per_degree(data["lat"]))
    dlon, dlat = policy.duplicate_radius_m / kx, policy.duplicate_radius_m / ky
    return _DUPLICATES, {
        "category": data["category"],
        "lat0": data["lat"] - dlat,
        "lat1": data["lat"] + dlat,
        "lon0": data["lon"] - dlon,
        "lon1": data["lon"] + dlon,
        "since": now - timedelta(hours=policy.duplicate_window_hours),
    }


def possible_duplicates(
    db: Database, actor: Actor, category: str, lon: float, lat: float, policy: Policy
) -> list[PossibleDuplicate]:
    """What a report of `category` at this point would list as possible duplicates, before it is sent
    (the field app shows them, with "it's the same", before a new case is made)."""
    with db.lookup() as conn:
        (rows,) = rows_of_each(
            conn, [_duplicates_query({"category": category, "lon": lon, "lat": lat}, policy, utcnow())]
        )
    return _possible_duplicates(rows, lon, lat, actor, policy)


def _possible_duplicates(
    rows: list[tuple], lon: float, lat: float, actor: Actor, policy: Policy, limit: int = 20
) -> list[PossibleDuplicate]:
    """Of the cases in the box that the reporter may see, those within the radius, nearest first (a
    hint; the grid worker decides)."""
    if not rows:
        return []
    distances = nearby_m(lon, lat, [r[3] for r in rows], [r[4] for r in rows])
    near = sorted(
        (
            (d, r)
            for d, r in zip(distances.tolist(), rows)
            if d <= policy.duplicate_radius_m and can_see(SimpleNamespace(**dict(zip(_AREA, r[5:]))), actor)
        ),
        key=lambda pair: pair[0],
    )[:limit]
    return [PossibleDuplicate(id=r[0], number=r[1], state=r[2], distance_m=round(d, 1)) for d, r in near]
