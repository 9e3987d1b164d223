"""Helpers for tests that start `refs` as a real process and signal it."""

from __future__ import annotations

import signal
from pathlib import Path


def default_sigint() -> None:
    """`preexec_fn` for a child that must take Ctrl-C as a terminal user's would.

    A shell starts background jobs with SIGINT ignored, and a child inherits that; Python
    then installs no KeyboardInterrupt handler, so a test that sends SIGINT would see the
    process ignore it. Restoring the default before exec makes such tests mean the same
    wherever the suite is started (a terminal, a background job, CI)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def leave_lock_as_killed(root: Path) -> None:
    """The writer lock's file as a holder killed with SIGKILL leaves it: still naming the
    holder (one that ends cleanly empties it). The next writer then looks for what the
    killed one left in refs/."""
    from reflib.library.layout import Layout
    from reflib.library.lock import lock_path

    path = lock_path(Layout(root))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(' {"pid": 999999, "host": "gone", "command": "import", '
                    '"since": "2026-01-01 00:00:00 UTC"}', encoding="utf-8")
