"""Write kiln plugins in Python.

A plugin is a class with ``describe`` and ``run``, exported as the
component's ``action`` world (``kiln:plugin/action@0.2.0``) by binding
``WitWorld`` in the app module::

    import kiln_sdk as kiln
    from kiln_sdk import log

    class Hello(kiln.Plugin):
        def describe(self):
            return kiln.Info("hello", "0.1.0", summary="Greets someone in the log",
                             params=[kiln.Param("who", "Who to greet", default="world")])

        def run(self, ctx):
            who = ctx.param("who", "world")
            log.info(f"hello, {who}")
            return f"greeted {who}"

    WitWorld = kiln.export(Hello)

``run`` returns the one-line summary for the run report. Raising
``kiln.Error("message")`` fails the action with exactly that message; any
other exception fails it with ``"<Type>: <message>"`` and its traceback goes
to the action log at debug level. The plugin never traps on an exception.

Build with ``sdk/python/build <plugin-dir> <out.wasm>`` (componentize-py).

Two rules come from how componentize-py builds a component: it runs the app
module's top level at build time and snapshots the interpreter.

* Import every module you need at the top of a module, never inside a
  function: only modules imported at build time are in the component.
* Do no work at import time that needs the sandbox (files, environment,
  clocks): do it in ``run``.
"""

import json
import sys
import traceback
from pathlib import Path

from . import log
from ._wit import Err, WitWorldBase, wit_secrets, wit_types

__all__ = [
    "CONTRACT_VERSION", "WORKSPACE", "Error", "Plugin", "export", "Info", "Param",
    "Grant", "Context", "Input", "Output", "secret", "log", "process", "parse_list",
    "parse_bool",
]

#: The contract version this SDK targets.
CONTRACT_VERSION = "0.2.0"

#: Where the source tree is mounted in every sandbox.
WORKSPACE = "/workspace"


class Error(Exception):
    """A plugin failure: its message is what the user sees for the failed action."""


# -- describe ---------------------------------------------------------------


class Param:
    """One parameter of the action's ``with:`` block; optional unless ``required``.

    ``default`` is what the host passes when the pipeline omits the parameter.
    """

    def __init__(self, name, description, *, required=False, default=None):
        self.name = name
        self.description = description
        self.required = required
        self.default = None if default is None else _scalar_text(default)

    def _to_wit(self):
        return wit_types.ParamSpec(self.name, self.description, self.required, self.default)


class Grant:
    """A capability beyond the default sandbox. The pipeline must grant it."""

    def __init__(self, kind, value=None, access=None):
        self.kind, self.value, self.access = kind, value, access

    @classmethod
    def workspace_write(cls):
        """``/workspace`` writable instead of read-only."""
        return cls("workspace-write")

    @classmethod
    def path(cls, name, access="read-only"):
        """A named host directory at ``/mnt/<name>``; access ``read-only`` or ``read-write``."""
        if access not in ("read-only", "read-write"):
            raise ValueError(f"access must be 'read-only' or 'read-write', not {access!r}")
        return cls("path", name, access)

    @classmethod
    def exec(cls, program):
        """Running ``program`` on the host through :mod:`kiln_sdk.process`."""
        return cls("exec", program)

    @classmethod
    def network(cls):
        """Outbound HTTP (``wasi:http``) to the hosts the pipeline lists."""
        return cls("network")

    @classmethod
    def secret(cls, name):
        """Reading the secret ``name`` with :func:`kiln_sdk.secret`."""
        return cls("secret", name)

    def _to_wit(self):
        t = wit_types
        if self.kind == "workspace-write":
            return t.GrantRequest_WorkspaceWrite()
        if self.kind == "path":
            access = t.Access.READ_WRITE if self.access == "read-write" else t.Access.READ_ONLY
            return t.GrantRequest_Path(t.PathRequest(self.value, access))
        if self.kind == "exec":
            return t.GrantRequest_Exec(self.value)
        if self.kind == "network":
            return t.GrantRequest_Network()
        return t.GrantRequest_Secret(self.value)


class Info:
    """What ``describe`` returns: name, version, summary, parameters, grants."""

    def __init__(self, name, version, *, summary="", params=(), grants=()):
        self.name = name
        self.version = version
        self.summary = summary
        self.params = list(params)
        self.grants = list(grants)

    def _to_wit(self):
        return wit_types.PluginInfo(
            self.name, self.version, self.summary,
            [p._to_wit() for p in self.params], [g._to_wit() for g in self.grants],
        )


# -- run --------------------------------------------------------------------


class Input:
    """An input artifact, verified and mounted read-only at ``path``."""

    def __init__(self, name, digest, path):
        self.name, self.digest, self.path = name, digest, Path(path)

    def __repr__(self):
        return f"Input({self.name!r}, {str(self.path)!r})"


class Output:
    """An output artifact: write its files under ``path``."""

    def __init__(self, name, path):
        self.name, self.path = name, Path(path)

    def __repr__(self):
        return f"Output({self.name!r}, {str(self.path)!r})"


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", ""}


def parse_bool(text):
    """``true/yes/on/1`` and ``false/no/off/0`` (any case); else ``ValueError``."""
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def parse_list(text):
    """A list parameter: a YAML list arrives as JSON text; otherwise the text
    is split on commas (so a scalar is a one-element list)."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [_scalar_text(item) for item in items]
    return [item.strip() for item in stripped.split(",") if item.strip()]


def _scalar_text(value):
    """Text for a value the way the host sends scalars (``true``, ``3``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


class Context:
    """The action a plugin runs for: its names, parameters and artifacts.

    Parameter getters return ``default`` when the pipeline did not set the
    parameter (the host has already applied the defaults declared in
    ``describe``) and raise :class:`Error` naming the parameter when its text
    does not parse.
    """

    def __init__(self, run_id="", pipeline="", stage="", action="", attempt=1,
                 params=(), inputs=(), outputs=()):
        self.run_id = run_id
        self.pipeline = pipeline
        self.stage = stage
        self.action = action
        #: 1 for the first attempt, 2 for the first retry, and so on.
        self.attempt = attempt
        #: All parameters as text, in declaration order.
        self.params = dict(params)
        self.inputs = list(inputs)
        self.outputs = list(outputs)

    @classmethod
    def _from_wit(cls, ctx):
        return cls(
            ctx.run_id, ctx.pipeline, ctx.stage, ctx.action, ctx.attempt, ctx.params,
            [Input(i.name, i.digest, i.path) for i in ctx.inputs],
            [Output(o.name, o.path) for o in ctx.outputs],
        )

    @property
    def workspace(self):
        """The source tree, read-only unless the action grants ``workspace: read-write``."""
        return Path(WORKSPACE)

    # parameters

    def param(self, name, default=None):
        """A parameter's text, or ``default``."""
        return self.params.get(name, default)

    def require(self, name):
        """A parameter that must be present and non-empty."""
        value = self.params.get(name)
        if value is None or value == "":
            raise Error(f"parameter `{name}` is required")
        return value

    def _parse(self, name, default, parse, what):
        text = self.params.get(name)
        if text is None or text.strip() == "":
            return default
        try:
            return parse(text.strip())
        except ValueError:
            raise Error(f"parameter `{name}` = {text!r}: expected {what}") from None

    def bool(self, name, default=False):
        """A ``true``/``false`` parameter (also yes/no, on/off, 1/0)."""
        return self._parse(name, default, parse_bool, "true or false")

    def int(self, name, default=None):
        return self._parse(name, default, int, "an integer")

    def float(self, name, default=None):
        return self._parse(name, default, float, "a number")

    def list(self, name, default=()):
        """A list parameter: JSON text for a YAML list, else comma-separated."""
        text = self.params.get(name)
        if text is None:
            return list(default)
        return parse_list(text)

    def json(self, name, default=None):
        """A parameter parsed as JSON, such as a YAML map."""
        return self._parse(name, default, json.loads, "JSON")

    # artifacts

    def input(self, name):
        """The input artifact with this name."""
        for item in self.inputs:
            if item.name == name:
                return item
        raise Error(f"the action has no input artifact `{name}`")

    def output(self, name):
        """The output artifact with this name."""
        for item in self.outputs:
            if item.name == name:
                return item
        raise Error(f"the action has no output artifact `{name}`")

    def single_output(self):
        """The only output artifact, for plugins that produce exactly one."""
        if len(self.outputs) == 1:
            return self.outputs[0]
        if not self.outputs:
            raise Error("the action declares no output artifact")
        raise Error(f"the action declares {len(self.outputs)} outputs; "
                    "this plugin writes exactly one")


def secret(name):
    """The value of a secret the action grants (``grants.secrets``).

    The host masks it in every log line. Raises :class:`Error` when it is not
    granted, not found or its provider fails.
    """
    try:
        return wit_secrets.get(name)
    except Err as err:
        kind = type(err.value).__name__
        detail = getattr(err.value, "value", "")
        if kind.endswith("NotGranted"):
            raise Error(f"secret `{name}` is not granted to this action") from None
        if kind.endswith("NotFound"):
            raise Error(f"secret `{name}` not found") from None
        raise Error(f"secret `{name}` is unavailable: {detail}") from None


# -- export -----------------------------------------------------------------


class Plugin:
    """Base class of a plugin: override ``describe`` and ``run``."""

    def describe(self):
        """Name, version, parameters and grants (an :class:`Info`). Called at
        validation time: it must not touch files."""
        raise NotImplementedError

    def run(self, ctx):
        """Do the work; return a one-line summary, or raise :class:`Error`."""
        raise NotImplementedError


def _flush():
    # A component never exits, so nothing else flushes what the plugin
    # printed without a final newline.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def failure_message(exc):
    """The ``err`` text for an exception: the message of an :class:`Error`,
    ``Type: message`` for anything else."""
    if isinstance(exc, Error):
        return str(exc) or "failed"
    if isinstance(exc, SystemExit):
        return f"the plugin called sys.exit({exc.code!r})"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def export(plugin_class):
    """The ``WitWorld`` class componentize-py exports for ``plugin_class``.

    Bind it in the app module: ``WitWorld = kiln_sdk.export(MyPlugin)``.
    A fresh ``plugin_class()`` serves each call.
    """

    class WitWorld(WitWorldBase):
        def describe(self):
            info = plugin_class().describe()
            if not isinstance(info, Info):
                raise TypeError("describe() must return kiln_sdk.Info")
            return info._to_wit()

        def run(self, ctx):
            try:
                # Keep print() and log.* lines in order.
                sys.stdout.reconfigure(line_buffering=True)
            except Exception:
                pass
            try:
                summary = plugin_class().run(Context._from_wit(ctx))
            except (Exception, SystemExit) as exc:
                if not isinstance(exc, Error):
                    log.debug("".join(traceback.format_exception(exc)).rstrip())
                _flush()
                raise Err(failure_message(exc)) from None
            _flush()
            return "" if summary is None else str(summary)

    WitWorld.__name__ = WitWorld.__qualname__ = "WitWorld"
    WitWorld.plugin_class = plugin_class
    return WitWorld


# Imported last: process uses Error from this module.
from . import process  # noqa: E402
