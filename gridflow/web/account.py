"""Logging in and out, and changing one's own password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from gridflow.db import get_db
from gridflow.people import users
from gridflow.web import bp, nav
from gridflow.web.auth import current_actor, log_in, log_out, logged_in_actor, login_required, safe_next
from gridflow.web.forms import Form

nav.add("web.password", _l("Change password"), description=_l("Choose a new password for your account"), order=900)


@bp.route("/login", methods=["GET", "POST"])
def login():
    actor = current_actor()
    if actor is not None and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or nav.landing_url(actor))
    form = Form(request.form)
    if request.method == "POST":
        with form.catching():
            with get_db().session() as s:
                user = users.authenticate(s, form.value("username"), form.value("password"))
            log_in(user)
            return redirect(safe_next(form.value("next")) or nav.landing_url(logged_in_actor()))
    return render_template("login.html", form=form, next=request.values.get("next", "")), form.status


@bp.post("/logout")
def logout():
    was_logged_in = current_actor() is not None
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
            me = logged_in_actor().id
            assert me is not None  # a person, never the system
            user = users.change_password(get_db(), me, form.value("old_password"), form.value("new_password"))
            log_in(user)  # this browser goes on under the new password; every other session has ended
            flash(gettext("Your password has been changed."), "success")
            return redirect(url_for("web.start"))
    return render_template("password.html", form=form, min_length=users.PASSWORD_MIN_LENGTH), form.status
