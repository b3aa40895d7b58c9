"""Output modes by name; the core registers ``table`` and ``json``, plugins may add more."""

from __future__ import annotations

from collections.abc import Iterator

from dshell.output.render import Renderer


class RendererRegistry:
    """Renderers by output-mode name."""

    def __init__(self) -> None:
        self._renderers: dict[str, Renderer] = {}
        self.current_plugin = ""

    def add(self, mode: str, renderer: Renderer) -> None:
        """Register ``renderer`` for ``mode`` (a later one replaces an earlier one)."""
        self._renderers[mode] = renderer

    def get(self, mode: str) -> Renderer:
        return self._renderers.get(mode) or self._renderers["table"]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._renderers))
