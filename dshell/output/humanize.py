"""Sizes, durations and times, printed and parsed exactly like the Docker CLI does.

The printers reproduce ``github.com/docker/go-units`` (``HumanSize``, ``HumanDuration``); the
parsers reproduce Go's ``time.ParseDuration``, go-units ``RAMInBytes``, the CLI's ``--cpus``
(``opts.NanoCPUs``) and its ``--since``/``--until`` handling (``GetTimestamp``).
"""

from __future__ import annotations

import math
import re
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime

__all__ = [
    "ago",
    "ansic_time",
    "bytes_size",
    "created_at",
    "go_time",
    "human_duration",
    "human_size",
    "natural_key",
    "parse_bytes",
    "parse_cpus",
    "parse_duration",
    "parse_rfc3339",
    "parse_time_arg",
]

_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_ABBRS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")

_HOUR = 3600
_DAY_HOURS = 24

#: Go's zero ``time.Time``, which the Engine API sends for "never".
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def _custom_size(n: float, base: float, units: tuple[str, ...], precision: int) -> str:
    """go-units ``CustomSize``: divide by ``base`` while it fits, print ``precision`` significant digits."""
    size = float(n)
    unit = 0
    while size >= base and unit < len(units) - 1:
        size /= base
        unit += 1
    return f"{size:.{precision}g}{units[unit]}"  # Go's "%.4g%s": same digits, same exponent form


def human_size(n: float, precision: int = 4) -> str:
    """A size in decimal units: ``2.15MB``, ``0B``, ``1.5kB``.

    go-units ``HumanSizeWithPrecision(n, precision)``; the default 4 is ``HumanSize`` (``system df``, prune
    reports). ``docker images``, ``history``, ``ps -s`` and ``stats`` use 3 significant digits.
    """
    return _custom_size(n, 1000.0, _SIZE_UNITS, precision)


def bytes_size(n: float) -> str:
    """A size in binary units with 4 significant digits, as go-units ``BytesSize``: ``1.5KiB``."""
    return _custom_size(n, 1024.0, _BINARY_ABBRS, 4)


def created_at(ts: float) -> str:
    """Go's ``time.Unix(ts, 0).String()`` in the local zone, the CLI's ``CreatedAt``:
    ``2024-01-02 03:04:05 +0000 UTC``."""
    import datetime

    return datetime.datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M:%S %z %Z")


def _round_half_away(x: float) -> int:
    """Round like Go's ``Duration.Round`` (halves away from zero)."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def human_duration(seconds: float) -> str:
    """An approximate duration as go-units ``HumanDuration`` spells it: ``3 minutes``, ``2 days``."""
    whole = int(seconds)
    if whole < 1:
        return "Less than a second"
    if whole == 1:
        return "1 second"
    if whole < 60:
        return f"{whole} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = _round_half_away(seconds / _HOUR)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < _DAY_HOURS * 7 * 2:
        return f"{hours // _DAY_HOURS} days"
    if hours < _DAY_HOURS * 30 * 2:
        return f"{hours // _DAY_HOURS // 7} weeks"
    if hours < _DAY_HOURS * 365 * 2:
        return f"{hours // _DAY_HOURS // 30} months"
    return f"{int(seconds / _HOUR) // _DAY_HOURS // 365} years"


# --- times -------------------------------------------------------------------------------------

_DATE = r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_CLOCK_H = r"T(?P<hour>\d{1,2})"
_CLOCK_HM = _CLOCK_H + r":(?P<minute>\d{2})"
# Go accepts a fractional second after the seconds field even when the layout has none.
_CLOCK_HMS = _CLOCK_HM + r":(?P<second>\d{2})(?:[.,](?P<frac>\d+))?"
_ZONE = r"(?P<zone>Z|[+-]\d{2}:\d{2})"

_RFC3339_RE = re.compile(_DATE + r"[Tt]" + _CLOCK_HMS[1:] + r"(?P<zone>[Zz]|[+-]\d{2}:\d{2})", re.ASCII)

_LAYOUTS = {
    "date": re.compile(_DATE, re.ASCII),
    "hour": re.compile(_DATE + _CLOCK_H, re.ASCII),
    "minute": re.compile(_DATE + _CLOCK_HM, re.ASCII),
    "second": re.compile(_DATE + _CLOCK_HMS, re.ASCII),
}
_ZONED_LAYOUTS = {key: re.compile(rx.pattern + _ZONE, re.ASCII) for key, rx in _LAYOUTS.items()}
_UNIX_TIMESTAMP_RE = re.compile(r"\+?\d+(?:\.\+?\d+)?", re.ASCII)


def _zone_offset(zone: str | None, local_offset: int) -> int:
    """Seconds east of UTC of a ``Z``/``±hh:mm`` zone, or ``local_offset`` for none."""
    if zone is None:
        return local_offset
    if zone in ("Z", "z"):
        return 0
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours >= 24 or minutes >= 60:
        raise ValueError(f"time zone offset out of range: {zone!r}")
    offset = hours * _HOUR + minutes * 60
    return -offset if zone[0] == "-" else offset


def _epoch(match: re.Match[str], local_offset: int) -> tuple[int, int]:
    """``(unix seconds, nanoseconds)`` of a date/time regex match, with Go's range checks."""
    fields = match.groupdict()
    year, month, day = int(fields["year"]), int(fields["month"]), int(fields["day"])
    hour, minute, second = (int(fields.get(k) or 0) for k in ("hour", "minute", "second"))
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range in {match.string!r}")
    if year < 1:
        raise ValueError(f"year out of range in {match.string!r}")
    import calendar

    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"day out of range in {match.string!r}")
    if hour >= 24 or minute >= 60 or second >= 60:
        raise ValueError(f"time out of range in {match.string!r}")
    frac = fields.get("frac") or ""
    nanos = int(frac[:9].ljust(9, "0"))
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return seconds - _zone_offset(fields.get("zone"), local_offset), nanos


def parse_rfc3339(text: str) -> float:
    """Unix seconds of an RFC 3339 time as the Engine API sends it (``2024-01-02T03:04:05.123456789Z``).

    Fractions of any length and ``Z`` or ``±hh:mm`` offsets are accepted; ``ValueError`` otherwise.
    """
    match = _RFC3339_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid RFC 3339 time: {text!r}")
    seconds, nanos = _epoch(match, 0)
    return seconds + nanos / 1e9


def _rfc3339_in_zone(text: str) -> tuple[datetime.datetime, int, str] | None:
    """An RFC 3339 time in its own zone (whole seconds), its nanoseconds and its zone as written (``Z`` or
    ``±hh:mm``); None when ``text`` is not one (:func:`parse_rfc3339`'s syntax and range checks)."""
    import datetime

    match = _RFC3339_RE.fullmatch(text or "")
    if match is None:
        return None
    try:
        _, nanos = _epoch(match, 0)
    except ValueError:
        return None
    fields = match.groupdict()
    zone = fields["zone"].upper()
    tz = datetime.timezone(datetime.timedelta(seconds=_zone_offset(zone, 0)))
    year, month, day, hour, minute, second = (
        int(fields[k]) for k in ("year", "month", "day", "hour", "minute", "second")
    )
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=tz), nanos, zone


def go_time(text: str) -> str:
    """An RFC 3339 time as Go's ``Time.String()`` prints it: ``2024-01-02 03:04:05.5 +0000 UTC`` (``Z``), or
    ``… +0100 +0100`` for an offset; ``text`` unchanged when it is not an RFC 3339 time."""
    parsed = _rfc3339_in_zone(text)
    if parsed is None:
        return text
    when, nanos, zone = parsed
    frac = f".{nanos:09d}".rstrip("0") if nanos else ""
    offset = "+0000 UTC" if zone == "Z" else f"{zone.replace(':', '')} {zone.replace(':', '')}"
    return f"{when.year:04d}-{when:%m-%d %H:%M:%S}{frac} {offset}"


def ansic_time(text: str) -> str:
    """An RFC 3339 time as Go's ``time.ANSIC`` in its own zone (``Tue Jan  2 03:04:05 2024``), as
    ``docker version`` prints a build time; ``text`` unchanged when it is not an RFC 3339 time."""
    parsed = _rfc3339_in_zone(text)
    if parsed is None:
        return text
    when = parsed[0]
    return f"{when:%a %b} {when.day:2d} {when:%H:%M:%S} {when.year:04d}"


def natural_key(text: str) -> list[tuple[int, int, str]]:
    """Sort key of the Docker CLI's ``sortorder.NaturalLess``: runs of digits compare as numbers
    (``vol2`` before ``vol10``), as ``volume ls`` and ``network ls`` order their rows."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", text)]


def ago(ts: float | str, now: float | None = None) -> str:
    """``3 minutes ago`` for a unix time or an RFC 3339 string; ``""`` for Go's zero time (never)."""
    if isinstance(ts, str):
        if not ts or ts.startswith("0001-01-01T00:00:00"):
            return ""
        when = parse_rfc3339(ts)
    else:
        when = float(ts)
    current = time.time() if now is None else now
    return f"{human_duration(current - when)} ago"


# --- parsers -----------------------------------------------------------------------------------

_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # µs, MICRO SIGN
    "\u03bcs": 1_000,  # μs, GREEK SMALL LETTER MU
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
_DURATION_PART_RE = re.compile(r"(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?P<unit>[^0-9.]*)", re.ASCII)
_MAX_DURATION_NS = (1 << 63) - 1


def _duration_ns(text: str) -> int:
    """Nanoseconds of a Go duration string (``time.ParseDuration``)."""
    from fractions import Fraction  # exact arithmetic, imported only when a duration is parsed

    rest = text
    negative = False
    if rest[:1] in ("-", "+"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f"time: invalid duration {text!r}")
    total = Fraction(0)
    pos = 0
    while pos < len(rest):
        match = _DURATION_PART_RE.match(rest, pos)
        assert match is not None  # every part of the pattern is optional
        digits, frac, unit = match["int"], match["frac"], match["unit"]
        if not digits and not frac:
            raise ValueError(f"time: invalid duration {text!r}")
        if not unit:
            raise ValueError(f"time: missing unit in duration {text!r}")
        if unit not in _DURATION_UNITS:
            raise ValueError(f"time: unknown unit {unit!r} in duration {text!r}")
        value = Fraction(int(digits or "0"))
        if frac:
            value += Fraction(int(frac), 10 ** len(frac))
        total += value * _DURATION_UNITS[unit]
        pos = match.end()
    nanos = math.floor(total)
    if nanos > _MAX_DURATION_NS + (1 if negative else 0):
        raise ValueError(f"time: invalid duration {text!r}")
    return -nanos if negative else nanos


def parse_duration(text: str) -> float:
    """Seconds of a Go duration (``10m``, ``1h30m``, ``2.5s``, ``-1.5h``, ``300ms``); ``ValueError`` if invalid."""
    return _duration_ns(text) / 1e9


def _local_offset(now: float) -> int:
    """The local zone's offset from UTC at ``now``, in seconds (Go's ``FixedZone(reference.Zone())``)."""
    return time.localtime(now).tm_gmtoff


def parse_time_arg(value: str, now: float | None = None) -> str:
    """Turn a ``--since``/``--until`` value into the unix timestamp string the API expects.

    Mirrors the Docker CLI (``GetTimestamp``): a Go duration gives ``now - d`` in whole seconds;
    ``2006-01-02``, ``2006-01-02T15:04:05`` (local time), RFC 3339 with ``Z`` or an offset, with or
    without fractions, give ``"<seconds>.<9-digit nanoseconds>"``; a unix timestamp is passed
    through unchanged. Raises ``ValueError`` for anything else.
    """
    current = time.time() if now is None else now
    if value != "0":
        try:
            return str(math.floor(current - _duration_ns(value) / 1e9))
        except ValueError:
            pass
    zoned = any(c in value for c in "zZ+") or value.count("-") == 3
    if "." in value:
        kind = "second"
    elif "T" in value:
        colons = value.count(":")
        if zoned and not any(c in value for c in "zZ") and colons > 0:
            colons -= 1  # the colon of the ±hh:mm offset
        kind = ("hour", "minute")[colons] if colons < 2 else "second"
    else:
        kind = "date"
    layout = (_ZONED_LAYOUTS if zoned else _LAYOUTS)[kind]
    match = layout.fullmatch(value)
    if match is not None:
        seconds, nanos = _epoch(match, _local_offset(current))
        return f"{seconds}.{nanos:09d}"
    if "-" in value:
        raise ValueError(f"invalid time {value!r}: expected a duration, a unix timestamp or an RFC 3339 time")
    if _UNIX_TIMESTAMP_RE.fullmatch(value):
        return value
    raise ValueError(f"failed to parse value as time or duration: {value!r}")


_SIZE_RE = re.compile(r"(\d+(?:\.\d+)*) ?([kmgtp])?i?b?", re.ASCII | re.IGNORECASE)
_BINARY_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_bytes(text: str) -> int:
    """Bytes of a memory size as ``docker run -m`` reads it (go-units ``RAMInBytes``).

    Binary units ``b k m g t p``, case-insensitive, an optional ``b``/``ib`` suffix and an optional
    space before the unit: ``512m``, ``512mb``, ``1g``, ``1.5 GiB``, ``1024``. Fractions of a byte
    are dropped. Raises ``ValueError("invalid size: …")`` otherwise.
    """
    match = _SIZE_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid size: {text!r}")
    try:
        number = float(match[1])
    except ValueError:
        raise ValueError(f"invalid size: {text!r}") from None
    return int(number * _BINARY_UNITS[(match[2] or "").lower()])


_RATIONAL_RE = re.compile(r"[+-]?(?:\d+/\d+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", re.ASCII)


def parse_cpus(text: str) -> int:
    """NanoCPUs of a ``--cpus`` value (``"1.5"`` → ``1500000000``), exactly like the Docker CLI.

    Raises ``ValueError`` for a value that is not a rational number or is finer than 1e-9 CPU.
    """
    from fractions import Fraction

    if not _RATIONAL_RE.fullmatch(text):
        raise ValueError(f"failed to parse {text!r} as a rational number")
    try:
        cpus = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"failed to parse {text!r} as a rational number") from None
    nanos = cpus * 1_000_000_000
    if nanos.denominator != 1:
        raise ValueError(f"value is too precise: {text!r}")
    return int(nanos)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """``text`` as Go's ``strconv.Quote`` writes it (what ``docker ps`` shows in COMMAND): in double quotes,
    with ``"`` and ``\\`` escaped and anything unprintable as ``\\n``, ``\\x1b``, ``\\u00a0`` …"""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'
