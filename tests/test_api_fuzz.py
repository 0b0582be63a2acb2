"""Fuzzing the API against its own OpenAPI document (schemathesis, see bench/fuzz.py): for every
operation, requests generated from the document (fitting it and not) as an authenticated grid worker,
mediator and administrator get no 5xx, and every answer fits the document (status, content type, body schema).
A bounded run; the long one is `python -m bench.fuzz`."""

from __future__ import annotations

from bench.fuzz import fuzz, prepare

EXAMPLES = 10  # per operation and generation mode; each case is sent as both users


def test_the_api_answers_generated_requests_as_its_document_says(app, tmp_path):
    report = fuzz(app, prepare(app, tmp_path), EXAMPLES)
    assert report.requests >= 8 * 2 * 2 * 3 and not report.failures, report.line()
