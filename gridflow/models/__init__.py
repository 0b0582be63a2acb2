"""ORM models (SQLAlchemy 2 typed mappings).  Geometry is stored as WGS-84 lon/lat (EPSG:4326)."""

from gridflow.models.audit import AuditAnchor, AuditEvent
from gridflow.models.base import Base
from gridflow.models.cases import Agreement, Case, CaseCounter, CaseEvent, CaseParty, FollowUp, MediationSession
from gridflow.models.health import Heartbeat
from gridflow.models.media import Attachment
from gridflow.models.notifications import Delivery, Notification, NotificationSettings, Webhook
from gridflow.models.office import CalendarOverride, CalendarYear, CategoryVersion, DataRevision
from gridflow.models.patrols import Patrol, PatrolBatch, PatrolPoint, PatrolVisit
from gridflow.models.people import LoginThrottle, User
from gridflow.models.spatial import Division, Entity, Grid, RoadStretch, Worker
from gridflow.models.stats import CaseFacts, CaseHours, CaseTally

__all__ = [
    "AuditAnchor",
    "AuditEvent",
    "Base",
    "Division",
    "Entity",
    "Grid",
    "RoadStretch",
    "Worker",
    "Agreement",
    "Attachment",
    "CalendarOverride",
    "CalendarYear",
    "CategoryVersion",
    "DataRevision",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseFacts",
    "CaseHours",
    "CaseTally",
    "CaseParty",
    "FollowUp",
    "Heartbeat",
    "Delivery",
    "Notification",
    "NotificationSettings",
    "Webhook",
    "LoginThrottle",
    "MediationSession",
    "Patrol",
    "PatrolBatch",
    "PatrolPoint",
    "PatrolVisit",
    "User",
]
