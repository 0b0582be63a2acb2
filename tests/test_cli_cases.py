"""CLI for the workflow (users: tests/test_cli_users.py)."""

from __future__ import annotations

from tests.helpers import invoke


def test_the_workflow_prints_as_mermaid_and_as_a_table(runner):
    mermaid = invoke(runner, "workflow", "--format", "mermaid")
    assert mermaid.exit_code == 0 and "stateDiagram-v2" in mermaid.output and "escalate" in mermaid.output
    rows = invoke(runner, "workflow", "--format", "table")
    assert rows.exit_code == 0 and "acts_at_level" in rows.output


def test_the_landing_page_is_chinese_by_default_english_on_request_and_needs_no_internet(client):
    page = client.get("/")
    assert page.status_code == 200 and "网格化服务管理" in page.text and "工作日" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no external asset
    english = client.get("/?lang=en")
    assert "grid service management" in english.text and "working days" in english.text
    assert "grid service management" in client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).text
