"""The evidence class a work's PubMed publication types call for. Pure and table-driven.

    >>> evidence_from_types(["Journal Article", "Review", "Practice Guideline"])
    'guideline'

The table, highest class first: a work with several types takes the first row any of its
types matches (a meta-analysis that is also a review is a systematic review; a guideline
that reviews the evidence is a guideline).

| PubMed publication type(s) | evidence |
|---|---|
| Practice Guideline, Guideline, Consensus Development Conference (, NIH) | guideline |
| Systematic Review, Meta-Analysis, Network Meta-Analysis | systematic-review |
| Randomized Controlled Trial, Pragmatic Clinical Trial, Equivalence Trial | rct |
| Controlled Clinical Trial, Clinical Trial (Phase I-IV), Adaptive Clinical Trial | clinical-trial |
| Observational Study, Twin Study | observational |

(Each also with its ", Veterinary" variant where PubMed has one.)
| Case Reports | case-report |
| Review, Scoping Review | review |
| Editorial, Comment | expert-opinion |

Types that say nothing of the design (Journal Article, Multicenter Study, Comparative
Study, Validation Study, Research Support ..., English Abstract) give no class; nor do
notices (Published Erratum, Retraction of Publication, Retracted Publication: the
`updates` check reports those).
`rct`, `clinical-trial`, `observational` and `case-report` extend the vocabulary of
reflib.library.model.EVIDENCE_TYPES for the classes these types call for.
"""

from __future__ import annotations

from collections.abc import Iterable

EVIDENCE_TABLE: tuple[tuple[str, frozenset[str]], ...] = (
    ("guideline", frozenset({"practice guideline", "guideline",
                             "consensus development conference",
                             "consensus development conference, nih"})),
    ("systematic-review", frozenset({"systematic review", "meta-analysis",
                                     "network meta-analysis"})),
    ("rct", frozenset({"randomized controlled trial", "randomized controlled trial, veterinary",
                       "pragmatic clinical trial", "equivalence trial"})),
    ("clinical-trial", frozenset({"controlled clinical trial", "clinical trial",
                                  "clinical trial, phase i", "clinical trial, phase ii",
                                  "clinical trial, phase iii", "clinical trial, phase iv",
                                  "adaptive clinical trial", "clinical trial, veterinary"})),
    ("observational", frozenset({"observational study", "observational study, veterinary",
                                 "twin study"})),
    ("case-report", frozenset({"case reports"})),
    ("review", frozenset({"review", "scoping review"})),
    ("expert-opinion", frozenset({"editorial", "comment"})),
)

# Classes a person may curate that PubMed cannot tell apart from one of its own: a
# textbook chapter or a point-of-care topic has no PubMed type to disagree with.
NOT_FROM_PUBMED = frozenset({"textbook-chapter", "textbook", "point-of-care"})


def evidence_from_types(types: Iterable[str]) -> str:
    """The evidence class for PubMed publication types; '' when they do not tell."""
    wanted = {t.strip().lower() for t in types}
    for evidence, names in EVIDENCE_TABLE:
        if wanted & names:
            return evidence
    return ""


def evidence_disagrees(curated: str, types: Iterable[str]) -> str:
    """The class PubMed's types call for when it differs from the curated one, else ''.

    A curated class that PubMed has no type for (textbook, point of care) never disagrees,
    and neither does a class PubMed ranks lower than ours when our class is among the
    ones its types also match (a guideline PubMed also indexes as a Review)."""
    types = list(types)
    suggested = evidence_from_types(types)
    if not suggested or not curated or curated == suggested or curated in NOT_FROM_PUBMED:
        return ""
    wanted = {t.strip().lower() for t in types}
    if any(evidence == curated and wanted & names for evidence, names in EVIDENCE_TABLE):
        return ""
    return suggested
