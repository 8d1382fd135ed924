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
from api.models.audit import ApiToken, AuditLog
from api.models.channels import (
    Channel,
    ChannelCreate,
    ChannelPublic,
    ChannelUpdate,
    Notification,
    NotificationPublic,
)
from api.models.common import utcnow
from api.models.rules import RoutingRule, RoutingRuleBase, RuleVersion
from api.models.status import AgentStatus, NotificationStatus, Role, StepStatus, TaskStatus
from api.models.tasks import (
    AttemptPublic,
    FileEvent,
    FileEventPublic,
    StepPublic,
    Task,
    TaskAttempt,
    TaskDetail,
    TaskPage,
    TaskPublic,
    TaskStep,
)

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
    "AttemptPublic",
    "AuditLog",
    "Channel",
    "ChannelCreate",
    "ChannelPublic",
    "ChannelUpdate",
    "FileEvent",
    "FileEventPublic",
    "HeartbeatReply",
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
    "TaskStatus",
    "TaskStep",
    "utcnow",
]
