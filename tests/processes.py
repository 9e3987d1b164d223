"""Helpers for tests that start `refs` as a real process and signal it."""

from __future__ import annotations

import signal


def default_sigint() -> None:
    """`preexec_fn` for a child that must take Ctrl-C as a terminal user's would.

    A shell starts background jobs with SIGINT ignored, and a child inherits that; Python
    then installs no KeyboardInterrupt handler, so a test that sends SIGINT would see the
    process ignore it. Restoring the default before exec makes such tests mean the same
    wherever the suite is started (a terminal, a background job, CI)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)

