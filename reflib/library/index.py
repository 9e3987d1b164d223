"""The SQLite index under db/: schema, loading rows for sources, and queries.

Everything here is derived from refs/ and can be rebuilt at any time.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reflib.library.latex import VERBATIM_FIELDS, field_text
from reflib.library.model import Reference

SCHEMA_VERSION = "8"

FTS_COLUMNS = ["title", "authors", "journal", "keywords", "notes", "doi"]
_FTS_WEIGHTS = "10.0, 4.0, 2.0, 3.0, 1.0, 1.0"
_IDENTIFIER_FIELDS = ("doi", "pmid", "pmcid", "isbn", "issn", "eissn", "url")
_NOTE_FIELDS = ("note", "annote", "annotation", "abstract", "addendum")


# The columns of the rows `source_rows` makes, in order (rows are tuples: cheap to make,
# to send between processes and to insert).
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "sources": ("key", "type", "title", "year", "month", "journal", "doi", "evidence",
                "authors", "keywords", "notes", "file", "line"),
    "authors": ("key", "role", "position", "family", "given", "suffix", "literal", "display"),
    "identifiers": ("key", "scheme", "value"),
    "fields": ("key", "name", "position", "raw", "line"),
}


def source_rows(ref: Reference) -> dict[str, list[tuple]]:
    """All index rows of one source, by table name, as tuples in SOURCE_COLUMNS order.
    Pure: the same source, the same rows. Each derived value is computed once."""
    key = ref.key
    authors = []
    shown: dict[str, list[str]] = {}
    for role, names in (("author", ref.authors), ("editor", ref.editors)):
        # (family_full, given, suffix, literal, display) of each Name, made once per Name.
        cells = [n._row for n in names]
        shown[role] = [cell[4] for cell in cells]
        authors += [(key, role, i) + cell for i, cell in enumerate(cells, start=1)]
    fields = ref.fields
    doi = ref.doi
    source = (key, ref.entry_type, ref.title or ref.text("howpublished"), ref.year, ref.month,
              ref.container, doi or None, ref.evidence or None,
              "; ".join(shown["author"] or shown["editor"]), ref.text("keywords"),
              " ".join(ref.text(n) for n in _NOTE_FIELDS if n in fields), ref.file, ref.line)
    identifiers = [(key, name, doi if name == "doi" else ref.text(name))
                   for name in _IDENTIFIER_FIELDS if name in fields]
    lines = ref.field_lines
    rows = [(key, name, i, raw, lines.get(name, ref.line))
            for i, (name, raw) in enumerate(fields.items(), start=1)]
    return {"sources": [source], "authors": authors, "identifiers": identifiers,
            "fields": rows}


SOURCE_TABLES = ("sources", "authors", "identifiers", "fields")

_DDL = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sources (
    key TEXT PRIMARY KEY, type TEXT NOT NULL, title TEXT, year INTEGER, month INTEGER,
    journal TEXT, doi TEXT, evidence TEXT, ord INTEGER, authors TEXT, keywords TEXT,
    notes TEXT, file TEXT NOT NULL, line INTEGER);
CREATE TABLE IF NOT EXISTS authors (
    key TEXT NOT NULL REFERENCES sources(key), role TEXT NOT NULL, position INTEGER NOT NULL,
    family TEXT, given TEXT, suffix TEXT, literal TEXT, display TEXT,
    PRIMARY KEY (key, role, position));
CREATE TABLE IF NOT EXISTS identifiers (
    key TEXT NOT NULL REFERENCES sources(key), scheme TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (key, scheme));
CREATE TABLE IF NOT EXISTS fields (
    key TEXT NOT NULL REFERENCES sources(key), name TEXT NOT NULL, position INTEGER NOT NULL,
    raw TEXT NOT NULL, line INTEGER, PRIMARY KEY (key, name));
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, key TEXT, lkey TEXT, size INTEGER, mtime_ns INTEGER, sha1 TEXT,
    entry TEXT, bibtex TEXT, line INTEGER, doi TEXT, doi_line INTEGER, parent TEXT,
    warnings TEXT, syntax TEXT, errors TEXT);
CREATE TABLE IF NOT EXISTS library_spans (
    lkey TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL,
    PRIMARY KEY (lkey, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS crossref_records (
    key TEXT PRIMARY KEY, doi TEXT NOT NULL, work_doi TEXT, type TEXT, title TEXT,
    container TEXT, fetched TEXT, source TEXT, file TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS crossref_applied (
    key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, recorded TEXT,
    PRIMARY KEY (key, field));
CREATE TABLE IF NOT EXISTS pubmed_records (
    key TEXT PRIMARY KEY, pmid TEXT NOT NULL, doi TEXT, pmcid TEXT, title TEXT,
    publication_types TEXT, fetched TEXT, source TEXT, file TEXT NOT NULL, xml TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pubmed_applied (
    key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, recorded TEXT,
    PRIMARY KEY (key, field));
CREATE TABLE IF NOT EXISTS record_files (
    path TEXT PRIMARY KEY, key TEXT NOT NULL, size INTEGER, mtime_ns INTEGER, sha1 TEXT);
CREATE TABLE IF NOT EXISTS inherited (key TEXT PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inherited_fields (
    key TEXT NOT NULL, name TEXT NOT NULL, parent TEXT NOT NULL, PRIMARY KEY (key, name));
CREATE VIEW IF NOT EXISTS provenance AS
    SELECT f.key AS key, f.name AS field, f.raw AS value,
           CASE WHEN i.parent IS NOT NULL THEN 'inherited'
                WHEN a.value = f.raw THEN 'crossref' WHEN p.value = f.raw THEN 'pubmed'
                ELSE 'curated' END AS origin,
           CASE WHEN i.parent IS NULL AND a.value = f.raw THEN a.recorded
                WHEN i.parent IS NULL AND p.value = f.raw THEN p.recorded END AS recorded
    FROM fields f LEFT JOIN crossref_applied a ON a.key = f.key AND a.field = f.name
                  LEFT JOIN pubmed_applied p ON p.key = f.key AND p.field = f.name
                  LEFT JOIN inherited_fields i ON i.key = f.key AND i.name = f.name;
"""
# Secondary indexes, made after a full build's bulk load (one sort each, instead of
# a B-tree kept in order through a million inserts). Only those a query of reflib uses:
# none looks authors up by family name (`--author` is a LIKE on a part of it), and an
# index on it was a third of the time these take at 100,000 sources.
_INDEXES = """
CREATE INDEX IF NOT EXISTS sources_year ON sources(year);
CREATE INDEX IF NOT EXISTS sources_doi ON sources(doi);
CREATE INDEX IF NOT EXISTS identifiers_value ON identifiers(scheme, value);
CREATE INDEX IF NOT EXISTS files_lkey ON files(lkey);
CREATE INDEX IF NOT EXISTS files_doi ON files(doi);
"""


def create_tables(conn: sqlite3.Connection) -> None:
    """The tables alone, for a bulk load; `create_schema` adds indexes and search after."""
    conn.executescript(_DDL)


def create_schema(conn: sqlite3.Connection) -> None:
    """Tables, secondary indexes and full-text search (over any rows already loaded)."""
    conn.executescript(_DDL)
    create_indexes(conn)
    create_search(conn)


def create_indexes(conn: sqlite3.Connection) -> None:
    conn.executescript(_INDEXES)


def create_search(conn: sqlite3.Connection) -> None:
    """Full-text search over `sources` (over the rows it holds: one pass after a bulk load
    costs a third of what triggers cost row by row), kept current by triggers after."""
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    if not db["sources"].detect_fts():
        db["sources"].enable_fts(FTS_COLUMNS, create_triggers=True,
                                 tokenize="unicode61 remove_diacritics 2")
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))


def optimize_search(conn: sqlite3.Connection) -> None:
    """The full-text index merged into one segment (after it was built, or rows went
    through its triggers)."""
    import sqlite_utils

    sqlite_utils.Database(conn)["sources"].optimize()


def insert_rows(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]] | list[tuple]
                ) -> None:
    """Rows as dicts, or as tuples in SOURCE_COLUMNS order (what `source_rows` makes)."""
    if not rows:
        return
    if isinstance(rows[0], tuple):
        columns = SOURCE_COLUMNS[table]
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' for _ in columns)})", rows)
        return
    columns = list(rows[0])
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    conn.executemany(sql, [tuple(row[c] for c in columns) for row in rows])


def delete_sources(conn: sqlite3.Connection, keys: list[str]) -> None:
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for table in reversed(SOURCE_TABLES):
            conn.execute(f"DELETE FROM {table} WHERE key IN ({marks})", chunk)


def set_order(conn: sqlite3.Connection, order: list[str]) -> None:
    conn.execute("UPDATE sources SET ord = NULL WHERE ord IS NOT NULL")
    conn.executemany("UPDATE sources SET ord = ? WHERE key = ?",
                     [(i, key) for i, key in enumerate(order, start=1)])


def recover(path: Path) -> None:
    """Undo what an interrupted writer left: a killed build leaves `library.db-journal`,
    a hot journal that a read-only connection cannot roll back ("attempt to write a
    readonly database"). One read-write open rolls it back (SQLite does it, and only
    when no writer is active). IndexDamaged when that cannot be done."""
    from reflib.errors import IndexDamaged

    journal = path.with_name(path.name + "-journal")
    if not journal.exists():
        return
    try:
        conn = sqlite3.connect(path, timeout=10)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise IndexDamaged(damaged_message(path, exc)) from None


def damaged_message(path: Path, exc: BaseException) -> str:
    where = "/".join(path.parts[-2:])
    return (f"{where} is damaged or was left half-written by an interrupted build ({exc}); "
            "run `refs build --full` to remake it from refs/ (nothing in refs/ is lost)")


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file: SQLite itself refuses writes."""
    recover(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("PRAGMA query_only = ON")
    conn.row_factory = sqlite3.Row
    return conn


def fts_query(text: str) -> str:
    """Any typed text as a safe FTS5 query: each word a quoted phrase of its tokens.

    `state-of-the-art` -> `"state of the art"`; `C++ AND "x` -> `"C" "AND" "x"`.
    """
    phrases = []
    for chunk in text.split():
        tokens = re.findall(r"\w+", chunk)
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"')
    return " ".join(phrases)


def search(conn: sqlite3.Connection, text: str, limit: int = 20,
           mark: tuple[str, str] = ("[", "]")) -> list[dict[str, Any]]:
    """Sources matching `text`, best first, with matching words in title and authors marked."""
    query = fts_query(text)
    if not query:
        return []
    open_mark, close_mark = mark
    # FTS5's snippet() takes seconds on a 1 MB note (and grows faster than the text):
    # the snippet is cut here instead, in one pass over the text (`snippet_of`).
    sql = f"""
        SELECT s.key, s.ord, s.type, s.year, s.doi, s.evidence,
               highlight(sources_fts, 0, :o, :c) AS title,
               highlight(sources_fts, 1, :o, :c) AS authors,
               highlight(sources_fts, 2, :o, :c) AS journal,
               s.title AS _title, s.authors AS _authors, s.journal AS _journal,
               s.keywords AS _keywords, s.notes AS _notes, s.doi AS _doi,
               bm25(sources_fts, {_FTS_WEIGHTS}) AS score
        FROM sources_fts JOIN sources s ON s.rowid = sources_fts.rowid
        WHERE sources_fts MATCH :q
        ORDER BY score LIMIT :limit
    """
    rows = conn.execute(sql, {"q": query, "o": open_mark, "c": close_mark, "limit": limit})
    words = {_fold(w) for w in re.findall(r"\w+", text)}
    found = []
    for row in rows:
        record = {k: v for k, v in dict(row).items() if not k.startswith("_")}
        texts = [row[f"_{name}"] for name in FTS_COLUMNS]
        record["snippet"] = snippet_of(texts, words, mark)
        found.append(record)
    return found


def _fold(word: str) -> str:
    """A word as the index compares it: lower case, without accents."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def snippet_of(texts: list[str | None], words: set[str], mark: tuple[str, str],
               size: int = 12) -> str:
    """About `size` words around the first of `words` in the first text that has one,
    matching words marked; linear in the text. '' when none has.

    >>> snippet_of(["no", "a b c Péché d e"], {"peche"}, ("[", "]"), size=3)
    '…c [Péché] d…'
    """
    open_mark, close_mark = mark
    for text in texts:
        if not text:
            continue
        hit = next((m for m in re.finditer(r"\w+", text) if _fold(m.group()) in words), None)
        if hit is None:
            continue
        # Only the words around the hit are looked at again, however long the text.
        offset = max(0, hit.start() - 40 * size)
        window = text[offset:hit.end() + 40 * size]
        tokens = list(re.finditer(r"\w+", window))
        if offset and tokens and tokens[0].start() == 0:
            tokens = tokens[1:]  # perhaps half a word
        index = next(i for i, m in enumerate(tokens) if m.start() + offset == hit.start())
        first = max(0, index - size // 3)
        chosen = tokens[first:first + size]
        out = [f"{open_mark}{m.group()}{close_mark}" if _fold(m.group()) in words
               else m.group() for m in chosen]
        before = "…" if offset + chosen[0].start() > 0 else ""
        after = "…" if offset + chosen[-1].end() < len(text) else ""
        return before + " ".join(out) + after
    return ""


LIST_ORDER = " ORDER BY s.ord IS NULL, s.ord, lower(s.key), s.key"  # citation order


def list_sources(conn: sqlite3.Connection, filters: dict[str, Any],
                 keys: list[str] | None = None,
                 advance: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Sources in citation order (uncited ones after, by key), with the given filters.
    `advance(n)` is told of every 5,000 sources read, and of all of them again when
    their names are (a progress bar's steps)."""
    where, params = source_filter(filters, keys)
    sql = "SELECT s.* FROM sources s" + where + LIST_ORDER
    cursor = conn.execute(sql, params)
    rows: list[dict[str, Any]] = []
    while chunk := cursor.fetchmany(5000):
        rows += map(dict, chunk)
        if advance:
            advance(len(chunk))
    people = _people(conn, [row["key"] for row in rows], all_sources=not where)
    if advance:
        advance(len(rows))
    for row in rows:
        row["authors"] = people.get((row["key"], "author"), [])
        row["editors"] = people.get((row["key"], "editor"), [])
    return rows


def source_filter(filters: dict[str, Any], keys: list[str] | None = None
                  ) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (or "") over `sources s` of `refs list`'s filters, and its
    parameters."""
    where, params = [], {}
    if keys:
        marks = []
        for i, key in enumerate(keys):
            params[f"k{i}"] = key
            marks.append(f":k{i}")
        where.append(f"s.key IN ({', '.join(marks)})")
    if filters.get("type"):
        where.append("s.type = :type")
        params["type"] = filters["type"].lower().lstrip("@")
    if filters.get("year"):
        where.append("s.year = :year")
        params["year"] = filters["year"]
    if filters.get("since"):
        where.append("s.year >= :since")
        params["since"] = filters["since"]
    if filters.get("author"):
        where.append("EXISTS (SELECT 1 FROM authors a WHERE a.key = s.key AND "
                     "(a.family LIKE :author ESCAPE '\\' OR a.literal LIKE :author ESCAPE '\\'))")
        params["author"] = "%" + _like_escape(filters["author"]) + "%"
    if filters.get("journal"):
        where.append("s.journal LIKE :journal ESCAPE '\\'")
        params["journal"] = "%" + _like_escape(filters["journal"]) + "%"
    if filters.get("evidence"):
        where.append("s.evidence = :evidence")
        params["evidence"] = filters["evidence"]
    if filters.get("has_doi") is True:
        where.append("s.doi IS NOT NULL")
    elif filters.get("has_doi") is False:
        where.append("s.doi IS NULL")
    return (" WHERE " + " AND ".join(where) if where else ""), params


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _people(conn: sqlite3.Connection, keys: list[str], all_sources: bool = False
            ) -> dict[tuple[str, str], list[str]]:
    """(key, role) -> display names in order, of the sources `keys` (`all_sources`: every
    source, read in one pass instead of by key)."""
    people: dict[tuple[str, str], list[str]] = {}
    if all_sources:
        for key, role, display in conn.execute(
                "SELECT key, role, display FROM authors ORDER BY key, role, position"):
            people.setdefault((key, role), []).append(display)
        return people
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        sql = (f"SELECT key, role, display FROM authors WHERE key IN ({marks}) "
               "ORDER BY key, role, position")
        for key, role, display in conn.execute(sql, chunk):
            people.setdefault((key, role), []).append(display)
    return people


def source_fields(conn: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM sources WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    result = dict(row)
    result["fields"] = {
        name: field_text(raw, name in VERBATIM_FIELDS) for name, raw in
        conn.execute("SELECT name, raw FROM fields WHERE key = ? ORDER BY position", (key,))
    }
    people = _people(conn, [key])
    result["authors"] = people.get((key, "author"), [])
    result["editors"] = people.get((key, "editor"), [])
    return result


def run_sql(conn: sqlite3.Connection, sql: str, params: dict | None = None):
    """Columns and rows of a query on a read-only connection."""
    cursor = conn.execute(sql, params or {})
    columns = [d[0] for d in cursor.description or ()]
    return columns, [tuple(row) for row in cursor.fetchall()]


# One encoder for every entry (json.dumps with an option makes a new one per call).
_ENTRY_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)  # an entry is a tree


def entry_json(ref: Reference) -> str:
    return _ENTRY_ENCODER.encode({"key": ref.key, "type": ref.entry_type, "file": ref.file,
                                  "line": ref.line, "fields": ref.fields,
                                  "lines": ref.field_lines})


def entry_from_json(text: str) -> Reference:
    data = json.loads(text)
    return Reference(data["key"], data["type"], data["fields"], data["file"], data["line"],
                     data["lines"])
