"""The knowledge base read from a folder: bibliography, leaflets, claims, graph, findings.

Everything is loaded and checked here before anything is written anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb import bibliography, claims, config
from kb.bibliography import Bibliography, Work
from kb.claims import Document
from kb.findings import UNREADABLE_INPUT, UNREADABLE_RULES, Finding, Location, relpath
from kb.labels import Labels, WorkLabel, label_all, label_claims
from kb.paths import Files, Named
from kb.strength import Strength, strengths
from kb.texts import LeafletText
from kb.verify import evidence
from kb.verify.evidence import VERIFICATION_NAME, Evidence

if TYPE_CHECKING:  # networkx is imported when the graph is first asked for
    import networkx as nx


BIB_NAME = "references.bib"
CLAIMS_DIR = "claims"


@dataclass(frozen=True)
class KnowledgeBase:
    """A KB folder, read and labelled."""

    root: Path  # the KB folder
    config: config.Config  # kb.toml, or the defaults
    bibliography: Bibliography  # references.bib
    documents: tuple[Document, ...]  # one per claims file, sorted by id
    texts: dict[str, LeafletText] = field(hash=False, compare=False)  # document id -> its text
    load_findings: tuple[Finding, ...] = ()  # problems met while reading
    verification: Evidence | None = None  # verification.json: what `kb verify` found; None when never run
    shown: dict[Path, str] = field(default_factory=dict, hash=False, compare=False, repr=False)  # display()'s memo
    memo: dict[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)  # results stages share

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """document -> section -> claim -> work, labelled; built when first asked for, as
        `kb leaflet` never does."""
        from kb.graph import build

        return build(self.works, list(self.documents), self.labels)

    @cached_property
    def labels(self) -> Labels:
        """Every work's and claim's evidence label, with its reason."""
        return label_all(self.works, self.documents)

    @cached_property
    def strengths(self) -> dict[str, Strength]:
        """Every claim's EBRO conclusion level and certainty, with reasons (kb/strength.py)."""
        return strengths(self.works, [c for d in self.documents for c in d.claims], self.verification)

    @property
    def works(self) -> dict[str, Work]:
        return self.bibliography.works

    def restricted(self, documents: tuple[Document, ...], texts: dict[str, LeafletText],
                   load_findings: tuple[Finding, ...], work_labels: dict[str, WorkLabel]) -> KnowledgeBase:
        """This KB with only `documents` (and their texts and load findings): what the audit's
        per-leaflet rules and the report find about those leaflets. It shares this KB's memo and
        the works' labels (`work_labels`, as `labels` has them), which depend on no leaflet."""
        kb = KnowledgeBase(root=self.root, config=self.config, bibliography=self.bibliography,
                           documents=documents, texts=texts, load_findings=load_findings,
                           verification=self.verification, shown=self.shown, memo=self.memo)
        kb.__dict__["labels"] = Labels(work_labels, label_claims(documents, self.works, work_labels))  # as label_all does
        return kb

    def display(self, path: Path) -> str:
        """`path` as findings show it; remembered, because resolving a path asks the file system."""
        shown = self.shown.get(path)
        if shown is None:
            shown = self.shown[path] = relpath(path, self.root)
        return shown

    @property
    def unreadable(self) -> list[Finding]:
        return [f for f in self.load_findings if f.rule in UNREADABLE_RULES]


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def load(root: Path, advance: Callable[[str], None] | None = None, *, only: str | None = None) -> KnowledgeBase:
    """Read the KB at `root`. Problems are findings; unreadable input shows in `unreadable`.

    `advance`, when given, is called with what is being read, once per file: for a progress bar.
    With `only` (a claims file's stem), that leaflet is the only one read.
    """
    step = advance or (lambda what: None)
    findings: list[Finding] = []
    if not root.is_dir():
        findings.append(UNREADABLE_INPUT.finding(Location(root.as_posix(), 0), "no such knowledge-base folder"))
    files = Files(root)  # every file is read through it: only regular files inside the KB folder
    settings, config_findings = config.load(root / config.CONFIG_NAME, config.CONFIG_NAME, files)
    findings += config_findings
    step(BIB_NAME)
    bib, bib_findings = bibliography.load(root / BIB_NAME, BIB_NAME, files)
    findings += bib_findings
    verification, verification_findings = evidence.load(root / VERIFICATION_NAME, VERIFICATION_NAME, files)
    findings += verification_findings
    documents: list[Document] = []
    texts: dict[str, LeafletText] = {}
    for path in claims_files(root, files, findings, only):
        step(path.name)
        document, text, leaflet_findings = read_leaflet(files, path)
        findings += leaflet_findings
        if document is not None:
            documents.append(document)
            if text is not None:
                texts[document.id] = text
    return KnowledgeBase(root=root, config=settings, bibliography=bib, documents=tuple(documents),
                         texts=texts, load_findings=tuple(findings), verification=verification,
                         shown={d.claims_path: f"{CLAIMS_DIR}/{d.claims_path.name}" for d in documents})


def read_leaflet(files: Files, path: Path) -> tuple[Document | None, LeafletText | None, list[Finding]]:
    """One claims file of the KB `files` reads (`kb.paths`), and the leaflet text it names; what
    could not be read is a finding (no document when the claims file could not be read)."""
    findings: list[Finding] = []
    shown = f"{CLAIMS_DIR}/{path.name}"  # as relpath() would say, without asking the file system
    if not path.name.isascii() and not _utf8(path.name):
        # Bytes that are not UTF-8 come as lone surrogates (Python's surrogateescape): the
        # leaflet's id, taken from the name, could not be written to any output.
        shown = f"{CLAIMS_DIR}/{os.fsencode(path.name).decode('utf-8', 'backslashreplace')}"
        findings.append(UNREADABLE_INPUT.finding(Location(shown, 0), "the file name is not UTF-8; rename the file"))
        return None, None, findings
    document, claim_findings = claims.load(path, shown, files)
    findings += claim_findings
    if document is None:
        return None, None, findings
    named = Named(Location(shown, document.text_line), "the leaflet text", document.text_name)
    plain = os.sep not in document.text_name and document.text_name not in (".", "..")  # beside it in claims/
    text = files.read_text(document.text_path, f"{CLAIMS_DIR}/{document.text_name}" if plain
                           else files.shown(document.text_path), named)
    if isinstance(text, Finding):
        return document, None, [*findings, text]
    return document, LeafletText(text), findings


def claims_files(root: Path, files: Files, findings: list[Finding], only: str | None = None) -> list[Path]:
    """The claims files to read (`*.yaml`, then `*.yml`), or with `only` that leaflet's; a claims/
    folder that cannot be listed, and a leaflet with both a .yaml and a .yml file, are findings."""
    names = files.listing(root / CLAIMS_DIR, CLAIMS_DIR)
    if isinstance(names, Finding):
        findings.append(names)
        return []
    names = [n for n in names or () if only is None or n.rsplit(".", 1)[0] == only]
    yaml_names = [n for n in names if n.endswith(".yaml")]
    chosen = [root / CLAIMS_DIR / n for n in yaml_names]
    for name in (n for n in names if n.endswith(".yml")):
        twin = name[:-4] + ".yaml"
        if twin in yaml_names:
            findings.append(UNREADABLE_INPUT.finding(Location(f"{CLAIMS_DIR}/{name}", 0),
                                                     f"a second claims file of the leaflet {name[:-4]}, beside "
                                                     f"{CLAIMS_DIR}/{twin}: keep one of them"))
        else:
            chosen.append(root / CLAIMS_DIR / name)
    return chosen
