"""Settings the case use cases need, read once from the app's configuration."""

from __future__ import annotations

from dataclasses import dataclass, field

from gridflow.chainkeys import chain_keys
from gridflow.hashchain import KeyRing
from gridflow.workflow.calendar import WorkCalendar


@dataclass(frozen=True)
class Policy:
    warn_share: float = 0.8
    duplicate_radius_m: float = 100.0
    duplicate_window_hours: float = 72.0
    max_text: int = 4000
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    chain: KeyRing | None = None  # the timeline chain's keys (none: no event can be written)

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(
            config["WARN_SHARE"],
            config["DUPLICATE_RADIUS_M"],
            config["DUPLICATE_WINDOW_HOURS"],
            config["MAX_TEXT_LENGTH"],
            WorkCalendar(config["OFFICE_HOURS"]),
            chain_keys(config),
        )
