"""The yardstick for report throughput: a bare Flask + SQLAlchemy endpoint that inserts one row."""
from __future__ import annotations

import os
from datetime import datetime, timezone

from flask import Flask, request
from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text, insert

from gridflow.db import make_engine

metadata = MetaData()
bare = Table("bench_bare_case", metadata, Column("id", Integer, primary_key=True), Column("kind", String(10)),
             Column("category", String(8)), Column("description", Text), Column("lon", Float), Column("lat", Float),
             Column("created_at", DateTime))
engine = make_engine(os.environ["DATABASE_URL"])
metadata.create_all(engine)
app = Flask(__name__)


@app.post("/cases")
def create():
    body = request.get_json()
    with engine.begin() as conn:
        new_id = conn.execute(insert(bare).values(
            kind=body["kind"], category=body["category"], description=body["description"],
            lon=body["location"]["lon"], lat=body["location"]["lat"],
            created_at=datetime.now(timezone.utc).replace(tzinfo=None))).inserted_primary_key[0]
    return {"id": new_id}, 201
