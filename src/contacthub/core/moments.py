"""Instants as every door reads and writes them: ISO 8601, kept and shown in UTC.

One place for the rules each door had its own copy of: a time without an offset is UTC's; a
time whose UTC falls outside years 1-9999 (year 1 east of Greenwich) is refused, not an
OverflowError; years below 1000 keep four digits (strftime's %Y drops them)."""

from datetime import date, datetime, timezone

NOT_AN_INSTANT = "must be an ISO-8601 date-time"


def in_utc(moment: datetime) -> datetime:
    """The same instant in UTC (a naive time is taken as UTC's). ValueError when its UTC is out
    of the years datetime holds."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("is out of range in UTC (years 1 to 9999)") from None


def parse_instant(text: str) -> datetime:
    """An ISO-8601 date-time (`Z` or an offset; none: UTC; a date alone is its midnight) as an
    aware UTC datetime; ValueError for anything else, a number of seconds included."""
    stripped = text.strip() if isinstance(text, str) else ""
    # a number of seconds is no time (20240101, eight digits, is ISO's basic form of a date)
    if not stripped or (stripped.lstrip("+-").isdigit() and len(stripped) != 8):
        raise ValueError(NOT_AN_INSTANT)
    if stripped[-1] in "zZ":  # UTC's, in either case (2024-01-01t10:00:00z is ISO 8601 too)
        stripped = stripped[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(NOT_AN_INSTANT) from None
    return in_utc(moment)


def parse_day_or_instant(text: str) -> date | datetime:
    """A date when the text has no time of day (`2024-02-29`, `20240229`), else an instant
    (parse_instant)."""
    unreadable = "must be an ISO-8601 date or date-time"
    if isinstance(text, str) and "T" not in text.upper() and " " not in text.strip():
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(unreadable) from None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise ValueError(unreadable if str(exc) == NOT_AN_INSTANT else str(exc)) from None


def iso_z(moment: datetime, timespec: str = "auto") -> str:
    """ISO 8601 in UTC with `Z` (`timespec` as datetime.isoformat: "milliseconds" for the
    vendors that write three digits)."""
    return in_utc(moment).isoformat(timespec=timespec).replace("+00:00", "Z")


def basic_z(moment: datetime) -> str:
    """ISO 8601's basic form in UTC (`20240101T093000Z`), as vCard's REV writes it."""
    return iso_z(moment, "seconds").replace("-", "").replace(":", "")
