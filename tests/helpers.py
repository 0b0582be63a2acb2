from __future__ import annotations

import json

from sqlalchemy import func, select

from gridflow.models import Division, Entity, Grid, RoadStretch, Worker
from tests import fixtures as fx


def write_json(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def invoke(runner, *args):
    return runner.invoke(args=["gridflow", *args], catch_exceptions=False)


def counts(db) -> dict:
    with db.session() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Division, Grid, Worker, Entity, RoadStretch)
        }


def load_fixture_city(runner, tmp_path, with_entities: bool = True) -> None:
    for what, data in (
        ("divisions", fx.divisions()),
        ("grids", fx.grids()),
        *((("entities", fx.entities()),) if with_entities else ()),
    ):
        result = invoke(runner, f"import-{what}", write_json(tmp_path, f"{what}.geojson", data))
        assert result.exit_code == 0, result.output
