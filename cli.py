"""The `refs` command: click commands only. Each parses options, calls one reflib
function, prints its result, and turns reflib errors into messages and exit codes."""

from __future__ import annotations

import os
import sys

import click

from reflib.errors import EXIT_USAGE, InvalidLibrary, ReflibError
from reflib.library.layout import Layout

EXIT_CODES = """\b
Exit codes:
  0  success
  1  invalid data, a check that failed, or a source that could not be enriched
  2  usage error (bad option or argument)
  3  some checks or Crossref lookups could not be made (network down); nothing failed
  130  interrupted (Ctrl-C); no file is left half-written"""

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

FORMATS = click.Choice(["table", "json", "csv", "keys"])


def _is_database_error(exc: Exception) -> bool:
    """An SQLite error; sqlite3 is not imported for --help, and when no command imported
    it, no exception can be one of its errors."""
    sqlite3 = sys.modules.get("sqlite3")
    return sqlite3 is not None and isinstance(exc, sqlite3.DatabaseError)


class ReflibGroup(click.Group):
    """Turns our errors into a message on stderr and the documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InvalidLibrary as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except ReflibError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Every write is atomic (or undone), so a file is old or new, never half.
            click.echo("\ninterrupted (Ctrl-C); no file is left half-written", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                BrokenPipeError):
            raise  # click's own ways out, and `refs list | head` (main() handles it)
        except Exception as exc:
            if _is_database_error(exc):  # the index: the only database we read
                from reflib.library.index import damaged_message

                click.echo(f"error: {damaged_message(ctx.obj.db_path, exc)}", err=True)
                ctx.exit(1)
            # a bug: one line and a trace file, never a traceback
            from reflib.crash import crash_line

            command = f"refs {ctx.invoked_subcommand or ''}".strip()
            click.echo(crash_line(exc, command), err=True)
            ctx.exit(1)
        finally:
            _say_lock_notes()


def _say_lock_notes() -> None:
    """What taking the writer lock undid (an import killed half-way), said once."""
    lock = sys.modules.get("reflib.library.lock")
    if lock is not None:
        for note in lock.take_notes():
            click.echo(f"note: {note}", err=True)


class WriterCommand(click.Command):
    """A command that writes refs/: it holds the library's writer lock while it runs, so a
    second writer waits, then says who is writing (reflib/library/lock.py)."""

    def invoke(self, ctx: click.Context):
        from reflib.library.lock import writer_lock

        with writer_lock(ctx.obj, f"refs {ctx.info_name}"):
            _say_lock_notes()  # before the command's own output
            return super().invoke(ctx)


@click.group(cls=ReflibGroup, epilog=EXIT_CODES,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False), envvar="REFS_ROOT",
              help="The library's folder (holds refs/). Default: $REFS_ROOT or the current one.")
@click.version_option(package_name="reflib")
@click.pass_context
def cli(ctx: click.Context, root: str | None) -> None:
    """reflib: keep a medical article's evidence honest.

    Sources live in refs/KEY.bib (one BibTeX entry a file) and refs/order.txt (the
    article's citation order). `refs build` validates them and generates library.bib
    and the SQLite index db/library.db, which the query commands read.
    """
    ctx.obj = Layout.find(root)


def _layout() -> Layout:
    """The library the command works on; an error (exit 1) when there is none there."""
    layout = click.get_current_context().obj
    layout.require()
    return layout


def _keys(keys) -> list[str]:
    """KEYS as the files spell them (typed in any case); unknown ones get suggestions."""
    from reflib.library.lookup import resolve_keys

    return resolve_keys(_layout(), keys) if keys else []


def _output_file(output: str | None) -> bool:
    """True when -o names a file; its folder must exist before any work starts."""
    if not output or output == "-":
        return False
    from pathlib import Path

    from reflib.fsutil import check_output_folder

    check_output_folder(Path(output))
    return True


def _stdin_or_file(path: str, what: str) -> tuple[str, str]:
    """(text, name) of FILE, or of stdin for `-`; a clear error if it cannot be read."""
    from pathlib import Path

    if path == "-":
        with click.open_file("-", encoding="utf-8-sig") as stream:
            return stream.read(), "<stdin>"
    try:
        return Path(path).read_text(encoding="utf-8-sig"), path
    except (OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"cannot read {what} {path}: {exc}") from None


def _is_tty() -> bool:
    return sys.stdout.isatty()


def _notice(message: str) -> None:
    """A line the library says on the way (e.g. that it refreshed the index): stderr."""
    click.echo(message, err=True)


def _print_records(records: list[dict], fmt: str, columns: tuple[str, ...]) -> None:
    from reflib.output import json_pieces, to_csv, to_table

    if fmt == "json":
        from reflib.library.query import PROGRESS_FROM
        from reflib.progress import progress

        with progress(len(records) if len(records) >= PROGRESS_FROM else 0,
                      "writing JSON") as advance:
            for text, items in json_pieces(records):
                click.echo(text, nl=False)
                advance(items)
    elif fmt == "keys":
        click.echo("".join(f"{record['key']}\n" for record in records), nl=False)
    else:
        rows = [[record.get(c) for c in columns] for record in records]
        if fmt == "csv":
            click.echo(to_csv(columns, rows), nl=False)
        else:
            import shutil

            width = shutil.get_terminal_size().columns if _is_tty() else None
            click.echo(to_table(columns, rows, width), nl=False)


def _print_report(report, fmt: str) -> None:
    """A batch command's report on stdout: its JSON, or its text lines."""
    from reflib.output import to_json

    if fmt == "json":
        click.echo(to_json(report.to_json()), nl=False)
    else:
        for line in report.text_lines():
            click.echo(line)


# -- build ---------------------------------------------------------------------------


@cli.command()
@click.option("--check", is_flag=True,
              help="Change nothing; exit 1 and say what differs if library.bib or the "
                   "index is out of date with refs/.")
@click.option("--full", is_flag=True, help="Parse every file again instead of only changed ones.")
@click.option("--strict", is_flag=True,
              help="Treat warnings (missing required fields) as errors.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def build(check: bool, full: bool, strict: bool, quiet: bool) -> None:
    """Validate refs/*.bib, write library.bib and build db/library.db.

    Every problem is reported as refs/FILE.bib:LINE: message, all at once; on any
    problem nothing is written and the exit code is 1. A missing required field is a
    warning (as in BibTeX): reported, but it does not stop the build unless --strict.
    Unchanged files are not parsed again, and the result is always the same as a full
    rebuild.

    \b
    Examples:
      refs build
      refs build --check      # in CI: fail when library.bib is stale
    """
    from reflib.library.build import build as run_build

    report = run_build(_layout(), check=check, full=full, strict=strict)
    if not quiet:
        for warning in report.warnings:
            click.echo(str(warning), err=True)
    if check:
        for line in report.stale:
            click.echo(line, err=True)
        if report.stale:
            click.echo("error: out of date; run `refs build`", err=True)
            sys.exit(1)
        if not quiet:
            what = ("library.bib and the index are up to date" if _layout().db_path.is_file()
                    else "library.bib is up to date; there is no index yet (db/ is not "
                         "committed): `refs build` makes it")
            click.echo(f"{_count(report.sources, 'source')}: {what}", err=True)
        return
    if not quiet:
        click.echo(report.summary(), err=True)


# -- bringing sources in -----------------------------------------------------------------


REGISTRIES = ("crossref", "pubmed")


def pubmed_options(function):
    """--registry, --pubmed-url and --idconv-url: which registries to ask, and PubMed's
    addresses. NCBI's `email` is --mailto; its API key comes from $NCBI_API_KEY only (a
    key on the command line shows in process lists)."""
    options = [
        click.option("--registry", "registries", multiple=True,
                     type=click.Choice(REGISTRIES), metavar="NAME",
                     help="Ask this registry: crossref, pubmed (repeatable). "
                          "Env: REFS_REGISTRIES (comma-separated). Default: both."),
        click.option("--pubmed-url", envvar="REFS_PUBMED_URL", metavar="URL",
                     help="NCBI E-utilities. Env: REFS_PUBMED_URL. "
                          "Default: https://eutils.ncbi.nlm.nih.gov/entrez/eutils"),
        click.option("--idconv-url", envvar="REFS_IDCONV_URL", metavar="URL",
                     help="PMC ID Converter. Env: REFS_IDCONV_URL."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _registries(chosen: tuple[str, ...]) -> tuple[str, ...]:
    if chosen:
        return tuple(dict.fromkeys(chosen))
    names = [n.strip().lower() for n in os.environ.get("REFS_REGISTRIES", "").replace(
        ",", " ").split() if n.strip()]
    unknown = [n for n in names if n not in REGISTRIES]
    if unknown:
        raise click.UsageError(f"REFS_REGISTRIES names {', '.join(unknown)}; the registries "
                               f"are {', '.join(REGISTRIES)}")
    return tuple(dict.fromkeys(names)) or REGISTRIES


def _pubmed_client(pubmed_url: str | None, idconv_url: str | None, mailto: str | None,
                   timeout: float, deadline: float | None = None):
    from reflib.registries.deadline import Deadline

    run = Deadline(deadline)  # starts now, with the command

    def make():
        from reflib.registries.pubmed.gateway import PubMedClient

        return PubMedClient(pubmed_url, idconv_url, email=mailto, timeout=timeout,
                            deadline=run,
                            notice=lambda message: click.echo(message, err=True))

    return make


def _input_name(file) -> str:
    """How messages name an input: its path, or <stdin>."""
    name = getattr(file, "name", None)
    return name if isinstance(name, str) and name not in ("-", "<stdin>") else "<stdin>"


@cli.command("import", cls=WriterCommand)
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Report what would be written; write nothing.")
@click.option("--rekey", is_flag=True,
              help="Give entries with an unsafe, empty or taken key a new one "
              "(author+year+title word); the old key is kept in `ids`.")
@click.option("--update", is_flag=True,
              help="Merge entries that match a source (by key, a key kept in its ids, DOI, "
              "then PMID) into it; fields the library changed since the last import are kept.")
@click.option("--skip-existing", is_flag=True, help="Leave sources that match an entry alone.")
@click.option("--force", "force", multiple=True, metavar="FIELD",
              help="With --update: replace this curated field too (repeatable).")
@click.option("--format", "fmt", type=click.Choice(
    ["bibtex", "ris", "medline", "csl-json", "endnote-xml", "text", "json"]),
              help="Read FILES as this format (default: recognised from the content); with "
              "--from-list, the per-line report's format: text (default) or json.")
@click.option("--encoding", help="Read the files in this encoding (default: detected).")
@click.option("--from-list", "from_list", type=click.File("r", encoding="utf-8-sig"),
              metavar="FILE", help="A printed reference list (one reference a line, or - for "
              "stdin): verify, look up and write one source a line, and refs/order.txt.")
@click.option("--offline", is_flag=True,
              help="With --from-list: build every source from its line; look nothing up.")
@click.option("--crossref-url", envvar="REFS_CROSSREF_URL", metavar="URL",
              help="With --from-list: Crossref REST API. Env: REFS_CROSSREF_URL.")
@click.option("--mailto", envvar=["REFS_MAILTO", "CROSSREF_MAILTO"], metavar="EMAIL",
              help="With --from-list: contact address for Crossref's polite pool.")
@click.option("--timeout", type=click.FloatRange(0.1), default=20.0, show_default=True,
              help="With --from-list: seconds to wait for one answer.")
@click.option("--pubmed-url", envvar="REFS_PUBMED_URL", metavar="URL",
              help="With --from-list: NCBI E-utilities, asked for printed PMIDs. "
                   "Env: REFS_PUBMED_URL.")
def import_(files, dry_run: bool, rekey: bool, update: bool, skip_existing: bool, force,
            fmt: str | None, encoding: str | None, from_list, offline: bool, crossref_url,
            mailto, timeout, pubmed_url) -> None:
    """Import bibliographies (FILES, or - for stdin) into refs/KEY.bib files.

    Reads BibTeX/BibLaTeX, RIS, CSL-JSON, PubMed MEDLINE (.nbib) and EndNote XML in
    UTF-8, UTF-16 or Latin-1/Windows-1252. @string macros are shared by all FILES and
    resolved. Every entry is validated as `refs build` does; if any is refused, nothing
    is written (exit 1). Ctrl-C leaves refs/ as it was (exit 130); an import killed
    outright is undone by the next command that writes the library. Each source's
    refs/KEY.import.json keeps what the import wrote, so that --update can tell the
    library's own changes (curated: kept unless --force FIELD) from the export's.

    With --from-list FILE, each line of a printed reference list becomes a source: from
    its Crossref record when a printed DOI is verified or a search result passes the
    guards of `refs find-doi`, else built from the line (marked so in `annote`). Every
    source keeps its line in `printed`. Exit 1 if a line could not be parsed, 3 if
    Crossref could not be reached (then nothing is written).

    \b
    Examples:
      refs import ~/Zotero/export.bib
      refs import --rekey papers.bib definitions.bib
      refs import --update pubmed-2025.nbib
      refs import - --dry-run < export.ris
      refs import --from-list article-references.txt --dry-run
    """
    if from_list is not None:
        if files:
            raise click.UsageError("give either FILES or --from-list FILE, not both")
        if fmt not in (None, "text", "json"):
            raise click.UsageError("with --from-list, --format is text or json")
        _import_from_list(from_list, dry_run, offline, fmt or "text",
                          None if offline else _crossref_client(crossref_url, mailto, timeout),
                          None if offline else _pubmed_client(pubmed_url, None, mailto,
                                                              timeout))
        return
    if not files:
        raise click.UsageError("missing FILES (bibliographies, or - for stdin), or --from-list "
                               "FILE for a printed reference list")
    if offline or fmt in ("text", "json"):
        raise click.UsageError("--offline and --format text|json go with --from-list")
    from reflib.formats.importer import ImportOptions, import_files

    if update and skip_existing:
        raise click.UsageError("--update and --skip-existing exclude each other")
    inputs = []
    for name in files:
        if name == "-":
            inputs.append(("<stdin>", sys.stdin.buffer.read()))
            continue
        try:
            with open(name, "rb") as handle:
                inputs.append((name, handle.read()))
        except OSError as exc:
            raise click.UsageError(f"cannot read {name}: {exc.strerror}") from None
    options = ImportOptions(dry_run=dry_run, rekey=rekey, update=update,
                            skip_existing=skip_existing, force=frozenset(f.lower() for f in force),
                            format=fmt, encoding=encoding)
    try:
        report = import_files(_layout(), inputs, options)
    except KeyboardInterrupt:
        click.echo("\ninterrupted (Ctrl-C): nothing was imported; refs/ is as it was", err=True)
        sys.exit(EXIT_INTERRUPTED)
    for path in report.written:
        click.echo(path)
    for path, changes in report.updated.items():
        click.echo(path)
        for change in changes:
            click.echo(f"  {change}", err=True)
    for notice in report.notices + report.renamed:
        click.echo(str(notice), err=True)
    for message in report.skipped:
        click.echo(message, err=True)
    verb = "would write" if dry_run else "wrote"
    entries = "entry" if report.read == 1 else "entries"
    click.echo(f"read {report.read} {entries}; {verb} "
               f"{_count(len(report.written), 'new source')}, updated {len(report.updated)}, "
               f"skipped {len(report.skipped)}, renamed {len(report.renamed)}", err=True)
    kept = sorted({name for names in report.kept.values() for name in names})
    if kept:
        click.echo(f"kept {_count(sum(map(len, report.kept.values())), 'curated field')} "
                   f"that the export would change ({', '.join(kept)}); `--force FIELD` "
                   "replaces one", err=True)


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def init(directory: str | None) -> None:
    """Start an empty library in DIRECTORY (default: here): refs/, refs/order.txt and a
    .gitignore for db/.

    \b
    Examples:
      refs init article
      refs init
    """
    from reflib.library.layout import init_library

    directory = directory or str(click.get_current_context().obj.root)
    made = init_library(directory)
    for path in made:
        click.echo(path)
    click.echo(f"library ready in {directory}; add sources with `refs import FILE` or "
               "`refs add`", err=True)


def _import_from_list(file, dry_run: bool, offline: bool, fmt: str, crossref,
                      pubmed) -> None:
    from reflib.enrich.listimport import import_list
    from reflib.progress import progress

    text = file.read()
    lines = sum(1 for line in text.splitlines() if line.strip() and not line.startswith("#"))
    with progress(0 if offline else lines, "looking up") as advance:
        report = import_list(_layout(), text, _input_name(file), crossref=crossref,
                             pubmed=pubmed, dry_run=dry_run, progress=advance)
    _print_report(report, fmt)
    click.echo(report.summary(), err=True)
    if report.written and not dry_run:
        click.echo("run `refs build`, then `refs check --against` with the list to see where "
                   "the print differs from the records", err=True)
    sys.exit(report.exit_code)


# -- changing sources ------------------------------------------------------------------


def _count(number: int, noun: str) -> str:
    from reflib.output import count

    return count(number, noun)


@cli.command(cls=WriterCommand)
@click.argument("old")
@click.argument("new")
def rename(old: str, new: str) -> None:
    """Rename the source OLD to NEW everywhere: its file, its key, refs/order.txt, its
    kept registry records and the `crossref` fields of other sources. The old key is kept
    in the entry's `ids` field, so documents citing it still resolve with biblatex.
    All of it or nothing is changed.

    \b
    Examples:
      refs rename lee2021 lee2021learn
      refs rename LEE2021LEARN lee2021asp     # OLD is found ignoring case
    """
    from reflib.library.rename import rename_source

    report = rename_source(_layout(), old, new)
    click.echo(report.source)
    for path in report.records + report.children:
        click.echo(path)
    if report.order_line:
        click.echo(f"refs/order.txt:{report.order_line}: {report.old} -> {report.new}",
                   err=True)
    if report.children:
        click.echo(f"{_count(len(report.children), 'source')} now take fields from "
                   f"'{report.new}' (crossref)", err=True)
    click.echo(f"renamed {report.old} to {report.new} ('{report.old}' kept in ids); run "
               "`refs build` to update library.bib and the index", err=True)


@cli.command(cls=WriterCommand)
@click.argument("keys", nargs=-1, required=True)
@click.option("--keep-order", is_flag=True,
              help="Leave a gap in refs/order.txt, so later references keep their numbers.")
def remove(keys, keep_order: bool) -> None:
    """Remove the sources KEYS: their files, kept records and lines of refs/order.txt.

    References cited after a removed one move up a number; each move is listed, since
    the article's citation numbers must follow. --keep-order leaves the number empty
    instead. A source another one takes fields from (crossref) is not removed alone.

    \b
    Examples:
      refs remove smith2019
      refs remove smith2019 jones2020 --keep-order
    """
    from reflib.library.remove import remove_sources

    report = remove_sources(_layout(), list(keys), keep_order=keep_order)
    for path in report.files:
        click.echo(path)
    for key, before, after in report.renumbered:
        click.echo(f"reference {before} is now {after}: {key}", err=True)
    for number in report.gaps:
        click.echo(f"reference {number} is left empty (--keep-order)", err=True)
    moved = f"; {_count(len(report.renumbered), 'reference')} renumbered" \
        if report.renumbered else ""
    click.echo(f"removed {_count(len(report.removed), 'source')}{moved}; run `refs build` to "
               "update library.bib and the index", err=True)


def _open_editor(path) -> None:
    """$VISUAL or $EDITOR (else vi) on `path`; waits until it closes."""
    click.edit(filename=str(path))


@cli.command()
@click.argument("key")
def edit(key: str) -> None:
    """Edit the source KEY in $EDITOR, safely.

    The editor opens a copy. When it closes, the copy is validated as `refs build` does;
    if valid it replaces refs/KEY.bib atomically, else the editor reopens with the
    problems as % comments at the end. Closing it unchanged gives up and writes nothing.

    \b
    Examples:
      refs edit lee2021learn
      EDITOR=nano refs edit LEE2021LEARN
    """
    from reflib.errors import EXIT_INVALID
    from reflib.library.editing import edit_source

    outcome = edit_source(_layout(), key, _open_editor)
    for warning in outcome.warnings:
        click.echo(str(warning), err=True)
    if outcome.status == "unchanged":
        click.echo(f"{outcome.source} unchanged", err=True)
    elif outcome.status == "saved":
        click.echo(outcome.source)
        click.echo(f"saved {outcome.source}; run `refs build` to update library.bib and the "
                   "index", err=True)
    else:
        for problem in outcome.problems:
            click.echo(str(problem), err=True)
        click.echo(f"error: {outcome.source} not changed; your edit is kept in "
                   f"{outcome.kept_copy}", err=True)
        sys.exit(EXIT_INVALID)


# -- reading the library -------------------------------------------------------------


def _filters(type_, year, since, author, journal, evidence, has_doi) -> dict:
    return {"type": type_, "year": year, "since": since, "author": author,
            "journal": journal, "evidence": evidence, "has_doi": has_doi}


def filter_options(function):
    """The source filters shared by `refs list` and `refs export`."""
    from reflib.library.vocabulary import EVIDENCE_TYPES

    options = [
        click.option("--type", "type_", metavar="TYPE", help="Entry type, e.g. article."),
        click.option("--year", type=int, help="Published in this year."),
        click.option("--since", type=int, metavar="YEAR", help="Published in or after YEAR."),
        click.option("--author", help="An author's or editor's family name contains this."),
        click.option("--journal", help="The journal or book title contains this."),
        click.option("--evidence", type=click.Choice(EVIDENCE_TYPES), help="Evidence type."),
        click.option("--has-doi/--no-doi", "has_doi", default=None,
                     help="Only sources with (or without) a DOI."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@cli.command("list")
@click.argument("keys", nargs=-1)
@filter_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def list_(keys, type_, year, since, author, journal, evidence, has_doi, fmt) -> None:
    """List sources in the article's citation order (uncited ones last).

    \b
    Examples:
      refs list --evidence guideline
      refs list --no-doi --format keys
    """
    from reflib.gcpause import gc_paused
    from reflib.library.query import LIST_COLUMNS, list_sources

    filters = _filters(type_, year, since, author, journal, evidence, has_doi)
    detail = fmt if fmt in ("keys", "table") else "full"
    with gc_paused():  # a list of 100,000 sources is a million small objects, no cycles
        records = list_sources(_layout(), filters, _keys(keys) or None, notify=_notice,
                               detail=detail)
        _print_records(records, fmt, LIST_COLUMNS)


@cli.command()
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["bibtex", "json"]), default="bibtex",
              show_default=True)
def show(key: str, fmt: str) -> None:
    """Show the source KEY whole: its BibTeX file, or JSON with every field.

    \b
    Examples:
      refs show lee2021learn
      refs show LEE2021LEARN --format json
    """
    from reflib.library.inherited import comment
    from reflib.library.query import show_source
    from reflib.output import to_json

    record = show_source(_layout(), _keys([key])[0], notify=_notice)
    if fmt == "json":
        click.echo(to_json(record), nl=False)
    else:
        click.echo(record["bibtex"] + comment(record.get("inherited") or {},
                                              record.get("fields") or {}), nl=False)


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def search(query, limit: int, fmt: str) -> None:
    """Full-text search over titles, authors, journal, keywords and notes.

    Words are matched as typed (all must match, any order); punctuation and search
    operators are treated as text, so C++, O'Brien, a DOI or AND are safe to type.
    Matching words are marked [like this].

    \b
    Examples:
      refs search cervical facet
      refs search 10.2147/JPR.S325665 --format json
    """
    from reflib.library.query import search as run_search

    records = run_search(_layout(), " ".join(query), limit, notify=_notice)
    _print_records(records, fmt, ("order", "key", "year", "title"))
    if not records and fmt == "table":
        click.echo("no sources match", err=True)


@cli.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--time-limit", type=click.FloatRange(0.01), default=5.0, show_default=True,
              metavar="SECONDS", help="Stop the query after this long (Ctrl-C stops it too).")
@click.option("--max-rows", type=click.IntRange(1), default=100_000, show_default=True,
              help="Refuse a result with more rows than this.")
def sql(query: str, fmt: str, time_limit: float, max_rows: int) -> None:
    """Run a read-only SQL QUERY against db/library.db (schema: see README).

    Only reading statements run (SELECT, WITH, PRAGMA table_info ...): writes, ATTACH
    and VACUUM are refused before anything touches the disk. A value may hold at most
    16 MB.

    \b
    Examples:
      refs sql "SELECT evidence, count(*) FROM sources GROUP BY evidence"
      refs sql "SELECT key FROM sources WHERE doi IS NULL" --format csv
    """
    from reflib.library.query import run_sql
    from reflib.library.sqlguard import SqlLimits
    from reflib.output import to_csv, to_json, to_table

    limits = SqlLimits(seconds=time_limit, max_rows=max_rows)
    columns, rows = run_sql(_layout(), query, notify=_notice, limits=limits)
    if fmt == "json":
        click.echo(to_json([dict(zip(columns, row, strict=True)) for row in rows]), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(columns, rows), nl=False)
    elif columns:
        click.echo(to_table(columns, rows), nl=False)


# -- report and serve ------------------------------------------------------------------


@cli.command()
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, allow_dash=True),
              required=True, help="The HTML file to write (atomically); - for stdout.")
@click.option("--title", help="The library's name, shown as the heading. Default: `title` "
                              "in refs.toml, else the README's first heading.")
@click.option("--no-checks", is_flag=True,
              help="Do not run the offline checks when `refs check` has saved no results.")
def report(output: str, title: str | None, no_checks: bool) -> None:
    """Write the evidence report: one self-contained HTML page.

    References in citation order with their AMA citation, evidence type, age, DOI link
    and badges from the latest saved `refs check` (or the offline checks, run now);
    counts, a chart of publication years, and filters that work without a server.

    \b
    Examples:
      refs report -o report.html
      refs report -o - --title 'Radiofrequency neurotomy' > r.html
    """
    from pathlib import Path

    from reflib.output import count
    from reflib.report.data import load_report
    from reflib.report.document import write_report
    from reflib.report.page import render

    if not _output_file(output):
        data = load_report(_layout(), title=title, run_checks=not no_checks, notify=_notice)
        click.echo(render(data), nl=False)
        output = "the report to stdout"
    else:
        data = write_report(_layout(), Path(output), title=title, run_checks=not no_checks,
                            notify=_notice)
    counts = ", ".join(count(n, s) for s, n in data.severity_counts.items()
                       if n and s != "skipped")
    checks = {"saved": "findings of the last `refs check`",
              "now": "offline checks run now", "none": "checks not run"}[data.checks.origin]
    click.echo(f"wrote {output}: {count(len(data.entries), 'reference')}; {checks}"
               + (f" ({counts})" if counts else ""), err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback shares the library.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.option("--title", help="Title shown on Datasette's pages.")
def serve(host: str, port: int, title: str | None) -> None:
    """Browse and query db/library.db in a web browser, read-only, with Datasette.

    Needs the optional extra: pip install 'reflib[serve]'. Restart it after `refs build`.

    \b
    Examples:
      refs serve
      refs serve --port 8080 --title 'Pain library'
    """
    from reflib.serve import prepare

    server = prepare(_layout(), host=host, port=port, title=title, notify=_notice)  # or fails
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: others on the network can read the "
                   "library", err=True)
    click.echo(f"serving {_layout().rel(_layout().db_path)} read-only at {server.url} "
               "(Ctrl-C stops)", err=True)
    server.run()


# -- checking citations ------------------------------------------------------------------

CHECK_NAMES = ("syntax", "doi-syntax", "doi-resolves", "metadata", "updates", "currency",
               "completeness", "abbreviations", "duplicates", "order", "against")


@cli.command()
@click.argument("keys", nargs=-1)
@click.option("--offline", is_flag=True,
              help="Use kept Crossref records only; checks that need the network are "
                   "reported as skipped and do not change the exit code.")
@click.option("--against", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
              help="Also compare the article's printed reference list (one a line; - for "
                   "stdin).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "github"]),
              default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning", "notice"]), default="error",
              show_default=True, help="Exit 1 when something this severe or worse is found.")
@click.option("--allow-unverified", is_flag=True,
              help="Exit 0 rather than 3 when some checks could not be made.")
@click.option("--max-age", type=click.IntRange(0), default=12, show_default=True,
              metavar="MONTHS", help="Access dates older than this are a warning.")
@click.option("--only", multiple=True, type=click.Choice(CHECK_NAMES), metavar="CHECK",
              help="Make only this check (repeatable): " + ", ".join(CHECK_NAMES) + ".")
@click.option("--doi-url", envvar="REFS_DOI_URL", default="https://doi.org", show_default=True,
              help="The DOI system's handle API server. Env: REFS_DOI_URL.")
@click.option("--crossref-url", envvar="REFS_CROSSREF_URL",
              help="Crossref REST API. Env: REFS_CROSSREF_URL. Default: https://api.crossref.org")
@click.option("--mailto", envvar=["REFS_MAILTO", "CROSSREF_MAILTO"],
              help="Contact address for Crossref's polite pool. Env: REFS_MAILTO.")
@pubmed_options
@click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True,
              help="Seconds for one whole answer, however slowly it arrives.")
@click.option("--deadline", type=click.FloatRange(1), default=300.0, show_default=True,
              metavar="SECONDS",
              help="Stop asking the network after this long in all; what was not "
                   "asked is reported as not checked (exit 3).")
def check(keys, offline, against, fmt, fail_on, allow_unverified, max_age, only, doi_url,
          crossref_url, mailto, registries, pubmed_url, idconv_url, timeout,
          deadline) -> None:
    """Check every citation (or KEYS): DOIs resolve, metadata agrees with Crossref,
    nothing cited is retracted, web sources are current, AMA fields are there, no
    duplicates, the citation order is whole, and (--against) the printed list agrees.

    Findings are errors, warnings or notices, grouped by reference, most severe first.
    Exit 0 when nothing at or above --fail-on was found, 1 when something was, 3 when
    some checks could not be made (network down) and nothing else failed. Each run is
    kept in db/library.db for `refs report`.

    \b
    Examples:
      refs check --offline
      refs check --against printed-list.txt --format json
    """
    from pathlib import Path

    from reflib.checks.output import json_chunks, render, summary
    from reflib.checks.runner import CheckOptions, check_library

    if "against" in only and not against:
        raise click.UsageError("--only against needs --against FILE")

    against_text = _stdin_or_file(against, "the printed list")[0] if against else None
    options = CheckOptions(offline=offline, doi_url=doi_url, crossref_url=crossref_url,
                           mailto=mailto, max_age_months=max_age,
                           against=Path(against) if against else None, only=tuple(only),
                           timeout=timeout, against_text=against_text,
                           render_lines=_article_lines, deadline=deadline,
                           registries=_registries(registries),
                           pubmed_client=_pubmed_client(pubmed_url, idconv_url, mailto,
                                                        timeout, deadline))
    from reflib.progress import Tally

    bar = None if offline else Tally("checking")
    try:
        result = check_library(_layout(), _keys(keys), options, progress=bar, notify=_notice)
    finally:
        if bar:
            bar.close()
    for note in result.notes:
        click.echo(note, err=True)
    colour = _is_tty() and not os.environ.get("NO_COLOR")
    if fmt == "json":  # 100,000 sources: 90 MB of JSON, written as it is made
        for chunk in json_chunks(result.findings):
            click.echo(chunk, nl=False)
    else:
        click.echo(render(result, fmt, colour=colour, fail_on=fail_on), nl=False,
                   color=colour)
    if fmt != "text":
        click.echo(summary(result), err=True)
    if not result.saved:
        click.echo("note: findings not kept: db/library.db does not exist (run `refs build`)",
                   err=True)
    sys.exit(result.exit_code(fail_on, allow_unverified))


def _article_lines(refs) -> list[str]:
    """The references as the article prints them: what a printed line should read."""
    from reflib.cite.bibliography import format_bibliography

    return format_bibliography(refs, "article", "text")


# -- bibliographies --------------------------------------------------------------------

STYLE_HELP = ("ama (AMA 11th ed.), vancouver (NLM citation-sequence), apa (7th), chicago "
              "(author-date), article (the article's printed list), or a path to a .csl file.")


@cli.command()
@click.argument("keys", nargs=-1)
@filter_options
@click.option("--style", default="ama", show_default=True, help=STYLE_HELP)
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "markdown", "html", "docx", "rtf", "bibtex",
                                 "biblatex", "ris", "csl-json"]),
              help="Formatted text; docx or rtf for Word (html pastes into Word too); or "
                   "data for other tools.")
@click.option("--order", type=click.Choice(["cited", "author", "year"]), default="cited",
              show_default=True, help="cited: the article's citation order, numbered 1..N.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write to this file (atomically) instead of stdout (-).")
def export(keys, type_, year, since, author, journal, evidence, has_doi, style, fmt, order,
           output) -> None:
    """Export sources as a formatted bibliography or as BibTeX, RIS or CSL-JSON.

    Selects sources like `refs list` (KEYS and filters); by default all, in the
    article's citation order. Needs a built index (`refs build`).

    \b
    Examples:
      refs export --style vancouver
      refs export --format csl-json -o refs.json
      refs export --style vancouver --format docx -o references.docx
    """
    from reflib.cite.bibliography import export_library, write_output

    to_file = _output_file(output)
    if fmt == "docx" and not to_file and sys.stdout.isatty():
        raise click.UsageError("--format docx writes a binary Word file: give -o FILE.docx "
                               "(or pipe the output to a file)")
    filters = _filters(type_, year, since, author, journal, evidence, has_doi)
    text = export_library(_layout(), fmt, style, order, filters, _keys(keys) or None,
                          notify=_notice)
    if to_file:
        write_output(text, output)
        click.echo(f"wrote {output}", err=True)
    elif isinstance(text, bytes):
        click.get_binary_stream("stdout").write(text)
    else:
        click.echo(text, nl=False)


@cli.command(cls=WriterCommand)
@click.argument("manuscript", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--style", default="ama", show_default=True, help=STYLE_HELP)
@click.option("--marks", type=click.Choice(["bracket", "superscript"]), default="bracket",
              show_default=True, help="Citation numbers as [1] or as superscript.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write to this file (atomically) instead of stdout (-).")
@click.option("--save-order", is_flag=True,
              help="Write the order of first citation to refs/order.txt as the library's "
                   "citation order.")
def cite(manuscript, style, marks, output, save_order) -> None:
    """Number the [@key] citations of a Markdown MANUSCRIPT and append the bibliography.

    Pandoc syntax: [@key], [@a; @b], [see @a, p. 3]. Sources are numbered in order of
    first citation. Unknown keys are errors (with their line); sources in the library
    that are not cited are listed as a warning.

    \b
    Examples:
      refs cite paper.md -o paper.out.md
      cat paper.md | refs cite - --style vancouver
    """
    from pathlib import Path

    from reflib.cite.bibliography import write_output
    from reflib.cite.manuscript import cite_file

    to_file = _output_file(output)
    text, name = _stdin_or_file(manuscript, "the manuscript")
    report = cite_file(_layout(), Path(name), style, marks, save_order, notify=_notice,
                       text=text)
    if to_file:
        write_output(report.text, output)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(report.text, nl=False)
    if report.uncited:
        click.echo(f"warning: {_count(len(report.uncited), 'source')} in the library "
                   f"{'is' if len(report.uncited) == 1 else 'are'} not cited: "
                   f"{', '.join(report.uncited)}", err=True)
    if report.order_written:
        click.echo("wrote refs/order.txt; run `refs build` to update the index", err=True)


# -- Crossref enrichment ------------------------------------------------------------------


def crossref_options(function):
    """--crossref-url, --mailto, --timeout and --deadline, shared by `refs enrich` and
    `refs find-doi`."""
    options = [
        click.option("--crossref-url", envvar="REFS_CROSSREF_URL", metavar="URL",
                     help="Crossref REST API. Env: REFS_CROSSREF_URL. "
                          "Default: https://api.crossref.org"),
        click.option("--mailto", envvar=["REFS_MAILTO", "CROSSREF_MAILTO"], metavar="EMAIL",
                     help="Contact address: Crossref's faster polite pool. "
                          "Env: REFS_MAILTO or CROSSREF_MAILTO."),
        click.option("--timeout", type=click.FloatRange(0.1), default=20.0, show_default=True,
                     help="Seconds for one whole answer, however slowly it arrives."),
        click.option("--deadline", type=click.FloatRange(1), default=300.0, show_default=True,
                     metavar="SECONDS",
                     help="Stop asking the network after this long in all; what was not "
                          "asked is reported as not checked (exit 3)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _crossref_client(crossref_url: str | None, mailto: str | None, timeout: float,
                     deadline: float | None = None):
    from reflib.registries.deadline import Deadline

    run = Deadline(deadline)  # starts now, with the command

    def make():
        from reflib.registries.crossref.gateway import CrossrefClient

        return CrossrefClient(crossref_url, mailto, timeout=timeout, deadline=run,
                              notice=lambda message: click.echo(message, err=True))

    return make


ENRICH_EXIT_CODES = """\b
Exit codes:
  0  every source was enriched, unchanged, or has no DOI (conflicts do not count)
  1  a DOI or PMID is in no registry, or a source file cannot be read or written
  2  usage error
  3  only because a registry could not be reached or answered badly: try again"""


@cli.command(epilog=ENRICH_EXIT_CODES, cls=WriterCommand)
@click.argument("keys", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Print the field-level diff; write nothing.")
@click.option("--refresh", is_flag=True, help="Fetch again even if a record is kept.")
@click.option("--offline", is_flag=True,
              help="Use kept records (refs/KEY.crossref.json, refs/KEY.pubmed.json) only; "
                   "no network.")
@click.option("--force", "force", multiple=True, metavar="FIELD",
              help="Let the registry overwrite this curated field (repeatable; `entrytype` "
                   "for the entry type).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@crossref_options
@pubmed_options
def enrich(keys, dry_run: bool, refresh: bool, offline: bool, force, fmt: str,
           crossref_url, mailto, timeout, deadline, registries, pubmed_url, idconv_url
           ) -> None:
    """Fill what sources (default: all with a DOI, PMID or PMCID) lack from Crossref and
    PubMed.

    Curated fields are never overwritten (except with --force FIELD); each disagreement
    is listed as a conflict to review, and a field the two registries disagree on is
    named with both values. Records are kept as refs/KEY.crossref.json and
    refs/KEY.pubmed.json and the filled fields are written into refs/KEY.bib; a second
    run changes nothing. Per source: + a filled field, ~ an overwritten one, ! a conflict.

    \b
    Examples:
      refs enrich --mailto librarian@example.org
      refs enrich lee2021learn --dry-run
      refs enrich --registry pubmed
    """
    from reflib.enrich.writeback import enrich_sources

    if offline and refresh:
        raise click.UsageError("--offline and --refresh exclude each other")
    from reflib.progress import Tally

    bar = None if offline else Tally("Crossref", cumulative=True)
    try:
        report = enrich_sources(_layout(), _keys(keys), dry_run=dry_run, refresh=refresh,
                                offline=offline, force=force, progress=bar,
                                registries=_registries(registries),
                                crossref=_crossref_client(crossref_url, mailto, timeout,
                                                          deadline),
                                pubmed=_pubmed_client(pubmed_url, idconv_url, mailto,
                                                      timeout, deadline))
    finally:
        if bar:
            bar.close()
    _print_report(report, fmt)
    for notice in report.notices:
        click.echo(f"note: {notice}", err=True)
    if report.nothing_kept():
        click.echo("note: no Crossref record is kept (refs/KEY.crossref.json); run "
                   "`refs enrich` online to fetch and keep them", err=True)
    click.echo(report.summary(), err=True)
    if any(o.wrote_source for o in report.outcomes):
        click.echo("run `refs build` to update library.bib and the index", err=True)
    sys.exit(report.exit_code)


ADD_EXIT_CODES = """\b
Exit codes:
  0  every source was added
  1  an entry or identifier was refused (invalid, already in the library, in no registry)
  2  usage error
  3  only because a registry could not be reached: try again"""


@cli.command(epilog=ADD_EXIT_CODES, cls=WriterCommand)
@click.argument("file", type=click.File("rb"), required=False)
@click.option("--doi", "dois", multiple=True, metavar="DOI", help="Add the work of this DOI.")
@click.option("--pmid", "pmids", multiple=True, metavar="PMID", help="Add this PubMed record.")
@click.option("--pmcid", "pmcids", multiple=True, metavar="PMCID",
              help="Add the article of this PMC id (PMC and digits).")
@click.option("--isbn", "isbns", multiple=True, metavar="ISBN",
              help="Add the book of this ISBN (Open Library).")
@click.option("--from", "id_file", type=click.File("r", encoding="utf-8-sig"), metavar="FILE",
              help="Identifiers, one a line (DOI, PMID, PMCID or ISBN; - for stdin).")
@click.option("--cite", is_flag=True, help="Append the new keys to refs/order.txt.")
@click.option("--dry-run", is_flag=True, help="Fetch and show the keys; write nothing.")
@click.option("--books-url", envvar="REFS_BOOKS_URL", metavar="URL",
              help="Open Library. Env: REFS_BOOKS_URL. Default: https://openlibrary.org")
@crossref_options
@pubmed_options
def add(file, dois, pmids, pmcids, isbns, id_file, cite: bool, dry_run: bool, books_url,
        crossref_url, mailto, timeout, deadline, registries, pubmed_url, idconv_url) -> None:
    """Add sources: from a BibTeX snippet in FILE (default: stdin), or by identifier.

    A snippet's one entry is validated like `refs build` validates; on any problem
    nothing is written. With --doi, --pmid, --pmcid, --isbn (repeatable) or --from FILE,
    each identifier is looked up (Crossref and PubMed, or Open Library for ISBNs), made
    into a complete entry of the right type with a key by the library's rule, written
    atomically as refs/KEY.bib, and its registry records are kept beside it. Sources
    are added (and cited) in this order: DOIs, PMIDs, PMCIDs, ISBNs, then --from's lines.

    \b
    Examples:
      refs add snippet.bib
      pbpaste | refs add
      refs add --pmid 34526815 --doi 10.1136/rapm-2021-103031 --cite
      refs add --from identifiers.txt
    """
    identifiers = [*dois, *pmids, *(p if p.upper().startswith("PMC") else f"PMC{p}"
                                    for p in pmcids), *(f"ISBN {i}" for i in isbns)]
    if id_file is not None:
        from reflib.enrich.adder import read_identifier_file

        identifiers += read_identifier_file(id_file.read())
    if not identifiers and id_file is None:
        if cite or dry_run:
            raise click.UsageError("--cite and --dry-run go with --doi/--pmid/--pmcid/--isbn "
                                   "or --from")
        from reflib.formats.encoding import decode
        from reflib.formats.importer import add_source

        file = file or click.open_file("-", "rb")
        name = _input_name(file)
        text, _ = decode(file.read(), name)  # UTF-8, UTF-16, Latin-1; else where it fails
        path = add_source(_layout(), text, name)
        click.echo(path)
        click.echo("added; run `refs build` to update library.bib and the index", err=True)
        return
    if file is not None:
        raise click.UsageError("give a snippet FILE or identifiers, not both")
    from reflib.enrich.adder import add_identifiers

    def books():
        from reflib.registries.books import BooksClient

        return BooksClient(books_url, mailto, timeout=timeout)

    from reflib.progress import Tally

    tally = Tally("Crossref", cumulative=True)
    try:
        report = add_identifiers(_layout(), identifiers, registries=_registries(registries),
                                 crossref=_crossref_client(crossref_url, mailto, timeout,
                                                           deadline),
                                 pubmed=_pubmed_client(pubmed_url, idconv_url, mailto,
                                                       timeout, deadline),
                                 books=books, cite=cite, dry_run=dry_run, progress=tally)
    finally:
        tally.close()
    for added in report.added:
        click.echo(added.file)
        for notice in added.notices:
            click.echo(f"{added.file}: note: {notice}", err=True)
    for message in report.refused:
        click.echo(f"error: {message}", err=True)
    for registry, why in report.unavailable.items():
        click.echo(f"error: {registry} could not be asked: {why}", err=True)
    asked = ", ".join(f"{n} to {r}" for r, n in report.requests.items())
    verb = "would add" if dry_run else "added"
    summary = f"{verb} {_count(len(report.added), 'source')}; refused {len(report.refused)}"
    if asked:
        summary += f" (requests: {asked})"
    if cite and report.added and not dry_run:
        summary += "; appended to refs/order.txt"
    click.echo(summary, err=True)
    if report.added and not dry_run:
        click.echo("run `refs build` to update library.bib and the index", err=True)
    sys.exit(report.exit_code)


@cli.command("find-doi", epilog=EXIT_CODES, cls=WriterCommand)
@click.argument("keys", nargs=-1)
@click.option("--accept", metavar="DOI",
              help="Write this DOI into the one source KEY, after checking with Crossref "
                   "that the work exists and its type fits.")
@click.option("--rows", type=click.IntRange(1, 50), default=5, show_default=True,
              help="Candidates to ask for and list.")
@click.option("--dry-run", is_flag=True, help="Show what would be accepted; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@crossref_options
def find_doi(keys, accept: str | None, rows: int, dry_run: bool, fmt: str, crossref_url,
             mailto, timeout, deadline) -> None:
    """Find DOIs for sources without one (default: all) by bibliographic search.

    A candidate is written only when its title, first author, year (within one), work
    type and journal or book match and its score clearly leads the runner-up; otherwise
    the candidates are listed with their scores for you to choose with
    `refs find-doi KEY --accept DOI`. A chapter is never given its book's DOI.

    \b
    Examples:
      refs find-doi
      refs find-doi nass2020lbp --accept 10.1016/j.spinee.2020.04.006
    """
    from reflib.enrich.doifinder import find_dois

    report = find_dois(_layout(), _keys(keys), accept=accept, dry_run=dry_run, rows=rows,
                       crossref=_crossref_client(crossref_url, mailto, timeout, deadline))
    _print_report(report, fmt)
    click.echo(report.summary(), err=True)
    if not dry_run and any(f.status == "accepted" for f in report.findings):
        click.echo("run `refs enrich` to fill the rest, then `refs build`", err=True)
    sys.exit(report.exit_code)


def main() -> None:
    try:
        cli(prog_name="refs")
    except BrokenPipeError:  # `refs list | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    main()

assert EXIT_USAGE == 2  # click's own code for usage errors, which we document
