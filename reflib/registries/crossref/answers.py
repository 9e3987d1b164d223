"""Reading Crossref's answers, and writing DOIs into its URLs. Pure helpers of the gateway
(reflib.registries.crossref.gateway); no network, no habanero.

    >>> encode_doi("10.1002/(SICI)1097-4636(199812)43:4<466::AID-JBM16>3.0.CO;2-#")
    '10.1002/%28SICI%291097-4636%28199812%2943%3A4%3C466%3A%3AAID-JBM16%3E3.0.CO%3B2-%23'
    >>> doi_from_location("/works/10.26434/chemrxiv.5406907.v5")
    '10.26434/chemrxiv.5406907.v5'
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from reflib.errors import BadResponse, CrossrefError, NotFound, RateLimited, Unavailable
from reflib.library.model import normalize_doi
from reflib.registries import doipath
from reflib.registries.crossref.shape import shape_problems
from reflib.registries.throttle import retry_after_seconds

NOT_FOUND_TEXT = "resource not found."  # Crossref's whole 404 body for a missing DOI

# Looser than model.is_valid_doi on purpose: old SICI DOIs hold spaces, and the gateway's
# job is to carry any DOI to Crossref whole; the validator judges DOI fields.
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}/.+$", re.S)


def is_doi_shaped(doi: str) -> bool:
    """`10.` + registrant + `/` + any suffix (spaces included)."""
    return bool(_DOI_SHAPE.match(doi))


def encode_doi(doi: str) -> str:
    """A DOI as an opaque path: prefix and suffix each one percent-encoded segment
    (reflib.registries.doipath), so `..`, `/`, `?`, `#` and `%` reach Crossref as text."""
    return doipath.encode_doi(doi)


def content_kind(response: Any) -> str:
    """What a body is, for messages: JSON, an HTML page, text, or its content type."""
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if "json" in ctype:
        return "JSON"
    if "html" in ctype or response.text.lstrip()[:1] == "<":
        return "an HTML page"
    if ctype.startswith("text/"):
        return "text"
    return ctype or "no content type"


def crossref_message(response: Any) -> str:
    """The human message of a Crossref JSON error, else the start of the body."""
    try:
        message = response.json().get("message")
    except ValueError:
        return response.text.strip()[:200] or "no message"
    if isinstance(message, list) and message and isinstance(message[0], dict):
        return "; ".join(str(m.get("message", m)) for m in message)
    if isinstance(message, dict):
        return str(message.get("message") or message.get("description") or message)
    return str(message)


def work_message(data: Any, what: str) -> dict[str, Any]:
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict) or not message.get("DOI"):
        raise BadResponse(f"{what}: the answer holds no work (no message.DOI)")
    misshapen(message, what)
    return message


def misshapen(work: Any, what: str) -> None:
    """BadResponse when a work is not in Crossref's documented shape (see shape.py)."""
    problems = shape_problems(work)
    if problems:
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        raise BadResponse(f"{what}: the answer is not a well-formed Crossref work: "
                          f"{'; '.join(problems[:2])}{more}")


def list_items(data: Any, what: str) -> list[Any]:
    message = data.get("message") if isinstance(data, dict) else None
    items = message.get("items") if isinstance(message, dict) else None
    if not isinstance(items, list):
        raise BadResponse(f"{what}: the answer holds no list of works (no message.items)")
    return items


_WORKS_PATH = re.compile(r"/works/(.+)$")


def doi_from_location(location: str) -> str:
    """The DOI a redirect points to: `/works/10.26434/chemrxiv.5406907.v5` -> that DOI."""
    path = urlsplit(location).path
    match = _WORKS_PATH.search(path)
    if not match:
        return ""
    doi = normalize_doi(unquote(match.group(1)))
    return doi if is_doi_shaped(doi) else ""


def answer_failure(what: str, host: str, response: Any, exc: Exception
                   ) -> tuple[CrossrefError, bool, float | None]:
    """What a failed answer means: (our error, worth retrying?, seconds the server asked
    us to wait). A 404 is "not found" only with Crossref's own text body; a 5xx, an HTML
    page or a proxy's 404 is "unavailable", never "not found". Errors carry `.status`."""
    status = response.status_code
    kind = content_kind(response)
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if status == 404:
        if kind == "text" and response.text.strip().lower() == NOT_FOUND_TEXT:
            error: CrossrefError = NotFound(f"{what}: Crossref has no such work "
                                            "(404 Resource not found.)")
        else:
            error = Unavailable(f"{what}: {host} answered 404 with {kind}, not Crossref's "
                                "'Resource not found.'; check --crossref-url")
        return _status(error, status), False, None
    if status == 429:
        return _status(RateLimited(f"{what}: {host} is rate limiting us (429)"), status), \
            True, retry_after
    if status >= 500:
        error = Unavailable(f"{what}: {host} answered {status} {response.reason_phrase} "
                            f"({kind})")
        return _status(error, status), True, retry_after if status == 503 else None
    if status == 400:
        error = BadResponse(f"{what}: Crossref refused the request (400): "
                            f"{crossref_message(response)}")
        return _status(error, status), False, None
    if status >= 400:
        error = Unavailable(f"{what}: {host} answered {status} {response.reason_phrase}")
        return _status(error, status), False, None
    if kind != "JSON":  # a proxy's login page, a captive portal: may pass
        error = BadResponse(f"{what}: {host} answered {status} with {kind}, not JSON")
    else:  # truncated or malformed JSON
        error = BadResponse(f"{what}: unreadable answer from {host} "
                            f"({type(exc).__name__}: {exc})")
    return _status(error, status), True, None


def _status(error: CrossrefError, status: int) -> CrossrefError:
    error.status = status  # type: ignore[attr-defined]
    return error
