"""Two registries' word on one work, as one MappedWork for the merge. Pure.

    work, disagreements = combine(crossref_work, pubmed_work)

Each field has a lead registry: PubMed for what only it curates (pmid, pmcid, the NLM
abbreviation `shortjournal`, `pubtype`, `mesh`, `evidence`), Crossref (the publisher's
deposit) for everything else. The lead's value is offered to the merge; when the lead
lacks the field the other registry's is. When both have it and they disagree (after the
merge's own normalisation: case, punctuation, markup, print or online year, page
ranges, ISSN kinds, journal names and abbreviations), the disagreement is reported in the
plan's notices, naming both registries and both values, and which one was offered:
never a silent pick.
"""

from __future__ import annotations

from dataclasses import replace

from reflib.enrich.mapping import FIELD_ORDER, MappedWork
from reflib.enrich.merge import field_agrees
from reflib.library.latex import VERBATIM_FIELDS, field_text
from reflib.library.model import Reference

PUBMED_LEADS = frozenset({"pmid", "pmcid", "shortjournal", "pubtype", "mesh", "evidence"})
# Fields one registry words its own way, where a difference is no news.
NOT_COMPARED = frozenset({"journal", "language", "pubtype", "mesh", "evidence", "onlinedate"})


def _lead(name: str, crossref: MappedWork, pubmed: MappedWork) -> tuple[MappedWork, MappedWork]:
    if name in PUBMED_LEADS:
        return pubmed, crossref
    return crossref, pubmed


def disagreement(name: str, lead: MappedWork, other: MappedWork) -> str:
    """'' when the registries agree on `name`, else the sentence that says they do not."""
    ours, theirs = lead.fields[name], other.fields[name]
    probe = Reference("registry", lead.entry_type, dict(lead.fields))
    if field_agrees(name, ours, theirs, probe, other):
        return ""
    verbatim = name in VERBATIM_FIELDS

    def text(raw: str) -> str:
        return field_text(raw, verbatim=verbatim)

    return (f"registries disagree on {name}: {lead.registry} {text(ours)!r}, "
            f"{other.registry} {text(theirs)!r}; offered {lead.registry}'s (it leads for "
            f"{name}): check the work and correct the source if needed")


def combine(crossref: MappedWork | None, pubmed: MappedWork | None
            ) -> tuple[MappedWork, list[str]]:
    """One work from both (either may be None, not both) and the disagreements found."""
    if crossref is None or pubmed is None:
        work = crossref or pubmed
        assert work is not None, "combine needs at least one registry's work"
        return work, []
    fields: dict[str, str] = {}
    origins: dict[str, str] = {}
    disagreements: list[str] = []
    names = [n for n in FIELD_ORDER if n in crossref.fields or n in pubmed.fields]
    names += [n for n in {**crossref.fields, **pubmed.fields} if n not in names]
    for name in names:
        lead, other = _lead(name, crossref, pubmed)
        if name not in lead.fields:
            lead, other = other, lead
        fields[name] = lead.fields[name]
        origins[name] = lead.registry
        if name in other.fields and name not in NOT_COMPARED:
            said = disagreement(name, lead, other)
            if said:
                disagreements.append(said)
    people = dict(pubmed.people)
    people.update(crossref.people)
    for role in people:
        if role in fields:
            people[role] = (crossref if origins[role] == crossref.registry else pubmed
                            ).people.get(role, people[role])
    alternatives = {name: crossref.alternatives.get(name, frozenset())
                    | pubmed.alternatives.get(name, frozenset())
                    for name in set(crossref.alternatives) | set(pubmed.alternatives)}
    dates = {f"{pubmed.registry.lower()}-{k}": v for k, v in pubmed.dates.items()}
    dates.update(crossref.dates)
    work = replace(crossref, fields=fields, people=people, dates=dates,
                   alternatives=alternatives, notices=crossref.notices + pubmed.notices,
                   origins=origins, doi=crossref.doi or pubmed.doi)
    return work, disagreements
