"""Attachments over the API, on both back ends: photos checked by content and rebuilt, hostile files
refused naming the part, the case's area rules, the timeline, thumbnails, exactly-once uploads."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.cases_helpers import WEST_NW, Api, setup_city
from tests.media_helpers import HTML, pdf, photo, png_bomb, post_form, upload


@pytest.fixture
def api(client, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    return Api(client, {})


def test_a_grid_worker_attaches_two_photos_to_his_report_and_gets_them_back_rebuilt(api):
    case = api.report().json
    near = photo(lon=WEST_NW["lon"] + 0.0005, lat=WEST_NW["lat"], comment=b"<script>hidden</script>")
    r = upload(api, "gw1", case["id"], [("a.jpg", near), ("b.png", photo("PNG", taken=None))])
    assert r.status_code == 201, r.json
    first, second = r.json["items"]
    assert first["stage"] == "report" and first["content_type"] == "image/jpeg" and first["filename"] == "a.jpg"
    assert first["taken_at"] == "2026-11-20T10:30:00+08:00"
    assert 40 < first["distance_m"] < 50  # 0.0005° of longitude at 35.85° N is about 45 m
    assert second["content_type"] == "image/png" and second["taken_at"] is None and second["distance_m"] is None
    stored = api.get("gw1", first["url"])
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    assert b"hidden" not in stored.data and b"PhoneMaker" not in stored.data  # rebuilt from the pixels
    image = Image.open(io.BytesIO(stored.data))
    assert image.size == (640, 480) and not image.getexif()
    thumb = api.get("gw1", first["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/webp"
    assert max(Image.open(io.BytesIO(thumb.data)).size) == 320
    listed = api.get("med_comm", f"/api/v1/cases/{case['id']}/attachments")
    assert [a["id"] for a in listed.json["items"]] == [first["id"], second["id"]]
    assert listed.json["items"][0]["created_by"]["name"] == "gw1"


def test_an_upload_enters_the_cases_hash_chain_without_changing_its_version(api):
    case = api.report().json
    content = photo()
    r = upload(api, "gw1", case["id"], [("a.jpg", content)])
    timeline = api.get("gw1", f"/api/v1/cases/{case['id']}/timeline").json
    attach = timeline["events"][-1]
    assert attach["event"] == "attach" and attach["data"]["stage"] == "report"
    assert attach["data"]["files"][0]["sha256"] == r.json["items"][0]["sha256"]
    assert timeline["chain_valid"]
    after = api.get("gw1", f"/api/v1/cases/{case['id']}").json
    assert after["version"] == case["version"]
    assert api.event("med_comm", after, "claim").status_code == 200  # its version still holds


@pytest.mark.parametrize(
    "name,content,status,words",
    [
        ("photo.jpg", HTML, 415, "not a JPEG, PNG, WebP or HEIC photo, or a PDF"),
        ("bomb.png", png_bomb(), 422, "decompression bomb"),
        ("cut.jpg", photo()[:2000], 422, "not a readable JPEG"),
        ("fake.pdf", b"%PDF-1.7\nnot really", 422, "not one that can be read"),
        ("empty.jpg", b"", 422, "empty"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_clear_message_naming_the_part(api, name, content, status, words):
    case = api.report().json
    r = upload(api, "gw1", case["id"], [(name, content)])
    assert r.status_code == status, r.json
    assert r.json["error"]["field"] == "file" and words in r.json["error"]["message"]
    many = upload(api, "gw1", case["id"], [("ok.jpg", photo()), ("ok.png", photo("PNG")), (name, content)])
    assert many.status_code == status and many.json["error"]["field"] == "files[2]"
    assert api.get("gw1", f"/api/v1/cases/{case['id']}/attachments").json["items"] == []  # all or nothing


def test_a_50_mb_file_is_refused_as_too_large(api):
    case = api.report().json
    r = upload(api, "gw1", case["id"], [("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (50 * 1000 * 1000))])
    assert r.status_code == 413 and r.json["error"]["field"] == "file"
    assert "50.0 MB" in r.json["error"]["message"] and "10 MB" in r.json["error"]["message"]


def test_the_upload_routes_body_limit_follows_the_attachment_settings_and_others_keep_1_mib(api, app):
    case = api.report().json
    app.config.update(ATTACHMENT_MAX_BYTES=100_000, ATTACHMENT_MAX_FILES=2)
    too_many = upload(api, "gw1", case["id"], [(f"{i}.jpg", photo()) for i in range(3)])
    assert too_many.status_code == 413 and "at most 2 files" in too_many.json["error"]["message"]
    whole = upload(api, "gw1", case["id"], [("big.jpg", b"\xff\xd8\xff" + b"\x00" * 600_000)] * 2)
    assert whole.status_code == 413  # the request itself, over 2 × 100 kB
    app.config.update(ATTACHMENT_MAX_BYTES=2_000_000)
    fine = upload(api, "gw1", case["id"], [("big.png", photo("PNG", size=(1200, 900)))])
    assert fine.status_code == 201
    big_json = api.post("gw1", "/api/v1/cases", {"description": "x" * 1_100_000})
    assert big_json.status_code == 413


def test_pdf_documents_are_kept_and_served_as_downloads(api):
    case = api.report().json
    document = pdf()
    r = upload(api, "gw1", case["id"], [("协议.pdf", document)])
    assert r.status_code == 201 and r.json["items"][0]["content_type"] == "application/pdf"
    got = api.get("gw1", r.json["items"][0]["url"])
    assert got.data == document and got.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert api.get("gw1", r.json["items"][0]["thumb_url"]).mimetype == "image/webp"


def test_heic_photos_are_read_and_stored_as_jpeg(api):
    case = api.report().json
    heic = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 30, 30)).save(heic, "HEIF")
    r = upload(api, "gw1", case["id"], [("IMG_0001.HEIC", heic.getvalue())])
    assert r.status_code == 201, r.json
    assert r.json["items"][0]["content_type"] == "image/jpeg"


def test_files_are_stored_once_by_their_sha256_in_the_instance_folder(api, app):
    from pathlib import Path

    case = api.report().json
    content = photo()
    a = upload(api, "gw1", case["id"], [("a.jpg", content)]).json["items"][0]
    b = upload(api, "gw1", case["id"], [("again.jpg", content)]).json["items"][0]
    assert a["sha256"] == b["sha256"] and a["id"] != b["id"]
    sha = a["sha256"]
    folder = Path(app.config["INSTANCE_PATH"]) / "attachments" / sha[:2] / sha[2:4]
    assert sorted(p.name for p in folder.iterdir()) == [sha, f"{sha}.thumb"]


def test_attachments_follow_the_cases_area_rules(api):
    case = api.report().json
    item = upload(api, "gw1", case["id"], [("a.jpg", photo())]).json["items"][0]
    for user in ("gw3", "med_comm_east"):
        assert api.get(user, f"/api/v1/cases/{case['id']}/attachments").status_code == 404
        assert api.get(user, item["url"]).status_code == 404
        assert api.get(user, item["thumb_url"]).status_code == 404
    assert upload(api, "gw3", case["id"], [("a.jpg", photo())]).status_code == 404
    assert api.get("gw1", "/api/v1/attachments/999999").status_code == 404


def test_who_may_attach_for_which_stage_follows_the_workflow_table(api):
    case = api.report().json  # open at community level, gw1's grid
    assert case["attach_stages"] == ["report"]
    wrong = upload(api, "gw1", case["id"], [("a.jpg", photo())], stage="verification")
    assert wrong.status_code == 409 and wrong.json["error"]["field"] == "stage"
    assert wrong.json["error"]["attach_stages"] == ["report"]
    claimed = api.event("med_comm", case, "claim").json
    assert claimed["attach_stages"] == ["handling", "agreement"]
    assert upload(api, "med_comm", case["id"], [("s.jpg", photo())], stage="handling").status_code == 201
    assert upload(api, "med_comm2", case["id"], [("s.jpg", photo())], stage="handling").status_code == 409
    unknown = upload(api, "gw1", case["id"], [("a.jpg", photo())], stage="lunch")
    assert unknown.status_code == 422 and unknown.json["error"]["field"] == "stage"


def test_the_same_client_id_uploads_once(api):
    case = api.report().json
    cid = "6f1c3a52-93a4-4c1e-8b55-0d4e2f7a9c10"
    first = upload(api, "gw1", case["id"], [("a.jpg", photo())], client_id=cid)
    again = upload(api, "gw1", case["id"], [("a.jpg", photo())], client_id=cid)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json == first.json
    assert len(api.get("gw1", f"/api/v1/cases/{case['id']}/attachments").json["items"]) == 1
    other = api.report().json
    reused = upload(api, "gw1", other["id"], [("a.jpg", photo())], client_id=cid)
    assert reused.status_code == 422 and reused.json["error"]["field"] == "client_id"


def test_uploads_need_multipart_and_file_parts(api):
    case = api.report().json
    url = f"/api/v1/cases/{case['id']}/attachments"
    as_json = api.post("gw1", url, {"stage": "report"})
    assert as_json.status_code == 415
    no_file = post_form(api, "gw1", url, {"stage": "report"})
    assert no_file.status_code == 422 and no_file.json["error"]["field"] == "file"
    other_part = post_form(api, "gw1", url, {"stage": "report", "photo": (io.BytesIO(photo()), "a.jpg")})
    assert other_part.status_code == 422 and other_part.json["error"]["field"] == "photo"


def test_a_file_name_is_never_a_path(api, app):
    from pathlib import Path

    case = api.report().json
    r = upload(api, "gw1", case["id"], [("../../../etc/passwd.jpg", photo())])
    assert r.status_code == 201 and r.json["items"][0]["filename"] == "passwd.jpg"
    assert not (Path(app.config["INSTANCE_PATH"]).parent / "etc").exists()


def test_an_attachment_row_pointed_at_other_bytes_breaks_the_timeline_check(api, db, runner):
    from sqlalchemy import update

    from gridflow.models import Attachment

    case = api.report().json
    item = upload(api, "gw1", case["id"], [("a.jpg", photo())]).json["items"][0]
    other = upload(api, "gw1", case["id"], [("b.png", photo("PNG"))]).json["items"][0]
    assert api.get("gw1", f"/api/v1/cases/{case['id']}/timeline").json["chain_valid"]
    with db.session(write=True) as s:
        s.execute(update(Attachment).where(Attachment.id == item["id"]).values(sha256=other["sha256"]))
    timeline = api.get("gw1", f"/api/v1/cases/{case['id']}/timeline").json
    assert not timeline["chain_valid"] and "attachments" in timeline["chain_problem"]
    attach_seq = [e["seq"] for e in timeline["events"] if e["event"] == "attach"][0]
    assert timeline["chain_broken_at"] == attach_seq
    result = runner.invoke(args=["gridflow", "verify", str(case["id"])])
    assert result.exit_code == 1 and "attachments" in result.output


def test_the_pixel_limit_is_a_setting_checked_before_decoding(api, app):
    case = api.report().json
    app.config.update(ATTACHMENT_MAX_PIXELS=100_000)
    r = upload(api, "gw1", case["id"], [("a.jpg", photo(size=(640, 480)))])  # 307,200 pixels
    assert r.status_code == 422 and "more than 100,000 pixels" in r.json["error"]["message"]
    assert upload(api, "gw1", case["id"], [("small.jpg", photo(size=(320, 240)))]).status_code == 201
