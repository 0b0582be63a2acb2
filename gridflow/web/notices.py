"""The notification bell in every page's header (htmx: the unread count, a menu of the latest unread
notices, mark all read), the full list (/notifications), and one's notification settings
(/account/notifications).  The same services as the API (gridflow.notifications)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.errors import N_, Invalid
from gridflow.notifications import inbox, preferences
from gridflow.schemas.common import DB_INT_MAX
from gridflow.schemas.notifications import NotificationSettingsInput, ReadInput
from gridflow.web import bp, nav
from gridflow.web.auth import logged_in_actor, login_required
from gridflow.web.forms import Form
from gridflow.web.pages import page_args

nav.add(
    "web.notification_settings",
    _l("Notification settings"),
    description=_l("E-mail and SMS on or off, language, quiet hours"),
    order=910,
)
BELL_ITEMS = 8
PER_PAGE = 30


def _lang() -> str:
    return get_locale().language if get_locale() else "zh"


def _bell(opened: bool = False):
    listed = inbox.list_for(get_db(), logged_in_actor(), True, 1, BELL_ITEMS, _lang())
    return render_template("notifications/_bell.html", listed=listed, opened=opened)


@bp.get("/notifications/bell")
@login_required
def notification_bell():
    """The bell (count and menu), or with ?part=count only the count (polled)."""
    if request.args.get("part") == "count":
        unread = inbox.unread_count(get_db(), logged_in_actor())
        return render_template("notifications/_count.html", unread=unread)
    return _bell()


@bp.get("/notifications")
@login_required
def notifications():
    unread_only = request.args.get("unread") == "1"
    try:
        page = max(1, min(int(request.args.get("page", "1")), 10**6))
    except ValueError:
        page = 1
    listed = inbox.list_for(get_db(), logged_in_actor(), unread_only, page, PER_PAGE, _lang())
    return render_template("notifications/index.html", listed=listed, unread_only=unread_only, page_args=page_args)


@bp.post("/notifications/read")
@login_required
def read_notifications():
    """Mark read (form: `all`=1, or one or more `id`); htmx gets the bell back, a plain form goes back
    to the list."""
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit() and 0 < int(i) <= DB_INT_MAX][:500]
    inp = ReadInput(all=request.form.get("all") == "1", ids=ids or None) if ids or request.form.get("all") else None
    if inp is not None:
        inbox.mark_read(get_db(), logged_in_actor(), inp, utcnow())
    if request.headers.get("HX-Request") and request.form.get("from") == "bell":
        return _bell(opened=True)  # the menu stays open, now saying that nothing is unread
    return redirect(url_for("web.notifications", unread=request.form.get("unread") or None))


@bp.get("/notifications/<int(max=2147483647):notification_id>")
@login_required
def open_notification(notification_id: int):
    """Mark it read and go to its case."""
    case_id = inbox.open_one(get_db(), logged_in_actor(), notification_id, utcnow())
    return redirect(url_for("web.case_file", case_id=case_id))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    actor = logged_in_actor()
    values = preferences.get(get_db(), actor).model_dump()
    typed = {name: values[name] or "" for name in ("language", "quiet_start", "quiet_end")}
    form = Form(request.form if request.method == "POST" else typed)
    if request.method == "POST":
        with form.catching():
            values = {
                "email_on": request.form.get("email_on") == "1",
                "sms_on": request.form.get("sms_on") == "1",
                "sms_all": request.form.get("sms_all") == "1",
                "language": request.form.get("language", "zh"),
                "quiet_start": request.form.get("quiet_start") or None,
                "quiet_end": request.form.get("quiet_end") or None,
            }
            try:
                inp = NotificationSettingsInput(**values)
            except ValidationError as exc:
                first = exc.errors()[0]
                field = str(first["loc"][0]) if first["loc"] else "quiet_end"
                raise Invalid(N_("Give both times of the quiet hours as HH:MM, or neither."), field=field) from None
            preferences.put(get_db(), actor, inp)
            flash(gettext("Your notification settings have been saved."), "success")
            return redirect(url_for("web.notification_settings"))
    page = render_template("notifications/settings.html", form=form, values=values)
    return page, form.status, form.headers
