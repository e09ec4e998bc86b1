"""Times as wirecrawl stores them: ISO 8601 text, read back as aware datetimes."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time or date as an aware datetime (UTC when it has no offset); None if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def hours_between(a: str | None, b: str | None) -> float | None:
    """Hours between two stored times, or None when either is unknown."""
    first, second = parse_time(a), parse_time(b)
    if first is None or second is None:
        return None
    return abs((first - second).total_seconds()) / 3600
