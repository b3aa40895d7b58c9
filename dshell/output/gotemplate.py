"""A small, safe evaluator for the Go-template subset used in Docker CLI ``--format`` strings.

Supported: literal text; ``{{.Field.Sub}}``, ``{{.}}``, ``{{$}}``, ``{{$x := …}}``/``{{$x = …}}``;
pipelines ``{{.X | json}}`` and parenthesised calls; ``{{if}}``/``{{else if}}``/``{{else}}``,
``{{with}}``, ``{{range}}`` (with ``$i, $v :=``, ``{{break}}``, ``{{continue}}``), ``{{end}}``;
comments and ``{{-``/``-}}`` trim markers; the Docker CLI's functions (``json split join title
lower upper pad truncate``) and Go's builtins (``index len printf print println eq ne lt le gt
ge and or not``).

Data is looked up in mappings only (the caller provides the CLI's view of an object); a missing
key prints ``<no value>`` as in Go. A mapping value that is callable acts like a Go method:
``{{.Label "com.example"}}`` calls it. Nothing else of a Python object is reachable.

:func:`parse_format` applies the Docker CLI's ``--format`` conventions (``table`` prefix, bare
``json``, ``\\t``/``\\n`` escapes); :func:`parse_template` parses a template as is (what
``docker inspect -f`` does). Every error is a :class:`TemplateError` (a ``ValueError``) whose
message starts with ``template:``.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from dshell.output.results import Result, Text

__all__ = [
    "Format",
    "Template",
    "TemplateError",
    "default_header",
    "go_json",
    "go_sprintf",
    "go_str",
    "parse_format",
    "parse_template",
    "render_format",
    "render_inspect",
    "tabwrite",
]


class TemplateError(ValueError):
    """A template that does not parse or does not execute; the message starts with ``template:``."""


#: A template nested deeper than Python's stack allows (``{{((((…))))}}``, 1,000s of levels).
TOO_DEEP = "template: nested too deeply (parentheses, pipelines or blocks)"


class _Missing:
    """Go's invalid ``reflect.Value``: what a missing map key evaluates to."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<no value>"


MISSING: Any = _Missing()
_NO_ARG: Any = object()


# --- printing values as Go's fmt and encoding/json do ------------------------------------------


def _float_digits(x: float) -> tuple[str, int]:
    """Shortest round-trip digits of ``abs(x)`` and the decimal point position (0.DIGITS * 10**dp)."""
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent = int(exp or "0") - len(frac)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    if not stripped:
        return "0", 1
    return stripped, len(stripped) + exponent


def _format_shortest(x: float, exp_low: int, exp_high: int, clean_exponent: bool = False) -> str:
    """Shortest decimal form of ``x``, in exponent notation when ``exp < exp_low or exp >= exp_high``."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0"
    digits, dp = _float_digits(x)
    exp = dp - 1
    if exp < exp_low or exp >= exp_high:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        width = 1 if clean_exponent else 2
        return f"{sign}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):0{width}d}"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return sign + digits + "0" * (dp - len(digits))
    return f"{sign}{digits[:dp]}.{digits[dp:]}"


def _go_float(x: float) -> str:
    """A float as Go's ``%v`` prints a float64 (``1.5``, ``1e+06``, ``1e-05``)."""
    return _format_shortest(x, -4, 6)


def go_str(value: Any, *, nested: bool = False) -> str:
    """``value`` as Go's ``fmt.Sprint`` prints it: ``true``, ``[a b]``, ``map[k:v]``, ``<no value>``."""
    if value is MISSING or value is None:
        return "<nil>" if nested else "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: _sort_key(kv[0]))
        return "map[" + " ".join(f"{go_str(k, nested=True)}:{go_str(v, nested=True)}" for k, v in items) + "]"
    if isinstance(value, Sequence | set | frozenset):
        return "[" + " ".join(go_str(v, nested=True) for v in value) + "]"
    return str(value)


def _sort_key(key: Any) -> tuple[int, Any]:
    if isinstance(key, int | float) and not isinstance(key, bool):
        return (0, key)
    return (1, str(key))


def _json_float(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        raise TemplateError(f"template: json: unsupported value: {_go_float(x)}")
    ax = abs(x)
    if ax != 0 and (ax < 1e-6 or ax >= 1e21):
        return _format_shortest(x, 0, 0, clean_exponent=True)
    return _format_shortest(x, -(10**9), 10**9)


def _json_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoder writes it with HTML escaping off (the CLI's ``json`` function)."""
    if value is None or value is MISSING:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _json_float(value)
    if isinstance(value, Mapping):
        members = (f"{_json_string(str(k))}:{go_json(v)}" for k, v in value.items() if not callable(v))
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    if isinstance(value, bytes):
        return _json_string(__import__("base64").b64encode(value).decode())
    raise TemplateError(f"template: json: unsupported type: {_go_type(value)}")


def _go_type(value: Any) -> str:
    """The Go type a JSON-decoded ``value`` would have, for error messages."""
    if value is None or value is MISSING:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if callable(value):
        return "func"
    return type(value).__name__


def _truth(value: Any) -> bool:
    """Go template truth: false, 0, nil, and empty strings, slices and maps are false."""
    if value is MISSING or value is None:
        return False
    if isinstance(value, bool | int | float | str | Mapping | list | tuple):
        return bool(value)
    return True


# --- printf --------------------------------------------------------------------------------------

_VERB_RE = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?(.)", re.DOTALL)


def _bad_verb(verb: str, arg: Any) -> str:
    if arg is None or arg is MISSING:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({_go_type(arg)}={go_str(arg, nested=True)})"


def _go_quote(s: str) -> str:
    out = []
    for ch in s:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append(
                {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, "\\v")
            )
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable() and code > 0x7F:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _format_one(flags: str, width: int | None, prec: int | None, verb: str, arg: Any) -> str:
    """One ``%verb`` of Go's ``fmt`` applied to ``arg``."""
    if verb in "vs":
        if verb == "s" and not isinstance(arg, str | list | tuple | Mapping):
            return _bad_verb(verb, arg)
        text = go_str(arg, nested=True)
        if verb == "s" and prec is not None:
            text = text[:prec]
        return _pad(text, flags, width)
    if verb == "q":
        return _pad(_go_quote(arg), flags, width) if isinstance(arg, str) else _bad_verb(verb, arg)
    if verb == "t":
        return (
            _pad("true" if arg else "false", flags, width) if isinstance(arg, bool) else _bad_verb(verb, arg)
        )
    if verb in "dboxXc":
        if verb in "xX" and isinstance(arg, str):
            text = arg.encode().hex()
            return _pad(text.upper() if verb == "X" else text, flags, width)
        if not _is_int(arg):
            return _bad_verb(verb, arg)
        if verb == "c":
            return _pad(chr(arg), flags, width)
        return format(arg, _spec(flags, width, None, verb))
    if verb in "eEfFgG":
        if not _is_number(arg):
            return _bad_verb(verb, arg)
        number = float(arg)
        if verb in "gG" and prec is None:
            text = _format_shortest(number, -4, 6)
            text = text.upper() if verb == "G" else text
            return _pad(text, flags.replace("0", "") if "-" in flags else flags, width, numeric=True)
        spec = _spec(flags, width, 6 if prec is None else prec, verb)
        return format(number, spec)
    return _bad_verb(verb, arg)


def _spec(flags: str, width: int | None, prec: int | None, verb: str) -> str:
    align = "<" if "-" in flags else ""
    sign = "+" if "+" in flags else (" " if " " in flags else "")
    alt = "#" if "#" in flags and verb in "boxX" else ""
    zero = "0" if "0" in flags and not align else ""
    size = str(width) if width is not None else ""
    precision = f".{prec}" if prec is not None else ""
    pyverb = {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}.get(verb, verb)
    return f"{align}{sign}{alt}{zero}{size}{precision}{pyverb}"


def _pad(text: str, flags: str, width: int | None, *, numeric: bool = False) -> str:
    if width is None or len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    if "0" in flags and numeric:
        sign = text[0] if text[:1] in "+-" else ""
        return sign + text[len(sign) :].rjust(width - len(sign), "0")
    return text.rjust(width)


def go_sprintf(fmt: str, *args: Any) -> str:
    """Go's ``fmt.Sprintf`` for the common verbs (``%v %s %d %q %f %e %g %x %t %c %%``), flags and widths."""
    out: list[str] = []
    pos = 0
    argi = 0
    for match in _VERB_RE.finditer(fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        flags, width_s, prec_s, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        width: int | None = None
        prec: int | None = None
        if width_s == "*":
            if argi < len(args) and _is_int(args[argi]):
                width = args[argi]
                argi += 1
            else:
                out.append("%!(BADWIDTH)")
        elif width_s:
            width = int(width_s)
        if prec_s == "*":
            if argi < len(args) and _is_int(args[argi]):
                prec = args[argi]
                argi += 1
            else:
                out.append("%!(BADPREC)")
        elif prec_s is not None:
            prec = int(prec_s or "0")
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[argi]
        argi += 1
        out.append(_format_one(flags, width, prec, verb, None if arg is MISSING else arg))
    out.append(fmt[pos:])
    if argi < len(args):
        extra = ", ".join(
            "<nil>" if a is None or a is MISSING else f"{_go_type(a)}={go_str(a, nested=True)}"
            for a in args[argi:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _go_sprint(*args: Any) -> str:
    """Go's ``fmt.Sprint``: a space between operands when neither is a string."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(go_str(arg, nested=True))
    return "".join(out)


# --- functions -----------------------------------------------------------------------------------


def _want_str(value: Any) -> str:
    if value is MISSING:
        raise TypeError("invalid value; expected string")
    if not isinstance(value, str):
        raise TypeError(f"wrong type for value; expected string; got {_go_type(value)}")
    return value


def _want_int(value: Any) -> int:
    if not _is_int(value):
        raise TypeError(f"wrong type for value; expected int; got {_go_type(value)}")
    return int(value)


def _fn_split(s: Any, sep: Any) -> list[str]:
    text, separator = _want_str(s), _want_str(sep)
    return list(text) if separator == "" else text.split(separator)


def _fn_join(items: Any, sep: Any) -> str:
    separator = _want_str(sep)
    if items is None:
        return ""
    if not isinstance(items, list | tuple):
        raise TypeError(f"wrong type for value; expected []string; got {_go_type(items)}")
    return separator.join(go_str(item, nested=True) for item in items)


def _is_title_separator(ch: str) -> bool:
    if ch.isascii():
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or ch.isdigit():
        return False
    return ch.isspace()


def _fn_title(s: Any) -> str:
    """Go's ``strings.Title``: upper-case the first letter of every word, leave the rest."""
    out: list[str] = []
    prev = " "
    for ch in _want_str(s):
        if _is_title_separator(prev):
            titled = ch.title()
            out.append(titled if len(titled) == 1 else ch)
        else:
            out.append(ch)
        prev = ch
    return "".join(out)


def _fn_pad(s: Any, prefix: Any, suffix: Any) -> str:
    text = _want_str(s)
    if not text:
        return text
    return " " * _want_int(prefix) + text + " " * _want_int(suffix)


def _fn_truncate(s: Any, length: Any) -> str:
    text, n = _want_str(s), _want_int(length)
    return text if len(text) < n else text[:n]


def _fn_index(item: Any, *keys: Any) -> Any:
    value = item
    for key in keys:
        if value is None or value is MISSING:
            return MISSING
        if isinstance(value, Mapping):
            if key in value:
                value = value[key]
            elif all(isinstance(v, str) for v in value.values()):
                value = ""  # a map[string]string in the Go CLI: the zero value is ""
            else:
                value = MISSING
        elif isinstance(value, list | tuple | str):
            if not _is_int(key):
                raise TypeError(f"cannot index slice/array with type {_go_type(key)}")
            if not 0 <= key < len(value):
                raise TypeError(f"index out of range: {key}")
            value = value[key]
        else:
            raise TypeError(f"can't index item of type {_go_type(value)}")
    return value


def _fn_len(item: Any) -> int:
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, Mapping | list | tuple):
        return len(item)
    raise TypeError(f"len of type {_go_type(item)}")


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    if a is MISSING or b is MISSING:
        raise TypeError("invalid type for comparison")
    if _is_number(a) and _is_number(b):
        return a, b
    if type(a) is not type(b) and not (a is None or b is None):
        raise TypeError("incompatible types for comparison")
    return a, b


def _fn_eq(arg1: Any, *args: Any) -> bool:
    if not args:
        raise TypeError("missing argument for comparison")
    for other in args:
        left, right = _comparable(arg1, other)
        if left == right:
            return True
    return False


def _fn_ne(a: Any, b: Any) -> bool:
    return not _fn_eq(a, b)


def _ordered(a: Any, b: Any) -> tuple[Any, Any]:
    left, right = _comparable(a, b)
    if not (_is_number(left) or isinstance(left, str)):
        raise TypeError(f"invalid type for comparison: {_go_type(left)}")
    return left, right


def _fn_lt(a: Any, b: Any) -> bool:
    left, right = _ordered(a, b)
    return bool(left < right)


def _fn_le(a: Any, b: Any) -> bool:
    left, right = _ordered(a, b)
    return bool(left <= right)


def _fn_gt(a: Any, b: Any) -> bool:
    return not _fn_le(a, b)


def _fn_ge(a: Any, b: Any) -> bool:
    return not _fn_lt(a, b)


def _fn_printf(fmt: Any, *args: Any) -> str:
    return go_sprintf(_want_str(fmt), *args)


def _fn_println(*args: Any) -> str:
    return " ".join(go_str(a, nested=True) for a in args) + "\n"


def _identity(value: Any, *_: Any) -> Any:
    return value


#: name → (function, minimum args, maximum args or None for variadic)
_FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "json": (go_json, 1, 1),
    "split": (_fn_split, 2, 2),
    "join": (_fn_join, 2, 2),
    "title": (_fn_title, 1, 1),
    "lower": (lambda s: _want_str(s).lower(), 1, 1),
    "upper": (lambda s: _want_str(s).upper(), 1, 1),
    "pad": (_fn_pad, 3, 3),
    "truncate": (_fn_truncate, 2, 2),
    "index": (_fn_index, 1, None),
    "len": (_fn_len, 1, 1),
    "printf": (_fn_printf, 1, None),
    "print": (_go_sprint, 0, None),
    "println": (_fn_println, 0, None),
    "eq": (_fn_eq, 1, None),
    "ne": (_fn_ne, 2, 2),
    "lt": (_fn_lt, 2, 2),
    "le": (_fn_le, 2, 2),
    "gt": (_fn_gt, 2, 2),
    "ge": (_fn_ge, 2, 2),
    "not": (lambda v: not _truth(v), 1, 1),
    "and": (_identity, 1, None),  # evaluated lazily by the executor
    "or": (_identity, 1, None),
}
#: Functions the Docker CLI replaces by the identity when it renders a table header.
_HEADER_IDENTITY = frozenset({"json", "split", "join", "title", "lower", "upper", "truncate", "index"})


# --- lexing --------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
     (?P<space>\s+)
    |(?P<field>(?:\.[^\W\d]\w*)+)
    |(?P<var>\$\w*)
    |(?P<string>"(?:[^"\\\n]|\\.)*")
    |(?P<raw>`[^`]*`)
    |(?P<char>'(?:[^'\\\n]|\\[^\n][^'\n]*)')
    |(?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+
        |(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))
    |(?P<ident>[^\W\d]\w*)
    |(?P<declare>:=)
    |(?P<assign>=)
    |(?P<pipe>\|)
    |(?P<lparen>\()
    |(?P<rparen>\))
    |(?P<comma>,)
    |(?P<dot>\.)
    """,
    re.VERBOSE,
)
_ESCAPE_RE = re.compile(
    r"""\\(?:([abfnrtv\\'"])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))"""
)
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_KEYWORDS = frozenset(
    {
        "if",
        "else",
        "end",
        "range",
        "with",
        "break",
        "continue",
        "define",
        "template",
        "block",
        "nil",
        "true",
        "false",
    }
)
_SPACE = " \t\r\n"


class _Tok(NamedTuple):
    kind: str
    text: str
    pos: int
    adjacent: bool  # no space between this token and the previous one


class _Text(NamedTuple):
    text: str


class _Action(NamedTuple):
    tokens: tuple[_Tok, ...]
    pos: int


def _where(src: str, pos: int) -> str:
    line = src.count("\n", 0, pos) + 1
    col = pos - (src.rfind("\n", 0, pos) + 1) + 1
    return f"{line}:{col}"


def _error(src: str, pos: int, message: str) -> TemplateError:
    return TemplateError(f"template: {_where(src, pos)}: {message}")


def _unquote(src: str, tok: _Tok) -> str:
    body = tok.text[1:-1]
    if tok.kind == "raw":
        return body.replace("\r", "")

    def replace(match: re.Match[str]) -> str:
        simple, hex2, hex4, hex8, octal = match.groups()
        if simple is not None:
            if simple == "'" and tok.kind == "string":
                raise _error(src, tok.pos, "invalid syntax in quoted string")
            return _SIMPLE_ESCAPES.get(simple, simple)
        number = int(hex2 or hex4 or hex8, 16) if octal is None else int(octal, 8)
        return chr(number)

    rest = _ESCAPE_RE.sub(replace, body)
    if "\\" in _ESCAPE_RE.sub("", body):
        raise _error(src, tok.pos, f"invalid syntax in {tok.text}")
    return rest


def _lex(src: str) -> list[_Text | _Action]:
    """Split ``src`` into text and actions (lists of tokens), applying trim markers."""
    items: list[_Text | _Action] = []
    pos = 0
    trim_next = False
    while True:
        start = src.find("{{", pos)
        text = src[pos:] if start < 0 else src[pos:start]
        if trim_next:
            text = text.lstrip(_SPACE)
        if start < 0:
            if text:
                items.append(_Text(text))
            return items
        inner = start + 2
        if src[inner : inner + 1] == "-" and src[inner + 1 : inner + 2] in tuple(_SPACE):
            text = text.rstrip(_SPACE)
            inner += 2
        if text:
            items.append(_Text(text))
        if src.startswith("/*", inner):
            end = src.find("*/", inner + 2)
            if end < 0:
                raise _error(src, start, "unclosed comment")
            after = end + 2
            if src.startswith("}}", after):
                pos, trim_next = after + 2, False
            elif src[after : after + 1] in tuple(_SPACE) and src.startswith("-}}", after + 1):
                pos, trim_next = after + 4, True
            else:
                raise _error(src, start, "comment ends before closing delimiter")
            continue
        tokens, pos, trim_next = _lex_action(src, inner)
        items.append(_Action(tuple(tokens), start))


def _lex_action(src: str, pos: int) -> tuple[list[_Tok], int, bool]:
    """The tokens of the action starting at ``pos``, the position after it, and its right trim."""
    tokens: list[_Tok] = []
    adjacent = True
    while True:
        if pos >= len(src):
            raise _error(src, pos, "unclosed action")
        if src.startswith("}}", pos):
            return tokens, pos + 2, False
        match = _TOKEN_RE.match(src, pos)
        if match is None:
            raise _error(src, pos, f"unexpected {src[pos]!r} in command")
        kind = match.lastgroup or ""
        end = match.end()
        if kind == "space":
            if src.startswith("-}}", end):
                return tokens, end + 3, True
            adjacent = False
        else:
            tokens.append(_Tok(kind, match.group(), pos, adjacent))
            adjacent = True
        pos = end


# --- parsing -------------------------------------------------------------------------------------


class _Arg(NamedTuple):
    """An operand: ``kind`` is field, var, dot, const, nil, func or pipe; ``path`` a field chain."""

    kind: str
    pos: int
    name: str = ""
    path: tuple[str, ...] = ()
    value: Any = None
    pipe: _Pipe | None = None

    def describe(self) -> str:
        chain = "".join("." + p for p in self.path)
        if self.kind == "var":
            return self.name + chain
        if self.kind == "pipe":
            return "(…)" + chain
        if self.kind == "func":
            return self.name
        if self.kind == "dot":
            return "."
        if self.kind == "const" and isinstance(self.value, str):
            return _go_quote(self.value)
        return chain or go_str(self.value)


class _Cmd(NamedTuple):
    args: tuple[_Arg, ...]
    pos: int


class _Pipe(NamedTuple):
    cmds: tuple[_Cmd, ...]
    decl: tuple[str, ...] = ()
    is_assign: bool = False
    pos: int = 0


class _Output(NamedTuple):
    pipe: _Pipe


class _Control(NamedTuple):
    """``if``, ``with`` or ``range``."""

    kind: str
    pipe: _Pipe
    body: tuple[_Node, ...]
    orelse: tuple[_Node, ...]


class _Jump(NamedTuple):
    """``break`` or ``continue``."""

    kind: str


_Node = _Text | _Output | _Control | _Jump


class _Parser:
    """Recursive descent over the lexed items, checking variables and functions as Go does."""

    def __init__(self, src: str, items: list[_Text | _Action]) -> None:
        self.src = src
        self.items = items
        self.index = 0
        self.vars: list[str] = ["$"]
        self.range_depth = 0

    def error(self, pos: int, message: str) -> TemplateError:
        return _error(self.src, pos, message)

    def parse(self) -> tuple[_Node, ...]:
        nodes, stop = self.parse_list()
        if stop is not None:
            raise self.error(stop.pos, f"unexpected {{{{{stop.tokens[0].text}}}}}")
        return nodes

    def parse_list(self) -> tuple[tuple[_Node, ...], _Action | None]:
        """Nodes up to an ``{{else}}`` or ``{{end}}`` (returned) or the end of the template (``None``)."""
        nodes: list[_Node] = []
        while self.index < len(self.items):
            item = self.items[self.index]
            self.index += 1
            if isinstance(item, _Text):
                nodes.append(item)
                continue
            if not item.tokens:
                raise self.error(item.pos, "missing value for command")
            first = item.tokens[0]
            word = first.text if first.kind == "ident" else ""
            if word in ("else", "end"):
                return tuple(nodes), item
            if word in ("if", "with", "range"):
                nodes.append(self.parse_control(word, item))
            elif word in ("break", "continue"):
                if self.range_depth == 0:
                    raise self.error(first.pos, f"{{{{{word}}}}} outside {{{{range}}}}")
                if len(item.tokens) > 1:
                    raise self.error(
                        item.tokens[1].pos, f"unexpected {item.tokens[1].text} in {{{{{word}}}}}"
                    )
                nodes.append(_Jump(word))
            elif word in ("define", "template", "block"):
                raise self.error(first.pos, f"{{{{{word}}}}} is not supported")
            else:
                nodes.append(_Output(self.parse_pipe(item.tokens, item.pos, decl_ok=True)))
        return tuple(nodes), None

    def parse_control(self, kind: str, item: _Action, tokens: Sequence[_Tok] | None = None) -> _Control:
        mark = len(self.vars)
        toks = item.tokens[1:] if tokens is None else tokens
        if not toks:
            raise self.error(item.pos, f"missing value for {kind}")
        pipe = self.parse_pipe(toks, item.pos, decl_ok=True, range_decl=kind == "range")
        body_mark = len(self.vars)
        if kind == "range":
            self.range_depth += 1
        body, stop = self.parse_list()
        if kind == "range":
            self.range_depth -= 1
        if stop is None:
            raise self.error(item.pos, f"unexpected EOF: {{{{{kind}}}}} without {{{{end}}}}")
        del self.vars[body_mark:]
        orelse: tuple[_Node, ...] = ()
        if stop.tokens[0].text == "else":
            rest = stop.tokens[1:]
            if rest and rest[0].kind == "ident" and rest[0].text in ("if", "with") and kind != "range":
                orelse = (self.parse_control(rest[0].text, stop, rest[1:]),)
            elif rest:
                raise self.error(rest[0].pos, f"unexpected {rest[0].text} in else")
            else:
                orelse, end = self.parse_list()
                if end is None or end.tokens[0].text != "end":
                    raise self.error(stop.pos, f"expected {{{{end}}}} after {{{{else}}}} of {{{{{kind}}}}}")
                if len(end.tokens) > 1:
                    raise self.error(end.tokens[1].pos, "unexpected token in {{end}}")
        elif len(stop.tokens) > 1:
            raise self.error(stop.tokens[1].pos, "unexpected token in {{end}}")
        del self.vars[mark:]
        return _Control(kind, pipe, body, orelse)

    def parse_pipe(
        self, toks: Sequence[_Tok], pos: int, *, decl_ok: bool = False, range_decl: bool = False
    ) -> _Pipe:
        decl: list[str] = []
        is_assign = False
        i = 0
        if decl_ok and toks and toks[0].kind == "var":
            names = [toks[0]]
            j = 1
            if range_decl and len(toks) > 2 and toks[1].kind == "comma" and toks[2].kind == "var":
                names.append(toks[2])
                j = 3
            if j < len(toks) and toks[j].kind in ("declare", "assign"):
                is_assign = toks[j].kind == "assign"
                if is_assign and len(names) > 1:
                    raise self.error(toks[j].pos, "unexpected = in range (use :=)")
                for name in names:
                    if is_assign and name.text not in self.vars:
                        raise self.error(name.pos, f"undefined variable {name.text!r}")
                decl = [n.text for n in names]
                i = j + 1
            elif len(names) > 1:
                raise self.error(toks[1].pos, "unexpected , in pipeline")
        cmds, end = self.parse_cmds(toks, i, pos)
        if end < len(toks):
            raise self.error(toks[end].pos, f"unexpected {toks[end].text!r} in operand")
        if not is_assign:
            self.vars.extend(decl)
        return _Pipe(tuple(cmds), tuple(decl), is_assign, pos)

    def parse_cmds(self, toks: Sequence[_Tok], i: int, pos: int) -> tuple[list[_Cmd], int]:
        """Commands separated by ``|`` from ``toks[i:]`` up to a ``)`` or the end."""
        cmds: list[_Cmd] = []
        while True:
            args: list[_Arg] = []
            start = toks[i].pos if i < len(toks) else pos
            while i < len(toks) and toks[i].kind not in ("pipe", "rparen"):
                arg, i = self.parse_operand(toks, i)
                args.append(arg)
            if not args:
                raise self.error(start, "missing value for command")
            if args[0].kind == "nil" and len(args) == 1:
                raise self.error(args[0].pos, "nil is not a command")
            if cmds and args[0].kind in ("dot", "const", "nil"):
                raise self.error(args[0].pos, f"non executable command in pipeline stage {len(cmds) + 1}")
            if args[0].kind in ("dot", "const", "nil") and len(args) > 1:
                raise self.error(args[1].pos, f"can't give argument to non-function {args[0].describe()}")
            cmds.append(_Cmd(tuple(args), start))
            if i < len(toks) and toks[i].kind == "pipe":
                i += 1
                continue
            return cmds, i

    def parse_operand(self, toks: Sequence[_Tok], i: int) -> tuple[_Arg, int]:
        tok = toks[i]
        kind = tok.kind
        if kind == "field":
            arg = _Arg("field", tok.pos, path=tuple(tok.text[1:].split(".")))
        elif kind == "var":
            if tok.text not in self.vars:
                raise self.error(tok.pos, f"undefined variable {tok.text!r}")
            arg = _Arg("var", tok.pos, name=tok.text)
        elif kind == "dot":
            arg = _Arg("dot", tok.pos)
        elif kind in ("string", "raw"):
            arg = _Arg("const", tok.pos, value=_unquote(self.src, tok))
        elif kind == "char":
            text = _unquote(self.src, _Tok("string", '"' + tok.text[1:-1] + '"', tok.pos, tok.adjacent))
            if len(text) != 1:
                raise self.error(tok.pos, f"malformed character constant: {tok.text}")
            arg = _Arg("const", tok.pos, value=ord(text))
        elif kind == "number":
            arg = _Arg("const", tok.pos, value=self.number(tok))
        elif kind == "ident":
            if tok.text in ("true", "false"):
                arg = _Arg("const", tok.pos, value=tok.text == "true")
            elif tok.text == "nil":
                arg = _Arg("nil", tok.pos)
            elif tok.text in _KEYWORDS:
                raise self.error(tok.pos, f"unexpected {tok.text!r} in operand")
            elif tok.text not in _FUNCTIONS:
                raise self.error(tok.pos, f'function "{tok.text}" not defined')
            else:
                arg = _Arg("func", tok.pos, name=tok.text)
        elif kind == "lparen":
            cmds, end = self.parse_cmds(toks, i + 1, tok.pos)
            if end >= len(toks) or toks[end].kind != "rparen":
                raise self.error(tok.pos, "unclosed left paren")
            arg = _Arg("pipe", tok.pos, pipe=_Pipe(tuple(cmds), pos=tok.pos))
            i = end
        else:
            raise self.error(tok.pos, f"unexpected {tok.text!r} in operand")
        i += 1
        if i < len(toks) and toks[i].kind == "field" and toks[i].adjacent:
            if arg.kind in ("func", "const", "nil"):
                raise self.error(toks[i].pos, f"unexpected {toks[i].text!r} after {arg.describe()}")
            if arg.kind == "dot":
                raise self.error(toks[i].pos, f"unexpected {toks[i].text!r} after .")
            chain = arg.path + tuple(toks[i].text[1:].split("."))
            arg = _Arg(arg.kind, arg.pos, arg.name, chain, arg.value, arg.pipe)
            i += 1
        return arg, i

    def number(self, tok: _Tok) -> int | float:
        text = tok.text.replace("_", "")
        try:
            if re.fullmatch(r"[+-]?0[xXbBoO].*", text):
                return int(text, 0)
            if re.fullmatch(r"[+-]?\d+", text):
                return int(text, 10)
            return float(text)
        except ValueError:
            raise self.error(tok.pos, f"bad number syntax: {tok.text!r}") from None


# --- execution -----------------------------------------------------------------------------------


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _State:
    """The mutable state of one execution: variables in scope and output so far."""

    def __init__(self, header: Mapping[str, str] | None, vars: list[tuple[str, Any]]) -> None:
        self.header = header  # rendering a table header: field path → header text
        self.vars = vars
        self.out: list[str] = []


class _Executor:
    def __init__(self, state: _State) -> None:
        self.state = state

    def error(self, where: str, message: str) -> TemplateError:
        return TemplateError(f"template: executing at <{where}>: {message}")

    def run(self, nodes: Sequence[_Node], dot: Any) -> None:
        for node in nodes:
            if isinstance(node, _Text):
                self.state.out.append(node.text)
            elif isinstance(node, _Output):
                if self.state.header is not None:
                    try:
                        value = self.pipe(node.pipe, dot)
                    except TemplateError:
                        continue  # as in the CLI, a column whose header cannot be rendered is blank
                else:
                    value = self.pipe(node.pipe, dot)
                if not node.pipe.decl:
                    self.state.out.append(go_str(value))
            elif isinstance(node, _Control):
                self.control(node, dot)
            else:
                raise _Break() if node.kind == "break" else _Continue()

    def control(self, node: _Control, dot: Any) -> None:
        mark = len(self.state.vars)
        try:
            if node.kind == "range":
                self.range(node, dot)
                return
            value = self.pipe(node.pipe, dot, declare=node.kind != "range")
            if self.state.header is not None or _truth(value):
                self.run(node.body, value if node.kind == "with" else dot)
            else:
                self.run(node.orelse, dot)
        finally:
            del self.state.vars[mark:]

    def range(self, node: _Control, dot: Any) -> None:
        value = self.pipe(node.pipe, dot, declare=False)
        if self.state.header is not None:
            pairs: list[tuple[Any, Any]] = [(0, value)]
        elif value is None or value is MISSING:
            pairs = []
        elif isinstance(value, Mapping):
            pairs = [(k, value[k]) for k in sorted(value, key=_sort_key)]
        elif isinstance(value, list | tuple):
            pairs = list(enumerate(value))
        elif _is_int(value):
            pairs = [(i, i) for i in range(value)]
        else:
            raise self.error(
                node.pipe.cmds[0].args[0].describe(), f"range can't iterate over {go_str(value)}"
            )
        if not pairs:
            self.run(node.orelse, dot)
            return
        names = node.pipe.decl
        mark = len(self.state.vars)
        for key, elem in pairs:
            del self.state.vars[mark:]
            if len(names) == 1:
                self.state.vars.append((names[0], elem))
            elif len(names) == 2:
                self.state.vars.extend(((names[0], key), (names[1], elem)))
            try:
                self.run(node.body, elem)
            except _Continue:
                continue
            except _Break:
                break

    def pipe(self, pipe: _Pipe, dot: Any, *, declare: bool = True) -> Any:
        value = _NO_ARG
        for cmd in pipe.cmds:
            value = self.command(cmd, dot, value)
        if declare and pipe.decl:
            if pipe.is_assign:
                self.assign(pipe.decl[0], value)
            else:
                self.state.vars.append((pipe.decl[0], value))
        return value

    def assign(self, name: str, value: Any) -> None:
        for i in range(len(self.state.vars) - 1, -1, -1):
            if self.state.vars[i][0] == name:
                self.state.vars[i] = (name, value)
                return
        raise self.error(name, f"undefined variable: {name}")

    def variable(self, name: str) -> Any:
        for var, value in reversed(self.state.vars):
            if var == name:
                return value
        raise self.error(name, f"undefined variable: {name}")

    def command(self, cmd: _Cmd, dot: Any, final: Any) -> Any:
        first = cmd.args[0]
        rest = cmd.args[1:]
        if first.kind == "func":
            return self.call(first, rest, dot, final)
        if first.kind in ("field", "var", "pipe") and (rest or final is not _NO_ARG):
            if self.state.header is not None and first.path:
                return _header_for(first.path, self.state.header)  # a method: its column name
            target = self.operand(first, dot, call_last=False)
            if not callable(target):
                raise self.error(first.describe(), f"can't give argument to non-function {first.describe()}")
            args = [self.operand(a, dot) for a in rest]
            if final is not _NO_ARG:
                args.append(final)
            return self.invoke(first.describe(), target, args)
        if final is not _NO_ARG:
            raise self.error(first.describe(), f"can't give argument to non-function {first.describe()}")
        return self.operand(first, dot)

    def call(self, fn: _Arg, rest: Sequence[_Arg], dot: Any, final: Any) -> Any:
        name = fn.name
        func, low, high = _FUNCTIONS[name]
        count = len(rest) + (final is not _NO_ARG)
        if count < low or (high is not None and count > high):
            want = str(low) if high == low else f"at least {low}"
            raise self.error(name, f"wrong number of args for {name}: want {want} got {count}")
        header = self.state.header is not None
        if name in ("and", "or"):
            value: Any = _NO_ARG
            for arg in rest:
                value = self.operand(arg, dot)
                if _truth(value) != (name == "and"):
                    return value
            return final if final is not _NO_ARG else value
        args = [self.operand(a, dot) for a in rest]
        if final is not _NO_ARG:
            args.append(final)
        if header and name in _HEADER_IDENTITY:
            return args[0] if isinstance(args[0], str) else ""
        return self.invoke(name, func, args)

    def invoke(self, name: str, func: Callable[..., Any], args: Sequence[Any]) -> Any:
        try:
            return func(*args)
        except TemplateError:
            raise
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise self.error(name, f"error calling {name}: {exc}") from None

    def operand(self, arg: _Arg, dot: Any, *, call_last: bool = True) -> Any:
        if self.state.header is not None and arg.path and arg.kind in ("field", "var", "pipe"):
            return _header_for(arg.path, self.state.header)
        kind = arg.kind
        if kind == "dot":
            return "" if self.state.header is not None else dot
        if kind == "const":
            return arg.value
        if kind == "nil":
            return None
        if kind == "func":
            return self.call(arg, (), dot, _NO_ARG)
        if kind == "field":
            base = dot
        elif kind == "var":
            base = self.variable(arg.name)
        else:
            assert arg.pipe is not None
            base = self.pipe(arg.pipe, dot)
        return self.chain(arg, base, call_last)

    def chain(self, arg: _Arg, value: Any, call_last: bool) -> Any:
        for i, name in enumerate(arg.path):
            if callable(value) and not isinstance(value, Mapping):
                value = self.invoke(name, value, ())
            if value is MISSING or value is None:
                return MISSING
            if not isinstance(value, Mapping):
                raise self.error(arg.describe(), f"can't evaluate field {name} in type {_go_type(value)}")
            value = value.get(name, MISSING)
            last = i == len(arg.path) - 1
            if callable(value) and not isinstance(value, Mapping) and (not last or call_last):
                value = self.invoke(arg.describe(), value, ())
        return value


def _words(name: str) -> str:
    """``CreatedAt`` → ``CREATED AT``, ``ID`` → ``ID``, ``LocalVolumes`` → ``LOCAL VOLUMES``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return spaced.replace("_", " ").upper()


def default_header(path: str) -> str:
    """The header of a column showing ``path`` when none is given: its last field in upper-case words."""
    return _words(path.rsplit(".", 1)[-1])


def _header_for(path: Sequence[str], names: Mapping[str, str]) -> str:
    dotted = ".".join(path)
    if dotted in names:
        return names[dotted]
    if path[-1] in names:
        return names[path[-1]]
    return default_header(dotted)


# --- public API ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A parsed template; :meth:`execute` renders it against a value."""

    source: str
    nodes: tuple[_Node, ...]

    def execute(self, data: Any) -> str:
        """Render against ``data`` (``.`` and ``$``); raises :class:`TemplateError`."""
        state = _State(header=None, vars=[("$", data)])
        try:
            _Executor(state).run(self.nodes, data)
        except RecursionError:
            raise TemplateError(TOO_DEEP) from None
        return "".join(state.out)

    def execute_header(self, header_names: Mapping[str, str] | None = None) -> str:
        """Render as the Docker CLI renders a table header: each field shows its column name.

        ``header_names`` maps a field (``ID`` or ``Config.Image``) to its header (``CONTAINER ID``);
        other fields get :func:`default_header`. Formatting functions are the identity there, as
        in the CLI (``pad`` and ``printf`` still apply, to keep the columns aligned).
        """
        state = _State(header=header_names or {}, vars=[("$", "")])
        try:
            _Executor(state).run(self.nodes, "")
        except (_Break, _Continue):
            pass
        except RecursionError:
            raise TemplateError(TOO_DEEP) from None
        return "".join(state.out)


def parse_template(text: str) -> Template:
    """Parse a Go template as is (no ``table`` prefix, no escape handling): ``docker inspect -f``."""
    try:
        nodes = _Parser(text, _lex(text)).parse()
    except RecursionError:
        raise TemplateError(TOO_DEEP) from None
    return Template(text, nodes)


@dataclass(frozen=True)
class Format:
    """A ``--format`` value prepared as the Docker CLI does (see :func:`parse_format`)."""

    source: str
    is_table: bool
    is_json: bool
    template: Template

    @property
    def text(self) -> str:
        """The template text after the CLI's preprocessing."""
        return self.template.source

    def render(self, obj: Any) -> str:
        """One object through the template (no trailing newline is added)."""
        return self.template.execute(obj)

    def render_header(self, header_names: Mapping[str, str] | None = None) -> str:
        """The header line of a table format (see :meth:`Template.execute_header`)."""
        return self.template.execute_header(header_names)

    def headers(self, header_names: Mapping[str, str] | None = None) -> list[str]:
        """The header of each tab-separated column: ``["CONTAINER ID", "NAMES"]``."""
        return self.render_header(header_names).split("\t")

    def render_all(self, objs: Iterable[Any], header_names: Mapping[str, str] | None = None) -> str:
        """The whole output as the CLI prints it: one line per object, under an aligned header for tables."""
        lines = [self.render(obj) + "\n" for obj in objs]
        if not self.is_table:
            return "".join(lines)
        return tabwrite(self.render_header(header_names) + "\n" + "".join(lines))


def parse_format(fmt: str) -> Format:
    """Parse a ``--format`` value the way ``docker ps``/``images``/… do.

    A ``table`` prefix makes a table (``is_table``); the bare word ``json`` means ``{{json .}}``
    (``is_json``); surrounding spaces are dropped and the two-character sequences ``\\t`` and
    ``\\n`` become a tab and a newline. ``parse_format("table")`` gives an empty template: the
    caller substitutes its default table format. Raises :class:`TemplateError`.
    """
    is_table = fmt.startswith("table")
    is_json = fmt == "json"
    text = fmt[len("table") :] if is_table else ("{{json .}}" if is_json else fmt)
    text = text.strip(" ").replace("\\t", "\t").replace("\\n", "\n")
    return Format(fmt, is_table, is_json, parse_template(text))


def _cell_width(text: str) -> int:
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def tabwrite(text: str, *, minwidth: int = 10, padding: int = 3, padchar: str = " ") -> str:
    """Align tab-terminated cells into columns exactly like Go's ``text/tabwriter``.

    The defaults are the Docker CLI's table settings (``NewWriter(out, 10, 1, 3, ' ', 0)``): a
    column is as wide as its widest cell plus 3, at least 10; text after a line's last tab is
    not part of any column.
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for i in range(line0, line1):
            cells = lines[i]
            for j, cell in enumerate(cells):
                out.append(cell)
                if j < len(widths):
                    out.append(padchar * (widths[j] - _cell_width(cell)))
            if i + 1 < len(lines):
                out.append("\n")

    def format_block(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, _cell_width(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            format_block(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    format_block(0, len(lines))
    return "".join(out)


# --- what a command prints for --format ----------------------------------------------------------------


def render_format(fmt: str, objects: Iterable[Any], headers: Mapping[str, str] | None, default: str) -> Text:
    """A listing's objects through ``--format FMT`` as the Docker CLI prints them.

    The bare word ``table`` means the command's ``default`` table format (only that exact word, as the
    CLI's ``case formatter.TableFormatKey``: ``"table "`` prints an empty template, ``" table"`` the word).
    A template error is a usage error.
    """
    from dshell.errors import UsageError
    from dshell.output.results import Text

    try:
        return Text(parse_format(default if fmt == "table" else fmt).render_all(objects, headers))
    except TemplateError as exc:
        raise UsageError(str(exc)) from None


def render_inspect(fmt: str | None, documents: list[Any], errors: list[str]) -> Result:
    """``inspect``'s output: the documents (JSON), or each through ``-f/--format FMT``, one line each;
    ``errors`` (the names not found) go to stderr after them. A template error is a usage error."""
    from dshell.errors import UsageError
    from dshell.output.results import Document, Lines, Result

    if not fmt:
        return Result(Document(documents), errors=errors)
    try:
        template = parse_template(fmt)
        lines = [template.execute(doc) for doc in documents]
    except TemplateError as exc:
        raise UsageError(str(exc)) from None
    return Result(Lines(lines), errors=errors)
