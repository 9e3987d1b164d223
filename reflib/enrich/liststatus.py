"""What became of a printed line (`refs import --from-list`): the statuses, in one place
for reflib.enrich.listmatch and reflib.enrich.listpubmed."""

from __future__ import annotations

ACCEPTED, BUILT, AMBIGUOUS, NOT_PARSED = "accepted", "built", "ambiguous", "not-parsed"
DUPLICATE, UNAVAILABLE = "duplicate", "unavailable"
