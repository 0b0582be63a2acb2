"""The one password rule (pages, API, CLI) and changing one's own password in the people service."""

from __future__ import annotations

import pytest

from gridflow.audit.log import Caller
from gridflow.chainkeys import chain_keys
from gridflow.db import get_db
from gridflow.errors import Invalid, Unauthorized
from gridflow.people import login, passwords, tokens
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
        passwords.check_password_rule("zhang.san", password, field="new_password")
    assert refused.value.message == message and refused.value.field == "new_password"


@pytest.mark.parametrize("password", ["1234567890", "          ", "zhang.san!", "长城长城长城长城长城", "x" * 200])
def test_the_password_rule_takes_ten_characters_as_typed_spaces_and_chinese_included(password):
    passwords.check_password_rule("zhang.san", password)


def test_a_refused_password_keeps_its_message_template_and_parameters_for_translation():
    with pytest.raises(Invalid) as refused:
        passwords.check_password_rule("u", "short")
    assert refused.value.template == "The password must be at least %(min)d characters long"
    assert refused.value.params == {"min": 10}
    assert refused.value.to_dict() == {
        "code": "invalid",
        "message": "The password must be at least 10 characters long",
        "field": "password",
    }


def _log_in(app, name, password):
    return login.log_in(get_db(app), login.Throttle(), chain_keys(app.config), name, password, "127.0.0.1")


def test_changing_a_password_proves_the_old_one_and_nothing_changes_on_a_refusal(app, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    user = _log_in(app, "gw1", PASSWORD)
    with db.lookup() as conn:
        me = Caller(tokens.actor_for_session(conn, user.id, user.token_version), chain_keys(app.config), "10.0.0.1")
    with pytest.raises(Invalid, match="The current password is wrong") as wrong:
        login.change_password(db, me, login.Throttle(), "not it at all", "a fine new password")
    assert wrong.value.field == "old_password"
    assert _log_in(app, "gw1", PASSWORD).password_hash == user.password_hash
    changed = login.change_password(db, me, login.Throttle(), PASSWORD, "a fine new password")
    assert tokens.credential_stamp(changed) == tokens.credential_stamp(user) + 1  # every token and session ends
    with pytest.raises(Unauthorized):
        _log_in(app, "gw1", PASSWORD)
    with pytest.raises(Invalid, match="The new password must differ from the current one"):
        login.change_password(db, me, login.Throttle(), "a fine new password", "a fine new password")


def test_a_web_session_and_a_token_resolve_to_the_same_actor(app, runner, tmp_path, db):
    setup_city(runner, tmp_path, db)
    user = _log_in(app, "med_street", PASSWORD)
    token = tokens.make_token("k", user)
    with db.lookup() as conn:
        by_token = tokens.actor_for_token(conn, "k", token, 60)
        by_session = tokens.actor_for_session(conn, user.id, tokens.credential_stamp(user))
        assert by_token == by_session and by_session.division_name == "中原路街道"
        assert by_session.username == "med_street"
        for stale in ("an old stamp", user.token_version + 1, True, None):
            with pytest.raises(Unauthorized):
                tokens.actor_for_session(conn, user.id, stale)
        with pytest.raises(Unauthorized):
            tokens.actor_for_session(conn, str(user.id), tokens.credential_stamp(user))
