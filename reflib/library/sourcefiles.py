"""Reading many refs/*.bib files for the build: in batches, on every core.

The parser is our scanner (library/bibscan.py, through bibtex.parse_text), which reads
exactly what BibTeX reads. Files are read in batches: a batch's texts are joined and
parsed as one text (one call instead of 250, and one job per worker process), and each
entry goes back to the file whose lines it came from, its lines counted from that file's
start. When a batch is anything but one clean entry per file (a syntax error, a @string,
a key that is not its file's name, an entry that spills into the next file), that batch
is parsed again file by file, exactly as `parse_source_text` does, so the results are the
same either way (tests/library/test_sourcefiles.py compares them on real bibliographies).

Each result is plain picklable data: (rel, sha1, entry JSON, formatted BibTeX, CrossItem,
problems, how many of the problems are of reading the file, index rows as tuples). For a
new index (`into` given), the workers write the index rows, and the `files` row of an
entry that inherits nothing, into it themselves (indexwrite.WorkerRows), and the result's
last item says so (indexwrite.WRITTEN): the rows are never pickled.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

from reflib.errors import Problem
from reflib.library import index
from reflib.library.bibtex import format_entry, parse_source_text, parse_text
from reflib.library.buildstate import FileState, take
from reflib.library.indexwrite import WRITTEN, WorkerRows, file_rows
from reflib.library.model import Reference
from reflib.library.validate import CrossItem, entry_problems

PARALLEL_THRESHOLD = 2000  # below this, starting worker processes costs more than it saves
BATCH = 250  # files parsed as one text, and sent to a worker as one job


_into: str | None = None  # in a worker for a new index: the index its rows go into
_writer: WorkerRows | None = None


def parse_files(jobs: Iterable[tuple[str, int, int]], count: int,
                into: str | None = None) -> Iterator[tuple]:
    """Parse results in file order, of `count` files given as (path, size, mtime_ns) as
    the build stat'ed them (they may come as they are stat'ed). Many files are parsed on
    all cores, with a bounded number of batches in flight so that results never pile up
    in memory; then, given a new index (`into`, its path), the workers write the rows
    themselves (see the module's note)."""
    workers = min(os.cpu_count() or 1, 8)
    if count < PARALLEL_THRESHOLD or workers < 2:
        for batch in _batches(jobs):
            yield from parse_batch([path for path, _, _ in batch])
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                             initargs=(os.getpid(), into)) as pool:
        pending: deque = deque()
        first = 0
        for batch in _batches(jobs):
            pending.append(pool.submit(parse_batch, [path for path, _, _ in batch],
                                       [(size, mtime) for _, size, mtime in batch], first))
            first += len(batch)
            if len(pending) >= 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _batches(jobs: Iterable[tuple[str, int, int]]) -> Iterator[list[tuple[str, int, int]]]:
    jobs = iter(jobs)
    while batch := list(islice(jobs, BATCH)):
        yield batch


def _start_worker(parent: int, into: str | None) -> None:
    """In a worker: where its rows go, if anywhere; and exit with the build."""
    global _into
    _into = into
    exit_with_parent(parent)


def exit_with_parent(parent: int) -> None:
    """In a worker: exit when the process that started it is gone (`kill -9` of a build
    would otherwise leave its workers waiting for work forever)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def parse_batch(paths: list[str], stats: list[tuple[int, int]] | None = None,
                first: int = 0) -> list[tuple]:
    """Read, hash and parse files as one text; file by file when the batch is not clean.
    In a worker for a new index, the rows go into it (`_write_rows`); `first` is the
    batch's place among the files parsed."""
    results = _parse_batch(paths)
    if _into is not None and stats is not None:
        _write_rows(results, stats, first)
    return results


def _parse_batch(paths: list[str]) -> list[tuple]:
    datas = []
    for path in paths:
        with open(path, "rb") as handle:
            datas.append(handle.read())
    try:
        texts = [data.decode("utf-8").lstrip("\ufeff") for data in datas]
    except UnicodeDecodeError:
        return [parse_one(p, data) for p, data in zip(paths, datas, strict=True)]
    refs = _split_batch(paths, texts)
    if refs is None:
        return [parse_one(p, data) for p, data in zip(paths, datas, strict=True)]
    return [_result(ref.file, hashlib.sha1(data).hexdigest(), ref, [], 0)
            for data, ref in zip(datas, refs, strict=True)]


def _write_rows(results: list[tuple], stats: list[tuple[int, int]], first: int) -> None:
    """Write the batch's rows into the new index; each result that had rows says so
    instead (WRITTEN). The `files` row too, unless the entry inherits (its problems are
    known only once its parent is: the main process writes that one)."""
    global _writer
    if _writer is None:
        _writer = WorkerRows(_into)
    tables: dict[str, list[tuple]] = {name: [] for name in index.SOURCE_TABLES}
    files = []
    for i, (result, (size, mtime_ns)) in enumerate(zip(results, stats, strict=True)):
        rows = result[7]
        if rows is None:
            continue
        tables["sources"].extend((first + i + 1, *row) for row in rows["sources"])
        for name in index.SOURCE_TABLES[1:]:
            tables[name].extend(rows[name])
        if not result[4].parent:
            state = FileState(result[0], size, mtime_ns)
            take(state, result, None)
            files.extend(file_rows([state]))
        results[i] = (*result[:7], WRITTEN)
    tables["files"] = files
    _writer.write(tables)


def _split_batch(paths: list[str], texts: list[str]) -> list[Reference] | None:
    """One Reference per file from the joined texts, or None if the batch is not clean."""
    starts, parts, line = [], [], 0
    for text in texts:
        starts.append(line)
        part = text if text.endswith("\n") else text + "\n"
        parts.append(part)
        line += part.count("\n")
    parsed = parse_text("".join(parts), "batch")
    if (parsed.problems or parsed.strings or parsed.notices
            or len(parsed.references) != len(paths)):
        return None
    refs = []
    for i, (path, ref) in enumerate(zip(paths, parsed.references, strict=True)):
        start = starts[i]
        end = starts[i + 1] if i + 1 < len(starts) else line
        name = os.path.basename(path)
        if not start < ref.line <= end or ref.key + ".bib" != name:
            return None
        rel = f"refs/{name}"
        refs.append(Reference(ref.key, ref.entry_type, ref.fields, rel, ref.line - start,
                              {name: n - start for name, n in ref.field_lines.items()}))
    return refs


def parse_one(path: str, data: bytes | None = None) -> tuple:
    """Read, hash and parse one file on its own."""
    source = Path(path)
    rel = f"refs/{source.name}"
    data = source.read_bytes() if data is None else data
    sha1 = hashlib.sha1(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8"
        return rel, sha1, "", "", None, [Problem(rel, 1, message)], 1, None
    ref, problems = parse_source_text(text, rel, source.stem)
    return _result(rel, sha1, ref, problems, len(problems))


def _result(rel: str, sha1: str, ref: Reference | None, problems: list[Problem],
            read: int) -> tuple:
    if ref is None:
        return rel, sha1, "", "", None, problems, read, None
    item = CrossItem.of(ref)
    if not item.parent:  # entries that inherit fields are validated once all are read
        problems = problems + entry_problems(ref)
    return (rel, sha1, index.entry_json(ref), format_entry(ref), item, problems, read,
            index.source_rows(ref))
