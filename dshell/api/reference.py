"""Docker image references, parsed and normalised like the Docker CLI does.

This follows ``distribution/reference``'s ``ParseNormalizedNamed``: a reference is
``[registry/]path[:tag][@digest]``; a missing registry means Docker Hub (``docker.io``) and a
single-component Hub path gets the ``library/`` prefix. :func:`parse_reference` returns the
normalised form, :attr:`ImageRef.repository` and ``str()`` the familiar one the CLI prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = [
    "DEFAULT_REGISTRY",
    "DEFAULT_TAG",
    "INDEX_AUTH_KEY",
    "ImageRef",
    "parse_reference",
    "split_repo_tag",
]

#: The registry of references that name none.
DEFAULT_REGISTRY = "docker.io"
#: The tag an untagged, undigested reference implicitly has.
DEFAULT_TAG = "latest"
#: The key of Docker Hub credentials in ``~/.docker/config.json`` ``auths``.
INDEX_AUTH_KEY = "https://index.docker.io/v1/"

_LEGACY_REGISTRY = "index.docker.io"
_OFFICIAL_PREFIX = "library/"
_NAME_MAX = 255

# The grammar of distribution/reference (reference/regexp.go).
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_PATH = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|{_IPV6})"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"

_REFERENCE_RE = re.compile(
    rf"(?P<name>(?P<domain>{_DOMAIN})/(?P<path>{_PATH}))(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?",
    re.ASCII,
)
_IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}")
#: Hex lengths of the digest algorithms the daemon (go-digest) accepts.
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_LOWER_HEX_RE = re.compile(r"[a-f0-9]+")


@dataclass(frozen=True)
class ImageRef:
    """A normalised image reference (``docker.io/library/busybox:1.36``)."""

    registry: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The fully qualified name without tag or digest (``docker.io/library/busybox``)."""
        return f"{self.registry}/{self.path}"

    @property
    def repository(self) -> str:
        """The familiar name the Docker CLI shows (``busybox``, ``ns/name``, ``localhost:5000/x``)."""
        if self.registry != DEFAULT_REGISTRY:
            return self.name
        if self.path.startswith(_OFFICIAL_PREFIX):
            rest = self.path[len(_OFFICIAL_PREFIX) :]
            if "/" not in rest:
                return rest
        return self.path

    @property
    def auth_key(self) -> str:
        """The key of this registry's credentials in ``~/.docker/config.json`` ``auths``."""
        return INDEX_AUTH_KEY if self.registry == DEFAULT_REGISTRY else self.registry

    @property
    def is_official(self) -> bool:
        """Whether this is a Docker Hub official image (``library/…``)."""
        return self.registry == DEFAULT_REGISTRY and self.repository != self.path

    def with_default_tag(self) -> ImageRef:
        """This reference, tagged ``latest`` when it has neither a tag nor a digest."""
        if self.tag is None and self.digest is None:
            return replace(self, tag=DEFAULT_TAG)
        return self

    def familiar(self) -> str:
        """The familiar form with tag and digest, as ``str()`` gives it."""
        return self.repository + _suffix(self.tag, self.digest)

    def full(self) -> str:
        """The fully qualified form with tag and digest (``docker.io/library/busybox:latest``)."""
        return self.name + _suffix(self.tag, self.digest)

    def __str__(self) -> str:
        return self.familiar()


def _suffix(tag: str | None, digest: str | None) -> str:
    return (f":{tag}" if tag is not None else "") + (f"@{digest}" if digest is not None else "")


def _split_domain(text: str) -> tuple[str, str]:
    """Split ``text`` into registry and remainder the way ``splitDockerDomain`` does."""
    first, slash, rest = text.partition("/")
    is_registry = bool(slash) and (
        any(c in first for c in ".:") or first == "localhost" or first.lower() != first
    )
    if is_registry:
        domain, remainder = first, rest
    else:
        domain, remainder = DEFAULT_REGISTRY, text
    if domain == _LEGACY_REGISTRY:
        domain = DEFAULT_REGISTRY
    if domain == DEFAULT_REGISTRY and "/" not in remainder:
        remainder = _OFFICIAL_PREFIX + remainder
    return domain, remainder


def _check_digest(digest: str) -> None:
    algorithm, _, hexpart = digest.partition(":")
    want = _DIGEST_HEX_LENGTHS.get(algorithm)
    if want is None:
        raise ValueError(f"invalid reference format: unsupported digest algorithm {algorithm!r}")
    if len(hexpart) != want or not _LOWER_HEX_RE.fullmatch(hexpart):
        raise ValueError(
            f"invalid reference format: invalid digest {digest!r}: "
            f"{algorithm} needs {want} lowercase hexadecimal digits"
        )


def parse_reference(text: str) -> ImageRef:
    """Parse and normalise an image reference as ``docker pull`` does.

    Raises ``ValueError("invalid reference format…")`` for anything the Docker CLI rejects.
    """
    if not text:
        raise ValueError("invalid reference format: repository name must have at least one component")
    if _IDENTIFIER_RE.fullmatch(text):
        raise ValueError(
            f"invalid reference format: invalid repository name ({text}), "
            "cannot specify 64-byte hexadecimal strings"
        )
    domain, remainder = _split_domain(text)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise ValueError(f"invalid reference format: repository name ({remote}) must be lowercase")
    full = f"{domain}/{remainder}"
    match = _REFERENCE_RE.fullmatch(full)
    if match is None:
        raise _diagnose(text)
    if len(match["name"]) > _NAME_MAX:
        raise ValueError(
            f"invalid reference format: repository name must not be more than {_NAME_MAX} characters"
        )
    digest = match["digest"]
    if digest is not None:
        _check_digest(digest)
    return ImageRef(registry=match["domain"], path=match["path"], tag=match["tag"], digest=digest)


def _diagnose(text: str) -> ValueError:
    """The most helpful error for a reference that does not match the grammar."""
    name, at, digest = text.partition("@")
    if at and not re.fullmatch(_DIGEST, digest, re.ASCII):
        return ValueError(f"invalid reference format: invalid digest {digest!r}")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        tag = last.split(":", 1)[1]
        if not re.fullmatch(_TAG, tag, re.ASCII):
            if len(tag) > 128:
                return ValueError("invalid reference format: tag must not be more than 128 characters")
            return ValueError(f"invalid reference format: invalid tag {tag!r}")
    return ValueError(f"invalid reference format: {text!r}")


def split_repo_tag(text: str) -> tuple[str, str | None]:
    """Split a reference into the familiar repository and its digest, else its tag, else ``None``.

    This is the ``fromImage`` + ``tag`` pair of ``POST /images/create`` (and ``repo``/``tag`` of
    push and tag). A digest wins over a tag, as in the Docker CLI; call
    :meth:`ImageRef.with_default_tag` first to get ``latest`` for a bare name.
    """
    ref = parse_reference(text)
    return ref.repository, ref.digest if ref.digest is not None else ref.tag
