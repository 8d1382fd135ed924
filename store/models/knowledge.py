"""Knowledge entries (`KB-<n>`): what a problem looks like, why it happens and how to resolve
it, with the labels and error signature that recognise it; every save is a numbered version.

Full-text search reads an index kept beside the table (`knowledge_fts`: FTS5 on SQLite, a
tsvector table on PostgreSQL; see store/knowledge_index.py), written in the same transaction
as the entry, so it is never behind.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sluice.alerting.matchers import MAX_MATCHERS
from store.models.common import created_at_field, json_field, optional_time_field, status_field

KnowledgeStatus = Literal["draft", "published"]
KEY_PREFIX = "KB-"
MAX_TITLE = 300
MAX_SECTION = 20_000  # symptoms, cause, resolution: each
MAX_TAGS = 20
MAX_LINKS = 20


def entry_key(entry_id: int) -> str:
    return f"{KEY_PREFIX}{entry_id}"


class KnowledgeEntry(SQLModel, table=True):
    __tablename__ = "knowledge_entries"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=MAX_TITLE)
    symptoms: str = Field(default="", sa_type=Text)
    cause: str = Field(default="", sa_type=Text)
    resolution: str = Field(default="", sa_type=Text)  # steps, Markdown
    tags: list[str] = json_field(list)
    matchers: list[str] = json_field(list)  # Alertmanager-style, all must hold
    sig_alertname: str = Field(default="", max_length=200, index=True)
    sig_service: str = Field(default="", max_length=200, index=True)
    sig_error: str = Field(default="", sa_type=Text)  # normalised (sluice.knowledge.signature)
    signature: str = Field(default="", max_length=32, index=True)  # signature_key(...)
    links: list[str] = json_field(list)
    author: str = Field(default="", max_length=200)
    status: str = status_field("draft", index=True)
    version: int = 1
    published_version: int | None = None
    published_at: datetime | None = optional_time_field()
    published_by: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    updated_by: str = Field(default="", max_length=200)
    matched: int = 0  # times attached to an alert group
    cited: int = 0  # times an answer cited it
    helpful: int = 0
    not_helpful: int = 0


class KnowledgeVersion(SQLModel, table=True):
    """An entry's content as one save left it (the fields of `KnowledgeContent`)."""

    __tablename__ = "knowledge_versions"
    __table_args__: Any = (
        UniqueConstraint("entry_id", "version", name="uq_knowledge_versions_entry_id_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="knowledge_entries.id", ondelete="CASCADE")
    version: int
    content: dict[str, Any] = json_field()
    comment: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()


Tag = Annotated[str, PydanticField(min_length=1, max_length=100)]
Line = Annotated[str, PydanticField(max_length=1000)]


class Signature(BaseModel):
    """What identifies the problem in an alert: its name, service and error text (normalised
    on save: numbers, ids, paths and times replaced)."""

    model_config = ConfigDict(extra="forbid")

    alertname: str = PydanticField(default="", max_length=200)
    service: str = PydanticField(default="", max_length=200)
    error: str = PydanticField(default="", max_length=MAX_SECTION)


class KnowledgeContent(BaseModel):
    """The editable part of an entry; each save of it is a version."""

    model_config = ConfigDict(extra="forbid")

    title: str = PydanticField(min_length=1, max_length=MAX_TITLE)
    symptoms: str = PydanticField(default="", max_length=MAX_SECTION)
    cause: str = PydanticField(default="", max_length=MAX_SECTION)
    resolution: str = PydanticField(
        default="", max_length=MAX_SECTION, description="steps, Markdown"
    )
    tags: list[Tag] = PydanticField(default_factory=list, max_length=MAX_TAGS)
    matchers: list[Line] = PydanticField(
        default_factory=list,
        max_length=MAX_MATCHERS,
        description='label matchers, all must hold: `name="value"`, `!=`, `=~regex`, `!~regex`',
        examples=[['alertname="DiskFull"']],
    )
    signature: Signature = PydanticField(default_factory=Signature)
    links: list[Line] = PydanticField(default_factory=list, max_length=MAX_LINKS)


class KnowledgeCreate(KnowledgeContent):
    status: KnowledgeStatus = "draft"


class KnowledgeUpdate(KnowledgeContent):
    comment: str = PydanticField(default="", max_length=500, description="what this edit did")


class KnowledgeCounters(BaseModel):
    matched: int
    cited: int
    helpful: int
    not_helpful: int


class KnowledgePublic(KnowledgeContent):
    model_config = ConfigDict(extra="ignore")

    id: int
    key: str = PydanticField(description="`KB-<id>`, as answers cite it")
    author: str
    status: KnowledgeStatus
    version: int
    published_version: int | None
    published_at: datetime | None
    published_by: str
    created_at: datetime
    updated_at: datetime
    updated_by: str
    counters: KnowledgeCounters


class KnowledgeVersionPublic(BaseModel):
    entry_id: int
    version: int
    content: dict[str, Any]
    comment: str
    created_by: str
    created_at: datetime
