"""Registry credentials, stored and read the way the Docker CLI does.

Credentials live in ``$DOCKER_CONFIG/config.json`` (default ``~/.docker/config.json``) under ``auths``, keyed
by registry host (``127.0.0.1:5001``) or ``https://index.docker.io/v1/`` for Docker Hub, each with ``auth``:
base64 of ``user:password`` (or an ``identitytoken``). Credential helpers (``credsStore``, ``credHelpers``)
are not run: dshell warns and uses the file.

The daemon receives credentials in the ``X-Registry-Auth`` header (base64url of
``{"username", "password", "serveraddress"}``), and only for the registry a pull, push or build talks to.
Nothing here ever puts a password in a message or a log line.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dshell.api.address import docker_config_dir
from dshell.api.files import atomic_write
from dshell.api.reference import INDEX_AUTH_KEY
from dshell.errors import ConfigError

if TYPE_CHECKING:
    from dshell.api.client import DockerClient

__all__ = [
    "AuthConfig",
    "CredentialStore",
    "credentials_for",
    "encode_auth_header",
    "encode_registry_config",
    "login",
    "normalize_server",
    "to_hostname",
]

#: Names under which Docker Hub is known; all of them map to :data:`INDEX_AUTH_KEY`.
_HUB_NAMES = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}


def to_hostname(server: str) -> str:
    """The CLI's ``ConvertToHostname``: drop ``http(s)://`` and any path."""
    for scheme in ("http://", "https://"):
        if server.startswith(scheme):
            server = server[len(scheme) :]
            break
    return server.split("/", 1)[0]


def normalize_server(server: str | None) -> str:
    """The ``auths`` key for a server named on the command line (Docker Hub when empty)."""
    if not server:
        return INDEX_AUTH_KEY
    host = to_hostname(server)
    if host in _HUB_NAMES or server.rstrip("/") == INDEX_AUTH_KEY.rstrip("/"):
        return INDEX_AUTH_KEY
    return host


@dataclass(frozen=True)
class AuthConfig:
    """One registry's credentials. ``repr`` never shows the secret."""

    serveraddress: str
    username: str = ""
    password: str = ""
    identitytoken: str = ""

    def __repr__(self) -> str:
        return f"AuthConfig(serveraddress={self.serveraddress!r}, username={self.username!r}, password=***)"

    __str__ = __repr__

    @property
    def empty(self) -> bool:
        return not (self.username or self.password or self.identitytoken)

    def api_document(self) -> dict[str, str]:
        """The JSON object the Engine API expects (``/auth`` body, ``X-Registry-Auth`` content)."""
        doc = {"serveraddress": self.serveraddress}
        if self.identitytoken:
            doc["identitytoken"] = self.identitytoken
        else:
            doc["username"] = self.username
            doc["password"] = self.password
        return doc


def _b64url(doc: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def encode_auth_header(auth: AuthConfig | None) -> str:
    """The ``X-Registry-Auth`` value (``{}`` encoded when there are no credentials, as the CLI sends)."""
    return _b64url(auth.api_document() if auth is not None and not auth.empty else {})


def encode_registry_config(auths: Iterable[AuthConfig]) -> str:
    """The ``X-Registry-Config`` value of ``POST /build``: a map of registry to credentials."""
    return _b64url({a.serveraddress: a.api_document() for a in auths if not a.empty})


class CredentialStore:
    """``config.json`` ``auths``: read, add and remove credentials, keeping every other key as it is."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or docker_config_dir()
        self.path = self.directory / "config.json"

    def load(self) -> dict[str, Any]:
        """The whole config file (empty when missing)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if not text.strip():
            return {}
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{self.path} is not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise ConfigError(f"{self.path} is not a JSON object")
        return doc

    def helper_warning(self, key: str, doc: dict[str, Any] | None = None) -> str | None:
        """A warning when the config names a credential helper dshell does not run, else None."""
        doc = self.load() if doc is None else doc
        helper = (doc.get("credHelpers") or {}).get(key) or doc.get("credsStore")
        if not helper:
            return None
        return (
            f"{self.path} configures the credential helper {helper!r}; dshell does not run credential "
            "helpers and uses the credentials stored in the file itself"
        )

    def get(self, key: str) -> AuthConfig | None:
        """The stored credentials for registry ``key`` (an ``auths`` key or a host), or None."""
        auths = self.load().get("auths") or {}
        entry = auths.get(key)
        if entry is None:
            for name, value in auths.items():
                if to_hostname(name) == key or normalize_server(name) == key:
                    entry = value
                    break
        if not isinstance(entry, dict):
            return None
        username = entry.get("username") or ""
        password = entry.get("password") or ""
        encoded = entry.get("auth") or ""
        if encoded:
            try:
                decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            except (ValueError, UnicodeDecodeError):
                raise ConfigError(
                    f"{self.path}: the stored credentials for {key} are not valid base64"
                ) from None
            username, sep, password = decoded.partition(":")
            if not sep:
                raise ConfigError(f"{self.path}: the stored credentials for {key} are not user:password")
        auth = AuthConfig(key, username, password, entry.get("identitytoken") or "")
        return None if auth.empty else auth

    def all(self) -> list[AuthConfig]:
        """Every stored credential."""
        out = []
        for key in self.load().get("auths") or {}:
            auth = self.get(key)
            if auth is not None:
                out.append(auth)
        return out

    def store(self, auth: AuthConfig) -> None:
        """Save ``auth`` under its server address (``auth`` base64, like the CLI), file mode 0600."""
        doc = self.load()
        auths = doc.setdefault("auths", {})
        if auth.identitytoken:
            entry = {"identitytoken": auth.identitytoken}
            if auth.username:
                entry["auth"] = base64.b64encode(f"{auth.username}:".encode()).decode()
        else:
            entry = {"auth": base64.b64encode(f"{auth.username}:{auth.password}".encode()).decode()}
        auths[auth.serveraddress] = entry
        self._write(doc)

    def remove(self, key: str) -> bool:
        """Forget the credentials of ``key`` (and of entries naming the same host); False if none."""
        doc = self.load()
        auths = doc.get("auths") or {}
        gone = [name for name in auths if name == key or to_hostname(name) == key]
        for name in gone:
            del auths[name]
        if gone:
            self._write(doc)
        return bool(gone)

    def _write(self, doc: dict[str, Any]) -> None:
        """Write the file atomically (temporary file in the same directory, then rename), mode 0600."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with atomic_write(
            self.path, mode="w", prefix=".config-", suffix=".json", permissions=0o600, encoding="utf-8"
        ) as fh:
            json.dump(doc, fh, indent="\t")
            fh.write("\n")


def credentials_for(key: str, *, warn: Any = None) -> AuthConfig | None:
    """The stored credentials for registry ``key`` (an :attr:`ImageRef.auth_key`), warning once about helpers."""
    store = CredentialStore()
    doc = store.load()
    if warn is not None:
        message = store.helper_warning(key, doc)
        if message:
            warn(message)
    return store.get(key)


def login(client: DockerClient, auth: AuthConfig) -> dict[str, Any]:
    """``POST /auth``: the daemon checks ``auth`` with the registry (``Status``, ``IdentityToken``)."""
    return dict(client.post_json("/auth", json_body=auth.api_document()) or {})
