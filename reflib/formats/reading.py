"""Reading the files of one import: bytes -> text -> format -> entries with macros resolved.

    reading = Reading.of([("export.bib", data), ("strings.bib", data2)])
    for ref in reading.references():   # one at a time, macros of every file resolved
        ...
    reading.problems, reading.notices  # filled as the files are read

Several files share their @string macros (biber's `papers.bib` + `definitions.bib`), so
the macros of every BibTeX file are collected before any entry is resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from reflib.errors import Problem
from reflib.formats.detect import EXPECTED, FORMATS, detect, reader
from reflib.formats.encoding import DecodeFailed, decode
from reflib.library.bibtex import ParsedText, iter_text, resolve_macros
from reflib.library.macros import MacroError, MacroTable
from reflib.library.model import Reference


@dataclass
class TextInput:
    name: str
    text: str
    format: str
    encoding: str


@dataclass
class Reading:
    texts: list[TextInput] = field(default_factory=list)
    macros: MacroTable = field(default_factory=MacroTable)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # file -> entries read

    @classmethod
    def of(cls, inputs: list[tuple[str, bytes]], fmt: str | None = None,
           encoding: str | None = None) -> Reading:
        """Decode and recognise every input, and collect the BibTeX files' macros."""
        reading = cls()
        for name, data in inputs:
            try:
                text, used = decode(data, name, encoding)
            except DecodeFailed as exc:
                reading.problems.append(exc.problem)
                continue
            if used not in ("utf-8", "utf-8-sig"):
                reading.notices.append(Problem(name, 0, f"read as {used} (not UTF-8); "
                                               "sources are written as UTF-8", None,
                                               "warning"))
            kind = fmt or detect(text)
            if kind is None or "\x00" in text:
                reading.problems.append(Problem(name, 0, f"is not a bibliography reflib reads;"
                                                f" expected {EXPECTED} (or force one with "
                                                f"--format {'|'.join(FORMATS)})"))
                continue
            reading.texts.append(TextInput(name, text, kind, used))
        for item in reading.texts:
            if item.format == "bibtex":
                reading._collect_macros(item)
        return reading

    def _collect_macros(self, item: TextInput) -> None:
        from reflib.library.bibscan import iter_blocks

        starts = [m.start() for m in re.finditer(r"@\s*string", item.text, re.IGNORECASE)]
        if not starts:
            return
        # No @string starts after the last `@string` in the text: read no further (most
        # files define their macros at the top; the entries are read once, later).
        last_line = item.text.count("\n", 0, starts[-1]) + 1
        for block in iter_blocks(item.text.lstrip("\ufeff")):
            if block.line > last_line:
                break
            if block.kind == "string":
                notice = self.macros.define(block.key, block.fields[0].raw, item.name,
                                            block.line)
                if notice:
                    self.notices.append(notice)

    def estimate(self) -> int:
        """About how many entries the inputs hold (for a progress bar), counted cheaply."""
        marks = {"bibtex": r"^[ \t]*@", "ris": r"^TY  - ", "medline": r"^PMID- ",
                 "endnote-xml": r"<record[\s/>]", "csl-json": r"^\s{0,4}\{"}
        return sum(len(re.findall(marks[item.format], item.text, re.MULTILINE))
                   for item in self.texts)

    def references(self) -> Iterator[tuple[Reference, str]]:
        """Every entry of every input, in order, with macros resolved; problems recorded."""
        for item in self.texts:
            parsed = ParsedText()
            count = 0
            if item.format == "bibtex":
                entries = iter_text(item.text, item.name, parsed)
            else:
                parsed = reader(item.format)(item.text, item.name)
                entries = iter(parsed.references)
            for ref in entries:
                count += 1
                try:
                    yield resolve_macros(ref, self.macros), item.format
                except MacroError as exc:
                    self.problems.append(Problem(
                        ref.file, ref.line, f"entry '{ref.key}': @string '{exc.name}' "
                        f"({exc.file}:{exc.line}) {exc.reason}; write the value out in the "
                        "entry or fix the macro", ref.key))
            self.problems.extend(parsed.problems)
            self.notices.extend(parsed.notices)
            self.counts[item.name] = count
            if count == 0 and not parsed.strings and not parsed.problems:
                self.problems.append(Problem(item.name, 0, f"holds no entries (read as "
                                             f"{item.format}); expected {EXPECTED}"))
