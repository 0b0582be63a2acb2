"""Things browser tests do again and again: log in, check accessibility with axe-core."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tests.cases_helpers import PASSWORD

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"  # npm devDependency


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would; ends on the page the user lands on."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, f"{username} could not log in"


@cache
def _axe_source() -> str:
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` (./dev.sh test does)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of these impacts on the page as it is now.  axe is evaluated through the
    DevTools protocol, which the page's Content-Security-Policy does not govern (a <script> tag would
    be refused, as it should)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source() + "\n;undefined")
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [v for v in violations if v["impact"] in impacts]


def assert_axe_clean(page) -> None:
    violations = axe_violations(page)
    assert not violations, "axe: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in violations
    )
