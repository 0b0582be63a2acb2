"""The notices' words, in Chinese and English, each naming the case number: with the case page's link
short enough for one SMS (70 characters in Chinese) while PUBLIC_URL has at most 25 characters.  Kept here rather than in the page catalogs: a message is made for its
recipient's language, outside any request (the scheduler)."""

from __future__ import annotations

LANGUAGES = ("zh", "en")
LEVEL_NAMES = {
    "zh": {"community": "社区", "street": "街道", "county": "县区", "city": "市"},
    "en": {"community": "community", "street": "street", "county": "county", "city": "city"},
}

TEXTS: dict[str, dict[str, str]] = {
    "arrived": {
        "zh": "案件{number}已进入{level}待办",
        "en": "Case {number} is waiting in the {level} queue",
    },
    "to_check": {"zh": "案件{number}待您现场核实", "en": "Case {number} waits for your check on site"},
    "warning": {"zh": "案件{number}时限已过80%", "en": "Case {number} has used 80% of its time limit"},
    "overdue": {"zh": "案件{number}已超期", "en": "Case {number} is overdue"},
    "escalated": {"zh": "案件{number}已上报至{level}", "en": "Case {number} was escalated to {level} level"},
    "pulled_up": {"zh": "案件{number}已提级至{level}", "en": "Case {number} was pulled up to {level} level"},
    "urged": {"zh": "案件{number}被催办，请速办理", "en": "Case {number} was urged: act on it"},
    "supervised": {"zh": "案件{number}已被督办", "en": "Case {number} is now supervised"},
    "resolved": {"zh": "案件{number}已办结，请核查", "en": "Case {number} was resolved: verify it on site"},
    "reworked": {"zh": "案件{number}核查未过，需返工", "en": "Case {number} failed verification: rework"},
    "reminder": {"zh": "案件{number}协议期限将到", "en": "Case {number}: an agreement deadline is near"},
    "auto_filed": {"zh": "案件{number}超时，已自动立案", "en": "Case {number} was filed unchecked (time out)"},
    "verification_late": {"zh": "案件{number}超时未核查", "en": "Case {number} was not verified in time"},
}


def language_of(preferred: str | None) -> str:
    return preferred if preferred in LANGUAGES else "zh"


def notice_text(kind: str, params: dict, language: str | None = None, link: str | None = None) -> str:
    """The notice in `language` (Chinese unless "en"), with the case page's link if given."""
    lang = language_of(language)
    words = TEXTS.get(kind, {"zh": "案件{number}有新动态", "en": "Case {number} changed"})[lang]
    text = words.format(number=params.get("number", ""), level=LEVEL_NAMES[lang].get(params.get("level", ""), ""))
    if link:  # a message to send: the link instead of the reason (one SMS: 70 characters in Chinese)
        return f"{text} {link}"
    if params.get("reason") and kind in ("urged", "pulled_up"):
        text += ("：" if lang == "zh" else ": ") + str(params["reason"])[:40]
    return text


def case_link(public_url: str, case_id: int) -> str:
    return f"{public_url.rstrip('/')}/cases/{case_id}"
