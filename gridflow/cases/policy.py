"""Settings the case use cases need, read once from the app's configuration."""

from __future__ import annotations

from dataclasses import dataclass

from gridflow.chainkeys import chain_keys
from gridflow.hashchain import KeyRing
from gridflow.notifications.rules import Channels
from gridflow.workflow.calendar import DEFAULT_OFFICE_HOURS, WorkCalendar
from gridflow.workflow.categories import Category


@dataclass(frozen=True)
class Policy:
    warn_share: float = 0.8
    duplicate_radius_m: float = 100.0
    duplicate_window_hours: float = 72.0
    extensions_per_level: int = 2
    # The working calendar's office hours; its holidays and working days are the office's, read from the
    # database by the use case that needs them (gridflow.calendar.store).
    office_hours: tuple[tuple[int, int], ...] = DEFAULT_OFFICE_HOURS
    chain: KeyRing | None = None  # the timeline chain's keys (none: no event can be written)
    channels: Channels = Channels()  # the notification channels set up besides the in-app list

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(
            config["WARN_SHARE"],
            config["DUPLICATE_RADIUS_M"],
            config["DUPLICATE_WINDOW_HOURS"],
            config["MAX_EXTENSIONS_PER_LEVEL"],
            tuple(tuple(span) for span in config["OFFICE_HOURS"]),
            chain_keys(config),
            Channels.from_config(config),
        )

    def keys(self) -> KeyRing:
        """The timeline chain's key ring (a policy without one cannot write or check events)."""
        if self.chain is None:
            raise RuntimeError("no chain keys: build the policy with Policy.from_config")
        return self.chain

    def effects(self, calendar: WorkCalendar, category: Category) -> dict:
        """What the workflow table's effects read besides the case, the actor and the time: the working
        calendar as stored now, and the version of its category the case was filed under."""
        return {
            "calendar": calendar,
            "category": category,
            "warn_share": self.warn_share,
            "extensions_per_level": self.extensions_per_level,
        }
