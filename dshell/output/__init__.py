"""What handlers return and how it reaches the terminal: results, renderers, console, progress.

Before the layout had layers this package was one module, ``dshell.output``; its names (``format_table``,
``RenderContext``, ``render``, …) still resolve here, from :mod:`dshell.output.render`, with a
``DeprecationWarning``.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    import importlib
    import warnings

    render = importlib.import_module("dshell.output.render")
    try:
        value = getattr(render, name)
    except AttributeError:
        raise AttributeError(f"module 'dshell.output' has no attribute {name!r}") from None
    warnings.warn(
        f"dshell.output.{name} is now dshell.output.render.{name}; plugins should import from dshell.plugin",
        DeprecationWarning,
        stacklevel=2,
    )
    return value
