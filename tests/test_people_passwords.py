"""The one password rule (pages, API, CLI) and changing one's own password in the people service."""

from __future__ import annotations

import pytest

from gridflow.errors import Invalid, Unauthorized
from gridflow.people import users
from tests.cases_helpers import PASSWORD, setup_city


@pytest.mark.parametrize(
    "password, message",
    [
        ("123456789", "The password must be at least 10 characters long"),
        ("x" * 201, "The password must be at most 200 characters long"),
        ("Zhang.San ", "The password must not be the user name"),
        ("  zhang.san", "The password must not be the user name"),
    ],
)
def test_the_password_rule_refuses_short_long_and_user_name_passwords(password, message):
    with pytest.raises(Invalid) as refused:
        users.check_password_rule("zhang.san", password, field="new_password")
    assert refused.value.message == message and refused.value.field == "new_password"


@pytest.mark.parametrize("password", ["1234567890", "          ", "zhang.san!", "长城长城长城长城长城", "x" * 200])
def test_the_password_rule_takes_ten_characters_as_typed_spaces_and_chinese_included(password):
    users.check_password_rule("zhang.san", password)


def test_a_refused_password_keeps_its_message_template_and_parameters_for_translation():
    with pytest.raises(Invalid) as refused:
        users.check_password_rule("u", "short")
    assert refused.value.template == "The password must be at least %(min)d characters long"
    assert refused.value.params == {"min": 10}
    assert refused.value.to_dict() == {
        "code": "invalid",
        "message": "The password must be at least 10 characters long",
        "field": "password",
    }


def test_changing_a_password_proves_the_old_one_and_nothing_changes_on_a_refusal(runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    with db.session() as s:
        user = users.authenticate(s, "gw1", PASSWORD)
    with pytest.raises(Invalid, match="The current password is wrong") as wrong:
        users.change_password(db, user.id, "not it at all", "a fine new password")
    assert wrong.value.field == "old_password"
    with db.session() as s:
        assert users.authenticate(s, "gw1", PASSWORD).password_hash == user.password_hash
    changed = users.change_password(db, user.id, PASSWORD, "a fine new password")
    assert users.credential_stamp(changed.password_hash) != users.credential_stamp(user.password_hash)
    with db.session() as s, pytest.raises(Unauthorized):
        users.authenticate(s, "gw1", PASSWORD)
    with pytest.raises(Invalid, match="The new password must differ from the current one"):
        users.change_password(db, user.id, "a fine new password", "a fine new password")


def test_a_web_session_and_a_token_resolve_to_the_same_actor(runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    with db.session() as s:
        user = users.authenticate(s, "med_street", PASSWORD)
    token = users.make_token("k", user)
    with db.lookup() as conn:
        by_token = users.actor_for_token(conn, "k", token, 60)
        by_session = users.actor_for_session(conn, user.id, users.credential_stamp(user.password_hash))
        assert by_token == by_session and by_session.division_name == "中原路街道"
        with pytest.raises(Unauthorized):
            users.actor_for_session(conn, user.id, "an old stamp")
        with pytest.raises(Unauthorized):
            users.actor_for_session(conn, "1", users.credential_stamp(user.password_hash))
