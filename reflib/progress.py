"""One progress bar for every long command: on stderr, only on a terminal, never in CI.

    with progress(len(files), "building") as advance:
        for path in files:
            ...
            advance(1)

The bar is click's, so it adds no dependency. It stays silent when stderr is not a
terminal (pipes, CI logs), when `CI` is set, or when `REFS_PROGRESS=0`; `REFS_PROGRESS=1`
forces it on (tests use this). It uses no colour, so `NO_COLOR` has nothing to break.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[int], None]


def wanted(stream=None) -> bool:
    """Whether a progress bar belongs on `stream` (stderr by default)."""
    forced = os.environ.get("REFS_PROGRESS")
    if forced is not None:
        return forced not in ("", "0", "false", "no")
    if os.environ.get("CI"):
        return False
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _ignore(_: int = 1) -> None:
    return None


@contextmanager
def progress(total: int | None, label: str) -> Iterator[Advance]:
    """A bar of `total` steps labelled `label`; yields `advance(n)`. Silent when not wanted."""
    if not total or not wanted():
        yield _ignore
        return
    import click

    with click.progressbar(length=total, label=label, file=sys.stderr,
                           show_eta=True, show_percent=True, width=30) as bar:
        yield bar.update
