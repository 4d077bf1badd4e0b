"""Which values of a knowledge base may become links: the one decision every output makes.

A record's `url`, `doi` or any other value is data written by someone. Only an absolute http
or https URL, and a real DOI (10.xxxx/...) as `https://doi.org/...`, become a link (an HTML
href, a Markdown autolink, a URL pandoc links); anything else (`javascript:`, `data:`,
`vbscript:`, `file:`, a relative path, any spelling of them) stays text. The href returned is
percent-encoded where HTML or Markdown syntax could take a character for its own, and always
starts with `http://` or `https://`, whatever the value held.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

# An absolute http(s) URL with a host: the scheme's letters in any case, `://`, then no path,
# query or fragment before the host (`https:///x`, `https://?`), no space, nothing else.
_HTTP = re.compile(r"(https?)://(?=[^/\\?#\s])", re.IGNORECASE)
# Kept as they are in an href: URL syntax. Everything else (spaces, quotes, < > \ ` { } |,
# controls, non-ASCII) is percent-encoded, which also keeps a Markdown autolink whole.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
# The same for a DOI's suffix, except that `?`, `#` and `%` belong to the DOI, not to the URL.
_DOI_SAFE = ":/[]@!$&'()*+,;=~"
# A DOI as the audit's malformed-doi rule knows one: directory 10, a registrant, a suffix.
DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*|urn:doi:)", re.IGNORECASE)


def href(url: str) -> str | None:
    """`url` as a link's target: an http or https URL with a host, percent-encoded; None for
    any other value, which an output shows as text."""
    value = url.strip()
    found = _HTTP.match(value)
    if found is None:
        return None
    return found.group(1).lower() + quote(value[found.end(1):], safe=_URL_SAFE)


def bare_doi(value: str) -> str:
    """A DOI field without its resolver or `doi:` prefix, as written otherwise."""
    return _DOI_PREFIX.sub("", value.strip())


def doi_href(value: str) -> str | None:
    """The `https://doi.org/` link of a DOI field; None unless it holds a real DOI (10.xxxx/...),
    so that a `doi` holding `javascript:alert(1)` or any other text is never a link."""
    bare = bare_doi(value)
    if not DOI.fullmatch(bare):
        return None
    return "https://doi.org/" + quote(bare, safe=_DOI_SAFE)


def csl_linkable(item: dict[str, Any]) -> dict[str, Any]:
    """A CSL-JSON item without a `URL` or `DOI` that may not be a link: citeproc processors
    (pandoc's) make every URL and DOI a link, one with `://` in it as it stands
    (`javascript://%0Aalert(1)`), so what would be text elsewhere is left out here."""
    kept = dict(item)
    if "URL" in kept and href(str(kept["URL"])) is None:
        del kept["URL"]
    if "DOI" in kept and doi_href(str(kept["DOI"])) is None:
        del kept["DOI"]
    return kept
