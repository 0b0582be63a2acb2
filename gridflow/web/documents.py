"""Printable documents of a case: the people's mediation agreement (人民调解协议书).

Its content is what the People's Mediation Law asks of a written agreement (§28–29): the parties'
basic information, the main facts of the dispute and the matters in dispute, the terms agreed, how
and by when they are performed, signatures of every party and the mediator and the committee's
seal; and the parties' right to apply jointly for judicial confirmation within 30 days (§33).
Personal data appears only as the viewer may see it (people/access.py decides, as everywhere).
"""

from __future__ import annotations

from flask import render_template

from gridflow.cases import act as cases
from gridflow.db import get_db
from gridflow.errors import N_, NotFound
from gridflow.web import bp
from gridflow.web.auth import logged_in_actor, login_required
from gridflow.web.casefile import CASE_ID
from gridflow.workflow.rules import CONFIRMATION_DAYS


@bp.get(f"/cases/{CASE_ID}/agreement")
@login_required
def agreement(case_id: int):
    case = cases.get_case(get_db(), logged_in_actor(), case_id)
    if case.agreement is None or case.agreement.form != "written":
        raise NotFound(N_("This case has no written mediation agreement"), field="id")
    # The committee of the division at the level where the dispute was settled.
    committee = getattr(case, case.level) or case.community
    return render_template(
        "cases/agreement.html",
        case=case,
        agreement=case.agreement,
        committee=committee.name if committee else "",
        copies=len(case.parties) + 1,
        confirmation_days=CONFIRMATION_DAYS,
    )
