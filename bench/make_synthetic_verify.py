"""Synthetic service answers for this KB's 19 records, and for the retraction paths.

    python bench/make_synthetic_verify.py            # writes tests/fixtures/verify/kb-synthetic/
                                                     # and tests/fixtures/verify/retraction-synthetic/

The machines that build this project reach no bibliographic service, so the answers for the KB's
own records are built here, in the services' real schema, from what the research saw
(`references_report.md` and the `verification` field of each record): a field the research took
from memory is left out of the synthetic record (the service then gives nothing for it), a DOI the
research never saw resolve (`doiunverified`) is answered 404, and a work the research found in no
source, or that would not be in a service (Dutch handbook chapters, unresolved works), gets an
empty answer. No DOI, PMID, volume or page range is made up: OpenAlex ids are
`W-synthetic-<key>`, and only new2012 has a PubMed record (its PMID, 23013336, was seen).

Each answer is one file per request in the recording format of `kb verify --record`
(`kb/verify/answers.py`), found by the request it holds: `kb verify --replay DIR` plays them. The
requests are those `kb.verify.services.ask` makes: this script runs it for every record and
service with a fetch that answers from the facts below, and writes what was asked.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kb.bibliography import load
from kb.verify.model import SERVICES, Fetched
from kb.verify.services import ask, normalise_doi

DATE = "2026-12-06"  # the day these answers were built; they stand for no real request
BASES = {"crossref": "https://api.crossref.org/", "openalex": "https://api.openalex.org/",
         "pubmed": "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"}
FIXTURES = REPO / "tests" / "fixtures" / "verify"
BPDED = "Borderline Personality Disorder and Emotion Dysregulation"


def person(given: str, family: str, first: bool = False) -> dict[str, Any]:
    return {"given": given, "family": family, "sequence": "first" if first else "additional", "affiliation": []}


def crossref_work(doi: str, title: str, authors: list[tuple[str, str]], container: str, issued: list[int],
                  **more: Any) -> dict[str, Any]:
    work: dict[str, Any] = {
        "DOI": doi, "type": "journal-article", "title": [title],
        "author": [person(g, f, i == 0) for i, (g, f) in enumerate(authors)],
        "container-title": [container] if container else [], "issued": {"date-parts": [issued]},
        "URL": f"https://doi.org/{doi}", "score": 1.0}
    for name, value in more.items():
        work[name.replace("_", "-")] = value
    return work


def openalex_work(key: str, title: str, authors: list[str], year: int, container: str = "", doi: str = "",
                  kind: str = "article", crossref_kind: str = "journal-article", pmid: str = "",
                  **biblio: str) -> dict[str, Any]:
    ids = {"openalex": f"https://openalex.org/W-synthetic-{key}", **({"doi": f"https://doi.org/{doi}"} if doi else {}),
           **({"pmid": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}"} if pmid else {})}
    return {
        "id": ids["openalex"], "doi": f"https://doi.org/{doi}" if doi else None, "title": title, "display_name": title,
        "publication_year": year, "type": kind, "type_crossref": crossref_kind, "ids": ids,
        "authorships": [{"author_position": "first" if i == 0 else "middle",
                         "author": {"id": None, "display_name": name, "orcid": None}, "raw_author_name": name}
                        for i, name in enumerate(authors)],
        "primary_location": {"source": {"display_name": container, "type": "journal"} if container else None},
        "biblio": {"volume": biblio.get("volume"), "issue": biblio.get("issue"),
                   "first_page": biblio.get("first_page"), "last_page": biblio.get("last_page")},
        "is_retracted": False, "is_paratext": False}


FONAGY = [("Peter", "Fonagy"), ("Patrick", "Luyten"), ("Elizabeth", "Allison"), ("Chloe", "Campbell")]
NEW = [("Antonia S.", "New"), ("Marije", "aan het Rot"), ("Luis H.", "Ripoll"), ("M. Mercedes", "Perez-Rodriguez"),
       ("Sophie", "Lazarus"), ("Emma", "Zipursky"), ("Shauna R.", "Weinstein"), ("Harold W.", "Koenigsberg"),
       ("Erin A.", "Hazlett"), ("Marianne", "Goodman"), ("Larry J.", "Siever")]
SOLER = [("Joaquim", "Soler"), ("Matilde", "Elices"), ("Juan C.", "Pascual"), ("Ana", "Martín-Blanco"),
         ("Albert", "Feliu-Soler"), ("Cristina", "Carmona"), ("Maria J.", "Portella")]
NUMMENMAA = [("Lauri", "Nummenmaa"), ("Enrico", "Glerean"), ("Riitta", "Hari"), ("Jari K.", "Hietanen")]
KOCH = [("Sabine C.", "Koch"), ("Teresa", "Kunz"), ("Sissy", "Lykou"), ("Robyn F.", "Cruz")]
PROBST = [("Michel", "Probst"), ("J.", "Knapen"), ("G.", "Poot"), ("D.", "Vancampfort")]


def names(people: list[tuple[str, str]]) -> list[str]:
    return [f"{given} {family}" for given, family in people]


TITLES = {
    "fonagy2017a": "What we have changed our minds about: Part 1. Borderline personality disorder as a limitation "
                   "of resilience",
    "fonagy2017b": "What we have changed our minds about: Part 2. Borderline personality disorder, epistemic trust "
                   "and the developmental significance of social communication",
    "new2012": "Empathy and alexithymia in borderline personality disorder: Clinical and laboratory measures",
    "nummenmaa2014": "Bodily maps of emotions",
    "leirvag2010": "Long-term continuation treatment after short-term day treatment of female patients with severe "
                   "personality disorders: Body awareness group therapy versus psychodynamic group therapy",
    "soler2016": "Effects of mindfulness training on different components of impulsivity in borderline personality "
                 "disorder: Results from a pilot randomized study",
    "koch2014": "Effects of dance movement therapy and dance on health-related psychological outcomes: "
                "A meta-analysis",
    "probst2010": "Psychomotor therapy and psychiatry: What is in a name?",
}

# key -> (Crossref work, OpenAlex work, PubMed document summary); None where the service has no record.
FACTS: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]] = {
    # Seen: title, journal, DOI, the four authors. From memory: volume 4, article number 11: left out.
    "fonagy2017a": (
        crossref_work("10.1186/s40479-017-0061-9", TITLES["fonagy2017a"], FONAGY, BPDED, [2017]),
        openalex_work("fonagy2017a", TITLES["fonagy2017a"], names(FONAGY), 2017, BPDED, "10.1186/s40479-017-0061-9"),
        None),
    "fonagy2017b": (
        crossref_work("10.1186/s40479-017-0062-8", TITLES["fonagy2017b"], FONAGY, BPDED, [2017], volume="4",
                      article_number="9"),
        openalex_work("fonagy2017b", TITLES["fonagy2017b"], names(FONAGY), 2017, BPDED, "10.1186/s40479-017-0062-8",
                      volume="4", first_page="9", last_page="9"),
        None),
    # Seen: the four authors, the year and the English title. Journal, volume, pages: from memory.
    "spaans2009": (None, openalex_work(
        "spaans2009", "Bodily aspects of mentalization: A therapeutic focus in the treatment of patients with "
        "severe medically unexplained symptoms", ["J. A. Spaans", "L. Veselka", "P. Luyten", "M. E. F. Bühring"],
        2009), None),
    # Seen: journal, year, six pages; title and authors from memory: no record can be built.
    "bellino2006": (None, None, None),
    # Seen: title, first author, Compr Psychiatry 51, first page 579; authors from the leaflet.
    "sansone2010": (None, openalex_work(
        "sansone2010", "Body image and borderline personality disorder among psychiatric inpatients",
        ["Randy A. Sansone", "Chu", "Michael W. Wiederman"], 2010, "Comprehensive Psychiatry", volume="51",
        first_page="579"), None),
    # All seen, the PMID too (suppr.wilddata.cn/browses/detail/pubmed/23013336).
    "new2012": (
        crossref_work("10.1521/pedi.2012.26.5.660", TITLES["new2012"], NEW, "Journal of Personality Disorders",
                      [2012, 10], volume="26", issue="5", page="660-675", published_print={"date-parts": [[2012, 10]]}),
        openalex_work("new2012", TITLES["new2012"], names(NEW), 2012, "Journal of Personality Disorders",
                      "10.1521/pedi.2012.26.5.660", pmid="23013336", volume="26", issue="5", first_page="660",
                      last_page="675"),
        {"uid": "23013336", "pubdate": "2012 Oct", "epubdate": "", "source": "J Pers Disord",
         "authors": [{"name": f"{family} {''.join(w[0] for w in given.replace('.', ' ').split())}",
                      "authtype": "Author", "clusterid": ""} for given, family in NEW],
         "title": "Empathy and alexithymia in borderline personality disorder: clinical and laboratory measures.",
         "volume": "26", "issue": "5", "pages": "660-75", "pubtype": ["Journal Article"],
         "articleids": [{"idtype": "pubmed", "idtypen": 1, "value": "23013336"},
                        {"idtype": "doi", "idtypen": 3, "value": "10.1521/pedi.2012.26.5.660"}],
         "fulljournalname": "Journal of personality disorders", "doctype": "citation", "references": []}),
    # Published online 30 Dec 2013, issue dated 2014 (the record's note): Crossref's `issued` is 2013.
    "nummenmaa2014": (
        crossref_work("10.1073/pnas.1321664111", TITLES["nummenmaa2014"], NUMMENMAA,
                      "Proceedings of the National Academy of Sciences of the United States of America", [2013, 12, 30],
                      volume="111", issue="2", page="646-651", published_online={"date-parts": [[2013, 12, 30]]},
                      published_print={"date-parts": [[2014]]}),
        openalex_work("nummenmaa2014", TITLES["nummenmaa2014"], names(NUMMENMAA), 2013,
                      "Proceedings of the National Academy of Sciences of the United States of America",
                      "10.1073/pnas.1321664111", volume="111", issue="2", first_page="646", last_page="651"),
        None),
    # Seen: title, pages, DOI, online 14 Apr 2010. Authors, journal, volume, issue: from memory.
    "leirvag2010": (
        crossref_work("10.3109/08039480903487525", TITLES["leirvag2010"], [], "", [2010, 4, 14], page="115-122",
                      published_online={"date-parts": [[2010, 4, 14]]}),
        openalex_work("leirvag2010", TITLES["leirvag2010"], [], 2010, "", "10.3109/08039480903487525",
                      first_page="115", last_page="122"),
        None),
    # Seen: authors, title, journal, issue 5, pages, 2011. Volume 38 and the DOI: from memory.
    "vandenbroek2011": (None, openalex_work(
        "vandenbroek2011", "Arts therapies and Schema Focused therapy: A pilot study",
        ["Elsa van den Broek", "Marije Keulen-de Vos", "David P. Bernstein"], 2011, "The Arts in Psychotherapy",
        issue="5", first_page="325", last_page="332"), None),
    # A book: no DOI, in no journal index; seen in reference lists (title, author, year, Viking).
    "vanderkolk2014": (None, openalex_work(
        "vanderkolk2014", "The Body Keeps the Score: Brain, Mind, and Body in the Healing of Trauma",
        ["Bessel A. van der Kolk"], 2014, kind="book", crossref_kind="book"), None),
    "soler2016": (
        crossref_work("10.1186/s40479-015-0035-8", TITLES["soler2016"], SOLER, BPDED, [2016, 1, 11], volume="3",
                      article_number="1", published_online={"date-parts": [[2016, 1, 11]]}),
        openalex_work("soler2016", TITLES["soler2016"], names(SOLER), 2016, BPDED, "10.1186/s40479-015-0035-8",
                      volume="3", first_page="1", last_page="1"),
        None),
    "glantz1990": (None, None, None),  # no source found for any field
    "henquet2005": (None, None, None),  # unresolved
    "kuin2005": (None, None, None),  # a chapter of a Dutch handbook
    # Seen: title, journal, April 1999. Authors, volume, issue, pages, DOI: from memory.
    "hutchinson1999": (None, openalex_work(
        "hutchinson1999", "The role of improved physical fitness in rehabilitation and recovery", [], 1999,
        "Psychiatric Rehabilitation Journal"), None),
    "koch2014": (
        crossref_work("10.1016/j.aip.2013.10.004", TITLES["koch2014"], KOCH, "The Arts in Psychotherapy", [2014],
                      volume="41", issue="1", page="46-64"),
        openalex_work("koch2014", TITLES["koch2014"], names(KOCH), 2014, "The Arts in Psychotherapy",
                      "10.1016/j.aip.2013.10.004", volume="41", issue="1", first_page="46", last_page="64"),
        None),
    "probst2010": (
        crossref_work("10.2174/1876391x010020010105", TITLES["probst2010"], PROBST,
                      "The Open Complementary Medicine Journal", [2010], volume="2", page="105-113"),
        openalex_work("probst2010", TITLES["probst2010"], names(PROBST), 2010, "The Open Complementary Medicine Journal",
                      "10.2174/1876391x010020010105", volume="2", first_page="105", last_page="113"),
        None),
    "drewes2019": (None, None, None),  # a chapter: only the handbook was seen
    "kraak2010": (None, None, None),  # a chapter: only the handbook was seen
}


def answer(service: str, path: str, params: Mapping[str, str],
           facts: tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]) -> Any:
    """The body a service holding `facts` would give; None for a 404."""
    crossref, openalex, pubmed = facts
    if service == "crossref":
        if path.startswith("works/"):
            wanted = normalise_doi(path.removeprefix("works/"))
            return {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": crossref} \
                if crossref and normalise_doi(crossref["DOI"]) == wanted else None
        items = [crossref] if crossref else []
        return {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                "message": {"facets": {}, "total-results": len(items), "items": items, "items-per-page": 5,
                            "query": {"start-index": 0, "search-terms": None}}}
    if service == "openalex":
        if path.startswith("works/doi:"):
            wanted = normalise_doi(path.removeprefix("works/doi:"))
            return openalex if openalex and normalise_doi(openalex["doi"] or "") == wanted else None
        results = [openalex] if openalex else []
        return {"meta": {"count": len(results), "db_response_time_ms": 20, "page": 1, "per_page": 5,
                         "groups_count": None}, "results": results, "group_by": []}
    if path == "esearch.fcgi":
        term = params["term"]
        doi = pubmed and next((a["value"] for a in pubmed["articleids"] if a["idtype"] == "doi"), "")
        hit = bool(pubmed) and (term == f"{doi}[doi]" if term.endswith("[doi]") else True)
        ids = [pubmed["uid"]] if pubmed and hit else []
        return {"header": {"type": "esearch", "version": "0.3"},
                "esearchresult": {"count": str(len(ids)), "retmax": str(len(ids)), "retstart": "0", "idlist": ids,
                                  "translationset": [], "querytranslation": term}}
    assert pubmed is not None and params["id"] == pubmed["uid"]
    return {"header": {"type": "esummary", "version": "0.3"}, "result": {"uids": [pubmed["uid"]], pubmed["uid"]: pubmed}}


def recording(service: str, path: str, params: Mapping[str, str], body: Any) -> dict[str, Any]:
    url = BASES[service] + path + ("?" + urlencode(dict(sorted(params.items()))) if params else "")
    return {"service": service, "path": path, "params": dict(sorted(params.items())),
            "status": 200 if body is not None else 404, "date": DATE, "url": url, "body": body}


def write(folder: Path, name: str, data: dict[str, Any]) -> None:
    (folder / data["service"]).mkdir(parents=True, exist_ok=True)
    (folder / data["service"] / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                                                           encoding="utf-8")


def kb_answers(folder: Path) -> int:
    bib, findings = load(REPO / "references.bib", "references.bib")
    if findings:
        raise SystemExit("\n".join(str(f) for f in findings))
    if set(bib.works) != set(FACTS):
        raise SystemExit(f"records without facts, or facts without records: {sorted(set(bib.works) ^ set(FACTS))}")
    written = 0
    for key, work in bib.works.items():
        for service in SERVICES:
            asked: list[dict[str, Any]] = []

            def fetch(service: str, path: str, params: Mapping[str, str], key: str = key,
                      asked: list[dict[str, Any]] = asked) -> Fetched | None:
                body = answer(service, path, params, FACTS[key])
                asked.append(recording(service, path, params, body))
                return None if body is None else Fetched(body, DATE, asked[-1]["url"])

            ask(service, work, fetch)
            for number, data in enumerate(asked, 1):
                write(folder, f"{key}-{number}-synthetic", data)
                written += 1
    return written


def retraction_answers(folder: Path) -> int:
    """A retracted work, its notice, and the same retraction at OpenAlex and PubMed; DOIs under
    Crossref's test prefix 10.5555, PMIDs that are none of PubMed's (letters in them)."""
    work = "10.5555/synthetic.retracted.1"
    notice = "10.5555/synthetic.notice.1"
    correction = "10.5555/synthetic.correction.1"
    title = "A synthetic work that was corrected, then retracted"
    retracted = crossref_work(work, title, [("Ann", "Example"), ("Bo", "Sample")], "Journal of Synthetic Tests",
                              [2015, 3], volume="7", issue="2", page="101-109", updated_by=[
                                  {"DOI": correction, "type": "correction", "label": "Correction",
                                   "source": "publisher", "updated": {"date-parts": [[2016, 1, 5]],
                                                                       "date-time": "2016-01-05T00:00:00Z"}},
                                  {"DOI": notice, "type": "retraction", "label": "Retraction",
                                   "source": "retraction-watch", "record-id": "0",
                                   "updated": {"date-parts": [[2019, 6, 1]], "date-time": "2019-06-01T00:00:00Z"}},
                                  {"DOI": notice, "type": "retraction", "label": "Retraction", "source": "publisher",
                                   "updated": {"date-parts": [[2019, 6, 1]]}}])
    retracted["title"] = ["RETRACTED: " + title]
    notice_work = crossref_work(notice, "Retraction notice to: " + title, [], "Journal of Synthetic Tests", [2019, 6],
                                update_to=[{"DOI": work, "type": "retraction", "label": "Retraction",
                                            "source": "publisher", "updated": {"date-parts": [[2019, 6, 1]]}}])
    oa = openalex_work("retracted", title, ["Ann Example", "Bo Sample"], 2015, "Journal of Synthetic Tests", work,
                       volume="7", issue="2", first_page="101", last_page="109")
    oa["is_retracted"] = True
    summary = {"uid": "synthetic1", "pubdate": "2015 Mar", "epubdate": "2014 Dec 1", "source": "J Synth Tests",
               "authors": [{"name": "Example A", "authtype": "Author"}, {"name": "Sample B", "authtype": "Author"}],
               "title": title + ".", "volume": "7", "issue": "2", "pages": "101-9",
               "pubtype": ["Journal Article", "Retracted Publication"],
               "articleids": [{"idtype": "pubmed", "value": "synthetic1"}, {"idtype": "doi", "value": work}],
               "references": [{"refsource": "J Synth Tests. 2019", "reftype": "Retraction in", "pmid": "synthetic2",
                               "note": ""}],
               "fulljournalname": "Journal of synthetic tests", "doctype": "citation"}
    datas = [
        recording("crossref", f"works/{work}", {}, {"status": "ok", "message-type": "work", "message": retracted}),
        recording("crossref", f"works/{notice}", {}, {"status": "ok", "message-type": "work", "message": notice_work}),
        recording("openalex", f"works/doi:{work}", {}, oa),
        recording("pubmed", "esummary.fcgi", {"db": "pubmed", "id": "synthetic1", "retmode": "json"},
                  {"header": {"type": "esummary", "version": "0.3"}, "result": {"uids": ["synthetic1"],
                                                                                "synthetic1": summary}}),
    ]
    for number, data in enumerate(datas, 1):
        write(folder, f"retraction-{number}-synthetic", data)
    return len(datas)


def main() -> None:
    for name, build in (("kb-synthetic", kb_answers), ("retraction-synthetic", retraction_answers)):
        folder = FIXTURES / name
        for service in SERVICES:
            shutil.rmtree(folder / service, ignore_errors=True)
        print(f"{folder.relative_to(REPO)}: {build(folder)} answers")


if __name__ == "__main__":
    main()
