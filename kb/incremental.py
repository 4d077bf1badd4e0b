"""Incremental builds: the report's inputs from what an earlier build kept of each leaflet.

A build keeps, in `build/.cache/incremental/`, per leaflet what the report holds of it (its
`documents` entry, its `claims` entries as report.json writes them, its text's segments, its
findings), keyed by what they depend on: the leaflet's claims file and text (their bytes; their
size, mtime and inode spare reading them), the records its claims cite and their verification.json
entries, the bibliography's citation identity, kb.toml, the code and the language. It keeps the
bibliography as read (JSON, not pybtex again), the reference entries (by the bibliography's hash
and the language) and the findings of the rules that look across the KB (`kb.audit.registry.SCOPES`),
by the hash of what they read. The next build recomputes only what changed: after one leaflet
is edited, that leaflet; after one record, the leaflets citing it. What it makes is what a cold
build makes, byte for byte.

A KB it cannot follow leaflet by leaflet (unreadable input, a claim id or a leaflet text shared by
two leaflets) is built cold (`build` returns None). What a build keeps is written only once its
report is (`keep`): a build that fails leaves build/ as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import itertools
import operator
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from kb import bibliography, config
from kb.apa.references import Entry
from kb.apart import Apart
from kb.bibliography import Bibliography, Name, Work
from kb.claims import Document
from kb.findings import UNREADABLE_RULES, Finding, Location, Severity
from kb.knowledgebase import BIB_NAME, CLAIMS_DIR, KnowledgeBase, claims_files, read_leaflet
from kb.output import Slice, chunk_bytes, held
from kb.paths import MAX_BIB_BYTES, Files, settled
from kb.texts import LeafletText
from kb.verify import evidence
from kb.verify.evidence import VERIFICATION_NAME

if TYPE_CHECKING:
    from kb.pages import Summary

BATCH = 256  # leaflets made anew together: what a first build of thousands holds at once
STATE = "incremental"  # under build/.cache, beside the reports kb.cache keeps (named by their hash)
FORMAT = 12  # of the files kept; another value is a miss
# Fields of a record that are the KB's own (evidence, verification): no citation, reference entry
# or year letter reads them, so a change to one reaches only the leaflets citing the record.
_EVIDENCE_FIELDS = frozenset({"design", "n", "population", "verificationstatus", "verification", "evidence",
                              "evidencereason"})
_INDENT = orjson.OPT_INDENT_2
# What the leaflet rules keep in the KB's memo per leaflet (document id -> ...), read by no other leaflet.
_PER_LEAFLET = ("placements", "closest-passages")


def _hash(*parts: bytes | str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def _item(value: Any) -> bytes:
    """`value` as report.json writes an item of its lists (kb.report.json_chunks)."""
    return orjson.dumps(value, option=_INDENT).replace(b"\n", b"\n    ")


def _signature(path: Path) -> list[int] | None:
    """What stands for a file's content while it is the same; None (its bytes are compared) for a
    file changed so lately that it could change again without its times changing (kb.paths.settled)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    if not settled(status):
        return None
    return [status.st_size, status.st_mtime_ns, status.st_ino, status.st_mode]  # the mode: chmod 000


# --- the bibliography as read, kept as JSON -----------------------------------------------------

_WORK_FIELDS = ("key", "entry_type", "line", "authors", "editors", "year", "title", "fields")
_NAME_FIELDS = ("first", "von", "last", "jr")


def _codec_fits() -> bool:
    """Whether Work and Name still have the fields this module writes and reads."""
    return (tuple(f.name for f in dataclasses.fields(Work)) == _WORK_FIELDS
            and tuple(f.name for f in dataclasses.fields(Name)) == _NAME_FIELDS)


def _names_json(names: tuple[Name, ...]) -> list[list[str]]:
    return [[n.first, n.von, n.last, n.jr] for n in names]


def _work_json(work: Work) -> list[Any]:
    return [work.key, work.entry_type, work.line, _names_json(work.authors), _names_json(work.editors),
            work.year, work.title, work.fields]


def _work(data: list[Any]) -> Work:
    key, entry_type, line, authors, editors, year, title, fields = data
    return Work(key=key, entry_type=entry_type, line=line, authors=tuple(Name(*n) for n in authors),
                editors=tuple(Name(*n) for n in editors), year=year, title=title, fields=fields)


def _finding_json(finding: Finding) -> list[Any]:
    return [finding.location.path, finding.location.line, finding.severity.value, finding.rule, finding.message,
            finding.claim, finding.key, finding.suggestion, finding.extra]


def _finding(data: list[Any]) -> Finding:
    path, line, severity, rule, message, claim, key, suggestion, extra = data
    return Finding(Location(path, line), Severity(severity), rule, message, claim, key, suggestion, extra)


@dataclass(frozen=True)
class Bib:
    """references.bib as read, with what the leaflets' keys are made of."""

    bibliography: Bibliography
    findings: list[Finding]  # what reading it met
    digest: str  # of the file's bytes
    works: dict[str, str]  # key -> the hash of its record
    identity: str  # hash of every record's citation identity (authors, year, title, ...)


def _read_bib(root: Path, files: Files, store: Path, code: str, pending: Pending) -> Bib | None:
    """references.bib, from the kept JSON when its bytes are those kept; None when it cannot be read."""
    path = root / BIB_NAME
    content = files.read_present(path, BIB_NAME, limit=MAX_BIB_BYTES)
    if isinstance(content, Finding):
        return None
    digest = _hash(code, b"missing" if content is None else content)
    kept = store / "bibliography.json"
    try:
        data = orjson.loads(kept.read_bytes())
        if data["digest"] == digest:
            works = {w[0]: _work(w) for w in data["works"]}
            return Bib(Bibliography(path, works, {k: list(v) for k, v in data["lines"].items()}),
                       [_finding(f) for f in data["findings"]], digest, data["hashes"], data["identity"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    bib, findings = bibliography.load(path, BIB_NAME, files)
    if any(f.rule in UNREADABLE_RULES for f in findings):
        return None
    encoded = {key: _work_json(work) for key, work in bib.works.items()}
    hashes = {key: _hash(orjson.dumps(data)) for key, data in encoded.items()}
    identity = _hash(orjson.dumps([[d[:7], {k: v for k, v in d[7].items() if k not in _EVIDENCE_FIELDS}]
                                   for d in encoded.values()]))
    if _codec_fits():
        _keep(pending, kept, orjson.dumps({"digest": digest, "works": list(encoded.values()), "lines": bib.lines,
                                   "findings": [_finding_json(f) for f in findings], "hashes": hashes,
                                   "identity": identity}))
    return Bib(bib, findings, digest, hashes, identity)


class Pending:
    """What a build keeps for the next one, until its report is written: each file staged in a
    folder of the store (`.pending-*`), not held in memory (a first build of 50,000 works keeps
    about a gigabyte), and moved into place by `commit`; held in memory where it cannot be staged."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.folder: Path | None = None
        self.staged: dict[Path, Path] = {}  # where it goes -> where it waits
        self.held: dict[Path, bytes] = {}
        self.made: list[Path] = []  # folders made for the staging, innermost first
        self.count = 0  # files staged
        self.others: list[Path] = []  # folders another process stages in for this build (`beside`)

    def put(self, path: Path, content: bytes) -> None:
        self.staged.pop(path, None)
        self.held.pop(path, None)
        try:
            if self.folder is None:
                missing = [folder for folder in (self.store, *self.store.parents) if not folder.exists()]
                self.store.mkdir(parents=True, exist_ok=True)
                self.made = missing  # removed again should the build not be kept
                with held():
                    self.folder = Path(tempfile.mkdtemp(prefix=".pending-", dir=self.store))
            self.count += 1
            waiting = self.folder / str(self.count)  # a name of its own, whatever was staged before
            waiting.write_bytes(content)
            self.staged[path] = waiting
        except OSError:
            self.held[path] = content

    def beside(self) -> Path | None:
        """A folder of its own, in the store, for another process to stage files of this build in
        (kb.apart): removed with the build's own; None when it cannot be made."""
        try:
            self.store.mkdir(parents=True, exist_ok=True)
            with held():
                folder = Path(tempfile.mkdtemp(prefix=".pending-", dir=self.store))
                self.others.append(folder)
        except OSError:
            return None
        return folder

    def adopt(self, other: Pending) -> None:
        """What `other` (another process's, staged in a folder `beside` this one's) staged or held."""
        for path, waiting in other.staged.items():
            self.held.pop(path, None)
            self.staged[path] = waiting
        for path, content in other.held.items():
            self.staged.pop(path, None)
            self.held[path] = content

    def lazy(self, path: Path) -> bytes | Path:
        """What `path` will hold: where it can be read, or its bytes when held."""
        found = self.held.get(path)
        return found if found is not None else self.where(path)

    def where(self, path: Path) -> Path:
        """Where what `path` will hold can be read now."""
        return self.staged.get(path, path)

    def __contains__(self, path: Path) -> bool:
        return path in self.staged or path in self.held

    def commit(self) -> None:
        """Everything in place, the generation last: with all of the build's results or not at all.
        The cache only saves time: what cannot be written is let be."""
        whole = True
        for path, waiting in self.staged.items():
            if path.name != _GENERATION:
                whole = _move(waiting, path) and whole
        for path, content in self.held.items():
            if path.name != _GENERATION:
                whole = write(path, content) and whole
        generation = self.store / _GENERATION
        done = whole and (_move(self.staged[generation], generation) if generation in self.staged
                          else write(generation, self.held[generation]) if generation in self.held else True)
        if not done:  # the next build renders all pages
            with contextlib.suppress(OSError):
                generation.unlink(missing_ok=True)
        self.made = []  # kept: the folders hold the results now
        self.discard()

    def discard(self) -> None:
        """Let go of everything, and the folders made for it while empty (a build that fails
        leaves build/ as it was)."""
        for staging in (self.folder, *self.others):
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        self.folder, self.others = None, []
        for folder in self.made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        self.made = []
        self.staged.clear()
        self.held.clear()


def _move(source: Path, target: Path) -> bool:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    except OSError:
        return False
    return True


def _sweep(store: Path) -> None:
    """Remove what builds killed long ago left staged (a running build's own is young)."""
    try:
        for folder in store.glob(".pending-*"):
            if folder.stat().st_mtime < time.time() - 3600:
                shutil.rmtree(folder, ignore_errors=True)
    except OSError:
        pass


def _keep(pending: Pending, path: Path, content: bytes) -> None:
    """Keep `content` in `path` when the build is done (`keep`)."""
    pending.put(path, content)


def write(path: Path, content: bytes) -> bool:
    """`content` into `path` atomically; the cache only saves time, so a failure is let be: whether
    it was written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with held():
            fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


# --- one leaflet ---------------------------------------------------------------------------------

@dataclass
class Leaflet:
    """What a build keeps of one leaflet (its entry in leaflets.json), and what it is keyed by."""

    name: str  # the claims file's name in claims/
    id: str  # the document's id
    claims_sig: list[int] | None  # size, mtime_ns, inode of the claims file
    claims_hash: str  # of its bytes
    text_path: str  # the leaflet text's path from the KB's folder (`_text_from_root`); "" for none read
    text_named: str  # the text's path as the claims file names it, read or not
    text_sig: list[int] | None
    text_hash: str
    keys: list[str]  # the work keys its claims cite, sorted
    claim_ids: list[str]  # its claims' ids, in file order
    skeleton: str  # hash of its claims but their text: what the KB-wide rules read of it
    deps: str  # hash of everything else its results depend on (see `_deps`)
    document: dict[str, Any]  # its `documents` entry of report.json
    # its findings by file: [path, start, end, page, count, errors, warnings]: where their report.json
    # items lie in its .findings, the page showing them all (its id; None when not all on its own
    # page, see kb.pages._owner), how many there are and of which severity
    groups: list[list[Any]]
    errors: list[list[Any]]  # its error findings: [rank, rule index, position, finding (`_finding_json`)]
    cited: list[list[Any]]  # [work key, source line, claim id] per source, in file order
    parts: list[int]  # where each part of its kept file (`PARTS`) ends

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


# The parts of the file kept of each leaflet, one after the other: its claims' report.json entries
# as report.json holds them, its segments, its findings as report.json items grouped by file, each
# finding with where it sorts, its claims' summaries (kb.pages.summary). One file, not one per part:
# a first build at 10,000 works makes a file per leaflet, where it made five (a file made costs a
# new inode, and ext4 looks long for one right after a build folder was removed).
PARTS = ("claims", "segments", "findings", "items", "summaries")
CLAIMS, SEGMENTS, FINDINGS, ITEMS, SUMMARIES = range(len(PARTS))


@functools.cache
def _kept_file(store: Path, name: str) -> Path:
    """The file kept of the leaflet `name` (its `PARTS`), beside leaflets.json; named once per build
    (making a path is a noticeable share of a build of one leaflet)."""
    return Path(os.path.join(store, "leaflets", _hash(name)))


def _part(where: bytes | Path, record: Leaflet, i: int, within: tuple[int, int] | None = None) -> bytes | Slice:
    """The part `i` (`PARTS`) of a leaflet's kept file, or bytes `within` it (start, end), from
    the file's bytes or as a slice of the file."""
    start, end = record.parts[i - 1] if i else 0, record.parts[i]
    if within is not None:
        start, end = start + within[0], start + within[1]
    return where[start:end] if isinstance(where, bytes) else Slice(where, start, end)


def _text_from_root(document: Document) -> str:
    """The leaflet text's path from the KB's folder, as its claims file in claims/ names it (not
    normalised: a `..` after a linked folder leads where it led): the same however the folder is
    spelled, and from whatever folder the command runs."""
    return str(Path(CLAIMS_DIR) / document.text_name)


def _skeleton(document: Document) -> str:
    """The hash of the leaflet's claims file as read, its claims' text left out."""
    claims = [{f.name: getattr(c, f.name) for f in dataclasses.fields(c) if f.name != "text"} for c in document.claims]
    # the claims file by its name in claims/, the text by its name from there: the same however the
    # KB's folder is spelled (`kb report` in it, `kb --kb /path report` elsewhere)
    head = [document.id, document.title, document.publisher, document.language, document.claims_path.name,
            document.text_name, document.text_line]
    return _hash(orjson.dumps([head, claims], default=str))


def _deps(keys: list[str], bib: Bib, verification: evidence.Evidence | None, common: str,
          across: dict[str, list[Any]]) -> str:
    """The hash of what a leaflet's results depend on besides its own files: the records it
    cites, their verification.json entries, `common` (code, language, kb.toml, the citation
    identity of the whole bibliography) and the KB-wide rules' findings about its claims."""
    parts = []
    for key in keys:
        checked = verification.get(key) if verification is not None else None
        parts.append([key, bib.works.get(key), checked.as_json() if checked is not None else None])
    return _hash(common, orjson.dumps([parts, across], default=str))


# --- the build ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Built:
    """What an incremental build made: the report's data as report.json bytes, and its inputs."""

    report_json: Iterator[bytes | Path | Slice]  # report.json's chunks (a path, a slice: those bytes), made once
    report: dict[str, Any]  # the report.json contract, as dicts (kb.reportdata.Inputs.report)
    texts: Texts  # document id -> segments
    references: dict[str, Entry]
    errors: list[Finding]  # the error findings, sorted
    recomputed: tuple[str, ...]  # ids of the leaflets whose results were made anew, in order
    kb_rules_run: bool  # whether the KB-wide rules ran (rather than being kept)
    text_paths: tuple[Path, ...]  # every leaflet's text, as its claims file names it
    pending: Pending  # what to keep for the next build (`keep`), once the report is written
    pages: str = "auto"  # kb.toml's [report] pages
    scope: Scope | None = None  # what changed since the build this one followed


@dataclass(frozen=True)
class Scope:
    """What a build changed of the report since the build it followed (kb.pages renders only the
    pages showing it): the documents whose claims, findings or entry were made anew, and the works
    those documents cite or cited, whose claims lists may differ. Everything else of the report is
    as that build made it: the bibliography, verification.json, kb.toml, the KB-wide rules' findings.
    `previous` names the build followed (None: take everything as changed), `generation` this one
    (kept with its results)."""

    previous: str | None
    generation: str
    documents: frozenset[str]
    works: frozenset[str]


def code_digest() -> str:
    from kb.pagecache import code

    return code()


def build(root: Path, lang: str, advance: Any = None) -> Built | None:
    """The report's data and inputs for the KB at `root` in `lang`, recomputing what changed
    since the last build; None when the KB must be built cold (see the module's docstring).
    What it keeps for the next build waits in its `pending` until `keep` (or `discard`)."""
    pending = Pending(root / "build" / ".cache" / STATE)
    try:
        built = _build(root, lang, advance, pending)
    except BaseException:
        pending.discard()
        raise
    if built is None:
        pending.discard()
    return built


def _build(root: Path, lang: str, advance: Any, pending: Pending) -> Built | None:
    step = advance or (lambda what: None)
    if not root.is_dir():
        return None
    files = Files(root)
    store = pending.store
    code = code_digest()
    settings, config_findings = config.load(root / config.CONFIG_NAME, config.CONFIG_NAME, files)
    config_bytes = files.read_present(root / config.CONFIG_NAME, config.CONFIG_NAME)
    if config_findings or isinstance(config_bytes, Finding):
        return None
    step(BIB_NAME)
    _sweep(store)
    bib = _read_bib(root, files, store, code, pending)
    if bib is None:
        return None
    kept_entries = _kept_references(store, bib, lang)
    entries = kept_entries if kept_entries is not None else _references_apart(bib, lang)
    try:
        return _leaflets_of(root, lang, step, pending, files, store, code, settings, config_bytes, bib, entries)
    finally:
        if isinstance(entries, Apart):
            entries.close()


def _leaflets_of(root: Path, lang: str, step: Any, pending: Pending, files: Files, store: Path, code: str,
                 settings: Any, config_bytes: bytes | None, bib: Bib, entries: Entries) -> Built | None:
    verification, verification_findings = evidence.load(root / VERIFICATION_NAME, VERIFICATION_NAME, files)
    verification_bytes = files.read_present(root / VERIFICATION_NAME, VERIFICATION_NAME, limit=MAX_BIB_BYTES)
    if verification_findings or isinstance(verification_bytes, Finding):
        return None
    listing: list[Finding] = []
    paths = claims_files(root, files, listing)
    if listing:
        return None
    common = _hash(code, lang, str(FORMAT), config_bytes or b"missing", bib.identity)
    kb = KnowledgeBase(root=root, config=settings, bibliography=bib.bibliography, documents=(), texts={},
                       verification=verification)

    # Each leaflet: kept, or read again when its files changed.
    kept: dict[str, Leaflet] = {}
    touched: set[str] = set()  # kept leaflets whose files were touched, not changed
    fresh: dict[str, tuple[Document, LeafletText | None, list[Finding], str, str]] = {}
    index = _index(store)
    present = _present(store)
    for path in paths:
        record = _kept(index, present, store, path.name)
        signatures = (record.claims_sig, record.text_sig) if record is not None else None
        reused = record is not None and _unchanged(record, path, files, root)
        if record is not None and reused:
            if signatures != (record.claims_sig, record.text_sig):
                touched.add(path.name)
            kept[path.name] = record
            continue
        step(path.name)
        read = _read_again(files, path)
        hashes = _read_hashes(files, path, read[0], read[1]) if read is not None else None
        if read is None or hashes is None:
            return None
        fresh[path.name] = (*read[:3], *hashes)

    # Claim ids and texts shared by two leaflets: results per leaflet would differ from the KB's.
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for path in paths:
        if path.name in kept:
            ids, text_path = kept[path.name].claim_ids, kept[path.name].text_path
        else:
            document = fresh[path.name][0]
            ids = list(dict.fromkeys(c.id for c in document.claims))
            text_path = _text_from_root(document) if fresh[path.name][1] is not None else ""
        if seen_ids.intersection(ids) or (text_path and text_path in seen_texts):
            return None
        seen_ids.update(ids)
        seen_texts.add(text_path)
    return _finish(root, lang, store, code, common, config_bytes or b"", verification_bytes or b"", bib, kb,
                   paths, kept, touched, index, fresh, step, pending, entries)


_GENERATION = "generation.json"  # which build the kept results are of, and what all of them rest on


def _generation(store: Path) -> dict[str, Any]:
    try:
        data = orjson.loads((store / _GENERATION).read_bytes())
        if isinstance(data, dict) and isinstance(data.get("token"), str) and isinstance(data.get("basis"), str):
            return data
    except (OSError, ValueError):
        pass
    return {}


def _index(store: Path) -> dict[str, Any]:
    """What the last build kept of each leaflet (leaflets.json): claims file name -> `Leaflet` as JSON."""
    try:
        data = orjson.loads((store / "leaflets.json").read_bytes())
        if data["format"] == FORMAT:
            found: dict[str, Any] = data["leaflets"]
            return found
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {}


def _present(store: Path) -> set[str]:
    """The names of the files kept of every leaflet (one listing, not a look at each file)."""
    try:
        return {entry.name for entry in os.scandir(store / "leaflets") if entry.is_file()}
    except OSError:
        return set()


def _kept(index: dict[str, Any], present: set[str], store: Path, name: str) -> Leaflet | None:
    """What the last build kept of the leaflet `name`, when all of it is there (in `present`)."""
    try:
        record = Leaflet(**index[name])
        return record if _kept_file(store, name).name in present and len(record.parts) == len(PARTS) else None
    except (KeyError, TypeError):
        return None


def _unchanged(record: Leaflet, path: Path, files: Files, root: Path) -> bool:
    """Whether the claims file and the text are those `record` was made from: the same size, mtime
    and inode, or else the same bytes (the record then takes the new signatures)."""
    if record.claims_sig is None or record.claims_sig != _signature(path):
        content = files.read_present(path, f"{CLAIMS_DIR}/{path.name}")
        if not isinstance(content, bytes) or _hash(content) != record.claims_hash:
            return False
        record.claims_sig = _signature(path)
    if record.text_path:
        text = root / record.text_path
        if record.text_sig is None or record.text_sig != _signature(text):
            content = files.read_present(text, record.text_path)
            if not isinstance(content, bytes) or _hash(content) != record.text_hash:
                return False
            record.text_sig = _signature(text)
    return True


def _finish(root: Path, lang: str, store: Path, code: str, common: str, config_bytes: bytes,
            verification_bytes: bytes, bib: Bib, kb: KnowledgeBase, paths: list[Path],
            kept: dict[str, Leaflet], touched: set[str], index: dict[str, Any],
            fresh: dict[str, tuple[Document, LeafletText | None, list[Finding], str, str]], step: Any,
            pending: Pending, entries: Entries = None) -> Built | None:
    from kb import audit

    rule_names = list(audit.RULES)
    rule_index = {name: i for i, name in enumerate(rule_names)}
    skeletons = [(p.name, kept[p.name].skeleton if p.name in kept else _skeleton(fresh[p.name][0])) for p in paths]

    # The KB-wide rules: kept while what they read is the same.
    across_key = _hash(common, bib.digest, verification_bytes, orjson.dumps(skeletons))
    always = any(audit.scope(name) is None for name in rule_names)  # a rule that must see each build
    across = None if always else _kept_across(store, across_key)
    kb_rules_run = across is None
    whole: KnowledgeBase | None = None
    if across is None:
        step("auditing")
        whole = _whole(kb, paths, fresh)
        if whole is None:
            return None
        across = []
        for name in rule_names:
            if audit.scope(name) != audit.LEAFLET:
                across += [[rule_index[name], i, _finding_json(f)] for i, f in enumerate(audit.checked(whole, name))]
        _keep(pending, store / "across.json", orjson.dumps({"key": across_key, "findings": across}))
    across_by_claim: dict[str, list[list[Any]]] = {}
    for item in across:
        if item[2][5] is not None:
            across_by_claim.setdefault(item[2][5], []).append(item)

    # Each leaflet's results: kept, or made anew.
    records: list[Leaflet] = []
    recomputed: list[str] = []
    segments_of: dict[str, list[dict[str, Any]] | bytes | Slice] = {}
    slots: list[tuple[Leaflet, bytes | Slice] | None] = []
    summaries: list[bytes | Slice] = []  # each leaflet's claims' summaries (kb.pages.summary), or where they are
    stale: list[tuple[int, Path, list[list[Any]], str, list[str]]] = []
    for position, path in enumerate(paths):
        record = kept.get(path.name)
        ids = record.claim_ids if record is not None else [c.id for c in fresh[path.name][0].claims]
        keys = record.keys if record is not None else sorted({s.key for c in fresh[path.name][0].claims for s in c.sources})
        about = [item for claim in dict.fromkeys(ids) for item in across_by_claim.get(claim, [])]
        deps = _deps(keys, bib, kb.verification, common, {"across": about})
        kept_file = _kept_file(store, path.name)  # there: a kept record's file was listed (`_kept`)
        if record is not None and record.deps == deps:  # read as report.json is written
            slots.append((record, _part(kept_file, record, CLAIMS)))
            segments_of[record.id] = _part(kept_file, record, SEGMENTS)
            summaries.append(_part(kept_file, record, SUMMARIES))
            continue
        if path.name not in fresh:  # its results are stale: its files are read again
            assert record is not None
            read = _read_again(Files(root), path, (record.claims_hash, record.text_hash))
            if read is None:
                return None
            fresh[path.name] = read
        slots.append(None)
        summaries.append(b"")
        stale.append((position, path, about, deps, keys))
    if stale:
        step("auditing")
        whole = None  # every leaflet read for the rules across the KB: let go, each read until its batch is done
        apart, theirs = _audit_apart(kb, stale, fresh, rule_names, rule_index, store, bib, pending)
        try:
            made = _audited(kb, stale, theirs, apart, fresh, rule_names, rule_index, store, bib, pending)
        finally:
            if apart is not None:
                apart.close()
        if made is None:
            return None
        for (position, path, _, _, _), record in zip(stale, made):
            where = pending.lazy(_kept_file(store, path.name))
            slots[position] = (record, _part(where, record, CLAIMS))
            summaries[position] = _part(where, record, SUMMARIES)
            segments_of[record.id] = _part(where, record, SEGMENTS)
            recomputed.append(record.id)
    if stale or kb_rules_run:  # what the rules read of the citations: not wanted by the report
        parse = sys.modules.get("kb.citations.parse")  # not loaded: nothing was read
        if parse is not None:
            parse.forget()
    for slot in slots:
        assert slot is not None
        records.append(slot[0])
    claims_chunks = [slot[1] for slot in slots if slot is not None]
    segments_of = {record.id: segments_of[record.id] for record in records}  # in leaflet order
    if recomputed or touched or len(records) != len(index):  # new results, new signatures, leaflets gone
        _keep(pending, store / "leaflets.json",
              orjson.dumps({"format": FORMAT, "leaflets": {record.name: record.as_json() for record in records}}))
    scope = _scope(store, pending, _hash(common, bib.digest, verification_bytes), kb_rules_run, index, records,
                   {paths[position].name for position, _, _, _, _ in stale})
    return _assemble(root, lang, store, pending, bib, kb, records, Claims(claims_chunks, summaries, records),
                     segments_of, across, tuple(recomputed), kb_rules_run, scope, entries)


def _audited(kb: KnowledgeBase, stale: list[tuple[int, Path, list[list[Any]], str, list[str]]], theirs: int,
             apart: Apart | None, fresh: dict[str, tuple[Document, LeafletText | None, list[Finding], str, str]],
             rule_names: list[str], rule_index: dict[str, int], store: Path, bib: Bib,
             pending: Pending) -> list[Leaflet] | None:
    """The results of the `stale` leaflets, in their order: made here in batches, the last `theirs`
    by another process (`apart`); None when the KB must be built cold."""
    made = _in_batches(kb, stale[:len(stale) - theirs], fresh, rule_names, rule_index, store, bib, pending)
    if made is None or not theirs:
        return made
    done = apart.result() if apart is not None else None
    if done == "outside":
        return None
    if done is None:  # the other process failed: its leaflets are audited here, read again
        rest = _in_batches(kb, stale[len(stale) - theirs:], fresh, rule_names, rule_index, store, bib, pending)
        return None if rest is None else made + rest
    records_json, other = done
    pending.adopt(other)
    return made + [Leaflet(**record) for record in records_json]


def _in_batches(kb: KnowledgeBase, stale: list[tuple[int, Path, list[list[Any]], str, list[str]]],
                fresh: dict[str, tuple[Document, LeafletText | None, list[Finding], str, str]],
                rule_names: list[str], rule_index: dict[str, int], store: Path, bib: Bib,
                pending: Pending) -> list[Leaflet] | None:
    """The `stale` leaflets' results made here (`_leaflets`), BATCH at a time, each as `fresh` holds
    its reading (let go with its batch) or read again; None when the KB must be built cold."""
    made: list[Leaflet] = []
    for start in range(0, len(stale), BATCH):
        batch = []
        for _, path, about, deps, keys in stale[start:start + BATCH]:
            read = fresh.pop(path.name, None) or _read_again(Files(kb.root), path)
            if read is None:
                return None
            batch.append((path, read, about, deps, keys))
        part = _leaflets(kb, batch, rule_names, rule_index, store, bib.identity, pending)
        if part is None:
            return None
        made += part
    return made


# Leaflets to audit from which a build audits some of them in another process (kb.apart), when a
# core is idle: a copy of the command (a fork) audits the last half; where none can be made, a new
# process, which starts in about a second (imports, the works sent to it) and reads its leaflets
# again, the last two fifths.
AUDIT_APART = 500
_COPY_SHARE = (1, 2)  # of the leaflets to audit: a copy's, the last ones
_APART_SHARE = (2, 5)  # a new process's


def _audit_apart(kb: KnowledgeBase, stale: list[tuple[int, Path, list[list[Any]], str, list[str]]],
                 fresh: dict[str, tuple[Document, LeafletText | None, list[Finding], str, str]],
                 rule_names: list[str], rule_index: dict[str, int], store: Path, bib: Bib,
                 pending: Pending) -> tuple[Apart | None, int]:
    """The last leaflets of `stale` audited in another process (`audit_copy`, else `audit_rows`),
    when they are many and a core is idle, and how many it audits (0: none; `fresh` lets go of
    their reading)."""
    from kb.pagework import spare_cores

    if len(stale) < AUDIT_APART or spare_cores() < 1:
        return None, 0
    _letters(kb, store, bib.identity, pending)  # made once, here, for both processes
    _work_labels(kb)
    folder = pending.beside()
    if folder is None:
        return None, 0
    apart = None
    theirs = len(stale) * _COPY_SHARE[0] // _COPY_SHARE[1]
    if theirs:  # a copy reads the leaflets as they were read here: nothing is sent, nothing read again
        apart = Apart.fork(audit_copy, kb, stale[len(stale) - theirs:], fresh, rule_names, rule_index, store,
                           bib.identity, folder)
    if apart is None:
        theirs = len(stale) * _APART_SHARE[0] // _APART_SHARE[1]
        if not theirs:
            return None, 0
        items = [(path, fresh[path.name][3], fresh[path.name][4], about, deps, keys)
                 for _, path, about, deps, keys in stale[len(stale) - theirs:]]
        memo = {name: kb.memo[name] for name in ("letters", "work_labels")}
        apart = Apart.start(audit_rows, kb.root, kb.config, kb.bibliography, kb.verification, memo, items,
                            rule_names, rule_index, store, bib.identity, folder)
    if apart is None:
        return None, 0
    for _, path, *_ in stale[len(stale) - theirs:]:
        del fresh[path.name]
    return apart, theirs


def _read_again(files: Files, path: Path, hashes: tuple[str, str] = ("", "")
                ) -> tuple[Document, LeafletText | None, list[Finding], str, str] | None:
    """A leaflet read (with `hashes` of its claims file and text; "": taken as its results are
    made); None when it cannot be."""
    document, text, findings = read_leaflet(files, path)
    if document is None or any(f.rule in UNREADABLE_RULES for f in findings):
        return None
    return document, text, findings, *hashes


def _read_hashes(files: Files, path: Path, document: Document, text: LeafletText | None) -> tuple[str, str] | None:
    """The hashes of a leaflet's claims file and text as they are now (of no bytes for no text);
    None when either cannot be read."""
    claims = files.read_present(path, f"{CLAIMS_DIR}/{path.name}")
    shown = files.read_present(document.text_path, document.text_name) if text is not None else None
    if not isinstance(claims, bytes) or isinstance(shown, Finding):
        return None
    return _hash(claims), _hash(shown or b"")


def _work_labels(kb: KnowledgeBase) -> dict[str, Any]:
    """Every work's label (kb.labels.label_work), made once a build and kept in the KB's memo."""
    from kb.labels import label_work

    if "work_labels" not in kb.memo:
        kb.memo["work_labels"] = {key: label_work(work) for key, work in kb.works.items()}
    labels: dict[str, Any] = kb.memo["work_labels"]
    return labels


def audit_rows(root: Path, settings: Any, bibliography: Bibliography, verification: Any, memo: dict[str, Any],
               items: list[tuple[Path, str, str, list[list[Any]], str, list[str]]], rule_names: list[str],
               rule_index: dict[str, int], store: Path, identity: str,
               folder: Path) -> tuple[list[dict[str, Any]], Pending] | str | None:
    """In a new process (kb.apart): leaflets' results made as `_leaflets` makes them, each leaflet
    read again (`_made_apart`); None when one cannot be read as it was (its hashes, when known,
    differ: changed meanwhile)."""
    kb = KnowledgeBase(root=root, config=settings, bibliography=bibliography, documents=(), texts={},
                       verification=verification, memo=dict(memo))
    files = Files(root)

    def batches() -> Iterator[list[Any] | None]:
        for start in range(0, len(items), BATCH):
            batch = []
            for path, claims_hash, text_hash, about, deps, keys in items[start:start + BATCH]:
                read = _read_again(files, path, (claims_hash, text_hash))
                # read by the command for what changed: the same bytes, or nothing
                if read is None or claims_hash and _read_hashes(files, path, read[0], read[1]) != (claims_hash,
                                                                                                   text_hash):
                    yield None
                    return
                batch.append((path, read, about, deps, keys))
            yield batch

    return _made_apart(kb, batches(), rule_names, rule_index, store, identity, folder)


def audit_copy(kb: KnowledgeBase, stale: list[tuple[int, Path, list[list[Any]], str, list[str]]],
               fresh: dict[str, tuple[Document, LeafletText | None, list[Finding], str, str]],
               rule_names: list[str], rule_index: dict[str, int], store: Path, identity: str,
               folder: Path) -> tuple[list[dict[str, Any]], Pending] | str | None:
    """In a copy of the command (kb.apart): the `stale` leaflets' results made from their reading
    in `fresh` (`_made_apart`)."""
    batches = ([(path, fresh.pop(path.name), about, deps, keys) for _, path, about, deps, keys in
                stale[start:start + BATCH]] for start in range(0, len(stale), BATCH))
    return _made_apart(kb, batches, rule_names, rule_index, store, identity, folder)


def _made_apart(kb: KnowledgeBase, batches: Iterable[list[Any] | None], rule_names: list[str],
                rule_index: dict[str, int], store: Path, identity: str,
                folder: Path) -> tuple[list[dict[str, Any]], Pending] | str | None:
    """Leaflets' results made in another process, batch by batch, staged in `folder`
    (kb.incremental.Pending.beside): their records and what was staged; "outside" when a finding
    lies outside the leaflets' files, None for a batch that could not be read (None)."""
    pending = Pending(store)
    pending.folder = folder
    records: list[dict[str, Any]] = []
    for batch in batches:
        if batch is None:
            return None
        part = _leaflets(kb, batch, list(rule_names), rule_index, store, identity, pending)
        if part is None:
            return "outside"
        records += [record.as_json() for record in part]
    pending.folder = None  # the command's to remove
    return records, pending


def _scope(store: Path, pending: Pending, basis: str, kb_rules_run: bool, index: dict[str, Any],
           records: list[Leaflet], remade: set[str]) -> Scope:
    """What this build changed since the one it follows (`Scope`), kept as the next one's `previous`;
    everything when more changed than leaflets (the bibliography, kb.toml, the KB-wide rules'
    findings) or no build went before."""
    before = _generation(store)
    generation = os.urandom(12).hex()
    # Written last of what a build keeps (`keep` writes in order): a build whose results were not
    # all kept leaves the previous generation, which no report written since names.
    _keep(pending, store / _GENERATION, orjson.dumps({"token": generation, "basis": basis}))
    everything = Scope(None, generation, frozenset(), frozenset())
    if kb_rules_run or before.get("basis") != basis:
        return everything
    now = {record.name for record in records}
    documents: set[str] = set()
    works: set[str] = set()
    for record in records:
        if record.name in remade:
            documents.add(record.id)
            works.update(record.keys)
    for name, old in index.items():
        if name in remade or name not in now:  # its results made anew, or the leaflet gone
            try:
                documents.add(old["id"])
                works.update(old["keys"])
            except (KeyError, TypeError):
                return everything
    return Scope(before["token"], generation, frozenset(documents), frozenset(works))


def _kept_across(store: Path, key: str) -> list[list[Any]] | None:
    try:
        data = orjson.loads((store / "across.json").read_bytes())
        if data["key"] == key:
            found: list[list[Any]] = data["findings"]
            return found
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _whole(kb: KnowledgeBase, paths: list[Path],
           fresh: dict[str, tuple[Document, LeafletText | None, list[Finding], str, str]]) -> KnowledgeBase | None:
    """The whole KB, every leaflet read (those read already are not read again)."""
    files = Files(kb.root)
    documents: list[Document] = []
    texts: dict[str, LeafletText] = {}
    findings: list[Finding] = []
    for path in paths:
        if path.name not in fresh:
            read = _read_again(files, path)
            if read is None:
                return None
            fresh[path.name] = read
        document, text, found, _, _ = fresh[path.name]
        documents.append(document)
        findings += found
        if text is not None:
            texts[document.id] = text
    return KnowledgeBase(root=kb.root, config=kb.config, bibliography=kb.bibliography, documents=tuple(documents),
                         texts=texts, load_findings=tuple(findings), verification=kb.verification,
                         shown={d.claims_path: f"{CLAIMS_DIR}/{d.claims_path.name}" for d in documents},
                         memo=kb.memo)


def _leaflets(kb: KnowledgeBase,
              batch: list[tuple[Path, tuple[Document, LeafletText | None, list[Finding], str, str], list[list[Any]],
                                str, list[str]]],
              rule_names: list[str], rule_index: dict[str, int], store: Path,
              identity: str, pending: Pending) -> list[Leaflet] | None:
    """Leaflets' results made anew, together: their findings, report.json entries, segments
    and claims' summaries (kb.pages.summary), each leaflet's put in `pending` as it is made;
    None when a finding of a leaflet rule lies outside the leaflets' files."""
    from kb import audit, reportdata
    from kb.pages import index_part, summaries_json, summary

    _letters(kb, store, identity, pending)
    work_labels = _work_labels(kb)
    documents = tuple(read[0] for _, read, _, _, _ in batch)
    texts = {read[0].id: read[1] for _, read, _, _, _ in batch if read[1] is not None}
    loaded = tuple(f for _, read, _, _, _ in batch for f in read[2])
    some = kb.restricted(documents, texts, loaded, work_labels)
    owner: dict[str, int] = {}
    for position, document in enumerate(documents):
        owner[some.display(document.claims_path)] = position
        owner.setdefault(some.display(document.text_path), position)
    # Ranks as the cold run orders its findings before sorting them: what loading met (0), then
    # kb.toml's unknown rules (1), then rule by rule (2), each leaflet's in leaflet order.
    found: list[list[list[Any]]] = [[[0, 0, i, f] for i, f in enumerate(read[2])] for _, read, _, _, _ in batch]
    for name in rule_names:
        if audit.scope(name) != audit.LEAFLET:
            continue
        counts = [0] * len(batch)
        for finding in audit.checked(some, name):
            position = owner.get(finding.location.path, -1)
            if position < 0:
                return None
            found[position].append([2, rule_index[name], counts[position], finding])
            counts[position] += 1
    result = []
    for (path, read, across, deps, keys), findings in zip(batch, found):
        document, text, _, claims_hash, text_hash = read
        if not claims_hash:  # read for the KB-wide rules only: its hashes are wanted now
            files = Files(kb.root)
            content = files.read_present(path, f"{CLAIMS_DIR}/{path.name}")
            claims_hash = _hash(content) if isinstance(content, bytes) else ""
            shown = files.read_present(document.text_path, document.text_name) if text is not None else None
            text_hash = _hash(shown) if isinstance(shown, bytes) else ""
        configured = _configured(kb, findings)
        mine = [[rank, rule, 0, i, f] for rank, rule, i, f in configured]
        theirs = _configured(kb, [[2, r, i, _finding(f)] for r, i, f in across])
        by_claim: dict[str, list[dict[str, Any]]] = {}
        for item in sorted(mine + [[rank, rule, -1, i, f] for rank, rule, i, f in theirs], key=_order):
            if item[-1].claim is not None:
                by_claim.setdefault(item[-1].claim, []).append(item[-1].as_json())
        entries = [reportdata.claim_json(some, document, claim, by_claim.get(claim.id, []))
                   for claim in document.claims]
        labels = {entry["id"]: entry["label"] for entry in entries}
        segments = reportdata.segments(some, document, labels)
        chunk = b",\n    ".join(_item(entry) for entry in entries)
        record = Leaflet(
            name=path.name, id=document.id, claims_sig=_signature(path), claims_hash=claims_hash,
            text_path=_text_from_root(document) if text is not None else "", text_named=str(document.text_path),
            text_sig=_signature(document.text_path) if text is not None else None, text_hash=text_hash,
            keys=keys, claim_ids=list(dict.fromkeys(c.id for c in document.claims)), skeleton=_skeleton(document),
            deps=deps, document=reportdata.document_json(some, document),
            groups=[], errors=[[rank, rule, i, _finding_json(f)] for rank, rule, i, f in configured
                               if f.severity is Severity.ERROR],
            cited=[[s.key, s.line, c.id] for c in document.claims for s in c.sources], parts=[])
        entries_of = sorted(([f.location.path, f.location.line, f.rule, f.message, rank, rule, i,
                              _item(f.as_json()).decode("utf-8")] for rank, rule, i, f in configured),
                            key=lambda e: tuple(e[:7]))
        blob = bytearray()
        tally = _tally(configured, set(record.claim_ids))
        for path_, grouped in itertools.groupby(entries_of, key=lambda e: e[0]):
            group = list(grouped)
            start = len(blob)
            blob += ",\n    ".join(e[7] for e in group).encode("utf-8")
            alone, errors, warnings = tally[path_]
            record.groups.append([path_, start, len(blob), document.id if alone else None, len(group),
                                  errors, warnings])
        summaries = [summary(entry) for entry in entries]
        parts = [chunk, orjson.dumps(segments), bytes(blob), orjson.dumps(entries_of),
                 orjson.dumps(summaries_json(document.id, summaries, index_part(summaries)))]  # as PARTS
        record.parts = list(itertools.accumulate(len(part) for part in parts))
        _keep(pending, _kept_file(store, path.name), b"".join(parts))
        result.append(record)
    for name in _PER_LEAFLET:  # the batch's: let go with it
        for document in documents:
            kb.memo.get(name, {}).pop(document.id, None)
    return result


class Texts(Mapping[str, list[dict[str, Any]]]):
    """Document id -> its segments (kb.reportdata.Inputs.texts), read from their file (or bytes)
    each time they are looked at, so that a build reads only those its pages show and holds none."""

    def __init__(self, found: dict[str, list[dict[str, Any]] | bytes | Slice]) -> None:
        self._found = found

    def __getitem__(self, doc: str) -> list[dict[str, Any]]:
        value = self._found[doc]
        if isinstance(value, list):
            return value
        try:
            found: list[dict[str, Any]] = orjson.loads(chunk_bytes(value))
        except (OSError, ValueError) as error:  # removed meanwhile: nothing to build the page from
            raise KeyError(doc) from error
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


def _letters(kb: KnowledgeBase, store: Path, identity: str, pending: Pending) -> None:
    """The year letters of the whole bibliography (kb.apa.letters.year_letters: 2017a, 2017b), which
    the citation rules share through the KB's memo: kept by the hash of the records' citation identity."""
    from kb.apa.letters import year_letters

    if "letters" in kb.memo:  # made for an earlier batch of this build
        return
    path = store / "letters.json"
    try:
        data = orjson.loads(path.read_bytes())
        if data["identity"] == identity:
            kb.memo["letters"] = data["letters"]
            return
    except (OSError, ValueError, KeyError, TypeError):
        pass
    kb.memo["letters"] = year_letters(kb.works.values())
    _keep(pending, path, orjson.dumps({"identity": identity, "letters": kb.memo["letters"]}))


def _configured(kb: KnowledgeBase, items: list[list[Any]]) -> list[list[Any]]:
    """`items` ([rank, rule, position, finding]) at the KB's severities (kb.audit.configured)."""
    from kb.audit import configured

    result = []
    for rank, rule, i, finding in items:
        found = configured(kb, [finding])
        if found:
            result.append([rank, rule, i, found[0]])
    return result


def _tally(found: list[list[Any]], own: set[str]) -> dict[str, tuple[bool, int, int]]:
    """Per file of a leaflet's findings (`found`: [rank, rule, position, finding]): whether its page
    shows them all (each about one of its claims, `own`, or about none: kb.pages._owner), and how
    many are errors and warnings."""
    tally: dict[str, tuple[bool, int, int]] = {}
    for *_, finding in found:
        alone, errors, warnings = tally.get(finding.location.path, (True, 0, 0))
        tally[finding.location.path] = (alone and (finding.claim is None or finding.claim in own),
                                        errors + (finding.severity is Severity.ERROR),
                                        warnings + (finding.severity is Severity.WARNING))
    return tally


def _order(item: list[Any]) -> tuple[Any, ...]:
    """Where a finding stands in the cold run's sorted list (kb.findings.sort_key, then its rank)."""
    finding: Finding = item[-1]
    return (finding.location.path, finding.location.line, finding.rule, finding.message, *item[:-1])


def _assemble(root: Path, lang: str, store: Path, pending: Pending, bib: Bib, kb: KnowledgeBase, records: list[Leaflet],
              claims: Claims, segments_of: dict[str, list[dict[str, Any]] | bytes | Slice],
              across: list[list[Any]], recomputed: tuple[str, ...], kb_rules_run: bool,
              scope: Scope | None, entries: Entries = None) -> Built:
    """report.json and the report's inputs from every leaflet's results."""

    references = _references(store, pending, bib, kb, lang, entries)
    pieces, errors = _findings(store, pending, kb, bib, records, across)
    citing: dict[str, list[tuple[str, int, str]]] = {}
    for record in records:
        for key, line, claim in record.cited:
            citing.setdefault(key, []).append((record.id, line, claim))
    by_place = operator.itemgetter(0, 1)  # the leaflet, the source's line
    cited_by = {key: [claim for _, _, claim in sorted(links, key=by_place)] for key, links in citing.items()}
    works = _works(store, pending, bib, kb, references, lang)
    for entry in works:
        entry["cited_by"] = cited_by.get(entry["key"], [])
    documents = [record.document for record in records]

    def section(name: str, first: bool, pieces: Iterable[bytes | Path | Slice]) -> Iterator[bytes | Path | Slice]:
        """A list of report.json as json_chunks writes it, from its items' bytes (not copied into one)."""
        yield (b"\n  " if first else b",\n  ") + orjson.dumps(name) + b": "
        opening = b"[\n    "
        for piece in pieces:
            if piece:
                yield opening
                yield piece
                opening = b",\n    "
        yield b"[]" if opening == b"[\n    " else b"\n  ]"

    def report_json() -> Iterator[bytes | Path | Slice]:
        """report.json's chunks, each leaflet's claims copied from its file as they are written."""
        yield b"{"
        yield from section("documents", True, [_item(d) for d in documents])
        yield from section("claims", False, claims.pieces())
        yield from section("works", False, [_item(w) for w in works])
        yield from section("findings", False, pieces.pieces())
        yield b"\n}\n"

    report = {"documents": documents, "claims": claims, "works": works, "findings": pieces}
    return Built(report_json(), report, Texts(segments_of), references, errors, recomputed, kb_rules_run,
                 tuple(Path(r.text_named) for r in records), pending, kb.config.pages, scope)


def _findings(store: Path, pending: Pending, kb: KnowledgeBase, bib: Bib, records: list[Leaflet],
              across: list[list[Any]]) -> tuple[Parsed, list[Finding]]:
    """report.json's findings, as its items in chunks (one per file, with its `Tally` where known), sorted as the cold run sorts them (kb.findings.sort_key,
    then the order the run found them in: its rank), and the error findings among them. A file's
    findings of one leaflet alone are taken as they were kept; where others join them, merged."""
    from kb import audit

    # Ranks: (phase, rule, leaflet, position); phases: loading (0), kb.toml's rules (1), the rules (2).
    others: list[tuple[Finding, tuple[int, int, int, int]]] = [
        *((f, (0, 0, -1, i)) for i, f in enumerate(bib.findings)),
        *((f, (1, 0, 0, i)) for i, f in enumerate(audit.config_findings(kb))),
        *((_finding(data), (2, rule, -1, i)) for rule, i, data in across)]
    extra: dict[str, list[list[Any]]] = {}
    errors: list[tuple[Finding, tuple[Any, ...]]] = []
    for finding, rank in others:
        found = audit.configured(kb, [finding])
        if found:
            f = found[0]
            extra.setdefault(f.location.path, []).append(
                [f.location.path, f.location.line, f.rule, f.message, *rank, _item(f.as_json())])
            if f.severity is Severity.ERROR:
                errors.append((f, rank))
    groups: dict[str, list[tuple[int, int, int, Any]]] = {}
    for position, record in enumerate(records):
        for path, start, end, *tally in record.groups:
            groups.setdefault(path, []).append((position, start, end, tally))
        for rank, rule, i, data in record.errors:
            errors.append((_finding(data), (rank, rule, position, i)))
    pieces: list[bytes | Slice] = []
    tallies: list[Tally | None] = []
    for path in sorted(groups.keys() | extra.keys()):
        kept = groups.get(path, [])
        if len(kept) == 1 and path not in extra:  # its part of the leaflet's file, read as it is written
            position, start, end, tally = kept[0]
            pieces.append(_part(pending.lazy(_kept_file(store, records[position].name)), records[position], FINDINGS,
                                (start, end)))
            tallies.append(Tally(*tally) if tally and tally[0] is not None else None)
            continue
        tallies.append(None)
        merged = list(extra.get(path, []))
        for position, _, _, _ in kept:
            items = orjson.loads(chunk_bytes(_part(pending.lazy(_kept_file(store, records[position].name)),
                                                   records[position], ITEMS)))
            merged += [[*e[:5], e[5], position, e[6], e[7].encode("utf-8")] for e in items if e[0] == path]
        merged.sort(key=lambda e: tuple(e[:8]))
        pieces.append(b",\n    ".join(e[8] for e in merged))
    errors.sort(key=lambda pair: (pair[0].location.path, pair[0].location.line, pair[0].rule, pair[0].message,
                                  *pair[1]))
    return Parsed(pieces, tallies), [f for f, _ in errors]


class Tally(NamedTuple):
    """What is known of a chunk of findings without parsing it (kb.pages.Chunked.chunk_tally)."""

    page: str  # the leaflet whose page shows every one of them
    items: int  # how many
    errors: int
    warnings: int


class Parsed(Sequence[dict[str, Any]]):
    """A list of report.json's items, kept as its bytes (items joined by commas) and parsed when first
    looked at: a build whose pages do not show them all does not read them all."""

    def __init__(self, chunks: Sequence[bytes | Slice], tallies: Sequence[Tally | None] = ()) -> None:
        self._chunks = chunks
        self._tallies = tallies
        self._items: list[dict[str, Any]] | None = None

    def chunk(self, i: int) -> bytes:
        """The `i`th chunk's bytes (a chunk kept in a file is read)."""
        found = self._chunks[i]
        return chunk_bytes(found)

    def chunks(self) -> Iterator[bytes]:
        return (self.chunk(i) for i in range(len(self._chunks)))

    def pieces(self) -> Iterator[bytes | Slice]:
        """The chunks as report.json is written from them: a chunk kept in a file is its slice of
        it (kb.output copies it), an empty one is b"" (nothing to write)."""
        for found in self._chunks:
            yield found if found else b""

    def chunk_count(self) -> int:
        """How many chunks there are (kb.pages.Chunked)."""
        return len(self._chunks)

    def chunk_tally(self, i: int) -> Tally | None:
        """The `i`th chunk's page and counts when known without parsing it (kb.pages.Chunked)."""
        return self._tallies[i] if i < len(self._tallies) else None

    def chunk_items(self, i: int) -> list[dict[str, Any]]:
        """The items of the `i`th chunk, parsed anew (kb.pages.Chunked)."""
        chunk = self.chunk(i)
        found: list[dict[str, Any]] = orjson.loads(b"[" + chunk + b"]") if chunk else []
        return found

    def _all(self) -> list[dict[str, Any]]:
        if self._items is None:
            self._items = []
            for chunk in self.chunks():
                if chunk:
                    self._items += orjson.loads(b"[" + chunk + b"]")
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._all())

    def __bool__(self) -> bool:
        return any(self.chunks())


class Claims(Parsed):
    """report.json's claims, kept as each leaflet's bytes (`Parsed`), with their summaries
    (kb.pages.summary: what pages other than a leaflet's own show of a claim), read apart."""

    def __init__(self, chunks: list[bytes | Slice], summaries: list[bytes | Slice], records: list[Leaflet]) -> None:
        super().__init__(chunks)
        self._summaries = summaries
        self._position = {record.id: i for i, record in enumerate(records)}
        self._records = records
        self._where: dict[str, str] | None = None
        self._summary: list[Summary] | None = None
        self._rows: list[tuple[Any, ...]] | None = None
        self._parts: list[dict[str, Any]] | None = None
        self._count = sum(record.document["claims"] for record in records)  # counted without reading them

    def summary(self) -> list[Summary]:
        """Every claim's summary, in report order."""
        if self._summary is None:
            self._read()
        assert self._summary is not None
        return self._summary

    def parts(self) -> list[dict[str, Any]]:
        """Each leaflet's part of the index (kb.pages.index_part), in report order."""
        if self._parts is None:
            self._read()
        assert self._parts is not None
        return self._parts

    def where(self, claim_id: str) -> str | None:
        """The id of the document whose claim `claim_id` is (the last such, as a claim's id is looked
        up in every summary); None for no claim of the report."""
        if self._where is None:
            self._where = {claim: record.id for record in self._records for claim in record.claim_ids}
        return self._where.get(claim_id)

    def summary_of(self, document: str) -> list[Summary]:
        """The summaries of one document's claims, in order, read from its leaflet's alone."""
        if self._summary is not None:
            return [claim for claim in self._summary if claim.document == document]
        if document not in self._position:
            return []
        from kb.pages import read_summaries

        return self._read_one(self._position[document], {}, read_summaries)[0]

    def rows(self) -> list[tuple[Any, ...]]:
        """Every claim as the index takes it (kb.pages.index_rows), in report order, read from the
        leaflets' kept summaries without making each claim's `Summary` (the index needs none)."""
        from kb.pages import index_rows, kept_rows

        if self._rows is None:
            if self._summary is not None:
                return index_rows(self._summary)
            rows: list[tuple[Any, ...]] = []
            parts = []
            shared: dict[str, str] = {}
            for i in range(len(self._summaries)):
                mine, part = self._read_one(i, shared, kept_rows)
                rows += mine
                parts.append(part)
            self._rows = rows
            if self._parts is None:
                self._parts = parts
        return self._rows

    def _read(self) -> None:
        from kb.pages import read_summaries

        self._summary, parts = [], []
        shared: dict[str, str] = {}  # the parts' words, one string each
        for i in range(len(self._summaries)):
            claims, part = self._read_one(i, shared, read_summaries)
            self._summary += claims
            parts.append(part)
        if self._parts is None:
            self._parts = parts

    def _read_one(self, i: int, shared: dict[str, str], reader: Callable[[dict[str, Any]], list[Any]]
                  ) -> tuple[list[Any], dict[str, Any]]:
        """The `i`th leaflet's claims, as `reader` makes them of its kept summaries (kb.pages.
        read_summaries, kept_rows), and its part of the index."""
        from kb.pages import index_part, index_rows, read_part, read_summaries, summary

        found = self._summaries[i]
        try:
            kept = orjson.loads(chunk_bytes(found))
            return reader(kept), read_part(kept["index"], shared)
        except (OSError, ValueError, KeyError, TypeError):  # gone or spoilt meanwhile: made from the claims
            chunk = self.chunk(i)
            claims = [summary(claim) for claim in orjson.loads(b"[" + chunk + b"]")] if chunk else []
            return (claims if reader is read_summaries else index_rows(claims)), index_part(claims)

    def of(self, document: str) -> list[dict[str, Any]]:
        """The claims of one document, in order, read from its leaflet's bytes alone."""
        if self._items is not None:
            return [claim for claim in self._items if claim["document"] == document]
        chunk = self.chunk(self._position[document]) if document in self._position else b""
        found: list[dict[str, Any]] = orjson.loads(b"[" + chunk + b"]") if chunk else []
        return found

    def __len__(self) -> int:
        return self._count if self._items is None else len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0


# Works from which a build that renders every reference entry (a first one, or after the
# bibliography changed) renders them in another process, when a core is idle, while it audits
# the leaflets: starting it costs some tenths of a second of the other core.
REFERENCES_APART = 2000

class KeptEntries(NamedTuple):
    """The reference entries the last build kept for this bibliography (`reference_rows`), with the
    works' part of the index's search made from them (kb.pages.search_works)."""

    rows: list[list[Any]]
    search: dict[str, Any] | None


# The works' reference entries as a build finds them: kept by the last build for this
# bibliography, the process rendering them (`_references_apart`), or None.
Entries = KeptEntries | Apart | None


def _kept_references(store: Path, bib: Bib, lang: str) -> KeptEntries | None:
    try:
        data = orjson.loads((store / f"references-{lang}.json").read_bytes())
        if data["digest"] == bib.digest:
            search = data.get("search")
            return KeptEntries(data["entries"], search if isinstance(search, dict) else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def _references_apart(bib: Bib, lang: str) -> Apart | None:
    """The reference entries of every work being rendered in another process (`reference_rows`),
    when they are many and a core is idle; else None."""
    from kb.pagework import spare_cores

    works = bib.bibliography.works
    if len(works) < REFERENCES_APART or spare_cores() < 1:
        return None
    return Apart.start(reference_rows, list(works.values()), lang)


def reference_rows(works: list[Work], lang: str) -> list[list[Any]]:
    """Every work's reference entry (kb.reportdata.reference_entries) with the words the index's
    search takes of it (kb.pages.search_words): [key, text, links, words], in the works' order."""
    from kb.pages import search_words
    from kb.reportdata import works_entries

    return [[e.key, e.text, list(e.links), search_words(e)] for e in works_entries(works, lang).values()]


def _references(store: Path, pending: Pending, bib: Bib, kb: KnowledgeBase, lang: str,
                entries: Entries = None) -> dict[str, Entry]:
    """Every work's reference entry (kb.reportdata.reference_entries), with the words the index's
    search takes of it (kb.pages.References): as kept by the bibliography's hash (`entries`), from
    the process rendering them, or rendered here."""
    from kb.pages import References, search_works

    kept, search = entries if isinstance(entries, KeptEntries) else (None, None)
    rows = kept if kept is not None else entries.result() if isinstance(entries, Apart) else None
    if rows is None:
        rows = reference_rows(list(kb.works.values()), lang)
    if search is None:  # made anew, or kept without it
        search = search_works([row[0] for row in rows], [row[3] for row in rows])
        if tuple(f.name for f in dataclasses.fields(Entry)) == ("key", "text", "links"):
            _keep(pending, store / f"references-{lang}.json",
                  orjson.dumps({"digest": bib.digest, "entries": rows, "search": search}))
    return References({key: Entry(key, text, tuple(links)) for key, text, links, _ in rows},
                      {key: words for key, _, _, words in rows}, search)


def _works(store: Path, pending: Pending, bib: Bib, kb: KnowledgeBase, references: dict[str, Entry], lang: str) -> list[dict[str, Any]]:
    """report.json's `works` entries but their `cited_by`, kept by the bibliography's and
    verification.json's hash."""
    from kb import reportdata

    verification = orjson.dumps({k: v.as_json() for k, v in kb.verification.items()}) if kb.verification else b""
    digest = _hash(bib.digest, verification, lang)
    path = store / f"works-{lang}.json"
    try:
        data = orjson.loads(path.read_bytes())
        if data["digest"] == digest:
            found: list[dict[str, Any]] = data["works"]
            return found
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from kb.labels import label_all

    kb.__dict__["labels"] = label_all(kb.works, [])
    works = [reportdata.work_json(kb, work, [], references[work.key].plain) for work in kb.works.values()]
    _keep(pending, path, orjson.dumps({"digest": digest, "works": works}))
    return works


def keep(built: Built) -> None:
    """Keep what `built` made for the next build; called once its report is written (a build that
    fails leaves build/ as it was: `discard`)."""
    built.pending.commit()


def discard(built: Built) -> None:
    """Let go of what `built` made to keep (its report was not written)."""
    built.pending.discard()
