"""Our own errors: every failure a user can meet is one of these, with an exit code."""

from __future__ import annotations

from dataclasses import dataclass

# Exit codes, documented in the README and `refs --help`.
EXIT_OK = 0
EXIT_INVALID = 1  # invalid data, or a check that failed
EXIT_USAGE = 2  # bad options or arguments (click's own code)
EXIT_UNVERIFIED = 3  # some checks could not be made (network down, budget spent)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the sources, located at `file:line`."""

    file: str
    line: int
    message: str
    key: str | None = None
    severity: str = "error"  # "warning": reported, but does not stop a build

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        label = "warning: " if self.severity == "warning" else ""
        return f"{where}: {label}{self.message}"


class ReflibError(Exception):
    """Base class: a failure with a message a person can act on."""

    exit_code = EXIT_INVALID


class UsageError(ReflibError):
    exit_code = EXIT_USAGE


class InvalidLibrary(ReflibError):
    """Validation found problems; nothing was written."""

    def __init__(self, problems: list[Problem], what: str = "library") -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the {what}; nothing was written"
        )


class NotInLibrary(ReflibError):
    """A citekey that no source has."""


class IndexMissing(ReflibError):
    """The SQLite index has not been built."""


class IndexDamaged(ReflibError):
    """The SQLite index cannot be read; `refs build --full` makes it again from refs/."""


class RegistryError(ReflibError):
    """Base of every registry gateway's errors (Crossref, PubMed, books)."""


CrossrefError = RegistryError  # the name the Crossref code grew up with


class NotFound(RegistryError):
    """The service answered that the DOI or resource does not exist."""


class Unavailable(RegistryError):
    """The service could not be reached or did not answer usefully; nothing is known."""

    exit_code = EXIT_UNVERIFIED


class RateLimited(Unavailable):
    """The retry budget ran out while the service kept asking us to slow down."""


class BadResponse(Unavailable):
    """The service answered with something we could not read."""
