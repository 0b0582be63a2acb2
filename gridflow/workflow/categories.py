"""Case categories: kind, duty of the five-in-one worker, time limit per level.

Limits are (amount, unit) with unit one of EMERGENCY_HOURS (natural time, day and night),
WORKING_HOURS (office hours on working days) or WORKING_DAYS (close of office on the n-th working
day after the day the case reached the level).  Values follow the examples in the domain notes
(missing manhole cover 2 emergency hours, illegal construction 15 working days, exposed rubbish 1
working day) and the one-month norm for mediation; a deployment tunes them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geo.levels import LEVELS_BOTTOM_UP

EMERGENCY_HOURS, WORKING_HOURS, WORKING_DAYS = "emergency_hours", "working_hours", "working_days"
UNITS = (EMERGENCY_HOURS, WORKING_HOURS, WORKING_DAYS)
KINDS = ("incident", "dispute")
DUTIES = {
    "general": "专职网格员",
    "stability": "维稳信息员",
    "mediation": "矛盾调解员",
    "safety": "安全生产员",
    "order": "治安管理员",
}


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit}


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str
    kind: str
    duty: str
    limits: dict[str, Limit]  # level -> limit
    # Verification on site needs a photo (stage verification) and the worker's position.
    photo_required_on_verification: bool = False

    def limit(self, level: str) -> Limit:
        return self.limits[level]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "kind": self.kind,
            "duty": self.duty,
            "duty_name": DUTIES[self.duty],
            "limits": {lvl: self.limits[lvl].to_dict() for lvl in LEVELS_BOTTOM_UP},
        }


def _limits(unit: str, *amounts: float) -> dict[str, Limit]:
    return {level: Limit(a, unit) for level, a in zip(LEVELS_BOTTOM_UP, amounts)}


# Mediation: most disputes settle within a month in all (People's Mediation practice).
_DISPUTE = _limits(WORKING_DAYS, 5, 10, 15, 15)
_DISPUTE_URGENT = _limits(WORKING_DAYS, 3, 5, 10, 10)

# fmt: off
_ROWS = [
    # code, name, English, kind, duty, limits per level (community, street, county, city)
    ("D01", "婚姻家庭纠纷", "marriage and family", "dispute", "mediation", _DISPUTE),
    ("D02", "邻里纠纷", "neighbours", "dispute", "mediation", _DISPUTE),
    ("D03", "房屋宅基地纠纷", "housing and homestead", "dispute", "mediation", _DISPUTE),
    ("D04", "合同纠纷", "contract", "dispute", "mediation", _DISPUTE),
    ("D05", "生产经营纠纷", "production and business", "dispute", "mediation", _DISPUTE),
    ("D06", "损害赔偿纠纷", "damages", "dispute", "mediation", _DISPUTE),
    ("D07", "山林土地纠纷", "forest and land", "dispute", "mediation", _DISPUTE),
    ("D08", "征地拆迁纠纷", "land requisition and demolition", "dispute", "mediation", _DISPUTE_URGENT),
    ("D09", "环境污染纠纷", "environmental pollution", "dispute", "mediation", _DISPUTE),
    ("D10", "劳动争议纠纷", "labour", "dispute", "mediation", _DISPUTE_URGENT),
    ("D11", "消费纠纷", "consumer", "dispute", "mediation", _DISPUTE),
    ("D12", "医疗纠纷", "medical", "dispute", "mediation", _DISPUTE_URGENT),
    ("D13", "道路交通事故纠纷", "road traffic accident", "dispute", "mediation", _DISPUTE),
    ("D14", "物业纠纷", "property management", "dispute", "mediation", _DISPUTE),
    ("D15", "其他纠纷", "other", "dispute", "mediation", _DISPUTE),
    ("G01", "暴露垃圾", "exposed rubbish", "incident", "general", _limits(WORKING_DAYS, 1, 2, 3, 3)),
    ("G02", "井盖缺失", "missing manhole cover", "incident", "general", _limits(EMERGENCY_HOURS, 2, 4, 8, 8)),
    ("G03", "公共设施损坏", "damaged public facility", "incident", "general", _limits(WORKING_DAYS, 3, 5, 7, 7)),
    ("G04", "人口信息变动", "population change", "incident", "general", _limits(WORKING_DAYS, 3, 5, 5, 5)),
    ("G05", "便民服务诉求", "service request", "incident", "general", _limits(WORKING_DAYS, 2, 3, 5, 5)),
    ("S01", "信访苗头", "brewing petition", "incident", "stability", _limits(WORKING_HOURS, 8, 16, 24, 24)),
    ("S02", "群体性事件苗头", "possible group incident", "incident", "stability", _limits(EMERGENCY_HOURS, 4, 8, 12, 12)),
    ("S03", "不稳定因素", "rumour of gathering", "incident", "stability", _limits(EMERGENCY_HOURS, 12, 24, 24, 24)),
    ("A01", "消防隐患", "fire hazard", "incident", "safety", _limits(WORKING_HOURS, 8, 16, 24, 24)),
    ("A02", "燃气泄漏", "gas leak", "incident", "safety", _limits(EMERGENCY_HOURS, 2, 4, 6, 6)),
    ("A03", "违章建筑", "illegal construction", "incident", "safety", _limits(WORKING_DAYS, 15, 15, 20, 20)),
    ("A04", "危险化学品隐患", "hazardous goods", "incident", "safety", _limits(EMERGENCY_HOURS, 4, 8, 12, 12)),
    ("O01", "盗窃", "theft", "incident", "order", _limits(EMERGENCY_HOURS, 24, 48, 72, 72)),
    ("O02", "可疑人员", "suspicious person", "incident", "order", _limits(EMERGENCY_HOURS, 4, 8, 12, 12)),
    ("O03", "涉赌涉毒线索", "drugs or gambling lead", "incident", "order", _limits(WORKING_DAYS, 1, 2, 3, 3)),
]
# fmt: on

CATEGORIES: dict[str, Category] = {
    code: Category(code, name, en, kind, duty, limits) for code, name, en, kind, duty, limits in _ROWS
}
