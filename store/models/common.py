"""Column helpers shared by every table: aware UTC timestamps, JSON, status strings."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import AfterValidator
from sqlalchemy import JSON, BigInteger, String
from sqlmodel import Field, SQLModel, UTCDateTime

# Deterministic constraint names, so migrations can alter them on SQLite and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Integers from requests that reach the DB must fit its INTEGER columns (ids, versions,
# counters; PostgreSQL's are 32-bit): out of range is a 422, not a DB overflow (a 500).
INT_MAX = 2**31 - 1
RowId = Annotated[int, Interval(ge=1, le=INT_MAX)]


# Times and days from requests stay a year inside what `datetime` can hold, so converting one
# to any zone, or stepping a day or a bucket from it, cannot overflow (an OverflowError is a
# 500). Naive times are UTC, as every route reads them.
EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
_RANGE = f"must be between {EARLIEST.date()} and {LATEST.date()} (UTC)"


def check_time(value: datetime) -> datetime:
    """`value` unchanged if it lies in [EARLIEST, LATEST]; ValueError saying the range if not."""
    try:
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:  # its offset moves it past year 1 or 9999
        raise ValueError(_RANGE) from None
    if not EARLIEST <= utc <= LATEST:
        raise ValueError(_RANGE)
    return value


def check_day(value: date) -> date:
    if not EARLIEST.date() <= value <= LATEST.date():
        raise ValueError(_RANGE)
    return value


ApiTime = Annotated[datetime, AfterValidator(check_time)]
ApiDay = Annotated[date, AfterValidator(check_day)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field(*, index: bool = False) -> Any:
    """A required timestamp defaulting to now; UTCDateTime reads back aware UTC on SQLite too."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, index=index)


def optional_time_field() -> Any:
    return Field(default=None, sa_type=UTCDateTime)


def json_field(default_factory: Callable[[], Any] = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=JSON)


def status_field(default: str, *, index: bool = False) -> Any:
    # Plain strings, not native enums: adding a status must not need an ALTER TYPE.
    return Field(default=default, sa_type=String(32), index=index)


def bigint_field(*, nullable: bool = False) -> Any:
    return Field(default=None if nullable else 0, sa_type=BigInteger)
