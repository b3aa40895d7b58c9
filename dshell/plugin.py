"""The public surface for plugin authors: everything a dshell plugin imports comes from here.

::

    from dshell.plugin import Command, Table, argument, flag, hookimpl

Built-in plugins (``dshell.plugins.*``) import only this module (a test checks it), so the internals behind
it can move without breaking a plugin. The names are grouped as follows:

- hooks: ``hookimpl``, ``hookspec_names``;
- the command model: ``Command``, ``Option``, ``Argument``, ``option``, ``flag``, ``argument``, ``Namespace``,
  ``CommandRegistry``, ``Invocation``;
- what a handler returns: ``Table``, ``Document``, ``Text``, ``Lines``, ``Frames``, ``Binary``, ``Progress``,
  ``Result``;
- errors: ``DshellError``, ``UsageError``, ``CommandFailed``, ``APIError``, ``NotFound``, ``Conflict``,
  ``ConnectionFailed``, ``PluginError``, ``ExitRequested``;
- completion and settings: ``Candidate``, ``CompletionRequest``, ``CompletionRegistry``, ``complete_paths``,
  ``Setting``, ``Settings``, ``parse_bool``;
- output: ``RenderContext``, ``RendererRegistry``, ``Console``, ``format_table``, ``format_json``,
  ``highlight_json``, ``progress_error``, terminal helpers (``is_terminal``, ``raw_mode``, ``terminal_size``,
  ``on_resize``);
- the Engine API: ``DockerClient``, ``Reply``, ``Endpoint``, ``Catalogue``, the resource modules
  ``containers_api``, ``images_api``, ``exec_api``, ``system_api``, ``volumes_api``, ``networks_api``,
  ``build_api``, ``auth_api``, streams
  (``iter_frames``, ``iter_lines``, ``iter_json_documents``), image references (``parse_reference``,
  ``split_repo_tag``, ``ImageRef``);
- helpers the Docker CLI's argument forms need: ``parse_filters``, ``parse_key_values``, ``short_id``,
  ``ellipsis``, ``ago``, ``human_size``, ``parse_bytes``, ``parse_cpus``, ``parse_time_arg``, ``parse_format``,
  ``parse_template``, ``TemplateError``, ``invalidating``.

The light names are imported with this module; the rest load on first use (start-up time is a feature).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dshell import __version__
from dshell.core.commands import (
    Argument,
    Command,
    CommandRegistry,
    Namespace,
    Option,
    argument,
    flag,
    option,
)
from dshell.core.hookspecs import hookimpl
from dshell.core.invocation import Invocation
from dshell.core.settings import Setting, Settings, parse_bool
from dshell.errors import (
    APIError,
    CommandFailed,
    Conflict,
    ConnectionFailed,
    DshellError,
    ExitRequested,
    NotFound,
    PluginError,
    UsageError,
)
from dshell.output.results import Binary, Document, Frames, Lines, Progress, Result, Table, Text

if TYPE_CHECKING:
    from dshell.api import auth as auth_api
    from dshell.api import build as build_api
    from dshell.api import configs as configs_api
    from dshell.api import containers as containers_api
    from dshell.api import exec as exec_api
    from dshell.api import images as images_api
    from dshell.api import networks as networks_api
    from dshell.api import nodes as nodes_api
    from dshell.api import secrets as secrets_api
    from dshell.api import services as services_api
    from dshell.api import swarm as swarm_api
    from dshell.api import system as system_api
    from dshell.api import tasks as tasks_api
    from dshell.api import volumes as volumes_api
    from dshell.api.address import (
        ContextInfo,
        DaemonAddress,
        TLSConfig,
        current_context,
        daemon_name,
        list_contexts,
        parse_target,
        security_warnings,
        tls_config,
    )
    from dshell.api.auth import (
        AuthConfig,
        CredentialStore,
        credentials_for,
        encode_auth_header,
        encode_registry_config,
        normalize_server,
    )
    from dshell.api.build import stream_file
    from dshell.api.catalogue import MULTI_SEGMENT_KINDS, Catalogue, Endpoint, QueryParam
    from dshell.api.client import (
        CHUNK,
        DockerClient,
        Reply,
        error_from_response,
        split_version_prefix,
        version_tuple,
    )
    from dshell.api.files import check_output_path
    from dshell.api.hijack import Hijacked
    from dshell.api.reference import ImageRef, parse_reference, split_repo_tag
    from dshell.api.streams import iter_frames, iter_json_documents, iter_lines
    from dshell.core.aliases import define as define_alias
    from dshell.core.aliases import listing as alias_listing
    from dshell.core.aliases import parse_definition as parse_alias_definition
    from dshell.core.aliases import remove as remove_alias
    from dshell.core.argtypes import ellipsis, parse_filters, parse_key_values, short_id
    from dshell.core.commands import lazy_handler
    from dshell.core.completion import Candidate, CompletionRegistry, CompletionRequest, complete_paths
    from dshell.core.control import defer as defer_command
    from dshell.core.control import split_condition, wait_until
    from dshell.core.helptext import command_help, group_help, overview
    from dshell.core.history import read_history
    from dshell.core.lexer import split as split_words
    from dshell.core.names import invalidating
    from dshell.core.parser import suggest
    from dshell.core.session import Session
    from dshell.core.targets import check_daemon_name
    from dshell.core.variables import Capture
    from dshell.core.variables import state as automation_state
    from dshell.output.colors import highlight_json
    from dshell.output.console import Console, confirm_removal
    from dshell.output.gotemplate import (
        TemplateError,
        parse_format,
        parse_template,
        render_format,
        render_inspect,
    )
    from dshell.output.humanize import (
        ago,
        ansic_time,
        bytes_size,
        created_at,
        go_quote,
        go_time,
        human_duration,
        human_size,
        natural_key,
        parse_bytes,
        parse_cpus,
        parse_duration,
        parse_rfc3339,
        parse_time_arg,
    )
    from dshell.output.progress import progress_error
    from dshell.output.render import RenderContext, format_json, format_table
    from dshell.output.renderers import RendererRegistry
    from dshell.output.tty import is_terminal, on_resize, raw_mode, terminal_size

#: Names loaded on first use: name -> (module, attribute or "" for the module itself).
_LAZY: dict[str, tuple[str, str]] = {
    "auth_api": ("dshell.api.auth", ""),
    "build_api": ("dshell.api.build", ""),
    "containers_api": ("dshell.api.containers", ""),
    "exec_api": ("dshell.api.exec", ""),
    "images_api": ("dshell.api.images", ""),
    "system_api": ("dshell.api.system", ""),
    "configs_api": ("dshell.api.configs", ""),
    "nodes_api": ("dshell.api.nodes", ""),
    "secrets_api": ("dshell.api.secrets", ""),
    "services_api": ("dshell.api.services", ""),
    "swarm_api": ("dshell.api.swarm", ""),
    "tasks_api": ("dshell.api.tasks", ""),
    "networks_api": ("dshell.api.networks", ""),
    "volumes_api": ("dshell.api.volumes", ""),
    **{
        n: ("dshell.api.catalogue", n) for n in ("MULTI_SEGMENT_KINDS", "Catalogue", "Endpoint", "QueryParam")
    },
    **{
        n: ("dshell.api.client", n)
        for n in (
            "CHUNK",
            "DockerClient",
            "Reply",
            "error_from_response",
            "split_version_prefix",
            "version_tuple",
        )
    },
    **{n: ("dshell.api.reference", n) for n in ("ImageRef", "parse_reference", "split_repo_tag")},
    **{n: ("dshell.api.streams", n) for n in ("iter_frames", "iter_json_documents", "iter_lines")},
    **{n: ("dshell.core.argtypes", n) for n in ("ellipsis", "parse_filters", "parse_key_values", "short_id")},
    "lazy_handler": ("dshell.core.commands", "lazy_handler"),
    **{
        n: ("dshell.core.completion", n)
        for n in ("Candidate", "CompletionRegistry", "CompletionRequest", "complete_paths")
    },
    "defer_command": ("dshell.core.control", "defer"),
    **{n: ("dshell.core.control", n) for n in ("split_condition", "wait_until")},
    "Capture": ("dshell.core.variables", "Capture"),
    "automation_state": ("dshell.core.variables", "state"),
    "alias_listing": ("dshell.core.aliases", "listing"),
    "define_alias": ("dshell.core.aliases", "define"),
    "parse_alias_definition": ("dshell.core.aliases", "parse_definition"),
    "remove_alias": ("dshell.core.aliases", "remove"),
    **{n: ("dshell.core.helptext", n) for n in ("command_help", "group_help", "overview")},
    "read_history": ("dshell.core.history", "read_history"),
    "split_words": ("dshell.core.lexer", "split"),
    "suggest": ("dshell.core.parser", "suggest"),
    "check_daemon_name": ("dshell.core.targets", "check_daemon_name"),
    **{
        n: ("dshell.api.address", n)
        for n in (
            "ContextInfo",
            "DaemonAddress",
            "TLSConfig",
            "current_context",
            "daemon_name",
            "list_contexts",
            "parse_target",
            "security_warnings",
            "tls_config",
        )
    },
    **{
        n: ("dshell.api.auth", n)
        for n in (
            "AuthConfig",
            "CredentialStore",
            "credentials_for",
            "encode_auth_header",
            "encode_registry_config",
            "normalize_server",
        )
    },
    "stream_file": ("dshell.api.build", "stream_file"),
    "check_output_path": ("dshell.api.files", "check_output_path"),
    "Hijacked": ("dshell.api.hijack", "Hijacked"),
    "invalidating": ("dshell.core.names", "invalidating"),
    "Session": ("dshell.core.session", "Session"),
    "highlight_json": ("dshell.output.colors", "highlight_json"),
    **{n: ("dshell.output.console", n) for n in ("Console", "confirm_removal")},
    **{
        n: ("dshell.output.gotemplate", n)
        for n in ("TemplateError", "parse_format", "parse_template", "render_format", "render_inspect")
    },
    **{
        n: ("dshell.output.humanize", n)
        for n in (
            "ago",
            "ansic_time",
            "bytes_size",
            "created_at",
            "go_time",
            "human_duration",
            "go_quote",
            "human_size",
            "natural_key",
            "parse_bytes",
            "parse_cpus",
            "parse_duration",
            "parse_rfc3339",
            "parse_time_arg",
        )
    },
    **{n: ("dshell.output.render", n) for n in ("RenderContext", "format_json", "format_table")},
    "progress_error": ("dshell.output.progress", "progress_error"),
    "RendererRegistry": ("dshell.output.renderers", "RendererRegistry"),
    **{n: ("dshell.output.tty", n) for n in ("is_terminal", "on_resize", "raw_mode", "terminal_size")},
}

__all__ = [
    "CHUNK",
    "MULTI_SEGMENT_KINDS",
    "APIError",
    "Argument",
    "AuthConfig",
    "Binary",
    "Candidate",
    "Capture",
    "Catalogue",
    "Command",
    "CommandFailed",
    "CommandRegistry",
    "CompletionRegistry",
    "CompletionRequest",
    "Conflict",
    "ConnectionFailed",
    "Console",
    "ContextInfo",
    "CredentialStore",
    "DaemonAddress",
    "DockerClient",
    "Document",
    "DshellError",
    "Endpoint",
    "ExitRequested",
    "Frames",
    "Hijacked",
    "ImageRef",
    "Invocation",
    "Lines",
    "Namespace",
    "NotFound",
    "Option",
    "PluginError",
    "Progress",
    "QueryParam",
    "RenderContext",
    "RendererRegistry",
    "Reply",
    "Result",
    "Session",
    "Setting",
    "Settings",
    "TLSConfig",
    "Table",
    "TemplateError",
    "Text",
    "UsageError",
    "__version__",
    "ago",
    "alias_listing",
    "ansic_time",
    "argument",
    "auth_api",
    "automation_state",
    "build_api",
    "bytes_size",
    "check_daemon_name",
    "check_output_path",
    "command_help",
    "complete_paths",
    "configs_api",
    "confirm_removal",
    "containers_api",
    "created_at",
    "credentials_for",
    "current_context",
    "daemon_name",
    "defer_command",
    "define_alias",
    "ellipsis",
    "encode_auth_header",
    "encode_registry_config",
    "error_from_response",
    "exec_api",
    "flag",
    "format_json",
    "format_table",
    "go_quote",
    "go_time",
    "group_help",
    "highlight_json",
    "hookimpl",
    "human_duration",
    "human_size",
    "images_api",
    "invalidating",
    "is_terminal",
    "iter_frames",
    "iter_json_documents",
    "iter_lines",
    "lazy_handler",
    "list_contexts",
    "natural_key",
    "networks_api",
    "nodes_api",
    "normalize_server",
    "on_resize",
    "option",
    "overview",
    "parse_alias_definition",
    "parse_bool",
    "parse_bytes",
    "parse_cpus",
    "parse_duration",
    "parse_filters",
    "parse_format",
    "parse_key_values",
    "parse_reference",
    "parse_rfc3339",
    "parse_target",
    "parse_template",
    "parse_time_arg",
    "progress_error",
    "raw_mode",
    "read_history",
    "remove_alias",
    "render_format",
    "render_inspect",
    "secrets_api",
    "security_warnings",
    "services_api",
    "short_id",
    "split_condition",
    "split_repo_tag",
    "split_version_prefix",
    "split_words",
    "stream_file",
    "suggest",
    "swarm_api",
    "system_api",
    "tasks_api",
    "terminal_size",
    "tls_config",
    "version_tuple",
    "volumes_api",
    "wait_until",
]


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'dshell.plugin' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
