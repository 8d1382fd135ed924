"""The metadata DB's SQLModel tables, the shapes derived from them, and status vocabularies.

Importing this package registers every table on SQLModel.metadata (migrations rely on it)."""

from store.models.agents import (
    Agent,
    AgentBase,
    AgentConfigPublic,
    AgentConfigUpdate,
    AgentHeartbeat,
    AgentPublic,
    AgentRegister,
    HeartbeatReply,
)
from store.models.alert_sources import (
    AlertSource,
    AlertSourceCreate,
    AlertSourcePublic,
    AlertSourceUpdate,
)
from store.models.alerts import (
    Alert,
    AlertDetail,
    AlertEvent,
    AlertEventPublic,
    AlertPage,
    AlertPublic,
    AlertStatus,
)
from store.models.audit import ApiToken, ApiTokenCreate, ApiTokenCreated, ApiTokenPublic, AuditLog
from store.models.channels import (
    Channel,
    ChannelCreate,
    ChannelPublic,
    ChannelUpdate,
    Notification,
    NotificationPublic,
)
from store.models.common import utcnow
from store.models.rules import RoutingRule, RoutingRuleBase, RuleVersion
from store.models.status import AgentStatus, NotificationStatus, Role, StepStatus, TaskStatus
from store.models.tasks import (
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

__all__ = [
    "Agent",
    "AgentBase",
    "AgentConfigPublic",
    "AgentConfigUpdate",
    "AgentHeartbeat",
    "AgentPublic",
    "AgentRegister",
    "AgentStatus",
    "Alert",
    "AlertDetail",
    "AlertEvent",
    "AlertEventPublic",
    "AlertPage",
    "AlertPublic",
    "AlertSource",
    "AlertSourceCreate",
    "AlertSourcePublic",
    "AlertSourceUpdate",
    "AlertStatus",
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
    "FileEventPublic",
    "HeartbeatReply",
    "LinkedRun",
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
    "utcnow",
]
