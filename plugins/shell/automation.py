"""The automation language's commands: ``vars``, ``echo``, ``unset``, ``defer``, ``wait-until``.

Assignments (``NAME=VALUE``, ``NAME := COMMAND``), ``$…`` expansion, pipes and redirection are syntax, handled
by the core before a command runs; these are the commands that go with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dshell.plugin import Command, Table, Text, UsageError, argument, option

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dshell.plugin import Candidate, CommandRegistry, CompletionRequest, Invocation


def vars_(inv: Invocation) -> Table:
    from dshell.plugin import Capture, automation_state

    auto = automation_state(inv.session)
    rows = auto.listing()
    data: dict[str, Any] = {}
    for name, value in auto.values.items():
        if isinstance(value, Capture):
            data[name] = {"kind": value.kind, "id": value.ident, "data": value.data, "command": value.line}
        else:
            data[name] = value
    return Table(("NAME", "KIND", "VALUE"), rows, data)


def echo_(inv: Invocation) -> Text:
    return Text(" ".join(inv.args.words) + "\n")


def unset_(inv: Invocation) -> None:
    from dshell.plugin import automation_state

    auto = automation_state(inv.session)
    missing = [n for n in inv.args.names if not auto.unset(n)]
    if missing:
        raise UsageError(f"unset: no such variable: {', '.join(missing)}")


def defer_(inv: Invocation) -> None:
    from dshell.plugin import defer_command

    defer_command(inv.session, inv.args.command_line or "")


def wait_until_(inv: Invocation) -> None:
    from dshell.plugin import split_condition, wait_until

    try:
        condition, timeout, interval = split_condition(inv.args.condition or "")
        timeout = timeout if timeout is not None else _seconds(inv.args.timeout)
        interval = interval if interval is not None else _seconds(inv.args.interval)
    except ValueError as exc:
        raise UsageError(f"wait-until: {exc}") from None
    wait_until(inv.session, condition, timeout=timeout, interval=interval)


def _seconds(text: str) -> float:
    from dshell.plugin import parse_duration

    try:
        return float(text)
    except ValueError:
        return float(parse_duration(text))


def complete_variables(request: CompletionRequest) -> Iterable[Candidate]:
    from dshell.plugin import Candidate, automation_state

    for name, kind, value in automation_state(request.session).listing():
        yield Candidate(name, f"{kind}: {value}")


def register(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            "vars",
            vars_,
            "List variables and captured results (NAME=VALUE, NAME := COMMAND)",
            json_output=True,
            examples=("vars", "vars --json"),
        )
    )
    registry.add(
        Command(
            "echo",
            echo_,
            "Print the words after it (expanded): echo web is $web",
            arguments=(argument("words", "words to print", nargs="..."),),
            interspersed=False,
        )
    )
    registry.add(
        Command(
            "unset",
            unset_,
            "Forget variables",
            arguments=(argument("names", "variable names", nargs="+", complete="variable"),),
        )
    )
    registry.add(
        Command(
            "defer",
            defer_,
            "Run a command when the script ends, whether it succeeded or failed (last deferred first)",
            arguments=(
                argument("command_line", "a dshell command line, expanded when it runs", nargs="raw"),
            ),
            examples=("defer rm -f $web",),
        )
    )
    registry.add(
        Command(
            "wait-until",
            wait_until_,
            "Wait until a condition on a captured object holds, re-inspecting it",
            options=(
                option(
                    "--timeout", help="give up after this long (30s, 2m)", default="30s", metavar="DURATION"
                ),
                option("--interval", help="time between checks", default="0.5s", metavar="DURATION"),
            ),
            arguments=(
                argument(
                    "condition", "A == B, A != B, or A (true unless empty, 0, false, null)", nargs="raw"
                ),
            ),
            examples=(
                "wait-until ${web.State.Status} == running",
                "wait-until ${web.State.Health.Status} == healthy --timeout 2m",
            ),
        )
    )
