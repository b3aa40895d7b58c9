"""Shell-quoted lines and declaration-driven parsing (pure)."""

from __future__ import annotations

import pytest

from dshell.core.commands import Command, CommandRegistry, argument, flag, option
from dshell.core.lexer import UnterminatedQuote, split, split_partial
from dshell.core.parser import HelpRequested, parse_args
from dshell.errors import UsageError


def words(line: str) -> list[str]:
    return [t.value for t in split(line)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ps -a", ["ps", "-a"]),
        ("  ps\t -a  ", ["ps", "-a"]),
        ("""run img sh -c 'echo "a  b"'""", ["run", "img", "sh", "-c", 'echo "a  b"']),
        ('''echo "it's" \\"x\\"''', ["echo", "it's", '"x"']),
        (r'"a\$b\\c\n"', ["a$b\\c\\n"]),
        ("a''b", ["ab"]),
        ("''", [""]),
        (r"a\ b", ["a b"]),
    ],
)
def test_split(line: str, expected: list[str]) -> None:
    assert words(line) == expected


def test_unterminated_quote() -> None:
    with pytest.raises(UnterminatedQuote):
        split("echo 'abc")


def test_split_partial() -> None:
    toks, cur = split_partial("rm -f my")
    assert [t.value for t in toks] == ["rm", "-f"]
    assert cur is not None and cur.value == "my"
    toks, cur = split_partial("rm ")
    assert cur is None
    toks, cur = split_partial("rm 'my con")
    assert cur is not None and cur.value == "my con"


def _noop(inv):  # type: ignore[no-untyped-def]
    return None


RUN = Command(
    "run",
    _noop,
    "run",
    options=(
        flag("-d", "--detach"),
        flag("-i", "--interactive"),
        flag("-t", "--tty"),
        option("-e", "--env", repeat=True),
        option("--name"),
        option("-n", "--last", type=int, default=-1),
        option("--restart", choices=("no", "always")),
    ),
    arguments=(argument("image"), argument("command", nargs="...")),
    interspersed=False,
)


def parse(cmd: Command, text: str):  # type: ignore[no-untyped-def]
    return parse_args(cmd, text)


def test_options_stop_at_image() -> None:
    ns = parse(RUN, "-it -e A=1 --env=B=2 -n5 --name x img sh -c 'echo -n hi' -e no")
    assert ns.interactive and ns.tty and not ns.detach
    assert ns.env == ["A=1", "B=2"]
    assert ns.last == 5 and ns.name == "x" and ns.image == "img"
    assert ns.command == ["sh", "-c", "echo -n hi", "-e", "no"]


def test_double_dash_and_defaults() -> None:
    ns = parse(RUN, "-- img")
    assert ns.last == -1 and ns.env == [] and ns.command == []


def test_usage_errors() -> None:
    with pytest.raises(UsageError, match=r"unknown flag: --nmae.*did you mean --name"):
        parse(RUN, "--nmae x img")
    with pytest.raises(UsageError, match="missing argument IMAGE"):
        parse(RUN, "-d")
    with pytest.raises(UsageError, match="invalid value 'x' for -n"):
        parse(RUN, "-n x img")
    with pytest.raises(UsageError, match="choose from no, always"):
        parse(RUN, "--restart sometimes img")
    with pytest.raises(UsageError, match="flag needs an argument"):
        parse(RUN, "--name")
    with pytest.raises(HelpRequested):
        parse(RUN, "--help")


RM = Command("rm", _noop, "rm", options=(flag("-f", "--force"),), arguments=(argument("names", nargs="+"),))


def test_interspersed_options_and_variadic() -> None:
    ns = parse(RM, "a -f b")
    assert ns.force and ns.names == ["a", "b"]
    with pytest.raises(UsageError, match="requires at least 1"):
        parse(RM, "-f")
    # a quoted word that looks like a flag is a name
    assert parse(RM, "'-x'").names == ["-x"]


POST = Command("post", _noop, "post", arguments=(argument("path"), argument("body", nargs="raw")))


@pytest.mark.parametrize(
    ("line", "body"),
    [
        (
            '/containers/create {"Image": "busybox:local", "Cmd": ["echo", "it\'s"]}',
            '{"Image": "busybox:local", "Cmd": ["echo", "it\'s"]}',
        ),
        ("/x '{\"a\": 1}'", '{"a": 1}'),
        ("/x", None),
        ('/x {"a": "unbalanced \' quote"}', '{"a": "unbalanced \' quote"}'),
        ("/x {'oops", "{'oops"),
    ],
)
def test_raw_rest_of_line(line: str, body: str | None) -> None:
    assert parse(POST, line).body == body


def test_registry_multiword_and_clash() -> None:
    reg = CommandRegistry()
    reg.current_plugin = "a"
    reg.add(Command("image ls", _noop, "list", aliases=("images",)))
    found = reg.lookup(["image", "ls", "-a"])
    assert found is not None and found[0].name == "image ls" and found[1] == 2
    assert reg.lookup(["images"]) is not None
    assert [w for w, _ in reg.next_words(["image"])] == ["ls"]
    reg.current_plugin = "b"
    with pytest.raises(Exception, match="already registered by 'a'"):
        reg.add(Command("images", _noop, "other"))
    reg.add(Command("images", _noop, "mine"), replace_existing=True)
    cmd = reg.get("images")
    assert cmd is not None and cmd.plugin == "b" and reg.get("image ls") is None
