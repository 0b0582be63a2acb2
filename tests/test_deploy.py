"""The production files in deploy/: gunicorn's configuration loads the app; nginx's parses; GridFlow
behind a proxy sees the client's address only when told to trust the proxy."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gridflow import create_app
from gridflow.db import get_db

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def test_the_gunicorn_configuration_loads_the_app(db_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDFLOW_", "DATABASE_URL", "SECRET_KEY"))}
    env |= {"GRIDFLOW_DATABASE_URL": db_url, "GRIDFLOW_INSTANCE": str(tmp_path), "GUNICORN_WORKERS": "1"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    result = subprocess.run(
        [gunicorn, "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_nginx_configuration_parses(tmp_path):
    nginx = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
    if nginx is None:
        pytest.skip("nginx is not installed here (apt-get install nginx to check deploy/nginx.conf)")
    (tmp_path / "ssl").mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=test",
            "-keyout",
            str(tmp_path / "ssl" / "privkey.pem"),
            "-out",
            str(tmp_path / "ssl" / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx.conf").read_text().replace("/etc/ssl/gridflow", str(tmp_path / "ssl"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/error.log; events {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/b; proxy_temp_path {tmp_path}/p; fastcgi_temp_path {tmp_path}/f;"
        f" uwsgi_temp_path {tmp_path}/u; scgi_temp_path {tmp_path}/s; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("hops, logged", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_comes_from_the_proxy_only_when_it_is_trusted(db_url, hops, logged, caplog):
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": "t", "PROXY_HOPS": hops})
    with caplog.at_level(logging.INFO, logger="gridflow.request"):
        app.test_client().get(
            "/healthz", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
    (record,) = [r for r in caplog.records if r.name == "gridflow.request"]
    assert record.client == logged
    get_db(app).dispose()
