"""Bytes of a bibliography to text: UTF-8 (±BOM), UTF-16 LE/BE (±BOM), Latin-1/Windows-1252.

    text, encoding = decode(data, "export.bib")

The rule, so that nothing is guessed wrong silently:
- a byte-order mark decides (UTF-8, UTF-16 LE or BE);
- without one, NUL bytes in every other position mean UTF-16 (LE or BE by their side);
- valid UTF-8 is UTF-8;
- text with no valid UTF-8 sequence beyond ASCII is Windows-1252 (Latin-1 when it holds
  bytes Windows-1252 leaves undefined);
- anything else (valid UTF-8 mixed with invalid bytes, a broken UTF-16 file) is an error
  naming the byte offset and line: a guess there would change values.
"""

from __future__ import annotations

import codecs
import re

from reflib.errors import Problem, ReflibError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# A UTF-8 multi-byte sequence (well-formed lead and continuation bytes).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                             rb"|[\xf0-\xf4][\x80-\xbf]{3}")
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


class DecodeFailed(ReflibError):
    """The bytes cannot be read as text in any encoding we accept."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def decode(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of `data` and the encoding it was read in; DecodeFailed names the offset."""
    if encoding:
        return _strict(data, file, encoding, 0), encoding
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], file, name, len(bom)), name
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, file, utf16, 0), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data):
            raise _failure(data, file, "utf-8", exc.start, 0, exc.reason,
                           "the file mixes UTF-8 with another encoding; save it as UTF-8 "
                           "(or name its encoding with --encoding)") from None
    if not _CP1252_UNDEFINED.intersection(data):
        return data.decode("cp1252"), "windows-1252"
    return data.decode("latin-1"), "latin-1"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE/BE when NULs fill one side of most character pairs of the start."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd >= pairs * 0.3 and even < pairs * 0.05:
        return "utf-16-le"
    if even >= pairs * 0.3 and odd < pairs * 0.05:
        return "utf-16-be"
    return None


def _strict(data: bytes, file: str, encoding: str, offset: int) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _failure(data, file, encoding, exc.start, offset, exc.reason,
                       "save it as UTF-8, or name its encoding with --encoding") from None
    except LookupError:
        raise DecodeFailed(Problem(file, 0, f"unknown encoding '{encoding}'; use a name "
                                   "such as utf-8, utf-16, latin-1 or windows-1252")) from None


def _failure(data: bytes, file: str, encoding: str, start: int, offset: int, reason: str,
             fix: str) -> DecodeFailed:
    at = start + offset
    line = data[:start].count(b"\n" if "16" not in encoding else "\n".encode(encoding)) + 1
    byte = data[start:start + 1].hex()
    return DecodeFailed(Problem(file, line, f"cannot be read as {encoding}: byte 0x{byte} at "
                                f"offset {at} ({reason}); {fix}"))
