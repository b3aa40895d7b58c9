"""Sizes, durations and time arguments (pure), checked against go-units and the Docker CLI."""

from __future__ import annotations

import calendar
import time

import pytest

from dshell.output.humanize import (
    ago,
    human_duration,
    human_size,
    parse_bytes,
    parse_cpus,
    parse_duration,
    parse_rfc3339,
    parse_time_arg,
)

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY
YEAR = 365 * DAY


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0B"),
        (1, "1B"),
        (999, "999B"),
        (1000, "1kB"),
        (1024, "1.024kB"),
        (1500, "1.5kB"),
        (999_999, "1000kB"),  # go-units divides first, then rounds to 4 digits
        (1_000_000, "1MB"),
        (1_048_576, "1.049MB"),
        (2_150_000, "2.15MB"),
        (3.42e9, "3.42GB"),
        (10.2e9, "10.2GB"),
        (5.372e12, "5.372TB"),
        (2.22e15, "2.22PB"),
        (1e28, "1e+04YB"),
        (123_456_789, "123.5MB"),
    ],
)
def test_human_size(size: float, text: str) -> None:
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "Less than a second"),
        (0.45, "Less than a second"),
        (1, "1 second"),
        (1.9, "1 second"),
        (45, "45 seconds"),
        (59, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (3 * MINUTE, "3 minutes"),
        (35 * MINUTE + 40, "35 minutes"),
        (59 * MINUTE, "59 minutes"),
        (HOUR, "About an hour"),
        (HOUR + 29 * MINUTE, "About an hour"),
        (HOUR + 30 * MINUTE, "2 hours"),  # hours are rounded, halves up
        (HOUR + 31 * MINUTE, "2 hours"),
        (3 * HOUR + 29 * MINUTE, "3 hours"),
        (3 * HOUR + 31 * MINUTE, "4 hours"),
        (DAY, "24 hours"),
        (DAY + 12 * HOUR, "36 hours"),
        (2 * DAY, "2 days"),
        (13 * DAY + 5 * HOUR, "13 days"),
        (2 * WEEK, "2 weeks"),
        (2 * WEEK + 4 * DAY, "2 weeks"),
        (MONTH, "4 weeks"),
        (MONTH + 2 * WEEK, "6 weeks"),
        (2 * MONTH, "2 months"),
        (3 * MONTH + WEEK, "3 months"),
        (13 * MONTH, "13 months"),
        (24 * MONTH, "24 months"),
        (24 * MONTH + 2 * WEEK, "2 years"),
        (3 * YEAR + 2 * MONTH, "3 years"),
    ],
)
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", calendar.timegm((2024, 1, 2, 3, 4, 5, 0, 0, 0))),
        ("2024-01-02T03:04:05.5Z", calendar.timegm((2024, 1, 2, 3, 4, 5, 0, 0, 0)) + 0.5),
        ("2024-01-02T03:04:05.123456789Z", calendar.timegm((2024, 1, 2, 3, 4, 5, 0, 0, 0)) + 0.123456789),
        ("2024-01-02T03:04:05.1234567891234Z", calendar.timegm((2024, 1, 2, 3, 4, 5, 0, 0, 0)) + 0.123456789),
        ("2024-01-02T03:04:05+01:00", calendar.timegm((2024, 1, 2, 2, 4, 5, 0, 0, 0))),
        ("2024-01-02T03:04:05.25-02:30", calendar.timegm((2024, 1, 2, 5, 34, 5, 0, 0, 0)) + 0.25),
        ("2024-02-29T00:00:00Z", calendar.timegm((2024, 2, 29, 0, 0, 0, 0, 0, 0))),
    ],
)
def test_parse_rfc3339(text: str, expected: float) -> None:
    assert parse_rfc3339(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024-01-02",
        "2024-01-02T03:04:05",
        "2024-13-02T03:04:05Z",
        "2023-02-29T00:00:00Z",
        "2024-01-02T24:00:00Z",
    ],
)
def test_parse_rfc3339_invalid(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)


NOW = float(calendar.timegm((2024, 1, 2, 3, 10, 5, 0, 0, 0)))


@pytest.mark.parametrize(
    ("ts", "text"),
    [
        ("2024-01-02T03:04:05.123456789Z", "5 minutes ago"),
        ("2024-01-02T03:10:04.9Z", "Less than a second ago"),
        ("2024-01-02T04:10:05+01:00", "Less than a second ago"),
        (NOW - 3 * DAY, "3 days ago"),
        (int(NOW) - 90, "About a minute ago"),
        ("0001-01-01T00:00:00Z", ""),
        ("", ""),
    ],
)
def test_ago(ts: float | str, text: str) -> None:
    assert ago(ts, now=NOW) == text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("-0", 0.0),
        ("10m", 600.0),
        ("1h30m", 5400.0),
        ("2.5s", 2.5),
        (".5s", 0.5),
        ("5.s", 5.0),
        ("-1.5h", -5400.0),
        ("+3s", 3.0),
        ("300ms", 0.3),
        ("1us", 1e-6),
        ("1\u00b5s", 1e-6),
        ("1\u03bcs", 1e-6),
        ("10ns", 1e-8),
        ("1h1m1s1ms", 3661.001),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1", "s", ".s", "1x", "1sec", "1h-30m", "- 1s", "1.2.3s", "3000000h"])
def test_parse_duration_invalid(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


T0 = 1_700_000_000.75


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10m", "1699999400"),  # durations give whole seconds, as the CLI sends them
        ("1h30m", str(1_700_000_000 - 5400)),
        ("2.5s", "1699999998"),
        ("0s", "1700000000"),
        ("2024-01-02T03:04:05Z", "1704164645.000000000"),
        ("2024-01-02T03:04:05.5Z", "1704164645.500000000"),
        ("2024-01-02T03:04:05.123456789Z", "1704164645.123456789"),
        ("2024-01-02T03:04:05+01:00", "1704161045.000000000"),
        ("2024-01-02T03:04:05.1-01:00", "1704168245.100000000"),
        ("2024-01-02T03Z", "1704164400.000000000"),
        ("2024-01-02T03:04Z", "1704164640.000000000"),
        ("2024-01-02T03:04+02:00", "1704157440.000000000"),
        ("2024-01-02Z", "1704153600.000000000"),
        ("2024-01-02+01:00", "1704150000.000000000"),
        ("1700000000", "1700000000"),  # unix timestamps pass through unchanged
        ("1700000000.5", "1700000000.5"),
        ("0", "0"),
    ],
)
def test_parse_time_arg(value: str, expected: str) -> None:
    assert parse_time_arg(value, now=T0) == expected


@pytest.mark.parametrize(
    ("value", "fields"),
    [
        ("2024-01-02", (2024, 1, 2, 0, 0, 0)),
        ("2024-01-02T03", (2024, 1, 2, 3, 0, 0)),
        ("2024-01-02T03:04", (2024, 1, 2, 3, 4, 0)),
        ("2024-01-02T03:04:05", (2024, 1, 2, 3, 4, 5)),
        ("2024-07-02T3:04:05.25", (2024, 7, 2, 3, 4, 5)),
    ],
)
def test_parse_time_arg_local(value: str, fields: tuple[int, ...]) -> None:
    # Times without a zone are in the local zone, at its offset at "now" (as the CLI does).
    offset = time.localtime(T0).tm_gmtoff
    seconds = calendar.timegm((*fields, 0, 0, 0)) - offset
    frac = ".250000000" if value.endswith(".25") else ".000000000"
    assert parse_time_arg(value, now=T0) == f"{seconds}{frac}"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "10x",
        "2024-13-01",
        "2024-01-02T25:00:00Z",
        "2024-1-2",
        "2024-01-02T03:04:05Q",
        "1.2.3",
        "-5",
    ],
)
def test_parse_time_arg_invalid(value: str) -> None:
    with pytest.raises(ValueError):
        parse_time_arg(value, now=T0)


def test_parse_time_arg_defaults_to_now() -> None:
    before = int(time.time()) - 60
    assert before - 1 <= int(parse_time_arg("1m")) <= before + 2


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("32", 32),
        ("32b", 32),
        ("32B", 32),
        ("100k", 100 * 1024),
        ("32K", 32 * 1024),
        ("32kb", 32 * 1024),
        ("32Kib", 32 * 1024),
        ("32KIB", 32 * 1024),
        ("512m", 512 * 1024**2),
        ("512mb", 512 * 1024**2),
        ("512 MB", 512 * 1024**2),
        ("1g", 1024**3),
        ("1.5g", 3 * 1024**3 // 2),
        ("2t", 2 * 1024**4),
        ("32P", 32 * 1024**5),
        ("32.3", 32),
        ("32.3 mb", int(32.3 * 1024**2)),
        ("0.3MB", int(0.3 * 1024**2)),
        ("1024", 1024),
    ],
)
def test_parse_bytes(text: str, size: int) -> None:
    assert parse_bytes(text) == size


@pytest.mark.parametrize("text", ["", "hello", "-32", " 32 ", "32m b", "32bm", ".3k", "1.2.3m", "1x", "1e3"])
def test_parse_bytes_invalid(text: str) -> None:
    with pytest.raises(ValueError, match="invalid size"):
        parse_bytes(text)


@pytest.mark.parametrize(
    ("text", "nanos"),
    [
        ("1", 1_000_000_000),
        ("1.5", 1_500_000_000),
        ("0.25", 250_000_000),
        (".5", 500_000_000),
        ("3/2", 1_500_000_000),
        ("1e-9", 1),
        ("0.000000001", 1),
        ("0", 0),
    ],
)
def test_parse_cpus(text: str, nanos: int) -> None:
    assert parse_cpus(text) == nanos


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "rational number"),
        ("", "rational number"),
        (" 1", "rational number"),
        ("1/0", "rational number"),
        ("1_0", "rational number"),
        ("0.0000000001", "too precise"),
        ("1/3", "too precise"),
    ],
)
def test_parse_cpus_invalid(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cpus(text)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("true", '"true"'),
        ("sh -c 'echo \"a b\"'", '"sh -c \'echo \\"a b\\"\'"'),
        ("a\\b", '"a\\\\b"'),
        ("tab\there\nnl", '"tab\\there\\nnl"'),
        ("\x1b[2J\x07", '"\\x1b[2J\\a"'),
        ("nbsp\u00a0é", '"nbsp\\u00a0é"'),
    ],
)
def test_go_quote_matches_strconv_quote(text: str, quoted: str) -> None:
    from dshell.output.humanize import go_quote

    assert go_quote(text) == quoted
