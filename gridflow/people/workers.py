"""Five-in-one grid workers and who owns which grid.

A grid is owned by at most one worker; a grid worker's account is linked to his worker record, and
the grids he may act on are those his record owns (read afresh on every request).  Every change of
ownership ends the tokens and sessions of the accounts of the old and the new owner, and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from gridflow.audit.log import Caller, record
from gridflow.db import Database
from gridflow.errors import N_, Conflict, NotFound
from gridflow.models import Division, Grid, User, Worker
from gridflow.people.access import require_admin
from gridflow.schemas.common import Ref
from gridflow.schemas.people import (
    AccountRef,
    GridOwnerInput,
    GridOwnerView,
    WorkerCreate,
    WorkerPage,
    WorkerRef,
    WorkerSearch,
    WorkerView,
)


@dataclass(frozen=True)
class OwnerChange:
    grid: str  # code
    previous: str | None  # staff numbers
    owner: str | None


def worker_ref(worker: Worker | None) -> WorkerRef | None:
    return None if worker is None else WorkerRef(staff_no=worker.staff_no, name=worker.name)


def find_worker(session: Session, staff_no: str, field: str = "staff_no") -> Worker:
    worker = session.scalars(select(Worker).where(Worker.staff_no == staff_no)).first()
    if worker is None:
        raise NotFound(N_("no worker with staff number %(no)s"), field=field, params={"no": staff_no})
    return worker


def find_grids(session: Session, codes: list[str], field: str = "grids") -> list[Grid]:
    found = {g.code: g for g in session.scalars(select(Grid).where(Grid.code.in_(codes)))} if codes else {}
    for code in codes:
        if code not in found:
            raise NotFound(N_("no grid with code %(code)s"), field=field, params={"code": code})
    return [found[c] for c in dict.fromkeys(codes)]


def set_owner(session: Session, grid: Grid, worker: Worker | None) -> OwnerChange | None:
    """Make `worker` (or nobody) the owner of `grid`; the accounts of both owners must log in again."""
    previous = grid.worker
    if (previous.id if previous else None) == (worker.id if worker else None):
        return None
    grid.worker = worker
    ids = [w.id for w in (previous, worker) if w is not None]
    session.flush()
    session.execute(
        update(User).where(User.worker_id.in_(ids)).values(token_version=User.token_version + 1),
        execution_options={"synchronize_session": "fetch"},
    )
    return OwnerChange(grid.code, previous.staff_no if previous else None, worker.staff_no if worker else None)


def set_grids(session: Session, worker: Worker, grids: list[Grid]) -> list[OwnerChange]:
    """`worker` owns exactly `grids` from now on: they are handed to him, his others left ownerless."""
    wanted = {g.id for g in grids}
    changes = [set_owner(session, g, worker) for g in grids]
    dropped = session.scalars(select(Grid).where(Grid.worker_id == worker.id, Grid.id.not_in(wanted or [-1])))
    changes += [set_owner(session, g, None) for g in list(dropped)]
    return [c for c in changes if c is not None]


def record_owner_changes(session: Session, caller: Caller, changes: list[OwnerChange]) -> None:
    for change in changes:
        record(session, caller, "grid.owner", f"grid:{change.grid}", {"from": change.previous, "to": change.owner})


def owned_grids(session: Session, worker_ids: list[int]) -> dict[int, list[Ref]]:
    out: dict[int, list[Ref]] = {i: [] for i in worker_ids}
    if worker_ids:
        rows = session.execute(
            select(Grid.worker_id, Grid.code, Grid.name).where(Grid.worker_id.in_(worker_ids)).order_by(Grid.code)
        )
        for worker_id, code, name in rows:
            if worker_id is not None:  # the query asks for owned grids only
                out[worker_id].append(Ref(code=code, name=name))
    return out


def divisions_under(session: Session, code: str, field: str = "division") -> list[int]:
    """The ids of division `code` and every division below it."""
    division = session.scalars(select(Division).where(Division.code == code)).first()
    if division is None:
        raise NotFound(N_("no division with code %(code)s"), field=field, params={"code": code})
    ids, frontier = [division.id], [division.id]
    while frontier:
        frontier = list(session.scalars(select(Division.id).where(Division.parent_id.in_(frontier))))
        ids += frontier
    return ids


# -- services (administrators, and the server's command line) -----------------------------------------
def _view(session: Session, worker: Worker) -> WorkerView:
    account = session.execute(select(User.id, User.username).where(User.worker_id == worker.id)).first()
    return WorkerView(
        staff_no=worker.staff_no,
        name=worker.name,
        phone=worker.phone,
        grids=owned_grids(session, [worker.id])[worker.id],
        account=AccountRef(id=account.id, username=account.username) if account else None,
    )


def list_workers(db: Database, caller: Caller, q: WorkerSearch) -> WorkerPage:
    require_admin(caller.actor)
    with db.session() as s:
        stmt = select(Worker)
        if q.division:
            under = divisions_under(s, q.division)
            stmt = stmt.where(Worker.id.in_(select(Grid.worker_id).where(Grid.community_id.in_(under))))
        if q.q:
            stmt = stmt.where(
                or_(Worker.staff_no.contains(q.q, autoescape=True), Worker.name.contains(q.q, autoescape=True))
            )
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        workers = list(s.scalars(stmt.order_by(Worker.staff_no).limit(q.per_page).offset((q.page - 1) * q.per_page)))
        grids = owned_grids(s, [w.id for w in workers])
        accounts = dict(
            s.execute(select(User.worker_id, User.id).where(User.worker_id.in_([w.id for w in workers] or [-1]))).all()
        )
        names = dict(s.execute(select(User.id, User.username).where(User.id.in_(accounts.values() or [-1]))).all())
        items = [
            WorkerView(
                staff_no=w.staff_no,
                name=w.name,
                phone=w.phone,
                grids=grids[w.id],
                account=AccountRef(id=accounts[w.id], username=names[accounts[w.id]]) if w.id in accounts else None,
            )
            for w in workers
        ]
        return WorkerPage(items=items, page=q.page, per_page=q.per_page, total=total)


def create_worker(db: Database, caller: Caller, inp: WorkerCreate) -> WorkerView:
    require_admin(caller.actor)
    with db.session(write=True) as s:
        if s.scalars(select(Worker).where(Worker.staff_no == inp.staff_no)).first() is not None:
            raise Conflict(
                N_("a worker with staff number %(no)s exists"), field="staff_no", params={"no": inp.staff_no}
            )
        worker = Worker(staff_no=inp.staff_no, name=inp.name, phone=inp.phone)
        s.add(worker)
        s.flush()
        record(s, caller, "worker.create", f"worker:{worker.staff_no}", {"name": worker.name})
        return _view(s, worker)


def change_grid_owner(db: Database, caller: Caller, grid_code: str, inp: GridOwnerInput) -> GridOwnerView:
    """Hand grid `grid_code` to the worker with `inp.staff_no` (or to nobody)."""
    require_admin(caller.actor)
    with db.session(write=True) as s:
        grid = s.scalars(select(Grid).where(Grid.code == grid_code)).first()
        if grid is None:
            raise NotFound(N_("no grid with code %(code)s"), field="code", params={"code": grid_code})
        previous = worker_ref(grid.worker)
        worker = find_worker(s, inp.staff_no) if inp.staff_no else None
        change = set_owner(s, grid, worker)
        record_owner_changes(s, caller, [change] if change else [])
        return GridOwnerView(grid=Ref(code=grid.code, name=grid.name), worker=worker_ref(worker), previous=previous)


def grid_owner(db: Database, caller: Caller, grid_code: str) -> GridOwnerView:
    """Grid `grid_code` and who owns it now (`previous`: none)."""
    require_admin(caller.actor)
    with db.session() as s:
        grid = s.scalars(select(Grid).where(Grid.code == grid_code)).first()
        if grid is None:
            raise NotFound(N_("no grid with code %(code)s"), field="code", params={"code": grid_code})
        return GridOwnerView(grid=Ref(code=grid.code, name=grid.name), worker=worker_ref(grid.worker), previous=None)
