"""Where the daemon is: parse ``HOST`` arguments and follow Docker's own conventions when none is given.

Order without an explicit host (as the Docker CLI does): ``DOCKER_HOST``, then the current docker context
(``DOCKER_CONTEXT`` or ``currentContext`` in ``~/.docker/config.json``), then ``unix:///var/run/docker.sock``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from dshell.errors import ConfigError

DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_TCP_PORT = 2375
DEFAULT_TLS_PORT = 2376


@dataclass(frozen=True)
class TLSConfig:
    """TLS settings for a tcp daemon. ``verify`` is True (system CAs), False, or a CA bundle path."""

    verify: bool | str = True
    cert: tuple[str, str] | None = None


@dataclass(frozen=True)
class DaemonAddress:
    """One daemon endpoint: ``tcp`` (host, port, optional TLS) or ``unix`` (socket path)."""

    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""
    tls: TLSConfig | None = None
    source: str = "argument"
    extra: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL prefix requests uses for this daemon."""
        if self.scheme == "unix":
            return "http+unix://" + quote(self.path, safe="")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        """True for unix sockets and loopback tcp addresses."""
        if self.scheme == "unix" or self.host == "localhost":
            return True
        import ipaddress

        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_address(text: str, *, tls: TLSConfig | None = None, source: str = "argument") -> DaemonAddress:
    """Parse ``127.0.0.1``, ``host:port``, ``tcp://host[:port]``, ``unix:///path`` (and http/https URLs).

    A bare host means tcp on port 2375 (2376 with TLS).
    """
    text = text.strip()
    if not text:
        raise ConfigError("empty daemon address")
    if text.startswith("unix://"):
        path = text[len("unix://") :]
        if not path.startswith("/"):
            raise ConfigError(f"invalid unix socket address {text!r}: the path must be absolute")
        return DaemonAddress("unix", path=path, source=source)
    if text.startswith("/"):
        return DaemonAddress("unix", path=text, source=source)
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in ("tcp", "http", "https"):
            raise ConfigError(f"unsupported daemon address {text!r}: use tcp://HOST:PORT or unix:///PATH")
        if scheme == "https" and tls is None:
            tls = TLSConfig()
        rest = text.split("://", 1)[1]
    else:
        rest = text
    try:
        parts = urlsplit("//" + rest)
        host = parts.hostname or ""
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"invalid daemon address {text!r}: {exc}") from None
    if not host:
        raise ConfigError(f"invalid daemon address {text!r}: no host")
    if parts.path not in ("", "/"):
        raise ConfigError(f"invalid daemon address {text!r}: unexpected path {parts.path!r}")
    if port is None:
        port = DEFAULT_TLS_PORT if tls else DEFAULT_TCP_PORT
    return DaemonAddress("tcp", host=host, port=port, tls=tls, source=source)


def docker_config_dir(env: Mapping[str, str]) -> Path:
    """``$DOCKER_CONFIG`` or ``~/.docker``."""
    configured = env.get("DOCKER_CONFIG")
    return Path(configured) if configured else Path(env.get("HOME") or Path.home()) / ".docker"


def tls_from_env(env: Mapping[str, str]) -> TLSConfig | None:
    """TLS as the Docker CLI reads it from ``DOCKER_TLS_VERIFY`` / ``DOCKER_TLS`` / ``DOCKER_CERT_PATH``."""
    verify = env.get("DOCKER_TLS_VERIFY", "")
    if not verify and not env.get("DOCKER_TLS"):
        return None
    cert_dir = Path(env["DOCKER_CERT_PATH"]) if env.get("DOCKER_CERT_PATH") else docker_config_dir(env)
    return _tls_from_dir(cert_dir, verify=bool(verify))


def _tls_from_dir(cert_dir: Path, *, verify: bool) -> TLSConfig:
    ca, cert, key = cert_dir / "ca.pem", cert_dir / "cert.pem", cert_dir / "key.pem"
    client = (str(cert), str(key)) if cert.is_file() and key.is_file() else None
    verify_value: bool | str = (str(ca) if ca.is_file() else True) if verify else False
    return TLSConfig(verify=verify_value, cert=client)


def current_context(env: Mapping[str, str]) -> str | None:
    """The docker context in force: ``DOCKER_CONTEXT``, else ``currentContext`` in config.json."""
    name = env.get("DOCKER_CONTEXT")
    if name:
        return name
    config = docker_config_dir(env) / "config.json"
    try:
        data = json.loads(config.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {config}: {exc}") from None
    value = data.get("currentContext") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def context_address(name: str, env: Mapping[str, str]) -> DaemonAddress | None:
    """The docker endpoint of context ``name`` (None for the ``default`` context)."""
    if name == "default":
        return None
    import hashlib

    digest = hashlib.sha256(name.encode()).hexdigest()
    base = docker_config_dir(env) / "contexts"
    meta = base / "meta" / digest / "meta.json"
    try:
        data = json.loads(meta.read_text())
        endpoint = data["Endpoints"]["docker"]
        host = endpoint["Host"]
    except FileNotFoundError:
        raise ConfigError(f"docker context {name!r} not found ({meta} does not exist)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read docker context {name!r} from {meta}: {exc}") from None
    tls_dir = base / "tls" / digest / "docker"
    tls = None
    if tls_dir.is_dir() and not str(host).startswith("unix://"):
        tls = _tls_from_dir(tls_dir, verify=not endpoint.get("SkipTLSVerify", False))
    return parse_address(str(host), tls=tls, source=f"context {name}")


def resolve_address(
    explicit: str | None, env: Mapping[str, str] | None = None, *, tls: TLSConfig | None = None
) -> DaemonAddress:
    """The daemon to talk to, from an explicit argument or Docker's conventions."""
    env = os.environ if env is None else env
    tls = tls or tls_from_env(env)
    if explicit:
        return parse_address(explicit, tls=tls)
    docker_host = env.get("DOCKER_HOST")
    if docker_host:
        return parse_address(docker_host, tls=tls, source="DOCKER_HOST")
    context = current_context(env)
    if context:
        address = context_address(context, env)
        if address is not None:
            return address
    return DaemonAddress("unix", path=DEFAULT_UNIX_SOCKET, source="default")
