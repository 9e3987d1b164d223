"""The library's controlled words, in a module with no imports so that `refs --help`
(whose options offer them) stays as cheap as `import click`."""

from __future__ import annotations

EVIDENCE_TYPES = (
    "guideline",
    "systematic-review",
    "rct",  # from PubMed's publication types: reflib.enrich.evidence
    "clinical-trial",
    "observational",
    "case-report",
    "review",
    "textbook-chapter",
    "textbook",
    "point-of-care",
    "expert-opinion",
)
