"""The action's log: lines are stored with the run, masked for secrets, and
shown by ``kiln run`` and ``kiln logs``. ``print`` also reaches the log (stdout
at info level, stderr at warn), but these functions set the level exactly::

    from kiln_sdk import log
    log.info(f"copied {n} files")
    log.progress(3, 10, "uploading")
"""

from ._wit import wit_log as _wit

_Level = _wit.Level


def trace(message):
    _wit.log(_Level.TRACE, str(message))


def debug(message):
    _wit.log(_Level.DEBUG, str(message))


def info(message):
    _wit.log(_Level.INFO, str(message))


def warn(message):
    _wit.log(_Level.WARN, str(message))


def error(message):
    _wit.log(_Level.ERROR, str(message))


def progress(done, total=0, message=""):
    """Report progress: ``done`` of ``total`` units (``0`` when unknown)."""
    _wit.progress(int(done), int(total), str(message))
