"""What the field app's script writes (app.js `t(key)`), in the page's language: its own words and the
domain's labels (states, levels, events, kinds, duties, entity kinds, party roles) under prefixes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from gridflow.web.labels import LABELS

WORDS = {
    "online": _l("Online"),
    "offline": _l("No signal"),
    "noSignal": _l("No signal: it waits and goes when the signal returns."),
    "sessionEnded": _l("Your session has ended: log in again"),
    "tooLarge": _l("The file is too large."),
    "notAPicture": _l("This file is not a photo GridFlow takes."),
    "storageDown": _l("GridFlow cannot store files just now."),
    "photoRefused": _l("The photo was refused."),
    "status_waiting": _l("waiting to send"),
    "status_sending": _l("sending"),
    "status_sent": _l("sent"),
    "status_failed": _l("failed"),
    "status_stale": _l("the case changed meanwhile"),
    "staleAsk": _l("Case {number} is now: {state}. Send again as it is now?"),
    "sendAgain": _l("Send again"),
    "drop": _l("Drop"),
    "waitingCount": _l("{n} waiting to send"),
    "allSent": _l("Everything has been sent."),
    "openCases": _l("open cases"),
    "caseHistory": _l("Case history: {n}"),
    "noCaseHistory": _l("No case here so far."),
    "entityOffline": _l("No signal: this place's case history has not been loaded on this phone yet."),
    "households": _l("{n} households"),
    "recent": _l("Used lately"),
    "placeAt": _l("At {lat}, {lon}"),
    "placeEntity": _l("At {name}"),
    "accuracy": _l("(accurate to {m} m)"),
    "accuracyWarn": _l("Less accurate than {m} m: tap the map or pick a place instead."),
    "outsideEvery": _l("This point lies outside every grid."),
    "inMyGrid": _l("In my grid {grid}."),
    "notMyGrid": _l("Not in my grids: this is grid {grid} of {worker}."),
    "nobody": _l("nobody"),
    "noGps": _l("No position from the phone."),
    "locating": _l("Finding my position…"),
    "photoN": _l("Photo {n}"),
    "remove": _l("Remove"),
    "partyName": _l("Name of party"),
    "partyPhone": _l("Phone of party"),
    "partyRole": _l("Role of party"),
    "needCategory": _l("Choose a category."),
    "needDescription": _l("Describe what you found."),
    "needPlace": _l("Say where: use GPS, tap the map or pick a place."),
    "needReason": _l("Give a reason."),
    "metresAway": _l("{m} m away"),
    "itsTheSame": _l("It's the same"),
    "reportLabel": _l("Report ({kind}): {text}"),
    "queuedOnline": _l("Report saved: sending now."),
    "queuedOffline": _l("Report saved on the phone: waiting to send."),
    "loading": _l("Loading…"),
    "offlineWork": _l("No signal: showing what was loaded last."),
    "nothing": _l("Nothing here."),
    "noNotes": _l("No notifications."),
    "notesMissing": _l("Notifications are not available on this server yet."),
    "patrolOn": _l("On patrol: {n} positions recorded."),
    "patrolOff": _l("Not on patrol: no position is recorded."),
    "patrolStart": _l("Patrol started"),
    "patrolEnd": _l("Patrol ended"),
    "patrolPositions": _l("Patrol: {n} positions"),
    "patrolNotStarted": _l("The patrol's start has not been sent."),
    "patrolVisits": _l("{n} entities visited"),
    "underWay": _l("under way"),
    "km": _l("{n} km"),
    "metres": _l("{n} m"),
    "minutes": _l("{n} min"),
    "logDistance": _l("Distance"),
    "logDuration": _l("Time on patrol"),
    "logVisited": _l("Entities visited"),
    "logReported": _l("Cases reported"),
    "visitHow_details": _l("details opened"),
    "visitHow_report": _l("case reported"),
    "visitHow_given": _l("visit recorded"),
    "visitNear": _l("on the spot ({m} m away)"),
    "visitFar": _l("{m} m away"),
    "visitNoPosition": _l("no position"),
}
PREFIXES = {
    "state": "state_",
    "level": "level_",
    "event": "event_",
    "kind": "kind_",
    "duty": "duty_",
    "entity": "entity_",
    "party": "role_",
}


def app_words() -> dict[str, str]:
    words = {key: str(text) for key, text in WORDS.items()}
    for group, prefix in PREFIXES.items():
        words.update({prefix + code: str(text) for code, text in LABELS[group].items()})
    return words
