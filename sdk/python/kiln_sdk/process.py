"""Running host programs the action grants (``grants.exec``), like ``subprocess``::

    from kiln_sdk import process
    process.run(["cargo", "test", "--locked"], check=True)
    out = process.output(["git", "rev-parse", "HEAD"]).stdout.decode().strip()

The child runs on the host, outside WebAssembly: its stdout and stderr
stream into the action's log line by line. It sees host paths, not sandbox
paths: pass file arguments through :func:`host_path`.
"""

from . import Error
from ._wit import Err, wit_exec


class ExitStatus:
    """How a child ended: an exit ``code``, or the ``signal`` that killed it."""

    def __init__(self, code, signal):
        self.code, self.signal = code, signal

    @property
    def success(self):
        return self.code == 0

    def __str__(self):
        if self.code is not None:
            return f"exit code {self.code}"
        if self.signal is not None:
            return f"killed by signal {self.signal}"
        return "unknown exit status"

    def __repr__(self):
        return f"ExitStatus(code={self.code!r}, signal={self.signal!r})"


class Captured:
    """What :func:`output` returns: the status and the child's stdout (bytes)."""

    def __init__(self, status, stdout):
        self.status, self.stdout = status, stdout

    @property
    def text(self):
        return self.stdout.decode("utf-8", "replace")


def _command(argv, env, cwd):
    if isinstance(argv, str) or not argv:
        raise Error("process: pass the program and its arguments as a non-empty list")
    argv = [str(a) for a in argv]
    return wit_exec.Command(argv[0], argv[1:], list((env or {}).items()), cwd)


def _describe(argv, err):
    kind = type(err).__name__
    detail = getattr(err, "value", "")
    if kind.endswith("Denied"):
        return detail or f"`{argv[0]}` is not granted with these arguments"
    if kind.endswith("NotFound"):
        return f"`{argv[0]}` is granted but not installed on the host ({detail})"
    if kind.endswith("TimedOut"):
        return f"`{argv[0]}` ran past the action's timeout and was killed"
    return f"`{argv[0]}` could not run: {detail}"


def _status(status):
    return ExitStatus(status.code, status.signal)


def run(argv, *, env=None, cwd=None, check=False):
    """Run ``argv`` to completion, its output streamed into the log.

    ``cwd`` is a sandbox path (default ``/workspace``); ``env`` adds
    variables. With ``check=True`` a non-zero exit raises :class:`Error`.
    """
    try:
        status = _status(wit_exec.run(_command(argv, env, cwd)))
    except Err as err:
        raise Error(_describe(argv, err.value)) from None
    if check and not status.success:
        raise Error(f"`{' '.join(map(str, argv))}` failed: {status}")
    return status


def output(argv, *, env=None, cwd=None, check=False):
    """Run ``argv`` and capture its stdout (stderr still goes to the log)."""
    try:
        captured = wit_exec.output(_command(argv, env, cwd))
    except Err as err:
        raise Error(_describe(argv, err.value)) from None
    result = Captured(_status(captured.status), bytes(captured.stdout))
    if check and not result.status.success:
        raise Error(f"`{' '.join(map(str, argv))}` failed: {result.status}")
    return result


def host_path(path):
    """The host path of a sandbox path, or ``None`` outside every mount."""
    return wit_exec.host_path(str(path))
