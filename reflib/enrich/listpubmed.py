"""PubMed's part in resolving a printed line (`refs import --from-list`): a printed PMID
verified against its record, and PubMed searched for a line Crossref did not settle.

A PubMed record is accepted under the same guards as a Crossref hit
(reflib.enrich.candidates, on the record shaped as a Crossref work by
reflib.enrich.pubmed_search). Its DOI, when it has one, is then looked up in Crossref:
the source is built from both records; a DOI Crossref does not know, or a record with
none, gives a source from PubMed's record alone, with its PMID (and the DOI PubMed
gives). A PubMed record whose DOI is one of Crossref's candidates confirms that one.

`result` is a reflib.enrich.listmatch.LineResult; these functions set its outcome.
"""

from __future__ import annotations

from typing import Any

from reflib.enrich.candidates import decide
from reflib.enrich.liststatus import ACCEPTED, AMBIGUOUS
from reflib.enrich.printed import reference_of, verify_printed
from reflib.enrich.pubmed_search import pmid_of, search_pubmed
from reflib.errors import NotFound
from reflib.formats.reference_string import ParsedReference
from reflib.library.model import is_valid_doi


def _shaped(record: Any) -> dict[str, Any]:
    return {"title": [record.title], "author": [
        {"family": a.family, "given": a.given} if a.family else {"name": a.collective}
        for a in record.authors]}


def verify_pmid(parsed: ParsedReference, client: Any, pubmed: Any, result: Any) -> bool:
    """A printed PMID: PubMed's record must name the line's work. True when accepted."""
    try:
        record = pubmed.fetch_one(parsed.pmid)
    except NotFound:
        result.notes.append(f"flagged: PubMed has no record with the printed PMID {parsed.pmid}")
        return False
    verdict = verify_printed(parsed, _shaped(record))
    if not verdict.agrees:
        result.notes += [f"flagged: printed PMID {parsed.pmid}: {n}" for n in verdict.notes]
        return False
    result.notes += verdict.notes
    _accept(parsed, record, client, pubmed, result, "printed PMID verified")
    return True


def search_pubmed_too(parsed: ParsedReference, client: Any, pubmed: Any, result: Any) -> None:
    """PubMed searched for a line Crossref did not settle; accepted under the guards."""
    items, records = search_pubmed(parsed, pubmed)
    if not items:
        result.notes.append("PubMed found nothing either")
        return
    # a line whose kind the text does not tell is read as what PubMed holds: an article
    entry_type = "article" if parsed.kind == "unknown" else None
    decision = decide(reference_of(parsed, None, entry_type), items, printed=True)
    if decision.accepted is None:
        result.notes.append(f"PubMed: {decision.reason}")
        return
    record = records[pmid_of(decision.accepted.message)]
    crossref_dois = {c.doi.lower() for c in result.candidates}
    how = "found by PubMed search"
    if record.doi and record.doi.lower() in crossref_dois:
        if len(crossref_dois) > 1 and result.status == AMBIGUOUS:
            # Which of works Crossref could not tell apart PubMed happens to index is no
            # evidence that the line means that one (a work published twice): stay ambiguous.
            result.notes.append(f"PubMed indexes {record.doi} (PMID {record.pmid}), one of "
                                "the candidates Crossref could not tell apart; not decided")
            return
        how += f"; it confirms Crossref's candidate {record.doi}"
    _accept(parsed, record, client, pubmed, result, how)
    result.reason = f"PubMed: {decision.reason}"


def _accept(parsed: ParsedReference, record: Any, client: Any, pubmed: Any, result: Any,
            how: str) -> None:
    """Accept a PubMed record; with Crossref's record of its DOI when Crossref has one and
    that record is the line's work too (PubMed's DOIs are sometimes another work's)."""
    result.status, result.pmid, result.pubmed_record = ACCEPTED, record.pmid, record
    result.pubmed_source = f"{pubmed.base_url}/efetch.fcgi?db=pubmed&id={record.pmid}"
    result.doi, result.registry, result.how = record.doi, "PubMed", how
    result.record, result.record_source = None, ""
    if record.doi and not is_valid_doi(record.doi):
        result.notes.append(f"flagged: PMID {record.pmid}: PubMed's DOI {record.doi!r} is not "
                            "a DOI; the source has none")
        result.doi = ""
        return
    if not record.doi:
        result.notes.append(f"PMID {record.pmid}: PubMed gives no DOI")
        return
    try:
        work = client.fetch_work(record.doi)
    except NotFound:
        result.notes.append(f"PubMed gives doi:{record.doi} for PMID {record.pmid}, which "
                            "Crossref does not know; the source is PubMed's record")
        return
    verdict = verify_printed(parsed, work.message)
    if not verdict.agrees:
        result.notes += [f"flagged: PubMed's doi:{record.doi} for PMID {record.pmid} names "
                         f"another work in Crossref: {n}; the source is PubMed's record, "
                         "without that DOI" for n in verdict.notes]
        result.doi = ""
        return
    result.doi, result.registry = work.work_doi, "PubMed and Crossref"
    result.how = f"{how}; its DOI from PubMed"
    result.record, result.record_source = work.message, work.source
