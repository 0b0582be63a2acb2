"""keyed timeline chains: a key id per event, the chain's anchor on the case

Timelines were chained with plain SHA-256, which anyone able to write to the database could
recompute after rewriting or deleting events.  Now every event is hashed with HMAC-SHA256 under a
chain key kept outside the database (GRIDFLOW_CHAIN_KEY, or the instance folder's chain.key), names
its key (`key_id`), and the case row keeps the anchor: event count, last hash and a keyed seal.

Existing timelines are re-keyed: each case's chain is checked with the old hashes first; the events
that check out are hashed again with the chain key, so an upgraded database verifies.  A chain that
was already broken keeps its old hashes from the first bad event on (key id "sha256", which is never
a valid key): it stays broken at the same event.  Every case gets its sealed anchor.  The chain key
is read (or created) only when there are cases: run the upgrade with the same GRIDFLOW_CHAIN_KEY /
instance folder as the application (`flask --app wsgi db upgrade` does).  The downgrade turns the
chains that verify back into plain SHA-256 ones.

Revision ID: 0007_keyed_chain
Revises: 0006_extensions_left
"""

import sqlalchemy as sa
from alembic import context, op

from gridflow.hashchain import GENESIS, LEGACY_KEY_ID, KeyRing, legacy_hash

revision = "0007_keyed_chain"
down_revision = "0006_extensions_left"
branch_labels = None
depends_on = None

BATCH = 1000
# What an event's hash covers, as of this revision (frozen here: later changes must not alter it).
FIELDS = (
    "case_id",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "event",
    "from_state",
    "to_state",
    "from_level",
    "to_level",
    "reason",
    "data",
)
_case = sa.table(
    "case_file",
    sa.column("id", sa.Integer),
    sa.column("chain_length", sa.Integer),
    sa.column("chain_head", sa.String),
    sa.column("chain_seal", sa.String),
)
_event = sa.table(
    "case_event",
    sa.column("id", sa.Integer),
    *(
        sa.column(f, sa.DateTime if f == "at" else sa.Integer if f in ("case_id", "seq", "actor_id") else sa.String)
        for f in FIELDS
    ),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
    sa.column("key_id", sa.String),
)


def _content(e) -> dict:
    out = {f: getattr(e, f) for f in FIELDS}
    out["at"] = e.at.isoformat(timespec="microseconds")
    return out


def _keys() -> KeyRing:
    """The application's key ring: handed over by `flask db upgrade`, else from the environment."""
    provide = context.config.attributes.get("chain_keys")
    if provide is not None:
        return provide()
    from gridflow import settings
    from gridflow.chainkeys import chain_keys

    return chain_keys(settings.load()[0])


def _cases(conn):
    """Case ids in batches, each with its events in order."""
    after = 0
    while True:
        ids = (
            conn.execute(sa.select(_case.c.id).where(_case.c.id > after).order_by(_case.c.id).limit(BATCH))
            .scalars()
            .all()
        )
        if not ids:
            return
        events: dict[int, list] = {i: [] for i in ids}
        rows = conn.execute(sa.select(_event).where(_event.c.case_id.in_(ids)).order_by(_event.c.case_id, _event.c.seq))
        for e in rows:
            events[e.case_id].append(e)
        yield events
        after = ids[-1]


def _rechain(events: list, old_ok, new_hash) -> list[dict]:
    """Updates that hash the events checking out under the old scheme again under the new one; from
    the first that does not, the events stay as they are."""
    updates, old_prev, new_prev = [], GENESIS, GENESIS
    for expected, e in enumerate(events, start=1):
        if e.seq != expected or e.prev_hash != old_prev or not old_ok(e, old_prev):
            break
        old_prev = e.hash
        key_id, digest = new_hash(new_prev, _content(e))
        updates.append({"eid": e.id, "prev": new_prev, "hash": digest, "key": key_id})
        new_prev = digest
    return updates


def upgrade() -> None:
    op.add_column("case_event", sa.Column("key_id", sa.String(16), nullable=False, server_default=LEGACY_KEY_ID))
    op.add_column("case_file", sa.Column("chain_length", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("case_file", sa.Column("chain_head", sa.String(64), server_default=GENESIS, nullable=False))
    op.add_column("case_file", sa.Column("chain_seal", sa.String(80), nullable=True))
    conn = op.get_bind()
    if conn.execute(sa.select(_case.c.id).limit(1)).first() is not None:
        _rekey(conn, _keys())
    with op.batch_alter_table("case_event") as batch:  # every event names its key from now on
        batch.alter_column("key_id", existing_type=sa.String(16), server_default=None)


def _rekey(conn, ring: KeyRing) -> None:
    def old_ok(e, prev):
        return legacy_hash(prev, _content(e)) == e.hash

    def new_hash(prev, content):
        return ring.current_id, ring.entry_hash(ring.current_id, prev, content)

    for batch in _cases(conn):
        event_updates, anchors = [], []
        for case_id, events in batch.items():
            updates = _rechain(events, old_ok, new_hash)
            event_updates += updates
            rehashed = {u["eid"]: u["hash"] for u in updates}
            head = rehashed.get(events[-1].id, events[-1].hash) if events else GENESIS
            anchor = ring.seal(f"case:{case_id}", len(events), head)
            anchors.append({"cid": case_id, "n": anchor.length, "head": anchor.head, "seal": anchor.seal})
        _write(conn, event_updates, anchors)


def _write(conn, event_updates: list[dict], anchors: list[dict]) -> None:
    if event_updates:
        conn.execute(
            _event.update()
            .where(_event.c.id == sa.bindparam("eid"))
            .values(prev_hash=sa.bindparam("prev"), hash=sa.bindparam("hash"), key_id=sa.bindparam("key")),
            event_updates,
        )
    if anchors:
        conn.execute(
            _case.update()
            .where(_case.c.id == sa.bindparam("cid"))
            .values(chain_length=sa.bindparam("n"), chain_head=sa.bindparam("head"), chain_seal=sa.bindparam("seal")),
            anchors,
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.select(_event.c.id).limit(1)).first() is not None:
        ring = _keys()

        def keyed_ok(e, prev):
            try:
                return ring.entry_hash(e.key_id, prev, _content(e)) == e.hash
            except LookupError:
                return False

        def plain(prev, content):
            return LEGACY_KEY_ID, legacy_hash(prev, content)

        for batch in _cases(conn):
            updates = [u for events in batch.values() for u in _rechain(events, keyed_ok, plain)]
            _write(conn, updates, [])
    with op.batch_alter_table("case_event") as batch:
        batch.drop_column("key_id")
    op.drop_column("case_file", "chain_seal")
    op.drop_column("case_file", "chain_head")
    op.drop_column("case_file", "chain_length")
