"""SQLModel tables of the metadata DB, their public shapes and status vocabularies."""

from api.models.agents import (
    Agent,
    AgentBase,
    AgentConfigPublic,
    AgentConfigUpdate,
    AgentHeartbeat,
    AgentPublic,
    AgentRegister,
    HeartbeatReply,
)
from api.models.audit import ApiToken, ApiTokenCreate, ApiTokenCreated, ApiTokenPublic, AuditLog
from api.models.channels import (
    Channel,
    ChannelCreate,
    ChannelPublic,
    ChannelUpdate,
    Notification,
    NotificationPublic,
)
from api.models.common import utcnow
from api.models.file_events import (
    FileEventDetail,
    FileEventPage,
    FileEventSummary,
    TimelineEntry,
)
from api.models.rules import RoutingRule, RoutingRuleBase, RuleVersion
from api.models.status import AgentStatus, NotificationStatus, Role, StepStatus, TaskStatus
from api.models.tasks import (
    AttemptPublic,
    FileEvent,
    FileEventPublic,
    LinkedRun,
    StepPublic,
    Task,
    TaskAttempt,
    TaskDetail,
    TaskPage,
    TaskPublic,
    TaskRun,
    TaskStep,
)
from api.models.triggers import ManualTrigger, TriggerPublic

__all__ = [
    "Agent",
    "AgentBase",
    "AgentConfigPublic",
    "AgentConfigUpdate",
    "AgentHeartbeat",
    "AgentPublic",
    "AgentRegister",
    "AgentStatus",
    "ApiToken",
    "ApiTokenCreate",
    "ApiTokenCreated",
    "ApiTokenPublic",
    "AttemptPublic",
    "AuditLog",
    "Channel",
    "ChannelCreate",
    "ChannelPublic",
    "ChannelUpdate",
    "FileEvent",
    "FileEventDetail",
    "FileEventPage",
    "FileEventPublic",
    "FileEventSummary",
    "HeartbeatReply",
    "LinkedRun",
    "ManualTrigger",
    "Notification",
    "NotificationPublic",
    "NotificationStatus",
    "Role",
    "RoutingRule",
    "RoutingRuleBase",
    "RuleVersion",
    "StepPublic",
    "StepStatus",
    "Task",
    "TaskAttempt",
    "TaskDetail",
    "TaskPage",
    "TaskPublic",
    "TaskRun",
    "TaskStatus",
    "TaskStep",
    "TimelineEntry",
    "TriggerPublic",
    "utcnow",
]
