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


class Tally:
    """The same bar for callbacks that report `(done, total)` as work is settled: `done`
    is the steps just finished, or with `cumulative` all finished so far. The bar opens
    when a total of more than one step is first known; `close()` ends it."""

    def __init__(self, label: str, cumulative: bool = False) -> None:
        self.label, self.cumulative = label, cumulative
        self.bar = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total <= 1 or not wanted():
                return
            import click

            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                         show_eta=True, show_percent=True, width=30)
            self.bar.__enter__()
        step = done - self.shown if self.cumulative else done
        if step > 0:
            self.bar.update(step)
            self.shown += step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
