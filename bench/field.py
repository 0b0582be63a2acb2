"""The field app's figures (issue 13), in headless Chromium as a phone:

- the app shell's size on first load (the page, scripts, styles, fonts it loads), raw and gzip-compressed;
- the time until the report form is usable, on first load and on a later load (from the service
  worker's cache), with Chromium's throttling of a mid-range phone (CPU 4× slower, 1.6 Mbit/s down,
  750 kbit/s up, 150 ms latency);
- 50 reports with 3 photos each queued offline, then the signal back: the time until all are sent,
  and a check that every one arrived once (50 cases, 150 photos) and in the order they were made.

    python -m bench.field [--reports N] [--smoke]

SQLite, the small demo city (built once in bench/out/field.db), the demo grid worker `grid`; GridFlow
served by werkzeug in this process on a free loopback port.  Needs Debian's Chromium and Playwright.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from werkzeug.serving import make_server

from bench.common import demo_city, disposing, sqlite_url
from gridflow.db import get_db
from gridflow.models import Attachment, Case, Grid, User
from gridflow.spatial import to_shape

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
MID_RANGE_PHONE = {  # Chromium DevTools protocol: Network.emulateNetworkConditions, CPU throttling
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8,
    "uploadThroughput": 750 * 1000 / 8,
}
CPU_SLOWDOWN = 4
SHELL_TYPES = {"document", "script", "stylesheet", "font"}

# Three photos made on the phone (a canvas, encoded as JPEG as the app's resizing does).
MAKE_PHOTOS = """async () => {
  const blobs = [];
  for (let i = 0; i < 3; i++) {
    const c = document.createElement('canvas'); c.width = 1600; c.height = 1200;
    const g = c.getContext('2d');  // detail like a photo's: about 400 kB as JPEG
    for (let y = 0; y < 1200; y += 6) for (let x = 0; x < 1600; x += 6) {
      const v = Math.random() * 80;
      g.fillStyle = `rgb(${(x / 7 + v + i * 50) % 255},${(y / 5 + v) % 255},${(x + y) / 12 % 255})`; g.fillRect(x, y, 6, 6);
    }
    blobs.push(await new Promise(r => c.toBlob(r, 'image/jpeg', 0.6)));
  }
  window.benchPhotos = blobs;
  return blobs.map(b => b.size);
}"""


@dataclass
class Phone:
    username: str
    password: str
    lon: float
    lat: float
    category: str = "G02"


def log_in(page, phone: Phone) -> None:
    page.goto("/m/")
    page.fill("#username", phone.username)
    page.fill("#password", phone.password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_selector("#app[data-report-ready=yes]", timeout=60_000)


def shell_size(browser, base_url: str, phone: Phone) -> tuple[int, int, int]:
    """(files, raw bytes, gzip bytes) of the shell as a first load after logging in brings it."""
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, phone)
    context.close()
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740}, service_workers="block")
    page = context.new_page()
    bodies: dict[str, bytes] = {}

    def keep(response) -> None:
        if response.request.resource_type in SHELL_TYPES and response.ok:
            try:
                bodies[response.url] = response.body()
            except Exception:  # noqa: BLE001 - a body the page dropped: not part of the shell
                pass

    page.on("response", keep)
    log_in(page, phone)
    page.wait_for_load_state("networkidle")
    context.close()
    raw = sum(len(b) for b in bodies.values())
    packed = sum(len(gzip.compress(b, 6)) for b in bodies.values())
    return len(bodies), raw, packed


def form_ready_ms(browser, base_url: str, phone: Phone) -> tuple[float, float]:
    """Time from navigation to a usable report form, throttled: first load, then a later load."""
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": phone.lon, "latitude": phone.lat, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = context.new_page()
    log_in(page, phone)  # unthrottled: logging in (a password hash) is not the figure
    # A phone that has never loaded the app: no service worker, nothing cached.
    page.evaluate("() => navigator.serviceWorker.getRegistrations().then(r => Promise.all(r.map(x => x.unregister())))")
    page.evaluate("() => caches.keys().then(n => Promise.all(n.map(k => caches.delete(k))))")
    page.goto("about:blank")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.emulateNetworkConditions", MID_RANGE_PHONE)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    started = time.perf_counter()
    page.goto("/m/#report", wait_until="commit")
    page.wait_for_selector("#app[data-report-ready=yes]", timeout=120_000)
    first = (time.perf_counter() - started) * 1000
    page.wait_for_selector("#app[data-offline-ready=yes]", timeout=120_000)
    page.wait_for_timeout(1500)  # the worker keeps the shell's files
    page.goto("about:blank")
    started = time.perf_counter()
    page.goto("/m/#report", wait_until="commit")
    page.wait_for_selector("#app[data-report-ready=yes]", timeout=120_000)
    later = (time.perf_counter() - started) * 1000
    context.close()
    return first, later


def offline_sync(browser, base_url: str, phone: Phone, app, reports: int) -> dict:
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": 360, "height": 740},
        geolocation={"longitude": phone.lon, "latitude": phone.lat, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = context.new_page()
    log_in(page, phone)
    sizes = page.evaluate(MAKE_PHOTOS)
    with get_db(app).session() as s:
        cases_before = s.scalar(select(func.count()).select_from(Case))
        photos_before = s.scalar(select(func.count()).select_from(Attachment))
        last_id = s.scalar(select(func.max(Case.id))) or 0
    context.set_offline(True)
    client_ids = page.evaluate(
        """async ([n, lon, lat, category]) => {
          const ids = [];
          for (let i = 0; i < n; i++) {
            const id = GridflowField.uuid();
            ids.push(id);
            await GridflowField.queueReport({kind: 'incident', category, description: 'bench ' + i,
              location: {lon: lon + i * 1e-6, lat}, client_id: id}, window.benchPhotos);
          }
          return ids;
        }""",
        [reports, phone.lon, phone.lat, phone.category],
    )
    waiting = page.evaluate("() => GridflowField.queueItems().then(q => q.filter(i => i.status === 'waiting').length)")
    context.set_offline(False)
    started = time.perf_counter()
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    while True:
        left = page.evaluate(
            "() => GridflowField.queueItems().then(q => q.filter(i => i.status !== 'sent').map(i => i.status))"
        )
        if not left:
            break
        if "failed" in left or time.perf_counter() - started > 600:
            raise SystemExit(f"offline sync failed: {left}")
        page.wait_for_timeout(100)
    seconds = time.perf_counter() - started
    context.close()
    with get_db(app).session() as s:
        made = s.execute(select(Case.id, Case.client_id).where(Case.id > last_id).order_by(Case.id)).all()
        cases_after = s.scalar(select(func.count()).select_from(Case))
        photos_after = s.scalar(select(func.count()).select_from(Attachment))
    return {
        "queued": waiting,
        "photo_kb": [round(x / 1000) for x in sizes],
        "seconds": seconds,
        "cases": cases_after - cases_before,
        "photos": photos_after - photos_before,
        "in_order": [c for _, c in made] == client_ids,
    }


def measure(browser, base_url: str, phone: Phone, app, reports: int) -> dict:
    files, raw, packed = shell_size(browser, base_url, phone)
    print(
        f"app shell on first load: {files} files, {raw / 1000:.0f} kB, {packed / 1000:.0f} kB gzip-compressed (goal ≤ 250 kB)"
    )
    first, later = form_ready_ms(browser, base_url, phone)
    print(
        f"report form usable, throttled mid-range phone (CPU {CPU_SLOWDOWN}× slower, 1.6 Mbit/s, 150 ms): "
        f"first load {first:.0f} ms, later load (service worker cache) {later:.0f} ms (goal ≤ 1,000 ms)"
    )
    sync = offline_sync(browser, base_url, phone, app, reports)
    print(
        f"offline sync: {sync['queued']} reports with 3 photos each ({'/'.join(map(str, sync['photo_kb']))} kB) "
        f"sent in {sync['seconds']:.1f} s ({sync['seconds'] / max(1, sync['queued']) * 1000:.0f} ms a report); "
        f"arrived: {sync['cases']} cases, {sync['photos']} photos, in order: {'yes' if sync['in_order'] else 'NO'}"
    )
    return {"shell_gzip": packed, "form_first_ms": first, "form_later_ms": later, **sync}


def compressed_like_nginx(app):
    """The pages' own files gzip-compressed, as deploy/nginx.conf serves them (werkzeug does not)."""

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not (path.startswith("/static/") or path == "/m/sw.js") or "gzip" not in environ.get(
            "HTTP_ACCEPT_ENCODING", ""
        ):
            return app(environ, start_response)
        captured = {}

        def keep(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        answer = app(environ, keep)
        try:
            body = gzip.compress(b"".join(answer), 6)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(body))), ("Vary", "Accept-Encoding")]
        start_response(captured["status"], headers)
        return [body]

    return wsgi


def demo_phone(app) -> Phone:
    from gridflow.demo import demo_users

    with get_db(app).session() as s:
        for _ in demo_users(s):  # the demo accounts (idempotent)
            pass
        geom = s.scalar(
            select(Grid.boundary).join(User, User.worker_id == Grid.worker_id).where(User.username == "grid")
        )
        point = to_shape(geom).representative_point()
    return Phone("grid", "gridflow-demo", point.x, point.y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", help="5 reports: does every step work")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the request log of every call: the figures are what is printed
    from playwright.sync_api import sync_playwright

    with disposing(demo_city(sqlite_url("field.db"), scale="small")) as app:
        app.config["LOGIN_MAX_FAILURES_PER_CLIENT"] = 10_000
        server = make_server("127.0.0.1", 0, compressed_like_nginx(app), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                measure(
                    browser,
                    f"http://127.0.0.1:{server.server_port}",
                    demo_phone(app),
                    app,
                    5 if args.smoke else args.reports,
                )
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
