"""The Retraction Watch index: the CSV Crossref publishes, read into notices by original DOI and PMID.

The file is some 60 MB; it is parsed once and kept as JSON in the cache folder under the file's
SHA-256, so a run reads the parsed index, and a newer file (another hash) is parsed anew. JSON,
not pickle: the cache folder lies in the KB, and a KB from someone else may bring one along.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import orjson

from kb.verify import normalise
from kb.verify.model import Retraction

# The columns read; the file has more (Title, Subject, Institution, ...), all published by Crossref.
COLUMNS = ("RetractionDate", "RetractionDOI", "RetractionPubMedID", "OriginalPaperDOI", "OriginalPaperPubMedID",
           "RetractionNature")

NATURES = {"retraction": "retraction", "correction": "correction", "expression of concern": "expression-of-concern",
           "reinstatement": "reinstatement"}

_FORMAT = 2  # bumped when the cached shape changes, so an old cache is not read as a new one


class RetractionWatchError(Exception):
    """The Retraction Watch file cannot be used: missing, unreadable, or not the published CSV.
    `str(error)` says why; `path` and `line` say where (line 0: the file as a whole)."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


@dataclass(frozen=True)
class RetractionWatch:
    """Notices by the original paper's DOI (lower case) and PMID."""

    by_doi: dict[str, tuple[Retraction, ...]] = field(default_factory=dict)
    by_pmid: dict[str, tuple[Retraction, ...]] = field(default_factory=dict)
    sha256: str = ""  # the CSV's hash: the cache key

    @classmethod
    def load(cls, csv_path: Path, cache_dir: Path) -> RetractionWatch:
        """The index of `csv_path`, from `cache_dir` when this very file was parsed before."""
        try:
            data = csv_path.read_bytes()
        except OSError as error:
            raise RetractionWatchError(csv_path, 0, f"cannot read the Retraction Watch file: "
                                       f"{error.strerror or error}") from error
        digest = hashlib.sha256(data).hexdigest()
        cached = cache_dir / f"retraction-watch-{digest}.json"
        try:
            index = orjson.loads(cached.read_bytes())
            if isinstance(index, dict) and index.get("format") == _FORMAT:
                return cls(_notices(index["doi"]), _notices(index["pmid"]), digest)
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            pass  # no cache yet, or a damaged one: parse the file again
        by_doi, by_pmid = _parse(data, csv_path)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".tmp")
            partial.write_bytes(orjson.dumps({"format": _FORMAT, "doi": _plain(by_doi), "pmid": _plain(by_pmid)}))
            partial.replace(cached)
        except OSError:
            pass  # a read-only cache folder costs the next run a parse, nothing else
        return cls(by_doi, by_pmid, digest)

    def lookup(self, doi: str, pmid: str) -> tuple[Retraction, ...]:
        """The notices on the paper with this DOI or PMID (either may be ""), each once."""
        found = list(self.by_doi.get(normalise.doi(doi), ())) if doi else []
        if pmid.strip() and pmid.strip() != "0":
            found += [r for r in self.by_pmid.get(pmid.strip(), ()) if r not in found]
        return tuple(found)


def _parse(data: bytes, path: Path) -> tuple[dict[str, tuple[Retraction, ...]], dict[str, tuple[Retraction, ...]]]:
    # Crossref warns that the file holds some invalid UTF-8: such bytes become U+FFFD.
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)  # a stray quote would swallow rows
    header = reader.fieldnames
    if not header:
        raise RetractionWatchError(path, 1, "the Retraction Watch file is empty: no header line")
    lacking = [c for c in COLUMNS if c not in header]
    if lacking:
        raise RetractionWatchError(path, 1, "not the Retraction Watch CSV: no column " + ", ".join(lacking))
    by_doi: dict[str, list[Retraction]] = {}
    by_pmid: dict[str, list[Retraction]] = {}
    start = 2  # the line the record being read starts at
    try:
        for row in reader:
            start = reader.line_num + 1
            notice = _notice(row)
            for doi in _split(row.get("OriginalPaperDOI") or ""):
                key = normalise.doi(doi)
                if key and key not in ("unavailable", "na", "n/a") and notice not in by_doi.get(key, []):
                    by_doi.setdefault(key, []).append(notice)
            for pmid in _split(row.get("OriginalPaperPubMedID") or ""):
                if pmid.isdigit() and int(pmid) != 0 and notice not in by_pmid.get(pmid, []):
                    by_pmid.setdefault(pmid, []).append(notice)
    except csv.Error as error:
        raise RetractionWatchError(path, start, f"not a readable CSV: {error}") from error
    return ({k: tuple(v) for k, v in by_doi.items()}, {k: tuple(v) for k, v in by_pmid.items()})


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _notice(row: dict[str, str]) -> Retraction:
    dois = [d for d in _split(row.get("RetractionDOI") or "") if normalise.doi(d) not in ("unavailable", "na")]
    pmids = [p for p in _split(row.get("RetractionPubMedID") or "") if p.isdigit() and int(p) != 0]
    notice = normalise.doi(dois[0]) if dois else (pmids[0] if pmids else "")
    nature = (row.get("RetractionNature") or "").strip().casefold()
    kind = NATURES.get(nature, re.sub(r"\s+", "-", nature) or "retraction")
    return Retraction("retraction-watch", notice, kind, _date(row.get("RetractionDate") or ""))


def _date(value: str) -> str:
    """ "3/15/2021 0:00" -> "2021-03-15"; "" when it is not such a date."""
    match = re.match(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})", value)
    if not match:
        return ""
    month, day, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def _plain(index: dict[str, tuple[Retraction, ...]]) -> dict[str, list[list[str]]]:
    return {key: [[r.source, r.notice, r.type, r.date, r.origin] for r in notices] for key, notices in index.items()}


def _notices(plain: object) -> dict[str, tuple[Retraction, ...]]:
    """The index as `_plain` wrote it; a TypeError or ValueError for anything else (a damaged cache)."""
    if not isinstance(plain, dict):
        raise TypeError("not an index")
    index = {}
    for key, notices in plain.items():
        index[key] = tuple(Retraction(*map(str, notice)) for notice in notices)
        if not all(len(notice) == 5 for notice in notices):
            raise ValueError("not a notice")
    return index
