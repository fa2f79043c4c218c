"""The generated bindings, kept behind the SDK's API.

componentize-py generates the ``wit_world`` package while it builds a
component. Outside a component (unit tests run by a plain CPython) there are
no bindings: this module then offers stand-ins that print log lines to stderr
and refuse host calls, so plugin logic can be tested with ``python3 -m
unittest``.
"""

try:
    import wit_world
    from componentize_py_types import Err
    from wit_world.imports import exec as wit_exec
    from wit_world.imports import kiln_plugin_types as wit_types
    from wit_world.imports import log as wit_log
    from wit_world.imports import secrets as wit_secrets

    WitWorldBase = wit_world.WitWorld
    IN_COMPONENT = True
except ImportError:
    import sys
    import types as _types
    from dataclasses import dataclass

    IN_COMPONENT = False

    @dataclass(frozen=True)
    class Err(Exception):
        """Stand-in for componentize_py_types.Err."""
        value: object

    class WitWorldBase:
        pass

    def _refuse(*_args, **_kwargs):
        raise RuntimeError("kiln host calls are only available inside a component")

    def _log(level, message):
        print(f"{level.upper():5} {message}", file=sys.stderr)

    def _progress(done, total, message):
        print(f"PROGRESS {done}/{total} {message}", file=sys.stderr)

    class _Level:
        TRACE, DEBUG, INFO, WARN, ERROR = "trace", "debug", "info", "warn", "error"

    wit_log = _types.SimpleNamespace(Level=_Level, log=_log, progress=_progress)
    wit_exec = _types.SimpleNamespace(run=_refuse, output=_refuse, host_path=_refuse, Command=None)
    wit_secrets = _types.SimpleNamespace(get=_refuse)
    wit_types = None
