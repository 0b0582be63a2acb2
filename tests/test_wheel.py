"""The installable package: the wheel `python -m build` makes, installed into a fresh virtual
environment outside the checkout, configured only by GRIDFLOW_ settings, migrates, loads the demo,
and serves pages and /healthz under gunicorn."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import pg_url, postgis_unavailable, recreate_pg_database

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """The wheel built from the checkout (sdist first, then the wheel from the sdist, as `python -m
    build` does), installed with the production lock (no test tools) into a new virtual environment."""
    stamp = run(str(ROOT / "scripts" / "lock-stamp")).stdout.strip()
    for lock in ("requirements.lock", "requirements-dev.lock"):
        if f"# pyproject: {stamp}" not in (ROOT / lock).read_text():
            pytest.fail(f"{lock} is older than pyproject.toml's dependencies: run scripts/lock", pytrace=False)
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT))
    (wheel,) = dist.glob("gridflow-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    base = getattr(sys, "_base_executable", sys.executable)  # the Python .venv was made from
    run(base, "-m", "venv", str(venv))
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    run(*pip, "--require-hashes", "-r", str(ROOT / "requirements.lock"))
    run(*pip, "--no-deps", str(wheel))
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def database(backend, tmp_path) -> str:
    if backend == "sqlite":
        return ""  # the default: gridflow.db in the instance folder
    url = pg_url(make_url(pg_url()).database + "_wheel")
    try:
        recreate_pg_database(url)
    except Exception as exc:  # noqa: BLE001
        postgis_unavailable(exc)
    return url


def test_the_installed_wheel_migrates_loads_the_demo_and_serves(venv, database, tmp_path):
    started = time.perf_counter()
    site = tmp_path / "site"  # a folder with nothing of the checkout in it
    site.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GRIDFLOW_INSTANCE": str(site / "var"),
        "GRIDFLOW_SWEEP_INTERVAL_SECONDS": "30",
    } | ({"GRIDFLOW_DATABASE_URL": database} if database else {})
    gridflow = str(venv / "bin" / "gridflow")
    python = str(venv / "bin" / "python")
    where = run(
        python,
        "-c",
        "import gridflow, importlib.util as u; print(gridflow.__file__, u.find_spec('config'), u.find_spec('wsgi'))",
        cwd=site,
        env=env,
    )
    assert where.stdout.split() == [
        f"{venv}/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages/gridflow/__init__.py",
        "None",
        "None",
    ]

    run(gridflow, "db", "upgrade", cwd=site, env=env)
    assert "(head)" in run(gridflow, "db", "current", cwd=site, env=env).stdout
    assert "0008_heartbeat" in run(gridflow, "db", "history", cwd=site, env=env).stdout
    assert "demo accounts" in run(gridflow, "demo", "--scale", "small", cwd=site, env=env).stdout
    assert "sweep: 0 escalated" in run(gridflow, "sweep", cwd=site, env=env).stdout

    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "gridflow:create_app()"],
        cwd=site,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200 and '"status": "ok"' in body.replace('":"', '": "'), body
        status, page = get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "网格" in page  # templates and compiled translations shipped
        status, script = get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")
        assert status == 200 and len(script) > 10_000  # the front-end assets built from npm shipped
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
    instance = sorted(p.name for p in (site / "var").iterdir())
    assert "secret_key" in instance and ("gridflow.db" in instance) == (not database)
    assert not list((venv / "lib").glob("python*/site-packages/instance"))  # never inside site-packages
    print(f"wheel test ({'postgis' if database else 'sqlite'}): {time.perf_counter() - started:.1f} s after the build")
