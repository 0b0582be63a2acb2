"""Settings the case use cases need, read once from the app's configuration."""

from __future__ import annotations

from dataclasses import dataclass, field

from gridflow.workflow.calendar import WorkCalendar


@dataclass(frozen=True)
class Policy:
    warn_share: float = 0.8
    duplicate_radius_m: float = 100.0
    duplicate_window_hours: float = 72.0
    max_text: int = 4000
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(
            config["WARN_SHARE"],
            config["DUPLICATE_RADIUS_M"],
            config["DUPLICATE_WINDOW_HOURS"],
            config["MAX_TEXT_LENGTH"],
            WorkCalendar(config["OFFICE_HOURS"]),
        )
