"""Registry commands of the images plugin: push, login, logout, search, and the credentials pull/push/build send.

Credentials come from ``config.json`` the Docker CLI way (:mod:`dshell.api.auth`) and go, as
``X-Registry-Auth``, only to the registry the reference names. ``login`` is declared ``secret``: its line never
enters history. A password is never echoed, printed or put into an error message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dshell.plugin import (
    APIError,
    Command,
    CommandFailed,
    Lines,
    Progress,
    Table,
    UsageError,
    argument,
    flag,
    option,
)

if TYPE_CHECKING:
    from dshell.plugin import AuthConfig, ImageRef, Invocation


def auth_headers(inv: Invocation, ref: ImageRef) -> dict[str, str]:
    """``X-Registry-Auth`` with the stored credentials of ``ref``'s registry (``{}`` encoded when none)."""
    from dshell.plugin import credentials_for, encode_auth_header

    return {"X-Registry-Auth": encode_auth_header(credentials_for(ref.auth_key, warn=inv.console.warn))}


def registry_config_header(inv: Invocation, keys: list[str]) -> dict[str, str]:
    """``X-Registry-Config`` for a build: the stored credentials of the registries ``keys`` only."""
    from dshell.plugin import credentials_for, encode_registry_config

    found = [auth for key in keys if (auth := credentials_for(key, warn=inv.console.warn)) is not None]
    return {"X-Registry-Config": encode_registry_config(found)} if found else {}


_AUTH_ERROR_RE = re.compile(
    r"unauthorized|no basic auth credentials|authentication required|\b401\b", re.IGNORECASE
)


def with_login_hint(events: Iterable[dict[str, Any]], ref: ImageRef) -> Iterator[dict[str, Any]]:
    """``events``, with a "log in" hint on a registry's authentication error (in the stream or as a reply)."""
    from dshell.plugin import progress_error

    where = "" if ref.registry == "docker.io" else f" {ref.registry}"
    hint = f"log in first: login{where}"
    try:
        for event in events:
            error = progress_error(event)
            if error and _AUTH_ERROR_RE.search(error):
                raise CommandFailed(error, hint=hint)
            yield event
    except APIError as exc:
        if _AUTH_ERROR_RE.search(exc.message):
            exc.hint = hint
        raise


# -- push --------------------------------------------------------------------------------------------------


def push_events(inv: Invocation) -> Iterator[dict[str, Any]]:
    """Push progress (errors such as ``unauthorized`` arrive in the stream and fail the command)."""
    from dshell.plugin import images_api as api
    from dshell.plugin import parse_reference

    a = inv.args
    try:
        ref = parse_reference(a.name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if ref.digest:
        raise UsageError("push: cannot push a digest reference")
    if a.all_tags and ref.tag:
        raise UsageError("tag can't be used with --all-tags/-a")
    tag = None if a.all_tags else (ref.tag or "latest")
    yield from with_login_hint(api.push(inv.client, ref.repository, tag, headers=auth_headers(inv, ref)), ref)
    yield {"status": ref.repository if a.all_tags else str(ref.with_default_tag()), "final": True}


def only_final(events: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Just the closing line (and errors) of a progress stream: ``-q``."""
    for event in events:
        if event.get("final") or "error" in event or "errorDetail" in event:
            yield event


def push(inv: Invocation) -> Progress:
    return Progress(only_final(push_events(inv)) if inv.args.quiet else push_events(inv))


# -- login / logout ------------------------------------------------------------------------------------------


def _strip_secret(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` masked (a daemon message must never echo a password)."""
    return text.replace(secret, "***") if secret else text


def _read_line(inv: Invocation, prompt: str) -> str:
    console = inv.console
    console.stdout.write(prompt)
    console.stdout.flush()
    assert console.stdin is not None
    return console.stdin.readline().rstrip("\r\n")


def _interactive(inv: Invocation) -> bool:
    stdin = inv.console.stdin
    try:
        return stdin is not None and stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _verify(inv: Invocation, auth: AuthConfig) -> dict[str, Any]:
    """``POST /auth``; a refusal becomes one clear line without the password."""
    from dshell.plugin import auth_api

    try:
        return auth_api.login(inv.client, auth)
    except APIError as exc:
        message = _strip_secret(exc.message, auth.password)
        hint = (
            "check the user name and password"
            if "401" in message or "unauthorized" in message.lower()
            else None
        )
        raise CommandFailed(f"login to {auth.serveraddress} failed: {message}", hint=hint) from None


def login(inv: Invocation) -> Lines:
    import getpass

    from dshell.plugin import AuthConfig, CredentialStore, normalize_server

    a = inv.args
    server = normalize_server(a.server)
    store = CredentialStore()
    warning = store.helper_warning(server)
    if warning:
        inv.console.warn(warning)
    username: str = a.username or ""
    password: str = a.password or ""
    if password:
        inv.console.warn("using --password on the command line is insecure; use --password-stdin")
    if a.password_stdin:
        if password:
            raise UsageError("login: --password and --password-stdin are mutually exclusive")
        if not username:
            raise UsageError("login: must provide --username with --password-stdin")
        if inv.console.stdin is None:
            raise UsageError("login: --password-stdin needs the password on stdin")
        password = inv.console.stdin.read().rstrip("\r\n")
    if not username and not password:
        stored = store.get(server)
        if stored is not None:
            inv.console.error("Authenticating with existing credentials...")
            try:
                _verify(inv, stored)
                return Lines(["Login Succeeded"])
            except CommandFailed as exc:
                if not _interactive(inv):
                    raise
                inv.console.error(f"Login did not succeed, error: {exc.message}")
                username = stored.username
    if not username or not password:
        if not _interactive(inv):
            raise CommandFailed(
                "cannot perform an interactive login from a non-terminal",
                hint="use -u USER with --password-stdin",
            )
        if not username:
            username = _read_line(inv, "Username: ").strip()
            if not username:
                raise CommandFailed("login: a user name is required")
        if not password:
            inv.console.stdout.flush()
            password = getpass.getpass("Password: ")
    if not password:
        raise CommandFailed("login: a password is required")
    auth = AuthConfig(server, username, password)
    reply = _verify(inv, auth)
    token = reply.get("IdentityToken") or ""
    if token:
        auth = AuthConfig(server, username, "", token)
    store.store(auth)
    inv.console.warn(f"your password is stored unencrypted in {store.path}")
    return Lines([str(reply.get("Status") or "Login Succeeded")])


def logout(inv: Invocation) -> Lines:
    from dshell.plugin import CredentialStore, normalize_server

    server = normalize_server(inv.args.server)
    if CredentialStore().remove(server):
        return Lines([f"Removing login credentials for {server}"])
    return Lines([f"Not logged in to {server}"])


# -- search ------------------------------------------------------------------------------------------------


def search(inv: Invocation) -> Any:
    from dshell.plugin import ellipsis, parse_filters
    from dshell.plugin import images_api as api

    a = inv.args
    try:
        items = api.search(inv.client, a.term, limit=a.limit, filters=parse_filters(a.filter))
    except APIError as exc:
        raise CommandFailed(
            f"search failed: {exc.message}", hint="the daemon asks the registry itself; is it offline?"
        ) from None
    rows = []
    for item in items:
        description = str(item.get("description") or "").replace("\n", " ")
        rows.append(
            (
                item.get("name", ""),
                description if a.no_trunc else ellipsis(description, 45),
                item.get("star_count", 0),
                "[OK]" if item.get("is_official") else "",
                "[OK]" if item.get("is_automated") else "",
            )
        )
    return Table(("NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED"), rows, items)


def commands() -> list[Command]:
    """The commands of this module."""
    return [
        Command(
            "push",
            push,
            "Upload an image to a registry",
            options=(
                flag("-a", "--all-tags", help="Push all tags of the repository"),
                flag("-q", "--quiet", help="Suppress verbose output"),
            ),
            arguments=(argument("name", "NAME[:TAG]", complete="image"),),
            aliases=("image push",),
        ),
        Command(
            "login",
            login,
            "Log in to a registry (credentials stored in config.json like the Docker CLI)",
            options=(
                option("-u", "--username", help="Username"),
                option("-p", "--password", help="Password (insecure: prefer --password-stdin)"),
                flag("--password-stdin", help="Take the password from stdin"),
            ),
            arguments=(argument("server", "registry (default: Docker Hub)", nargs="?"),),
            secret=True,
        ),
        Command(
            "logout",
            logout,
            "Log out from a registry",
            arguments=(argument("server", "registry (default: Docker Hub)", nargs="?"),),
        ),
        Command(
            "search",
            search,
            "Search Docker Hub for images (through the daemon)",
            options=(
                option("--limit", help="Max number of search results", type=int),
                option(
                    "-f",
                    "--filter",
                    help="Filter output based on conditions provided",
                    repeat=True,
                    metavar="KEY=VALUE",
                ),
                flag("--no-trunc", help="Don't truncate output"),
            ),
            arguments=(argument("term", "what to search for"),),
            json_output=True,
        ),
    ]
