"""The OpenAPI document and the interactive docs: served without login and without the internet."""

from __future__ import annotations

import re

from gridflow.schemas.common import DB_INT_MAX

DOC_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs"}
# Actions that take no body (the path says everything), and answers without a body.
BODILESS = {"/api/v1/auth/logout", "/api/v1/users/{user_id}/disable", "/api/v1/users/{user_id}/enable"}
NO_CONTENT = {"/api/v1/auth/logout", "/api/v1/webhooks/{webhook_id}"}


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        if path.startswith("/api/v1/") and path not in DOC_ROUTES:
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_document_describes_every_api_route_with_its_schemas_and_errors(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.json
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert documented == api_routes(app)
    schemas = doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert set(schemas["ErrorResponse"]["required"]) == {"error"}
    assert {"code", "message", "field"} <= set(schemas["ErrorDetail"]["properties"])
    for (path, method), op in ((k, doc["paths"][k[0]][k[1]]) for k in documented):
        ok = sorted(code for code in op["responses"] if code.startswith("2"))
        if path in NO_CONTENT:
            assert ok == ["204"] and "content" not in op["responses"]["204"], path
        else:
            assert ok in (["200"], ["201"], ["200", "201"]), path  # 200 besides 201: a repeated client_id
            for code in ok:
                content = op["responses"][code]["content"]
                if "application/json" in content:
                    assert "$ref" in content["application/json"]["schema"]
                else:  # a file
                    assert content and all(
                        c["schema"] == {"type": "string", "format": "binary"} for c in content.values()
                    )
        for code, answer in op["responses"].items():
            if not code.startswith("2"):
                assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
        assert "400" in op["responses"]  # malformed input, unknown query parameters
        if method in ("post", "put", "patch") and path not in BODILESS:
            assert {"413", "415", "422"} <= set(op["responses"]) and "requestBody" in op, path
        public = (path, method) in {("/api/v1/auth/token", "post"), ("/api/v1/categories", "get")}
        assert op.get("security") == ([] if public else [{"bearer": []}]), path
        assert public or "401" in op["responses"]
    case_id = next(p for p in doc["paths"]["/api/v1/cases/{case_id}"]["get"]["parameters"] if p["name"] == "case_id")
    assert case_id["schema"]["maximum"] == DB_INT_MAX
    search = {p["name"] for p in doc["paths"]["/api/v1/cases"]["get"]["parameters"]}
    filters = {
        "state",
        "level",
        "division",
        "category",
        "kind",
        "overdue",
        "supervised",
        "number",
        "q",
        "from",
        "to",
        "assignee",
    }
    filters |= {"grid", "risk", "ever_overdue", "escalated", "sort"}
    assert search == filters | {"page", "per_page"}
    exported = {p["name"] for p in doc["paths"]["/api/v1/cases.xlsx"]["get"]["parameters"]}
    assert exported == filters | {"lang"}
    assert set(doc["paths"]["/api/v1/cases.csv"]["get"]["responses"]["200"]["content"]) == {"text/csv"}
    assert set(schemas["PartyInput"]["required"]) == {"name", "role"}
    upload = doc["paths"]["/api/v1/cases/{case_id}/attachments"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schemas[form]["properties"]["file"]["items"] == {"format": "binary", "type": "string"}
    assert set(schemas[form]["required"]) == {"file", "stage"}
    file_types = doc["paths"]["/api/v1/attachments/{attachment_id}"]["get"]["responses"]["200"]["content"]
    assert set(file_types) == {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def test_the_interactive_docs_load_only_what_the_server_serves(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 3 and all(a.startswith("/static/") for a in assets), assets
    assert "//" not in html.replace("http://www.w3.org", "")  # nothing from another host
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and served.get_data(), asset
        served.close()
    assert "/api/v1/openapi.json" in html
