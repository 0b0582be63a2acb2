"""The yardstick for report throughput: a bare Flask + SQLAlchemy endpoint that inserts one row.

Its table is created by the bench before any server starts (`create_table`): created at import, two
gunicorn workers booting at once raced to create it and one failed to boot."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, request
from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text, insert

from gridflow.db import make_engine

metadata = MetaData()
bare = Table(
    "bench_bare_case",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10)),
    Column("category", String(8)),
    Column("description", Text),
    Column("lon", Float),
    Column("lat", Float),
    Column("created_at", DateTime),
)


def create_table(url: str) -> None:
    engine = make_engine(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


engine = make_engine(os.environ.get("DATABASE_URL", "sqlite://"))
app = Flask(__name__)


@app.post("/cases")
def create():
    body = request.get_json()
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(bare).values(
                kind=body["kind"],
                category=body["category"],
                description=body["description"],
                lon=body["location"]["lon"],
                lat=body["location"]["lat"],
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        ).inserted_primary_key[0]
    return {"id": new_id}, 201
