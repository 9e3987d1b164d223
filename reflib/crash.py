"""What a person sees when reflib has a bug: one line, and the full trace in a file.

    except Exception as exc:
        print(crash_line(exc, "refs check"), file=sys.stderr)   # then exit 1

    error: unexpected TypeError in `refs check` at reflib/checks/agreement.py:88: 'int'
    object is not iterable (a bug in reflib; the full trace is in
    /tmp/refs-crash-20261130-091500-4242.txt; please report it with that file)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

ENV_DIR = "REFS_CRASH_DIR"  # where traces go; default: the system's temporary folder


def write_trace(exc: BaseException, command: str) -> Path | None:
    """The full trace of `exc` in a new file; None when it cannot be written."""
    folder = Path(os.environ.get(ENV_DIR) or tempfile.gettempdir())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"refs-crash-{stamp}-{os.getpid()}.txt"
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(f"command: {command}\nargv: {sys.argv!r}\n"
                         f"python: {sys.version.split()[0]}\n\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return path


def where(exc: BaseException) -> str:
    """`reflib/checks/agreement.py:88`: the innermost frame in our own code."""
    root = Path(__file__).resolve().parent.parent
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            relative = Path(frame.filename).resolve().relative_to(root)
        except ValueError:
            continue
        if relative.parts[0] in ("reflib", "cli.py"):
            found = f"{relative.as_posix()}:{frame.lineno}"
    return found


def crash_line(exc: BaseException, command: str) -> str:
    """One line for stderr naming what failed and where the full trace was written."""
    place = where(exc)
    at = f" at {place}" if place else ""
    text = " ".join(str(exc).split())[:300] or "(no message)"
    path = write_trace(exc, command)
    kept = (f"the full trace is in {path}; please report it with that file" if path
            else "the trace could not be written to a file")
    return f"error: unexpected {type(exc).__name__} in `{command}`{at}: {text} (a bug in " \
           f"reflib; {kept})"
