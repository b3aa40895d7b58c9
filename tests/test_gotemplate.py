"""The Go-template subset of ``--format`` (pure): output, errors, headers and table alignment."""

from __future__ import annotations

from typing import Any

import pytest

from dshell.output.gotemplate import (
    TemplateError,
    default_header,
    go_json,
    go_str,
    parse_format,
    parse_template,
    tabwrite,
)

CONTAINER: dict[str, Any] = {
    "ID": "0123456789ab",
    "Names": "web",
    "Image": "busybox:latest",
    "Status": "Up 3 minutes",
    "Size": 1_000_000,
    "Ratio": 1.5,
    "Big": 1.5e6,
    "Nothing": None,
    "Running": True,
    "Empty": "",
    "Labels": {"b": "2", "a": "1", "com.example.role": "api"},
    "Env": ["A=1", "B=2"],
    "Mounts": [{"Source": "/a", "RW": True}, {"Source": "/b", "RW": False}],
    "State": {"Status": "running", "Running": True, "ExitCode": 0, "Health": None},
    "Ports": [],
    "Label": lambda key: {"com.example.role": "api"}.get(key, ""),
}


def render(template: str, data: Any = CONTAINER) -> str:
    return parse_template(template).execute(data)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("plain text", "plain text"),
        ("", ""),
        ("{{.ID}}", "0123456789ab"),
        ("{{.ID}} {{.Names}}", "0123456789ab web"),
        ("{{.State.Status}}", "running"),
        ("{{.State.ExitCode}}", "0"),
        ("{{.Running}}", "true"),
        ("{{.Size}}", "1000000"),
        ("{{.Ratio}}", "1.5"),
        ("{{.Big}}", "1.5e+06"),  # a float64 prints as Go's %v does
        ("{{.Missing}}", "<no value>"),
        ("{{.Missing.Deeper}}", "<no value>"),
        ("{{.Nothing}}", "<no value>"),
        ("{{.State.Health.Status}}", "<no value>"),
        ("{{.Env}}", "[A=1 B=2]"),
        ("{{.Labels}}", "map[a:1 b:2 com.example.role:api]"),  # Go sorts map keys
        ("{{.Mounts}}", "[map[RW:true Source:/a] map[RW:false Source:/b]]"),
        ("{{.Ports}}", "[]"),
        ("{{.}}", go_str(CONTAINER)),
        ("{{$.ID}}", "0123456789ab"),
        ('{{"a\\tb\\n\\"q\\"\\u00e9\\x41"}}', 'a\tb\n"q"\u00e9A'),
        ("{{`raw \\t`}}", "raw \\t"),
        ("{{'a'}}", "97"),
        ("{{1}} {{-2}} {{0x1F}} {{1.5}} {{true}}", "1 -2 31 1.5 true"),
        ('{{"}}"}}', "}}"),
    ],
)
def test_fields_and_literals(template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{json .Labels}}", '{"b":"2","a":"1","com.example.role":"api"}'),
        ("{{json .Env}}", '["A=1","B=2"]'),
        ("{{json .Nothing}}", "null"),
        ("{{json .Missing}}", "null"),
        ("{{json .Names}}", '"web"'),
        ("{{json .Big}}", "1500000"),
        ("{{json 1e21}} {{json 1e-7}} {{json 0.000001}}", "1e+21 1e-7 0.000001"),
        ('{{json "<a&b>"}}', '"<a&b>"'),  # no HTML escaping
        ('{{json "\\u2028"}}', '"\\u2028"'),
        ("{{.Labels | json}}", '{"b":"2","a":"1","com.example.role":"api"}'),
        ("{{json .Mounts}}", '[{"Source":"/a","RW":true},{"Source":"/b","RW":false}]'),
    ],
)
def test_json(template: str, expected: str) -> None:
    assert render(template) == expected


def test_json_dot_is_compact_and_skips_methods() -> None:
    data = {"ID": "x", "N": 1, "L": [1, 2], "M": {"k": None}, "Label": lambda k: k}
    assert render("{{json .}}", data) == '{"ID":"x","N":1,"L":[1,2],"M":{"k":null}}'
    assert go_json({"é": "ü"}) == '{"é":"ü"}'


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{upper .Names}}", "WEB"),
        ('{{lower "ABC"}}', "abc"),
        ('{{title "hello wide-world foo_bar"}}', "Hello Wide-World Foo_bar"),
        ('{{split "a,b,,c" ","}}', "[a b  c]"),
        ('{{split "abc" ""}}', "[a b c]"),
        ('{{join .Env ", "}}', "A=1, B=2"),
        ('{{join (split "a:b" ":") "-"}}', "a-b"),
        ('{{index .Labels "a"}}', "1"),
        ('{{index .Labels "com.example.role"}}', "api"),
        ('{{index .Labels "nope"}}', ""),  # a string map: Go gives the zero value ""
        ('{{index .State "nope"}}', "<no value>"),
        ("{{index .Env 1}}", "B=2"),
        ('{{index .Mounts 1 "Source"}}', "/b"),
        ('{{index .Nothing "x"}}', "<no value>"),
        ("{{len .Env}} {{len .Labels}} {{len .Names}} {{len .Ports}}", "2 3 3 0"),
        ("{{truncate .ID 5}}", "01234"),
        ("{{truncate .Names 5}}", "web"),
        ("{{pad .Names 2 1}}|", "  web |"),
        ("{{pad .Empty 2 1}}|", "|"),
        ('{{printf "%s=%d" .Names .Size}}', "web=1000000"),
        ('{{printf "%-6s|%6s|" .Names .Names}}', "web   |   web|"),
        ('{{printf "%05d %x %X %o %b %c" 42 255 255 8 5 65}}', "00042 ff FF 10 101 A"),
        ('{{printf "%.2f %e %g %g" 3.14159 1.5 1.5 1e7}}', "3.14 1.500000e+00 1.5 1e+07"),
        ('{{printf "%v %v %v %t" .Env .Running .Nothing .Running}}', "[A=1 B=2] true <nil> true"),
        ('{{printf "%q" .Names}}', '"web"'),
        ('{{printf "%.2s" .Names}}', "we"),
        ('{{printf "100%%"}}', "100%"),
        ('{{printf "%d" .Names}}', "%!d(string=web)"),
        ('{{printf "%s" .Size}}', "%!s(int=1000000)"),
        ('{{printf "%s %s" .Names}}', "web %!s(MISSING)"),
        ('{{printf "%s" .Names .ID}}', "web%!(EXTRA string=0123456789ab)"),
        ("{{println .Names .Size}}", "web 1000000\n"),
        ('{{print .Size 2 "a" "b" 3}}', "1000000 2ab3"),
        ('{{.Label "com.example.role"}}', "api"),
        ('{{"com.example.role" | .Label}}', "api"),
        ('{{.Names | upper | printf "<%s>"}}', "<WEB>"),
        ("{{(index .Mounts 0).Source}}", "/a"),
    ],
)
def test_functions(template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{if .Running}}up{{end}}", "up"),
        ("{{if .Empty}}x{{else}}empty{{end}}", "empty"),
        ("{{if .Nothing}}x{{else}}nil{{end}}", "nil"),
        ("{{if .Missing}}x{{else}}missing{{end}}", "missing"),
        ("{{if .Ports}}x{{else}}no ports{{end}}", "no ports"),
        ("{{if .State.ExitCode}}failed{{else}}ok{{end}}", "ok"),
        ('{{if eq .State.Status "exited"}}E{{else if eq .State.Status "running"}}R{{else}}?{{end}}', "R"),
        ('{{if eq .State.Status "a" "b" "running"}}any{{end}}', "any"),
        ('{{if ne .Names "db"}}not db{{end}}', "not db"),
        (
            "{{if lt .Size 2000000}}small{{end}} {{if ge 2 2}}ge{{end}} {{if gt 1.5 1}}gt{{end}}",
            "small ge gt",
        ),
        ("{{if and .Running .Names}}both{{end}} {{or .Empty .Nothing .Names}}", "both web"),
        ("{{and .Names .Empty}}|{{or .Empty}}", "|"),
        ("{{if not .Empty}}not{{end}}", "not"),
        ("{{with .State}}{{.Status}}/{{$.Names}}{{end}}", "running/web"),
        ("{{with .Missing}}x{{else}}none{{end}}", "none"),
        ("{{with $x := .Names}}{{$x}}{{end}}", "web"),
        ("{{range .Env}}[{{.}}]{{end}}", "[A=1][B=2]"),
        ("{{range $i, $e := .Env}}{{$i}}:{{$e}} {{end}}", "0:A=1 1:B=2 "),
        ("{{range $e := .Env}}{{$e}};{{end}}", "A=1;B=2;"),
        ("{{range $k, $v := .Labels}}{{$k}}={{$v}},{{end}}", "a=1,b=2,com.example.role=api,"),
        ("{{range .Ports}}x{{else}}no ports{{end}}", "no ports"),
        ("{{range .Missing}}x{{else}}none{{end}}", "none"),
        ("{{range .Mounts}}{{.Source}}:{{if .RW}}rw{{else}}ro{{end}} {{end}}", "/a:rw /b:ro "),
        ('{{range .Env}}{{if eq . "B=2"}}{{break}}{{end}}{{.}}{{end}}', "A=1"),
        ('{{range .Env}}{{if eq . "A=1"}}{{continue}}{{end}}{{.}}{{end}}', "B=2"),
        ("{{range 3}}{{.}}{{end}}", "012"),
        ("{{$n := .Names}}{{range .Env}}{{$n}}{{end}}", "webweb"),
        ("{{$n := 1}}{{range .Env}}{{$n = 2}}{{end}}{{$n}}", "2"),
        ("{{$x := .Names}}{{$x}}", "web"),
    ],
)
def test_control(template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("a  {{- .Names}}", "aweb"),
        ("{{.Names -}}  \n b", "webb"),
        ("a \n {{- .Names -}} \n b", "awebb"),
        ("{{/* a comment */}}x", "x"),
        ("a {{- /* comment */ -}} b", "ab"),
        ("{{- 3}}", "3"),
        ("{{-3}}", "-3"),  # no space: a negative number, not a trim marker
        ("{{range .Env -}}\n  {{.}}\n{{- end}}", "A=1B=2"),
    ],
)
def test_trim_and_comments(template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{.ID", "unclosed action"),
        ("{{", "unclosed action"),
        ("{{}}", "missing value for command"),
        ("{{foo .ID}}", 'function "foo" not defined'),
        ("{{end}}", "unexpected {{end}}"),
        ("{{else}}", "unexpected {{else}}"),
        ("{{if .Running}}x", "without {{end}}"),
        ("{{range .Env}}x{{else}}", "expected {{end}}"),
        ("{{$y}}", "undefined variable"),
        ("{{if .Running}}{{$v := 1}}{{end}}{{$v}}", "undefined variable"),
        ("{{$v = 1}}", "undefined variable"),
        ("{{break}}", "outside {{range}}"),
        ('{{template "x"}}', "not supported"),
        ('{{define "x"}}{{end}}', "not supported"),
        ("{{nil}}", "nil is not a command"),
        ('{{"a" 1}}', "can't give argument to non-function"),
        ("{{(.ID}}", "unclosed left paren"),
        ("{{.ID)}}", "unexpected"),
        ("{{/* never closed }}", "unclosed comment"),
        ("{{.ID @}}", "unexpected '@'"),
        ('{{"bad \\q escape"}}', "invalid syntax"),
        ("{{if}}{{end}}", "missing value for if"),
        ("{{1 | 2}}", "non executable command in pipeline stage 2"),
        ("{{.ID | .}}", "non executable command in pipeline stage 2"),
    ],
)
def test_parse_errors(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=r"^template: ") as info:
        parse_template(template)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{.Names.Sub}}", "can't evaluate field Sub in type string"),
        ("{{.Env.X}}", "can't evaluate field X in type []interface {}"),
        ("{{.ID 1}}", "can't give argument to non-function .ID"),
        ("{{.ID | .Names}}", "can't give argument to non-function .Names"),
        ("{{range .Names}}{{end}}", "range can't iterate over web"),
        ("{{upper .Size}}", "expected string; got int"),
        ("{{upper .Missing}}", "invalid value; expected string"),
        ("{{index .Env 5}}", "index out of range: 5"),
        ('{{index .Env "x"}}', "cannot index slice/array with type string"),
        ("{{index .Size 1}}", "can't index item of type int"),
        ("{{len .Size}}", "len of type int"),
        ("{{json}}", "wrong number of args for json: want 1 got 0"),
        ('{{join .Names ","}}', "expected []string"),
        ("{{truncate .ID .ID}}", "expected int"),
        ("{{lt .Names 1}}", "incompatible types for comparison"),
        ("{{eq .Missing 1}}", "invalid type for comparison"),
        ("{{lt .Env .Env}}", "invalid type for comparison"),
    ],
)
def test_execution_errors(template: str, message: str) -> None:
    tmpl = parse_template(template)
    with pytest.raises(TemplateError, match=r"^template: ") as info:
        tmpl.execute(CONTAINER)
    assert message in str(info.value)


def test_template_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        parse_template("{{.ID")


def test_only_mappings_are_reachable() -> None:
    class Secret:
        Token = "s3cret"

    with pytest.raises(TemplateError, match="can't evaluate field Token"):
        render("{{.Obj.Token}}", {"Obj": Secret()})
    with pytest.raises(TemplateError, match="can't evaluate field"):
        render("{{.Names.__class__}}")


@pytest.mark.parametrize(
    ("fmt", "is_table", "is_json", "text"),
    [
        ("{{.ID}}", False, False, "{{.ID}}"),
        ("  {{.ID}}  ", False, False, "{{.ID}}"),
        ("table {{.ID}}\\t{{.Names}}", True, False, "{{.ID}}\t{{.Names}}"),
        ("table", True, False, ""),
        ("{{.ID}}\\n{{.Names}}", False, False, "{{.ID}}\n{{.Names}}"),
        ("json", False, True, "{{json .}}"),
    ],
)
def test_parse_format(fmt: str, is_table: bool, is_json: bool, text: str) -> None:
    parsed = parse_format(fmt)
    assert (parsed.is_table, parsed.is_json, parsed.text) == (is_table, is_json, text)


def test_parse_template_keeps_backslash_sequences() -> None:
    # ``docker inspect -f`` does not interpret \t: only the list commands' --format does.
    assert render("{{.Names}}\\t{{.ID}}") == "web\\t0123456789ab"
    assert parse_format("{{.Names}}\\t{{.ID}}").render(CONTAINER) == "web\t0123456789ab"


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("ID", "ID"),
        ("Names", "NAMES"),
        ("CreatedAt", "CREATED AT"),
        ("RunningFor", "RUNNING FOR"),
        ("LocalVolumes", "LOCAL VOLUMES"),
        ("IPAddress", "IP ADDRESS"),
        ("Config.Image", "IMAGE"),
        ("snake_case", "SNAKE CASE"),
    ],
)
def test_default_header(name: str, header: str) -> None:
    assert default_header(name) == header


HEADERS = {"ID": "CONTAINER ID", "Names": "NAMES", "Status": "STATUS", "Labels": "LABELS"}


@pytest.mark.parametrize(
    ("fmt", "headers"),
    [
        ("table {{.ID}}\\t{{.Names}}", ["CONTAINER ID", "NAMES"]),
        ("table {{.ID}}\\t{{.CreatedAt}}", ["CONTAINER ID", "CREATED AT"]),
        ("table {{upper .Names}}\\t{{json .Labels}}", ["NAMES", "LABELS"]),
        ('table {{index .Labels "com.example.role"}}\\t{{.Names | lower}}', ["LABELS", "NAMES"]),
        ('table {{.Label "role"}}', ["LABEL"]),
        ("table {{.State.Status}}", ["STATUS"]),
        (
            "table {{with .State}}{{.Health}}{{end}}\\t{{range .Mounts}}{{.Source}} {{end}}",
            ["HEALTH", "SOURCE "],
        ),
        ("table {{if .Running}}{{.Names}}{{else}}{{.ID}}{{end}}", ["NAMES"]),
        ("table ID={{.ID}}", ["ID=CONTAINER ID"]),
        ("table {{pad .Names 1 1}}", [" NAMES "]),
    ],
)
def test_headers(fmt: str, headers: list[str]) -> None:
    assert parse_format(fmt).headers(HEADERS) == headers


def test_header_of_dotted_field_can_be_named() -> None:
    fmt = parse_format("table {{.State.Status}}\\t{{.Config.Image}}")
    assert fmt.headers({"State.Status": "STATE", "Image": "IMAGE NAME"}) == ["STATE", "IMAGE NAME"]


def test_render_all_table_is_aligned_like_the_cli() -> None:
    rows = [
        {"ID": "0123456789ab", "Names": "web", "Status": "Up 3 minutes"},
        {"ID": "cdef", "Names": "a-much-longer-name", "Status": "Exited (0) 2 hours ago"},
    ]
    out = parse_format("table {{.ID}}\\t{{.Names}}\\t{{.Status}}").render_all(rows, HEADERS)
    assert out == (
        "CONTAINER ID   NAMES                STATUS\n"
        "0123456789ab   web                  Up 3 minutes\n"
        "cdef           a-much-longer-name   Exited (0) 2 hours ago\n"
    )


def test_render_all_table_without_rows_prints_the_header() -> None:
    out = parse_format("table {{.ID}}\\t{{.Names}}").render_all([], HEADERS)
    assert out == "CONTAINER ID   NAMES\n"


def test_render_all_plain() -> None:
    rows = [{"ID": "a"}, {"ID": "b"}]
    assert parse_format("{{.ID}}").render_all(rows) == "a\nb\n"
    assert parse_format("{{.ID}}").render_all([]) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("a\tb\n", "a         b\n"),  # minimum width 10
        ("a\tb\nlonger-than-ten\tc\n", "a                 b\nlonger-than-ten   c\n"),
        ("a\tb\tc\nd\n", "a         b         c\nd\n"),
        (
            "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n",
            "aaaa      bbb       d\naa        b         dd\na         \naa        cccc      eee\n",
        ),
        ("x\ty", "x         y"),
        ("\u4e2d\u6587\tx\n", "\u4e2d\u6587" + " " * 6 + "x\n"),  # wide characters count twice
    ],
)
def test_tabwrite(text: str, expected: str) -> None:
    assert tabwrite(text) == expected


def test_tabwrite_blocks_are_contiguous_lines() -> None:
    # Go's elastic tabstops: a line without a cell in column 2 ends that column's block.
    text = "a\tbbbbbbbbbbbbbbbbb\tc\nx\n1\t2\t3\n"
    assert tabwrite(text) == ("a         bbbbbbbbbbbbbbbbb   c\nx\n1         2         3\n")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "<no value>"),
        (True, "true"),
        (0.1, "0.1"),
        (100000.0, "100000"),
        (1e6, "1e+06"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (-2.5, "-2.5"),
        (float("inf"), "+Inf"),
        ([1, None, "a"], "[1 <nil> a]"),
        ({"b": [1], "a": {}}, "map[a:map[] b:[1]]"),
    ],
)
def test_go_str(value: Any, text: str) -> None:
    assert go_str(value) == text
