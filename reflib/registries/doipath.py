"""A DOI written into a URL path as an opaque string: nothing in it can climb out.

A DOI's suffix may hold any printable character, so `10.1234/../../etc/passwd` is a
string to look up, not a path. The prefix and the suffix are each one percent-encoded
path segment: every `/`, `?`, `#` and `%` of the suffix is encoded, and a segment made
only of dots is written as `%2E`s, which no URL normaliser may resolve as `.` or `..`.

    >>> encode_doi("10.1234/../../../etc/passwd")
    '10.1234/..%2F..%2F..%2Fetc%2Fpasswd'
    >>> encode_doi("10.1234/..")
    '10.1234/%2E%2E'
    >>> encode_doi("10.1002/(SICI)1097-4636(199812)43:4<466::AID>3.0.CO;2-#")
    '10.1002/%28SICI%291097-4636%28199812%2943%3A4%3C466%3A%3AAID%3E3.0.CO%3B2-%23'
"""

from __future__ import annotations

from urllib.parse import quote

# Kept readable in links people see (the report); still never `/`, `?`, `#` or `%`.
READABLE = ":;()[]-._~!$'*,=@"


def encode_segment(text: str, safe: str = "") -> str:
    """One path segment, percent-encoded; `.` and `..` (and empty) cannot stay as such."""
    encoded = quote(text, safe=safe.replace("/", ""))
    if not encoded.strip("."):
        encoded = encoded.replace(".", "%2E")
    return encoded


def encode_doi(doi: str, safe: str = "") -> str:
    """`PREFIX/SUFFIX` with each part one encoded segment (see the module docstring)."""
    prefix, slash, suffix = doi.partition("/")
    if not slash:
        return encode_segment(prefix, safe)
    return f"{encode_segment(prefix, safe)}/{encode_segment(suffix, safe)}"

