"""How well `kb.verify.compare.decide` tells real records from corrupted ones, on recorded real
Crossref and OpenAlex responses.

    python bench/verify_eval.py --fixtures DIR [--sweep] [--show]

DIR is refchecker's `tests/fixtures/test_cache/api_cache` (see bench/verify_eval/README.md: origin,
licence, commit). refchecker files each response under sha256(service, method, query); a search
whose query can be recomputed from one of its own results' titles names its target work exactly,
so those searches are the labelled set: each target becomes a BibTeX record that matches it, once
with its DOI (answered by the DOI's record) and once without (answered by the recorded searches),
and copies of it carry one corruption each. Prints, per corruption, precision and recall of
detection (detected = status not verified, or the corrupted field's verdict differs, or
doi_resolves_to_other) and the real records wrongly called not-found or differing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.bibliography import Work, parse
from kb.verify import compare
from kb.verify.model import Candidate, Lookup, ServiceAnswer
from kb.verify.services import crossref_candidate, openalex_candidate

ADAPTER = "kb.verify.services"


CORRUPTIONS = ("wrong-year", "swapped-authors", "missing-author", "wrong-doi", "doi-of-another-work",
               "invented-title", "truncated-title", "wrong-journal", "book-as-article")
FIELD_OF = {"wrong-year": "year", "swapped-authors": "authors", "missing-author": "authors", "wrong-doi": "doi",
            "doi-of-another-work": "doi", "invented-title": "title", "truncated-title": "title",
            "wrong-journal": "container", "book-as-article": "type"}

# Titles that no work has; one per corrupted record, in turn.
INVENTED = (
    "Psychomotor resilience training and the epistemic body in adolescent borderline traits",
    "A randomised comparison of climbing therapy and waiting list for chronic fatigue",
    "Neural correlates of interoceptive trust in group movement therapy",
    "Quantum citation alignment in hallucinated reference networks",
    "The effect of rhythmic drumming on executive function in older adults with obesity",
    "Body-oriented mentalizing as a predictor of dropout in day treatment",
    "Graph transformers for sparse proceedings metadata repair",
    "Yoga versus running for self-harm in young women: a cluster trial",
)


@dataclass(frozen=True)
class Real:
    """A recorded search whose target work is known, and what each service recorded for it."""

    target: Candidate
    searches: dict[str, tuple[Candidate, ...]]  # service -> recorded search results
    by_doi: dict[str, Candidate]  # service -> the DOI's record


@dataclass(frozen=True)
class Case:
    label: str  # "real" or a corruption
    variant: str  # "doi" (the record has its DOI) or "search"
    work: Work
    answers: tuple[ServiceAnswer, ...]


def _key(service: str, method: str, query: str) -> str:
    return hashlib.sha256(b"\0".join(x.encode() for x in (service, method, query))).hexdigest()


def load(fixtures: Path) -> list[Real]:
    """Every recorded search whose query is one of its own results' titles, with that result."""
    parse_item: dict[str, Callable[[Mapping[str, Any]], Candidate]] = {
        "crossref": crossref_candidate, "openalex": openalex_candidate}
    searches: dict[str, dict[str, tuple[Candidate, ...]]] = {}  # normalised title -> service -> results
    targets: dict[str, Candidate] = {}
    dois: dict[str, dict[str, Candidate]] = {}
    for service in ("crossref", "openalex"):
        for path in sorted((fixtures / service).glob("*.json")):
            body = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(body, dict):
                item = parse_item[service](body)
                dois.setdefault(item.doi, {})[service] = item
                continue
            items = [parse_item[service](x) for x in body if isinstance(x, dict)]
            for raw, item in zip(body, items, strict=True):
                titles = [raw.get("title")] if service == "openalex" else raw.get("title") or []
                for title in [t for t in titles if isinstance(t, str) and t]:
                    years = ["None", *(str(y) for y in range(1990, 2027))]
                    if any(_key(service, "search_works", f"{title}|{y}|5") == path.stem for y in years):
                        name = " ".join(title.lower().split())
                        searches.setdefault(name, {})[service] = tuple(items)
                        targets.setdefault(name, item)
    reals = []
    for name, target in sorted(targets.items()):
        if not target.doi or not target.authors or not target.year:
            continue
        by_doi = dict(dois.get(target.doi, {}))
        for service, found in searches[name].items():
            same = [c for c in found if c.doi == target.doi]
            if same and service not in by_doi:
                by_doi[service] = same[0]  # the search's record of the DOI: the same record, fewer fields
        reals.append(Real(target, searches[name], by_doi))
    return reals


def bibtex_work(key: str, target: Candidate, doi: str, **changes: Any) -> Work:
    """A BibTeX record that matches `target`, with the DOI `doi` ("" for none) and `changes`
    (title, authors, year, container, entry_type) made to it."""
    values = {"title": target.title, "authors": target.authors, "year": target.year, "container": target.container,
              "doi": doi, "entry_type": target.entry_type or "misc", **changes}
    container = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}.get(
        values["entry_type"], "journal")
    fields = {"author": " and ".join("{" + a + "}" for a in values["authors"]), "year": values["year"],
              "title": "{" + values["title"].replace("{", "").replace("}", "") + "}",
              container: values["container"] if values["entry_type"] != "book" else "", "doi": values["doi"]}
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    bib, findings = parse(f"@{values['entry_type']}{{{key},\n{body}\n}}\n", Path("eval.bib"), "eval.bib")
    if findings or key not in bib.works:
        raise ValueError(f"{key}: {findings}")
    return bib.works[key]


def _answers(real: Real, work: Work, doi: str, others: dict[str, Real]) -> tuple[ServiceAnswer, ...]:
    """What the services would say: for a DOI its record (a DOI of another recorded work: that
    work's record; an unknown DOI: a 404), without one the recorded searches."""
    out = []
    for service in ("crossref", "openalex"):
        if doi:
            owner = others.get(doi)
            if owner is None:  # a DOI made up for the corruption: every service answers 404
                out.append(ServiceAnswer(service, (Lookup(service, f"doi:{doi}", "not-found", "2026-01-01"),)))
            elif service in owner.by_doi:  # a service without a recorded answer is not asked
                out.append(ServiceAnswer(service, (Lookup(service, f"doi:{doi}", "found", "2026-01-01"),),
                                         (owner.by_doi[service],)))
        elif service in real.searches:
            results = real.searches[service]
            out.append(ServiceAnswer(service, (Lookup(service, "bibliographic", "found" if results else "not-found",
                                                      "2026-01-01"),), results))
    return tuple(out)


def _copy(real: Real, key: str, variant: str, by_doi: dict[str, Real], label: str, doi: str | None = None,
          **changes: Any) -> Case:
    """The record of `real` with one corruption: `changes` to its fields, or another DOI."""
    t = real.target
    doi = (t.doi if variant == "doi" else "") if doi is None else doi
    work = bibtex_work(f"{key}-{label}", t, doi, **changes)
    return Case(label, variant, work, _answers(real, work, work.get("doi"), by_doi))


def cases(reals: list[Real]) -> list[Case]:
    by_doi = {r.target.doi: r for r in reals}
    containers = sorted({r.target.container for r in reals if r.target.container})
    out: list[Case] = []
    for i, real in enumerate(reals):
        t = real.target
        key = f"r{i}"
        for variant in ("doi", "search"):
            out.append(_copy(real, key, variant, by_doi, "real"))
            out.append(_copy(real, key, variant, by_doi, "wrong-year", year=str(int(t.year) + (-1 if i % 2 else 2))))
            if len(t.authors) >= 2:
                swapped = (t.authors[1], t.authors[0], *t.authors[2:])
                out.append(_copy(real, key, variant, by_doi, "swapped-authors", authors=swapped))
                out.append(_copy(real, key, variant, by_doi, "missing-author", authors=t.authors[:-1]))
            words = t.title.split()
            if len(words) >= 4:
                cut = " ".join(words[: max(2, len(words) // 2)])
                out.append(_copy(real, key, variant, by_doi, "truncated-title", title=cut))
            out.append(_copy(real, key, variant, by_doi, "invented-title", title=INVENTED[i % len(INVENTED)]))
            others = [c for c in containers if not compare.normalise.container_matches(c, t.container)]
            if t.container and others and t.entry_type != "book":  # a book record names no container
                out.append(_copy(real, key, variant, by_doi, "wrong-journal", container=others[i % len(others)]))
            if t.entry_type in ("book", "incollection"):
                out.append(_copy(real, key, variant, by_doi, "book-as-article", entry_type="article"))
            if variant == "doi":
                unknown = t.doi.split("/")[0] + f"/kb-eval-nonexistent-{i}"
                out.append(_copy(real, key, variant, by_doi, "wrong-doi", doi=unknown))
                other = reals[(i + 7) % len(reals)].target
                if other.doi != t.doi:
                    out.append(_copy(real, key, variant, by_doi, "doi-of-another-work", doi=other.doi))
    return out


def detected(status: str, verdict: str, other: str) -> bool:
    return status != "verified" or verdict == "differs" or bool(other)


def run(all_cases: list[Case], show: bool = False) -> dict[str, Any]:
    results = [(case, compare.decide(case.work, case.answers)) for case in all_cases]
    real = [(c, r) for c, r in results if c.label == "real"]
    table = {}
    for label in CORRUPTIONS:
        field = FIELD_OF[label]
        mine = [(c, r) for c, r in results if c.label == label]
        hits = [(c, r) for c, r in mine
                if detected(r.status, r.fields[field].verdict if field in r.fields else "", r.doi_resolves_to_other)]
        false = [(c, r) for c, r in real if c.variant in {x.variant for x, _ in mine}
                 and detected(r.status, r.fields[field].verdict if field in r.fields else "", r.doi_resolves_to_other)]
        recall = len(hits) / len(mine) if mine else float("nan")
        precision = len(hits) / (len(hits) + len(false)) if hits or false else float("nan")
        table[label] = (len(mine), len(hits), len(false), precision, recall)
        if show:
            for c, r in mine:
                if (c, r) not in hits:
                    print(f"  missed {label} {c.work.key} ({c.variant}): {r.status}: {r.reason}")
    not_found = [(c, r) for c, r in real if r.status in ("not-found", "lookup-failed", "ambiguous")]
    differs = [(c, r) for c, r in real if any(v.verdict == "differs" for v in r.fields.values())]
    if show:
        for c, r in [(c, r) for c, r in real if r.status != "verified"]:
            print(f"  real {c.work.key} ({c.variant}) {r.status}: {r.reason}")
    total_mine = sum(v[0] for v in table.values())
    total_hits = sum(v[1] for v in table.values())
    return {"table": table, "real": len(real), "corrupted": total_mine, "recall": total_hits / total_mine,
            "real_not_found": len(not_found), "real_differs": len(differs),
            "statuses": {s: sum(1 for _, r in real if r.status == s) for s in ("verified", "verified-core",
                                                                             "not-found", "ambiguous")}}


def report(summary: dict[str, Any]) -> None:
    print(f"{summary['real']} real records and {summary['corrupted']} corrupted copies ({ADAPTER})")
    print(f"{'corruption':22} {'n':>4} {'found':>6} {'real flagged':>13} {'precision':>10} {'recall':>7}")
    for label, (n, hits, false, precision, recall) in summary["table"].items():
        print(f"{label:22} {n:4d} {hits:6d} {false:13d} {precision:10.2f} {recall:7.2f}")
    print(f"overall recall {summary['recall']:.3f}")
    print(f"real records: {summary['statuses']}; wrongly not-found/ambiguous: {summary['real_not_found']}; "
          f"with a field that differs: {summary['real_differs']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, required=True, help="refchecker's tests/fixtures/test_cache/api_cache")
    parser.add_argument("--sweep", action="store_true", help="also try other thresholds")
    parser.add_argument("--show", action="store_true", help="list every miss and every real record flagged")
    args = parser.parse_args()
    reals = load(args.fixtures)
    all_cases = cases(reals)
    report(run(all_cases, args.show))
    if args.sweep:
        print("\nTITLE_MATCH TITLE_DOI  recall  real-not-found  real-differs")
        base = (compare.TITLE_MATCH, compare.TITLE_DOI)
        for match in (0.80, 0.85, 0.90, 0.93, 0.95):
            for doi in (0.6, 0.75, 0.85):
                compare.TITLE_MATCH, compare.TITLE_DOI = match, doi
                s = run(all_cases)
                print(f"{match:11.2f} {doi:9.2f} {s['recall']:7.3f} {s['real_not_found']:15d} {s['real_differs']:13d}")
        compare.TITLE_MATCH, compare.TITLE_DOI = base
    return 0


if __name__ == "__main__":
    sys.exit(main())

