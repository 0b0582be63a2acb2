#!/usr/bin/env bash
# GridFlow one-stop set-up.  Idempotent: every step checks before it acts.
#   ./dev.sh serve   - install what is missing, migrate, load the demo city, start the server
#   ./dev.sh test    - install what is missing (PostGIS included), run the whole test suite
#   ./dev.sh lint    - ruff (lint and format) and mypy, as .ci/run does before the tests
# Extra arguments after `test` go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"
say() { printf '\033[1m[gridflow]\033[0m %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@";
    elif command -v sudo >/dev/null 2>&1; then sudo "$@";
    else return 1; fi
}

apt_install() {  # apt_install PKG... : install the Debian packages that are missing
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing system packages: ${missing[*]} (no apt-get here: install them with your package manager)"
    say "installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
        die "could not install ${missing[*]}: run as root or with sudo, or install them by hand: apt-get install ${missing[*]}"
}

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
# SpatiaLite links the system SQLite: a Python whose sqlite3 can load extensions uses that same
# library.  Without one, GridFlow falls back to sqlean (its own SQLite), which works but puts two
# SQLite libraries in one process.
loads_extensions() { "$1" -c 'import sqlite3, sys; sys.exit(not hasattr(sqlite3.Connection, "enable_load_extension"))' 2>/dev/null; }

pick_python() {
    local candidate
    for candidate in ${PYTHON:-} /usr/bin/python3 python3; do
        command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate" && loads_extensions "$candidate" && { echo "$candidate"; return; }
    done
    for candidate in ${PYTHON:-} python3; do
        command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate" && { echo "$candidate"; return; }
    done
}

ensure_venv() {
    local py
    py=$(pick_python)
    if [ -z "$py" ]; then apt_install python3 python3-venv; py=$(pick_python); fi
    [ -n "$py" ] || die "GridFlow needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)"
    if [ -x "$VENV/bin/python" ] && loads_extensions "$py" && ! loads_extensions "$VENV/bin/python"; then
        say "recreating .venv with $py (its sqlite3 can load SpatiaLite)"
        rm -rf "$VENV"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        "$py" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; "$py" -m venv "$VENV"; }
    fi
    # Re-install only when the dependencies or the build changed.  The exact versions come from
    # requirements-dev.lock (scripts/lock regenerates it); pyproject.toml keeps the ranges.
    local stamp="$VENV/.gridflow-installed" want
    want=$(cat pyproject.toml setup.py requirements-dev.lock | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing Python packages into .venv (requirements-dev.lock)"
        local log="$VENV/pip.log"
        pip_quiet() { "$VENV/bin/python" -m pip install -q "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; die "pip install $* failed (log: $log)"; }; }
        : > "$log"
        pip_quiet --upgrade pip
        pip_quiet --require-hashes -r requirements-dev.lock
        pip_quiet --no-deps -e .
        if [ "$(grep -m1 '^# pyproject: ' requirements-dev.lock | cut -d' ' -f3)" != "$(scripts/lock-stamp)" ]; then
            say "WARNING: the lock files are older than pyproject.toml's dependencies: run scripts/lock and commit it"
            pip_quiet -e ".[test]"
        fi
        echo "$want" > "$stamp"
    fi
    export PATH="$VENV/bin:$PATH"
    # Compiled translations: the package build makes them (setup.py); in the checkout they are
    # remade here whenever a catalogue changed.
    local po
    for po in gridflow/translations/*/LC_MESSAGES/*.po; do
        if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
            pybabel -q compile -d gridflow/translations || die "compiling the translations failed"
            break
        fi
    done
}

ensure_spatialite() { apt_install libsqlite3-mod-spatialite; }

# Front-end assets: installed from the npm registry with the committed package-lock.json and copied
# into gridflow/static/vendor (pages never load anything from the internet).
ensure_assets() {
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    local stamp="node_modules/.gridflow-installed" want
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing front-end packages (npm ci)"
        npm ci --silent --no-audit --no-fund >/dev/null || die "npm ci failed"
        echo "$want" > "$stamp"
        rm -rf gridflow/static/vendor
    fi
    if [ ! -f gridflow/static/vendor/MANIFEST.json ] || [ scripts/build-assets.mjs -nt gridflow/static/vendor/MANIFEST.json ]; then
        npm run -s build >/dev/null || die "building the front-end assets failed"
    fi
}

# PostgreSQL 15 + PostGIS on 127.0.0.1:5432 (trust auth).  Returns 1 if it cannot be had; the
# caller decides whether that is fatal (it is under CI=true).
ensure_postgis() {
    ( apt_install postgresql-15-postgis-3 ) || return 1  # subshell: a failed install is not an exit here
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql/15/main ]; then
            as_root pg_ctlcluster --skip-systemctl-redirect 15 main start 2>/dev/null || true
            for _ in $(seq 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
        fi
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null
}

# Debian's Chromium for the browser tests (Playwright drives it; it cannot download a browser here),
# with CJK fonts so that pages and their screenshots show Chinese.
ensure_chromium() {
    ( apt_install chromium fonts-noto-cjk ) || return 1
    [ -x /usr/bin/chromium ]
}

# nginx's own parser checks deploy/nginx.conf (tests/test_deploy.py).  Without an installed nginx, the
# binary is unpacked from Debian's package into .venv: nothing is installed, no service started.
ensure_nginx_binary() {
    command -v nginx >/dev/null 2>&1 && return 0
    local root="$VENV/nginx"
    if [ ! -x "$root/usr/sbin/nginx" ] && command -v apt-get >/dev/null 2>&1; then
        local tmp; tmp=$(mktemp -d)
        ( cd "$tmp" && { apt-get download -q nginx >/dev/null 2>&1 ||
            { as_root apt-get update -q >/dev/null 2>&1 && apt-get download -q nginx >/dev/null 2>&1; }; } ) &&
            dpkg -x "$tmp"/nginx_*.deb "$root" 2>/dev/null
        rm -rf "$tmp"
    fi
    [ -x "$root/usr/sbin/nginx" ] && export PATH="$PATH:$root/usr/sbin"
    return 0
}

cmd_serve() {
    ensure_spatialite
    ensure_assets
    ensure_venv
    # Settings come from the environment (GRIDFLOW_…); the defaults keep everything in ./instance.
    gridflow db upgrade
    gridflow demo --scale "${DEMO_SCALE:-small}" --if-empty
    local host=${HOST:-127.0.0.1} port=${PORT:-5000}
    # Exactly one scheduler (time limits, automatic escalation), beside the web workers.
    gridflow scheduler &
    local scheduler=$!
    # Expanded now: at exit the function's local variable is gone (the scheduler outlived the server).
    trap "kill $scheduler 2>/dev/null" EXIT INT TERM
    say "GridFlow is running at http://$host:$port/  (API: http://$host:$port/api/v1; Ctrl-C to stop)"
    gunicorn --workers "${WORKERS:-2}" --bind "$host:$port" 'gridflow:create_app()'
}

cmd_test() {
    ensure_spatialite
    ensure_assets
    ensure_venv
    ensure_nginx_binary
    if ensure_postgis; then
        export GRIDFLOW_TEST_POSTGRES=${GRIDFLOW_TEST_POSTGRES:-postgresql+psycopg://postgres@127.0.0.1:5432/gridflow_test}
    elif [ "${CI:-}" = true ]; then
        die "PostGIS is not reachable on 127.0.0.1:5432 and CI=true: the PostGIS half of the suite cannot run"
    else
        say "PostGIS not reachable: PostGIS tests will be skipped (they fail under CI=true)"
    fi
    if ! ensure_chromium; then
        if [ "${CI:-}" = true ]; then
            die "Chromium could not be installed (apt-get install chromium) and CI=true: the browser tests cannot run"
        fi
        say "Chromium not available: browser tests (tests/browser) will be skipped (they fail under CI=true)"
    fi
    exec python -m pytest "$@"
}

cmd_lint() {
    ensure_venv
    ruff check .
    ruff format --check .
    mypy
}

case "${1:-}" in
    serve) shift; cmd_serve "$@" ;;
    test) shift; cmd_test "$@" ;;
    lint) shift; cmd_lint ;;
    *) echo "usage: ./dev.sh serve | ./dev.sh test [pytest args] | ./dev.sh lint" >&2; exit 2 ;;
esac
