"""Logging in and out, and changing one's own password: the same services as the API
(gridflow.people.login), so the throttle, the audit log and the token version are one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from gridflow.chainkeys import chain_keys
from gridflow.db import get_db
from gridflow.people import login
from gridflow.people.passwords import PASSWORD_MIN_LENGTH
from gridflow.web import bp, nav
from gridflow.web.auth import (
    current_actor,
    log_in,
    log_out,
    logged_in_actor,
    login_required,
    page_caller,
    safe_next,
)
from gridflow.web.forms import Form

nav.add("web.password", _l("Change password"), description=_l("Choose a new password for your account"), order=900)


def _throttle() -> login.Throttle:
    return login.Throttle.from_config(current_app.config)


@bp.route("/login", methods=["GET", "POST"], endpoint="login")
def login_page():
    actor = current_actor()
    if actor is not None and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or nav.landing_url(actor))
    form = Form(request.form)
    if request.method == "POST":
        with form.catching():  # too many failed attempts: shown on the form, answered 429 with Retry-After
            user = login.log_in(
                get_db(),
                _throttle(),
                chain_keys(current_app.config),
                form.value("username"),
                form.value("password"),
                request.remote_addr,
            )
            log_in(user)
            return redirect(safe_next(form.value("next")) or nav.landing_url(logged_in_actor()))
    page = render_template("login.html", form=form, next=request.values.get("next", ""))
    return page, form.status, form.headers


@bp.post("/logout")
def logout():
    """Logging out ends every session and token of the user (the token version moves on)."""
    was_logged_in = current_actor() is not None
    if was_logged_in:
        login.log_out(get_db(), page_caller())
    log_out()
    if was_logged_in:
        flash(gettext("You have logged out."), "success")
    return redirect(url_for("web.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = Form(request.form)
    if request.method == "POST":
        with form.catching():
            user = login.change_password(
                get_db(), page_caller(), _throttle(), form.value("old_password"), form.value("new_password")
            )
            log_in(user)  # this browser goes on under the new password; every other session has ended
            flash(gettext("Your password has been changed."), "success")
            return redirect(url_for("web.start"))
    page = render_template("password.html", form=form, min_length=PASSWORD_MIN_LENGTH)
    return page, form.status, form.headers
