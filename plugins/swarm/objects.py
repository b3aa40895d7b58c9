"""``secret ls|create|inspect|rm`` and ``config ls|create|inspect|rm``: the same commands over two
resources. A secret's value never leaves the daemon (the API does not return it) and ``secret create``
lines are kept out of history."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    Command,
    Lines,
    NotFound,
    Result,
    UsageError,
    argument,
    configs_api,
    flag,
    option,
    parse_filters,
    secrets_api,
)

from .views import (
    FORMAT_OPTION,
    INSPECT_FORMAT,
    ago_cap,
    for_each,
    inspect_output,
    key_values,
    listing,
    read_source,
)

if TYPE_CHECKING:
    from types import ModuleType

    from dshell.plugin import Invocation

HEADERS = {
    "ID": "ID",
    "Name": "NAME",
    "Driver": "DRIVER",
    "CreatedAt": "CREATED",
    "UpdatedAt": "UPDATED",
    "Labels": "LABELS",
}


class Kind:
    """``secret`` or ``config``: its API module and what the listing shows."""

    def __init__(
        self, word: str, module: ModuleType, columns: tuple[str, ...], fields: tuple[str, ...]
    ) -> None:
        self.word = word
        self.module = module
        self.columns = columns
        self.fields = fields

    def call(self, verb: str, *args: Any, **kw: Any) -> Any:
        return getattr(self.module, f"{verb}_{self.word}{'s' if verb == 'list' else ''}")(*args, **kw)


SECRET = Kind(
    "secret",
    secrets_api,
    ("ID", "NAME", "DRIVER", "CREATED", "UPDATED"),
    ("ID", "Name", "Driver", "CreatedAt", "UpdatedAt"),
)
CONFIG = Kind(
    "config", configs_api, ("ID", "NAME", "CREATED", "UPDATED"), ("ID", "Name", "CreatedAt", "UpdatedAt")
)


def view(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("Spec") or {}
    labels = spec.get("Labels") or {}
    return {
        "ID": obj["ID"],
        "Name": spec.get("Name", ""),
        "Driver": (spec.get("Driver") or {}).get("Name", ""),
        "CreatedAt": ago_cap(str(obj.get("CreatedAt", ""))),
        "UpdatedAt": ago_cap(str(obj.get("UpdatedAt", ""))),
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
    }


def ls(kind: Kind) -> Any:
    def handler(inv: Invocation) -> Any:
        filters = parse_filters(inv.args.filter)
        items = kind.call("list", inv.client, filters=filters)
        if not filters:
            inv.session.names.put(kind.word + "s", items)
        items = sorted(items, key=lambda o: str((o.get("Spec") or {}).get("Name", "")))
        views = [view(o) for o in items]
        return listing(
            inv, columns=kind.columns, views=views, fields=kind.fields, headers=HEADERS, data=items
        )

    return handler


def create(kind: Kind) -> Any:
    def handler(inv: Invocation) -> Lines:
        a = inv.args
        spec: dict[str, Any] = {"Name": a.name, "Labels": key_values(a.label, "label")}
        driver = a.get("driver")
        if driver:
            spec["Driver"] = {"Name": driver}
        if a.file is not None:
            spec["Data"] = base64.b64encode(read_source(inv, a.file, f"{kind.word} create")).decode()
        elif not driver:
            raise UsageError(f"{kind.word} create: give a FILE, or '-' to read the data from stdin")
        if a.template_driver:
            spec["Templating"] = {"Name": a.template_driver}
        ident = kind.call("create", inv.client, spec)
        inv.session.names.invalidate(kind.word + "s")
        return Lines([ident])

    return handler


def inspect(kind: Kind) -> Any:
    def handler(inv: Invocation) -> Result:
        found: list[dict[str, Any]] = []
        errors: list[str] = []
        for ref in inv.args.names:
            try:
                found.append(kind.call("inspect", inv.client, ref))
            except NotFound:
                errors.append(f"Error: no such {kind.word}: {ref}")
        if inv.args.pretty:
            return Result(Lines([line for doc in found for line in pretty(kind, doc)]), errors=errors)
        return inspect_output(inv, found, errors)

    return handler


def pretty(kind: Kind, obj: dict[str, Any]) -> list[str]:
    """``inspect --pretty``; a config's data is shown, a secret's never (the daemon does not send it)."""
    spec = obj.get("Spec") or {}
    lines = [f"ID:              {obj['ID']}", f"Name:              {spec.get('Name', '')}"]
    if spec.get("Labels"):
        lines.append("Labels:")
        lines += [f" - {k}={v}" for k, v in sorted(spec["Labels"].items())]
    if kind.word == "secret":
        lines.append(f"Driver:            {(spec.get('Driver') or {}).get('Name', '')}")
    lines += [
        f"Created at:        {obj.get('CreatedAt', '')}",
        f"Updated at:        {obj.get('UpdatedAt', '')}",
    ]
    if kind.word == "config":
        data = base64.b64decode(spec.get("Data") or "").decode(errors="replace")
        lines += ["Data:", data.rstrip("\n")]
    return lines


def rm(kind: Kind) -> Any:
    def handler(inv: Invocation) -> Result:
        result = for_each(inv.args.names, lambda ref: kind.call("remove", inv.client, ref))
        inv.session.names.invalidate(kind.word + "s")
        return result

    return handler


def commands() -> list[Command]:
    out: list[Command] = []
    for kind in (SECRET, CONFIG):
        w = kind.word
        names = argument("names", f"{w}s (name or ID)", nargs="+", complete=w)
        create_options = [
            option("-l", "--label", help=f"{w.capitalize()} labels", repeat=True, metavar="KEY=VALUE"),
            option("--template-driver", help="Template driver"),
        ]
        if w == "secret":
            create_options.append(option("-d", "--driver", help="Secret driver"))
        out += [
            Command(
                f"{w} ls",
                ls(kind),
                f"List {w}s",
                options=(
                    option(
                        "-f",
                        "--filter",
                        help="Filter output based on conditions provided (id, label, name)",
                        repeat=True,
                        metavar="KEY=VALUE",
                    ),
                    FORMAT_OPTION,
                    flag("-q", "--quiet", help="Only display IDs"),
                ),
                aliases=(f"{w} list",),
                json_output=True,
            ),
            Command(
                f"{w} create",
                create(kind),
                f"Create a {w} from a file or STDIN as content",
                options=tuple(create_options),
                arguments=(
                    argument("name", f"the {w}'s name"),
                    argument(
                        "file",
                        "a file, or '-' for stdin",
                        nargs="?" if w == "secret" else "1",
                        complete="file",
                    ),
                ),
                secret=w == "secret",
                examples=(f"{w} create NAME ./file", f"{w} create NAME - < ./file"),
            ),
            Command(
                f"{w} inspect",
                inspect(kind),
                f"Display detailed information on one or more {w}s",
                options=(
                    INSPECT_FORMAT,
                    flag("--pretty", help="Print the information in a human friendly format"),
                ),
                arguments=(names,),
            ),
            Command(
                f"{w} rm",
                rm(kind),
                f"Remove one or more {w}s",
                arguments=(names,),
                aliases=(f"{w} remove",),
            ),
        ]
    return out
