"""Where attachment bytes live: the S3-compatible back end against a local S3 server (moto's server
mode, installed from PyPI, started here on a free loopback port), on both database back ends; the
storage URL checked at start; a store that does not answer is a clear 503, never a 500."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import boto3
import pytest

from gridflow import create_app
from gridflow.db import get_db
from gridflow.media.storage import FileStore, key_for, parse_storage_url
from gridflow.settings import SettingsError, load
from tests.cases_helpers import Api, setup_city
from tests.media_helpers import photo, upload

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the local S3 server (moto) did not start")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    bucket = f"gridflow-{free_port()}"
    client.create_bucket(Bucket=bucket)
    return client, bucket, f"s3://{bucket}/cases?endpoint={s3_endpoint}"


def test_attachments_go_to_and_come_from_an_s3_compatible_store(s3, db_url, tmp_path, runner):
    client, bucket, url = s3
    instance = tmp_path / "instance"
    app = create_app(
        {
            "DATABASE_URL": db_url,
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(instance),
            "STORAGE_URL": url,
        }
    )
    try:
        setup_city(app.test_cli_runner(), tmp_path, get_db(app))
        api = Api(app.test_client(), {})
        case = api.report().json
        item = upload(api, "gw1", case["id"], [("a.jpg", photo())]).json["items"][0]
        stored = client.get_object(Bucket=bucket, Key=f"cases/{key_for(item['sha256'])}")["Body"].read()
        assert api.get("gw1", item["url"]).data == stored
        assert client.head_object(Bucket=bucket, Key=f"cases/{key_for(item['sha256'], thumb=True)}")
        assert api.get("gw1", item["thumb_url"]).mimetype == "image/webp"
        assert not (instance / "attachments").exists()
    finally:
        get_db(app).dispose()


def test_a_store_that_does_not_answer_is_a_clear_503(db_url, tmp_path, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    dead = f"s3://nowhere/x?endpoint=http://127.0.0.1:{free_port()}"
    app = create_app(
        {
            "DATABASE_URL": db_url,
            "TESTING": True,
            "SECRET_KEY": "t",
            "INSTANCE_PATH": str(tmp_path / "i"),
            "STORAGE_URL": dead,
        }
    )
    try:
        setup_city(app.test_cli_runner(), tmp_path, get_db(app))
        api = Api(app.test_client(), {})
        case = api.report().json
        r = upload(api, "gw1", case["id"], [("a.jpg", photo())])
        assert r.status_code == 503 and r.json["error"]["code"] == "storage_unavailable"
        assert api.get("gw1", f"/api/v1/cases/{case['id']}/attachments").json["items"] == []
    finally:
        get_db(app).dispose()


def test_the_storage_url_is_checked_when_the_app_starts(tmp_path):
    with pytest.raises(SettingsError, match="STORAGE_URL"):
        load({}, {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "STORAGE_URL": "ftp://bucket"})
    with pytest.raises(SettingsError, match="endpoint and region only"):
        load({}, {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "STORAGE_URL": "s3://b?key=secret"})
    assert parse_storage_url("s3://b/p/q?endpoint=http://127.0.0.1:9000&region=cn-north-1") == {
        "bucket": "b",
        "prefix": "/p/q",
        "endpoint": "http://127.0.0.1:9000",
        "region": "cn-north-1",
    }


def test_the_folder_store_writes_whole_files_once(tmp_path):
    store = FileStore(tmp_path)
    store.put("ab/cd/abcd", b"first", "image/jpeg")
    store.put("ab/cd/abcd", b"never", "image/jpeg")  # content-addressed: the key's bytes do not change
    assert store.get("ab/cd/abcd") == b"first"
    assert [p.name for p in (tmp_path / "ab" / "cd").iterdir()] == ["abcd"]  # no temporary file left
