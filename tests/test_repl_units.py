"""The pieces of the interactive experience that need no terminal: config file, aliases, colours, the line
highlighter, history reading, the toolbar, ``!cmd``, ``clear``, ``history`` and the new settings."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import Captured

from dshell.core.config import apply_config, load_config, parse_config
from dshell.core.history import read_history
from dshell.output import colors
from dshell.output.render import format_table

ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- config ------------------------------------------------------------------------------------------------


def test_parse_config() -> None:
    cfg = parse_config(
        'output = "json"\ncolor = false\nhistory_size = 50\n[settings]\npager = true\n'
        '[aliases]\nlsa = "ps -a"\nbad = 3\n[weird]\nx = 1\n'
    )
    assert cfg.settings == {"pager": "on", "output": "json", "color": "off", "history_size": "50"}
    assert cfg.aliases == {"lsa": "ps -a"}
    assert (
        len(cfg.warnings) == 2
        and any("bad" in w for w in cfg.warnings)
        and any("weird" in w for w in cfg.warnings)
    )
    broken = parse_config("output = ")
    assert broken.settings == {} and "not valid TOML" in broken.warnings[0]


def test_config_file_applies_defaults_and_aliases(shell: Captured, tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        'table_format = "psql"\ntimeout = 30\nnosuch = 1\n[aliases]\nlsa = "ps -a"\nps = "images"\n'
    )
    session = shell.session
    session.set("timeout", "7")  # as if given on the command line: the file does not override it
    warnings = apply_config(session, load_config(path))
    assert session.settings["table_format"] == "psql"
    assert session.settings["timeout"] == 7.0
    assert any("nosuch" in w for w in warnings)
    assert any("'ps' is already a command" in w for w in warnings)
    assert shell.run("lsa -q").out == shell.run("ps -a -q").out
    assert load_config(tmp_path / "missing").settings == {}


def test_config_from_xdg_dir_reaches_a_real_run(daemon: str, tmp_path: Path) -> None:
    from conftest import run_dshell

    (tmp_path / "dshell").mkdir()
    (tmp_path / "dshell" / "config").write_text('output = "json"\n[aliases]\nv = "version"\n')
    r = run_dshell(daemon, "-c", "v", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert r.status == 0, r.err
    assert r.out.lstrip().startswith("{") and '"Client"' in r.out


# -- aliases and shell commands ---------------------------------------------------------------------------


def test_alias_commands(shell: Captured) -> None:
    assert shell.run("alias lsq = ps -a -q").status == 0
    assert shell.run("lsq").out == shell.run("ps -a -q").out
    listing = shell.run("alias")
    assert re.search(r"lsq\s+ps -a -q", listing.out)
    assert shell.run("alias lsq").out.strip() == "alias lsq = ps -a -q"
    assert "alias for ps -a -q" in shell.run("help lsq").out
    assert "aliases:" in shell.run("help").out
    assert shell.run("alias help = version").status == 2  # may not shadow a command
    assert "unknown command 'pss' (did you mean ps" in shell.run("alias x = pss").err
    # a loop is refused when it runs, not with a crash
    shell.run("alias one = version")
    shell.run("alias two = one")
    shell.run("alias one = two")
    r = shell.run("one")
    assert r.status == 2 and "alias loop" in r.err
    assert shell.run("unalias lsq one two").status == 0
    assert shell.run("lsq").status == 2
    assert "no such alias" in shell.run("unalias lsq").err


def test_host_shell_command(shell: Captured) -> None:
    r = shell.run("! echo hi there; echo oops >&2; exit 3")
    assert r.status == 3 and r.out == "hi there\n" and "oops" in r.err
    assert shell.run("! true").status == 0
    assert shell.run("!").status == 2


def test_clear_writes_nothing_off_a_terminal(shell: Captured) -> None:
    r = shell.run("clear")
    assert r.status == 0 and r.out == ""


def test_settings_added(shell: Captured) -> None:
    assert shell.run("set pager on").status == 0 and shell.session.settings["pager"] is True
    assert shell.run("set color off").status == 0 and shell.session.settings["color"] is False
    assert shell.run("set history_size 20").status == 0 and shell.session.settings["history_size"] == 20
    assert shell.run("set history_size -1").status == 2


def test_history_file_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shell: Captured) -> None:
    from prompt_toolkit.history import FileHistory

    path = tmp_path / "dshell" / "history"
    path.parent.mkdir()
    h = FileHistory(str(path))
    for entry in ("ps -a", "images", "version"):
        h.append_string(entry)
    assert read_history(path) == ["ps -a", "images", "version"]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    r = shell.run("history 2")
    assert r.out.split("\n")[:2] == ["    2  images", "    3  version"]


# -- colours -----------------------------------------------------------------------------------------------


def test_highlight_json() -> None:
    text = '{\n  "Name": "web",\n  "Count": 3,\n  "On": true,\n  "None": null\n}'
    out = colors.highlight_json(text)
    assert ANSI.sub("", out) == text
    assert colors.KEY + '"Name"' in out and colors.STRING + '"web"' in out
    assert colors.NUMBER + "3" in out and colors.BOOLEAN + "true" in out and colors.NULL + "null" in out


def test_state_colours_keep_the_table_aligned() -> None:
    columns = ("NAME", "STATUS", "PORTS")
    rows = [("web", "Up 3 minutes", "80/tcp"), ("job", "Exited (1) 2 hours ago", ""), ("new", "Created", "")]
    for style in ("docker", "psql"):
        out = colors.color_table(columns, rows, style=style)
        assert ANSI.sub("", out) == format_table(columns, rows, style=style)
        assert colors.GREEN + "Up 3 minutes" in out and colors.RED + "Exited (1)" in out
    assert colors.state_color("Exited (0) 1 hour ago") == colors.DIM
    assert colors.state_color("Up 2 hours (unhealthy)") == colors.YELLOW
    assert colors.color_table(("A",), [("x",)]) == format_table(("A",), [("x",)])


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(
    daemon: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dshell.api.address import parse_address
    from dshell.core.session import Session
    from dshell.output import display
    from dshell.output.console import Console
    from dshell.output.results import Document

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = TTY()
    s = Session(parse_address(daemon), console=Console(stdout=out, stderr=io.StringIO(), stdin=None))
    s.load_plugins()
    s.start()
    try:
        assert isinstance(s.renderers.get("table"), display.ScreenRenderer)
        s.renderers.get("table")(Document({"a": 1}), s.render_context())
        assert "\x1b[" in out.getvalue()
        out.seek(0)
        out.truncate()
        monkeypatch.setenv("NO_COLOR", "1")
        s.renderers.get("json")(Document({"a": 1}), s.render_context())
        assert out.getvalue() == '{\n  "a": 1\n}\n'
        monkeypatch.delenv("NO_COLOR")
        out.seek(0)
        out.truncate()
        s.set("color", "off")
        s.renderers.get("json")(Document({"a": 1}), s.render_context())
        assert "\x1b[" not in out.getvalue()
    finally:
        s.close()


def test_no_colour_when_piped(daemon: str, prefix: str) -> None:
    from conftest import run_dshell

    r = run_dshell(daemon, "-c", "ps -a", env={"TERM": "xterm"})
    assert r.status == 0 and "\x1b[" not in r.out


# -- highlighting and toolbar ------------------------------------------------------------------------------


def test_line_fragments(shell: Captured) -> None:
    from dshell.interactive.highlight import line_fragments

    reg = shell.session.registry
    line = "container ls -a --filter=status=exited 'quoted arg' @prod x"
    frags = line_fragments(reg, line)
    assert "".join(t for _, t in frags) == line
    styles = {t: s for s, t in frags if t.strip()}
    assert styles["container"] == styles["ls"] == "class:command"
    assert styles["-a"] == styles["--filter"] == "class:flag"
    assert styles["'quoted arg'"] == "class:string"
    assert styles["@prod"] == "class:host"
    assert line_fragments(reg, "nosuch -x")[0] == ("class:command.unknown", "nosuch")
    assert line_fragments(reg, "!ls -l") == [("class:shell", "!ls -l")]
    unterminated = "create 'abc"
    assert "".join(t for _, t in line_fragments(reg, unterminated)) == unterminated


def test_toolbar(shell: Captured) -> None:
    from dshell.interactive.refresher import DaemonStatus
    from dshell.interactive.repl import toolbar_fragments

    text = "".join(t for _, t in toolbar_fragments(shell.session, DaemonStatus()))
    assert "connecting" in text and "output: table" in text
    status = DaemonStatus(engine="20.10.24", api="1.41", running=2, total=5, connected=True)
    text = "".join(t for _, t in toolbar_fragments(shell.session, status))
    assert "Docker 20.10.24 · API 1.41" in text and "2 running / 5 containers" in text
    assert str(shell.session.daemon.address) in text


def test_shell_escape() -> None:
    from dshell.interactive.repl import shell_escape

    assert shell_escape("!ls -l") == "! ls -l"
    assert shell_escape("  ! ls") == "  ! ls"
    assert shell_escape("ps") == "ps"
