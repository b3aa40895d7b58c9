"""The one :class:`ssl.SSLContext` builder, used by every connection (whole replies, streams, upgrades).

``verify=True`` verifies against the system's CA store (``ssl.create_default_context()``: OpenSSL's default
paths, what the Docker CLI on Linux uses too; ``certifi`` is not a dependency); ``verify="path"`` trusts only
that CA bundle; ``verify=False`` checks nothing (``--insecure-skip-tls-verify``). A client certificate and
key are loaded when given. One context is made per TLS configuration and kept: the handshake of every new
connection reuses it (and its loaded certificates).
"""

from __future__ import annotations

import functools
import ssl

from dshell.api.address import TLSConfig


@functools.lru_cache(maxsize=16)
def context(tls: TLSConfig) -> ssl.SSLContext:
    """The client context for ``tls`` (made once per configuration)."""
    if isinstance(tls.verify, str):
        ctx = ssl.create_default_context(cafile=tls.verify)
    else:
        ctx = ssl.create_default_context()
        if not tls.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    if tls.cert:
        ctx.load_cert_chain(*tls.cert)
    return ctx
