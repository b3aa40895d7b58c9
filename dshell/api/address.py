"""Where the daemon is: parse ``HOST`` arguments and follow Docker's own conventions when none is given.

Order without an explicit host (as the Docker CLI does): ``DOCKER_HOST``, then the current docker context
(``DOCKER_CONTEXT`` or ``currentContext`` in ``~/.docker/config.json``), then ``unix:///var/run/docker.sock``.
Wherever an address is accepted, a docker context name is too (:func:`parse_target`); :func:`list_contexts`
reads them all, :func:`daemon_name` gives an address its short session name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from dshell.errors import ConfigError, UsageError

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
    """One daemon endpoint: ``tcp`` (host, port, optional TLS), ``unix`` (socket path) or ``ssh`` (user, host,
    port: ``ssh … docker system dial-stdio``, see :mod:`dshell.api.sshconn`)."""

    scheme: str
    host: str = ""
    port: int = 0
    path: str = ""
    tls: TLSConfig | None = None
    source: str = "argument"
    extra: Mapping[str, str] = field(default_factory=dict)
    user: str = ""

    def __str__(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.scheme == "ssh":
            user = f"{self.user}@" if self.user else ""
            return f"ssh://{user}{host}" + (f":{self.port}" if self.port else "")
        return f"tcp://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL prefix requests uses for this daemon."""
        if self.scheme == "unix":
            return "http+unix://" + quote(self.path, safe="")
        if self.scheme == "ssh":
            return "http://docker.sock"  # the daemon's own socket, at the far end of ssh
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
        if scheme == "ssh":
            return _parse_ssh(text, source)
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


def _parse_ssh(text: str, source: str) -> DaemonAddress:
    """``ssh://[user@]host[:port]`` (the port is ssh's; no path: the far end dials its default socket)."""
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port or 0
    except ValueError as exc:
        raise ConfigError(f"invalid daemon address {text!r}: {exc}") from None
    if not host:
        raise ConfigError(f"invalid daemon address {text!r}: no host")
    if parts.path not in ("", "/") or parts.query or parts.password:
        raise ConfigError(f"invalid daemon address {text!r}: use ssh://[USER@]HOST[:PORT]")
    return DaemonAddress("ssh", host=host, port=port, user=parts.username or "", source=source)


def daemon_name(address: DaemonAddress) -> str:
    """A short session name for an address: the host for tcp and ssh (with the port when it is not the
    default), the socket's file name without ``.sock`` for unix (``docker``)."""
    if address.scheme == "unix":
        base = Path(address.path).name
        return base[: -len(".sock")] if base.endswith(".sock") and len(base) > 5 else base or "unix"
    default = {"tcp": DEFAULT_TLS_PORT if address.tls else DEFAULT_TCP_PORT, "ssh": 0}[address.scheme]
    return address.host if address.port in (default, 22) else f"{address.host}:{address.port}"


def security_warnings(address: DaemonAddress) -> list[str]:
    """Plaintext TCP to a non-loopback daemon, or TLS without verification."""
    warnings = []
    if address.scheme == "tcp" and address.tls is None and not address.is_loopback:
        warnings.append(
            f"{address} is plaintext TCP to a non-loopback host: anyone on the network path can read and "
            "control this daemon; use TLS (--tls)"
        )
    if address.tls is not None and address.tls.verify is False:
        warnings.append(f"TLS certificate verification is off for {address}")
    return warnings


def docker_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """The Docker CLI's configuration directory: ``$DOCKER_CONFIG`` or ``~/.docker`` (``env``: default
    ``os.environ``). Contexts (``config.json`` ``currentContext``, ``contexts/``) and credentials
    (:mod:`dshell.api.auth`) both live there."""
    env = os.environ if env is None else env
    configured = env.get("DOCKER_CONFIG")
    return Path(configured) if configured else Path(env.get("HOME") or Path.home()) / ".docker"


def tls_config(
    *,
    tls: bool = False,
    verify: bool = False,
    cacert: str | None = None,
    cert: str | None = None,
    key: str | None = None,
    insecure: bool = False,
) -> TLSConfig | None:
    """TLS from the Docker CLI's flags (``--tls``, ``--tlsverify``, ``--tlscacert``, ``--tlscert``,
    ``--tlskey``; dshell's ``--insecure-skip-tls-verify``), or None when none is given. Verification stays on
    unless explicitly skipped; a client certificate without its key (or the reverse) is refused."""
    if not (tls or verify or cacert or cert or key or insecure):
        return None
    if bool(cert) != bool(key):
        raise UsageError("--tlscert and --tlskey go together (a client certificate needs its key)")
    verify_value: bool | str = False if insecure else (cacert or True)
    return TLSConfig(verify=verify_value, cert=(cert, key) if cert and key else None)


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
    except FileNotFoundError:
        raise ConfigError(f"docker context {name!r} not found ({meta} does not exist)") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read docker context {name!r} from {meta}: {exc}") from None
    return _context_endpoint(name, data, base / "tls" / digest / "docker", meta)


def _context_endpoint(name: str, data: object, tls_dir: Path, meta: Path) -> DaemonAddress:
    """The docker endpoint of a context's meta.json, with the TLS material stored beside it."""
    try:
        endpoint = data["Endpoints"]["docker"]  # type: ignore[index]
        host = str(endpoint["Host"])
        skip_verify = bool(endpoint.get("SkipTLSVerify", False))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"cannot read docker context {name!r} from {meta}: no docker endpoint ({exc})"
        ) from None
    tls = None
    if tls_dir.is_dir() and host.startswith(("tcp://", "https://")):
        tls = _tls_from_dir(tls_dir, verify=not skip_verify)
    elif skip_verify and host.startswith("https://"):
        tls = TLSConfig(verify=False)
    return parse_address(host, tls=tls, source=f"context {name}")


@dataclass(frozen=True)
class ContextInfo:
    """One docker context: name, description, docker endpoint (None when unreadable) and any error."""

    name: str
    description: str = ""
    address: DaemonAddress | None = None
    error: str = ""


def list_contexts(env: Mapping[str, str] | None = None) -> list[ContextInfo]:
    """Every docker context, ``default`` first (it is ``DOCKER_HOST`` or the default socket), then by name."""
    env = os.environ if env is None else env
    docker_host = env.get("DOCKER_HOST")
    default = (
        parse_address(docker_host, tls=tls_from_env(env), source="DOCKER_HOST")
        if docker_host
        else DaemonAddress("unix", path=DEFAULT_UNIX_SOCKET, source="default")
    )
    out = [ContextInfo("default", "Current DOCKER_HOST based configuration", default)]
    base = docker_config_dir(env) / "contexts"
    found = []
    for meta in sorted((base / "meta").glob("*/meta.json")):
        try:
            data = json.loads(meta.read_text())
            name = str(data["Name"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            found.append(ContextInfo(meta.parent.name[:12], error=f"cannot read {meta}: {exc}"))
            continue
        desc = str(((data.get("Metadata") or {}).get("Description")) or "")
        try:
            address = _context_endpoint(name, data, base / "tls" / meta.parent.name / "docker", meta)
        except ConfigError as exc:
            found.append(ContextInfo(name, desc, error=exc.message))
            continue
        found.append(ContextInfo(name, desc, address))
    return out + sorted(found, key=lambda c: c.name)


def parse_target(
    text: str, env: Mapping[str, str] | None = None, *, tls: TLSConfig | None = None
) -> DaemonAddress:
    """An address, or the name of a docker context (a word with no ``/`` or ``:`` that names one)."""
    env = os.environ if env is None else env
    if "/" not in text and ":" not in text:
        if text == "default":
            docker_host = env.get("DOCKER_HOST")
            if docker_host:
                return parse_address(docker_host, tls=tls or tls_from_env(env), source="context default")
            return DaemonAddress("unix", path=DEFAULT_UNIX_SOCKET, source="context default")
        meta = docker_config_dir(env) / "contexts" / "meta"
        if meta.is_dir():  # no contexts at all (the common case): no hashlib (~4 ms of OpenSSL) to import
            import hashlib

            digest = hashlib.sha256(text.encode()).hexdigest()
            meta = meta / digest / "meta.json"
        if meta.is_file():
            address = context_address(text, env)
            if address is not None:
                return address
    return parse_address(text, tls=tls)


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
