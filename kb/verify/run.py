"""`kb verify`: each record looked up in every service, compared, and the evidence kept.

Reads the KB as every command does, asks Crossref, OpenAlex and PubMed about each record (or the
keys named) through one client (`kb.verify.http`: pacing, retries, the cache), decides each
record's computed status (`kb.verify.compare`), and writes `verification.json` beside
references.bib (`kb.verify.evidence`). references.bib itself is never written: `--diff` prints
what the lookups suggest as a patch instead.
"""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb.findings import UNREADABLE_INPUT, Finding, Location
from kb.knowledgebase import BIB_NAME
from kb.paths import Files, Named
from kb.verify.model import SERVICES, RecordResult
from kb.verify.retractionwatch import RetractionWatch

CACHE_PATH = Path(".kb-cache") / "verify.sqlite"  # in the KB folder; never committed
DEFAULT_CACHE_DAYS = 30
MAILTO_VARIABLE = "KB_MAILTO"
API_KEY_VARIABLE = "NCBI_API_KEY"  # PubMed's E-utilities allow more requests a second with a key

Advance = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    keys: tuple[str, ...] = ()  # the records to check; all when empty
    offline: bool = False  # answers from the cache only
    refresh: bool = False  # ignore cached answers
    record: Path | None = None  # save every answer received here
    replay: Path | None = None  # answer only from a recording made with `record`
    write: bool = True  # write verification.json (not with --diff)


@dataclass(frozen=True)
class VerifyOutcome:
    results: list[RecordResult] = field(default_factory=list)  # in references.bib's order
    findings: list[Finding] = field(default_factory=list)  # why it could not run, or what it could not write
    written: list[Path] = field(default_factory=list)
    unreadable: bool = False
    diff: str = ""
    notes: list[str] = field(default_factory=list)  # what the client wants said (a damaged cache set aside)


def _silent(what: str) -> None:
    pass


def verify(root: Path, options: Options, advance: Advance = _silent) -> VerifyOutcome:
    from kb import build
    from kb.verify import answers, compare, evidence, http, services
    from kb.verify.evidence import VERIFICATION_NAME

    kb, stop = build.read(root)
    if stop:
        return VerifyOutcome(findings=stop.findings, unreadable=True)
    works = kb.works
    unknown = [key for key in options.keys if key not in works]
    if unknown:
        return VerifyOutcome(findings=[_unknown_key(key, list(works)) for key in unknown], unreadable=True)
    settings = kb.config.verify
    files = Files(root)
    watch, problems = _retraction_watch(root, files, settings.retraction_watch, settings.retraction_watch_line)
    if problems:
        return VerifyOutcome(findings=problems, unreadable=True)

    defaults = http.Services()
    services_ = http.Services(
        crossref=settings.services.get("crossref", defaults.crossref),
        openalex=settings.services.get("openalex", defaults.openalex),
        pubmed=settings.services.get("pubmed", defaults.pubmed),
        mailto=os.environ.get(MAILTO_VARIABLE, "") or settings.mailto, api_key=os.environ.get(API_KEY_VARIABLE, ""),
        timeout=settings.timeout or defaults.timeout,
        retries=settings.retries if settings.retries is not None else defaults.retries)
    days = settings.cache_days if settings.cache_days is not None else DEFAULT_CACHE_DAYS
    chosen = [works[key] for key in (options.keys or works)]
    results = []
    try:
        client = http.Client(services_, cache_path=root / CACHE_PATH, max_age_days=days, offline=options.offline,
                             refresh=options.refresh, record_dir=options.record, replay_dir=options.replay)
    except answers.StoreError as error:
        where = options.replay.as_posix() if options.replay is not None else CACHE_PATH.as_posix()
        said = str(error).removeprefix(f"{where}: ").removeprefix(f"{options.replay}: ")
        return VerifyOutcome(findings=[UNREADABLE_INPUT.finding(Location(where, 0), said)], unreadable=True)
    with client:
        for number, work in enumerate(chosen, 1):
            advance(f"{work.key} ({number} of {len(chosen)})")
            asked = [services.ask(service, work, client) for service in SERVICES]
            results.append(compare.decide(work, asked, watch))
        notes = list(client.notes)
    advance("done")
    diff = ""
    written = []
    if options.write:
        path = root / VERIFICATION_NAME
        kept = _kept(results, kb.verification)
        notes += [f"{key}: the services did not answer; verification.json keeps what they said on "
                  f"{_date_of(kept[key])}" for key in sorted(kept)]
        evidence.write(path, [kept.get(r.key, r) for r in results], kb.verification if options.keys else None)
        written.append(path)
    else:
        from kb.verify import diff as diff_

        bib = kb.bibliography.path.read_bytes().decode("utf-8")
        diff = diff_.diff(bib, BIB_NAME, works, results)
    return VerifyOutcome(results=results, written=written, diff=diff, notes=notes)


def _kept(results: Sequence[RecordResult], previous: Mapping[str, RecordResult] | None) -> dict[str, RecordResult]:
    """The earlier results that stay in verification.json: a lookup that failed now says nothing
    about a record the services answered for before, so it never replaces what they said then."""
    if previous is None:
        return {}
    return {r.key: previous[r.key] for r in results
            if r.status == "lookup-failed" and r.key in previous and previous[r.key].status != "lookup-failed"}


def _date_of(result: RecordResult) -> str:
    return max((lookup.date for lookup in result.lookups if lookup.date), default="an earlier run")


def _unknown_key(key: str, keys: Sequence[str]) -> Finding:
    close = difflib.get_close_matches(key, keys, n=3)
    meant = f" (did you mean {', '.join(close)}?)" if close else ""
    return UNREADABLE_INPUT.finding(Location("references.bib", 0), f"no record has the key {key}{meant}")


def _retraction_watch(root: Path, files: Files, name: str, line: int) -> tuple[RetractionWatch | None, list[Finding]]:
    """The Retraction Watch index named in kb.toml, or None without one; a path outside the KB,
    missing or not a regular file is a finding at its line in kb.toml."""
    if not name:
        return None, []
    from kb.verify import retractionwatch

    where = Named(Location("kb.toml", line), "the Retraction Watch file", name)
    path = root / name
    real = files.inside(path, files.shown(path), where)
    if isinstance(real, Finding):
        return None, [real]
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None, [UNREADABLE_INPUT.finding(where.location, f"the Retraction Watch file {name} is missing")]
    if not stat.S_ISREG(mode):
        return None, [UNREADABLE_INPUT.finding(where.location, f"the Retraction Watch file {name} is not a regular file")]
    try:
        return retractionwatch.RetractionWatch.load(Path(real), root / CACHE_PATH.parent), []
    except retractionwatch.RetractionWatchError as error:
        return None, [UNREADABLE_INPUT.finding(Location(files.shown(path), error.line), str(error))]



