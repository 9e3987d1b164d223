"""Names a citation prints: the journal's abbreviation and the people, as sources hold them.

`abbreviations`: a `shortjournal` that does not abbreviate its `journal` ("KEM" for Key
Engineering Materials, a subtitle, the title minus "of") is what AMA and Vancouver would
print; say so, with the ISO 4 form to use instead (or PubMed's MedlineTA). A name that
is only punctuation ("-", a registry's placeholder) is never printed; say so too.
"""

from __future__ import annotations

from reflib.formats.csl import is_junk_name
from reflib.formats.journals import is_abbreviation_of, iso4_abbreviation
from reflib.library.findings import Finding
from reflib.library.model import Reference

ABBREVIATIONS = "abbreviations"


def abbreviation_findings(ref: Reference) -> list[Finding]:
    """A warning for a shortjournal that is not its journal's abbreviation; a warning
    for each author or editor that is no name."""
    found = []
    journal = ref.text("journal") or ref.text("journaltitle")
    short = ref.text("shortjournal")
    if journal and short and short != journal and not is_abbreviation_of(short, journal):
        iso = iso4_abbreviation(journal)
        found.append(Finding(
            ref.key, ABBREVIATIONS, "warning",
            f"shortjournal '{short}' is not an abbreviation of '{journal}'; AMA and "
            f"Vancouver would print it. Use the NLM abbreviation (`refs enrich` from PubMed "
            f"writes it) or ISO 4 '{iso}', or remove shortjournal",
            ref.file, ref.line, {"shortjournal": short, "journal": journal, "iso4": iso}))
    for role, names in (("author", ref.authors), ("editor", ref.editors)):
        for position, name in enumerate(names, start=1):
            if is_junk_name(name):
                shown = name.literal or " ".join(p for p in (name.family, name.given) if p)
                found.append(Finding(
                    ref.key, ABBREVIATIONS, "warning",
                    f"{role} {position} ('{shown}') is not a name and is not printed; put "
                    f"the real name there or remove it", ref.file, ref.line,
                    {"role": role, "position": position}))
    return found
