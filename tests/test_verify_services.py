"""kb/verify/services.py: the questions asked of Crossref, OpenAlex and PubMed, and their answers
read into candidates, on recorded real answers (tests/fixtures/verify/recorded/) and on the
synthetic answers for this KB's records (tests/fixtures/verify/kb-synthetic/)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from kb.bibliography import Work, load, parse
from kb.verify.model import SERVICES, Fetched, LookupFailed, Retraction
from kb.verify.services import (
    ask,
    crossref_candidate,
    crossref_search,
    dois,
    family_name,
    normalise_pages,
    openalex_candidate,
    openalex_search,
    pubmed_candidate,
    pubmed_term,
    search_text,
)

FIXTURES = Path(__file__).parent / "fixtures" / "verify"
REPO = Path(__file__).parent.parent


def recorded(service: str, name: str) -> Any:
    return json.loads((FIXTURES / "recorded" / service / f"{name}.json").read_text(encoding="utf-8"))


def folder(name: str) -> dict[str, dict[str, Any]]:
    """A recording folder's answers by request (service, path, sorted params), as replay matches them."""
    answers: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        for file in sorted((FIXTURES / name / service).glob("*.json")):
            data = json.loads(file.read_text(encoding="utf-8"))
            key = request(data["service"], data["path"], data["params"])
            assert key not in answers, f"{file}: the same request twice"
            answers[key] = data
    return answers


def request(service: str, path: str, params: Mapping[str, str]) -> str:
    return json.dumps([service, path, sorted(params.items())])


class Replay:
    """A fetch answering from recordings; a request not recorded fails the test."""

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, service: str, path: str, params: Mapping[str, str]) -> Fetched | None:
        key = request(service, path, params)
        self.asked.append(key)
        assert key in self.answers, f"not recorded: {key}"
        data = self.answers[key]
        return Fetched(data["body"], data["date"], data["url"]) if data["status"] == 200 else None


def work(text: str) -> Work:
    bib, findings = parse(text, Path("references.bib"), "references.bib")
    assert not findings
    return next(iter(bib.works.values()))


# Recorded real answers.


def test_crossref_work_by_doi_habanero() -> None:
    data = recorded("crossref", "habanero-works-10.1371-journal.pone.0033693")
    c = crossref_candidate(data["body"]["message"])
    assert c.title == ("Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the "
                       "Basal Ganglia of Mice")
    assert c.authors[0] == "Sadasivan" and c.authors[1:3] == ("Pond", "Pani")
    assert (c.year, c.container, c.volume, c.issue, c.pages) == ("2012", "PLoS ONE", "7", "3", "e33693")
    assert (c.doi, c.record_id, c.entry_type) == ("10.1371/journal.pone.0033693",) * 2 + ("article",)
    # A real `updated-by`: PLoS deposited a correction notice.
    assert c.retractions == (Retraction("crossref", "10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda",
                                        "correction", "2012-05-08", "publisher"),)
    assert not any(r.retracts for r in c.retractions) and c.score == 1.0


def test_crossref_search_habanero_scores_and_order() -> None:
    items = recorded("crossref", "habanero-works-query-ecology-boettiger")["body"]["message"]["items"]
    found = [crossref_candidate(item) for item in items]
    assert len(found) == 20
    assert (found[0].doi, found[0].title, found[0].score) == ("10.1111/ele.14024", "The forecast trap", 35.49375)
    assert found[1].doi == "10.1111/ele.13085" and found[1].score == 34.893997


def test_crossref_work_refchecker() -> None:
    message = recorded("crossref", "refchecker-works-10.1093-nar-28.1.235")["body"]["message"]
    c = crossref_candidate(message)
    assert (c.title, c.authors[0], c.year, c.container, c.pages) == (
        "The Protein Data Bank", "Berman", "2000", "Nucleic Acids Research", "235-242")
    assert c.doi == "10.1093/nar/28.1.235"


def test_openalex_work_refchecker() -> None:
    c = openalex_candidate(recorded("openalex", "refchecker-works-doi-10.1093-nar-28.1.235")["body"])
    assert (c.record_id, c.title, c.year, c.container, c.doi, c.pmid) == (
        "W2130479394", "The Protein Data Bank", "2000", "Nucleic Acids Research", "10.1093/nar/28.1.235", "10592235")
    assert c.authors[0] == "Berman" and c.entry_type == "article" and c.retractions == ()


def test_openalex_work_cookbook_biblio() -> None:
    body = recorded("openalex", "ualib-cookbook-works-title-search-geodetics")["body"]
    c = openalex_candidate(body["results"][0])
    assert (c.record_id, c.title, c.doi) == (
        "W2097951601", "A geodetic plate motion and Global Strain Rate Model", "10.1002/2014gc005407")
    assert c.authors[:3] == ("Kreemer", "Blewitt", "Klein")
    assert (c.year, c.volume, c.issue, c.pages, c.entry_type) == ("2014", "15", "10", "3849-3889", "article")
    assert c.retractions == ()  # is_retracted: false


def test_pubmed_esummary_cookbook() -> None:
    body = recorded("pubmed", "ualib-cookbook-esummary-27933103")["body"]
    c = pubmed_candidate(body["result"]["27933103"])
    assert c.title == "Programmatic conversion of crystal structures into 3D printable files using Jmol"
    assert c.authors[:2] == ("Scalfani", "Williams") and len(c.authors) == 8
    assert (c.year, c.container, c.volume, c.pages) == ("2016", "Journal of cheminformatics", "8", "66")
    assert (c.doi, c.pmid, c.record_id) == ("10.1186/s13321-016-0181-z", "27933103", "27933103")
    assert c.publication_types == ("Journal Article",) and c.retractions == ()


def test_pubmed_search_then_summary_through_ask() -> None:
    """The recorded esearch (Darwin[au]) and esummary (27933103) played as one lookup: the PMIDs
    esearch gives are read with esummary, and those it has no summary for are left out."""
    esearch = recorded("pubmed", "ualib-cookbook-esearch-darwin")
    assert esearch["body"]["esearchresult"]["count"] == "603"
    summary = recorded("pubmed", "ualib-cookbook-esummary-27933103")
    ids = esearch["body"]["esearchresult"]["idlist"][:5]
    asked: list[tuple[str, dict[str, str]]] = []

    def fetch(service: str, path: str, params: Mapping[str, str]) -> Fetched | None:
        asked.append((path, dict(params)))
        if path == "esearch.fcgi":
            return Fetched({**esearch["body"], "esearchresult": {**esearch["body"]["esearchresult"], "idlist": ids}},
                           esearch["date"], esearch["url"])
        records = summary["body"]["result"]
        return Fetched({"result": {"uids": ids, **{i: {"uid": i, "error": "cannot get document summary"} for i in ids},
                                   ids[0]: records["27933103"]}}, summary["date"], summary["url"])

    answer = ask("pubmed", work("@article{d, author={Darwin, C.}, title={}, year={}}"), fetch)
    assert asked == [("esearch.fcgi", {"db": "pubmed", "term": "Darwin[au]", "retmode": "json", "retmax": "5"}),
                     ("esummary.fcgi", {"db": "pubmed", "id": ",".join(ids), "retmode": "json"})]
    assert [c.record_id for c in answer.candidates] == ["27933103"]
    (lookup,) = answer.lookups
    assert (lookup.query, lookup.outcome, lookup.date, lookup.record_id) == ("Darwin[au]", "found", "2022-11-23",
                                                                              "27933103")


# Retraction and correction notices (synthetic: no recorded real one with a known licence).


def test_crossref_every_updated_by_entry_and_update_to() -> None:
    answers = folder("retraction-synthetic")
    retracted = answers[request("crossref", "works/10.5555/synthetic.retracted.1", {})]["body"]["message"]
    c = crossref_candidate(retracted)
    assert c.retractions == (
        Retraction("crossref", "10.5555/synthetic.correction.1", "correction", "2016-01-05", "publisher"),
        Retraction("crossref", "10.5555/synthetic.notice.1", "retraction", "2019-06-01", "retraction-watch"),
        Retraction("crossref", "10.5555/synthetic.notice.1", "retraction", "2019-06-01", "publisher"))
    assert any(r.retracts for r in c.retractions)
    notice = answers[request("crossref", "works/10.5555/synthetic.notice.1", {})]["body"]["message"]
    (own,) = crossref_candidate(notice).retractions
    assert own == Retraction("crossref", "10.5555/synthetic.notice.1", "notice-of-retraction", "2019-06-01", "publisher")
    assert not own.retracts


def test_openalex_and_pubmed_retracted() -> None:
    answers = folder("retraction-synthetic")
    oa = openalex_candidate(answers[request("openalex", "works/doi:10.5555/synthetic.retracted.1", {})]["body"])
    assert oa.retractions == (Retraction("openalex", "", "retraction", ""),)
    body = answers[request("pubmed", "esummary.fcgi", {"db": "pubmed", "id": "synthetic1", "retmode": "json"})]["body"]
    pm = pubmed_candidate(body["result"]["synthetic1"])
    assert pm.retractions == (Retraction("pubmed", "synthetic2", "retraction", ""),)
    assert "Retracted Publication" in pm.publication_types
    assert (pm.pages, pm.year, pm.other_years) == ("101-109", "2015", ("2014",))
    notice = pubmed_candidate({"uid": "9", "title": "Retraction.", "pubtype": ["Retraction of Publication"]})
    assert notice.retractions == (Retraction("pubmed", "9", "notice-of-retraction", ""),)


# The questions asked.

WITH_DOI = "@article{a, author={Smith, Ann and van der Berg, Jo}, year={2010}, title={A title}, doi={10.1000/ABC}}"
RECALLED = ("@article{b, author={Smith, Ann}, year={2010}, title={A title}, doi={10.1000/seen},"
            " doiunverified={10.1000/recalled}}")
TRANSLATED = ("@article{c, author={Spaans, J. A.}, year={2009}, title={Lichamelijke aspecten van mentalisatie"
              " [Bodily aspects of mentalization]}, journal={Tijdschrift voor Psychiatrie}}")
PLACEHOLDER = ("@incollection{d, author={Kraak}, year={2010}, title={[Chapter on therapy; exact title not verified]},"
               " booktitle={Psychomotorische therapie}}")


def test_dois_doi_and_recalled_each_once() -> None:
    assert dois(work(WITH_DOI)) == [("doi", "10.1000/abc")]
    assert dois(work(RECALLED)) == [("doi", "10.1000/seen"), ("doiunverified", "10.1000/recalled")]
    same = "@article{e, title={T}, doi={https://doi.org/10.1/X}, doiunverified={10.1/x}}"
    assert dois(work(same)) == [("doi", "10.1/x")]


def test_asks_every_doi_naming_its_field() -> None:
    fetch = Replay({request("crossref", "works/10.1000/seen", {}): {"status": 404, "body": None, "date": "", "url": ""},
                    request("crossref", "works/10.1000/recalled", {}): {
                        "status": 200, "date": "2026-01-02", "url": "u",
                        "body": {"message": {"DOI": "10.1000/recalled", "title": ["A title"], "type": "book"}}}})
    answer = ask("crossref", work(RECALLED), fetch)
    assert [(x.query, x.outcome, x.date, x.record_id) for x in answer.lookups] == [
        ("doi:10.1000/seen", "not-found", "", ""),
        ("doiunverified:10.1000/recalled", "found", "2026-01-02", "10.1000/recalled")]
    assert answer.candidates[0].entry_type == "book" and not answer.failed


def test_no_doi_found_then_bibliographic_search() -> None:
    params = crossref_search(work(WITH_DOI))
    assert params == {"query.bibliographic": "A title", "query.author": "Smith van der Berg",
                      "filter": "from-pub-date:2009,until-pub-date:2011", "rows": "5"}
    fetch = Replay({request("crossref", "works/10.1000/abc", {}): {"status": 404, "body": None, "date": "", "url": ""},
                    request("crossref", "works", params): {
                        "status": 200, "date": "2026-01-03", "url": "u",
                        "body": {"message": {"items": []}}}})
    answer = ask("crossref", work(WITH_DOI), fetch)
    assert [(x.query, x.outcome) for x in answer.lookups] == [
        ("doi:10.1000/abc", "not-found"),
        ('bibliographic "A title"; author "Smith van der Berg"; published 2009-2011', "not-found")]


def test_translated_title_searched_by_its_english_part() -> None:
    record = work(TRANSLATED)
    assert search_text(record) == "Bodily aspects of mentalization"
    assert openalex_search(record) == {"search": "Bodily aspects of mentalization",
                                       "filter": "publication_year:2008-2010", "per-page": "5"}
    assert pubmed_term(record) == "Spaans[au] AND 2008:2010[dp] AND Bodily[ti] AND aspects[ti] AND mentalization[ti]"


def test_placeholder_title_searched_by_author_year_container() -> None:
    record = work(PLACEHOLDER)
    assert search_text(record) == "Psychomotorische therapie"
    assert crossref_search(record) == {"query.bibliographic": "Psychomotorische therapie", "query.author": "Kraak",
                                       "filter": "from-pub-date:2009,until-pub-date:2011", "rows": "5"}
    assert pubmed_term(record) == "Kraak[au] AND 2009:2011[dp]"
    bare = work("@misc{h, author={Henquet}, year={2005}, title={[Unresolved: a text]}}")
    assert crossref_search(bare) == {"query.author": "Henquet", "filter": "from-pub-date:2004,until-pub-date:2006",
                                     "rows": "5"}
    assert openalex_search(bare)["search"] == "Henquet"


def test_lookup_failed_is_a_failed_answer_never_not_found() -> None:
    def down(service: str, path: str, params: Mapping[str, str]) -> Fetched | None:
        raise LookupFailed("HTTP 503 (4 tries)")

    for service in SERVICES:
        answer = ask(service, work(RECALLED), down)
        assert answer.failed == "HTTP 503 (4 tries)" and answer.candidates == ()
        (lookup,) = answer.lookups
        assert (lookup.query, lookup.outcome, lookup.detail) == ("doi:10.1000/seen", "failed", "HTTP 503 (4 tries)")


def test_failure_after_a_finding_keeps_what_was_found() -> None:
    def second_fails(service: str, path: str, params: Mapping[str, str]) -> Fetched | None:
        if path.endswith("seen"):
            return Fetched({"id": "https://openalex.org/W1", "doi": "https://doi.org/10.1000/seen", "title": "T"},
                           "2026-01-01", "u")
        raise LookupFailed("timed out after 20 s")

    answer = ask("openalex", work(RECALLED), second_fails)
    assert [x.outcome for x in answer.lookups] == ["found", "failed"] and answer.failed == "timed out after 20 s"
    assert [c.record_id for c in answer.candidates] == ["W1"]


@pytest.mark.parametrize("body", [[], "text", {"message": "x"}, {"status": "ok"}])
def test_a_body_of_the_wrong_shape_is_a_failure(body: Any) -> None:
    answer = ask("crossref", work(WITH_DOI), lambda s, p, q: Fetched(body, "2026-01-01", "u"))
    assert answer.failed and answer.lookups[-1].outcome == "failed"


def test_pubmed_esummary_failure_fails_the_lookup() -> None:
    def fetch(service: str, path: str, params: Mapping[str, str]) -> Fetched | None:
        if path == "esearch.fcgi":
            return Fetched({"esearchresult": {"count": "1", "idlist": ["123"]}}, "2026-01-01", "u")
        raise LookupFailed("HTTP 502")

    answer = ask("pubmed", work(WITH_DOI), fetch)
    assert answer.failed == "HTTP 502" and [x.outcome for x in answer.lookups] == ["failed"]
    assert answer.lookups[0].query == "doi:10.1000/abc"


def test_unknown_service() -> None:
    with pytest.raises(ValueError, match="no such service"):
        ask("scopus", work(WITH_DOI), Replay({}))


@pytest.mark.parametrize(("raw", "pages"), [("239--248", "239-248"), ("660-75", "660-675"), ("1101-9", "1101-1109"),
                                            ("e33693", "e33693"), ("D383-D388", "D383-D388"), ("46–64", "46-64"),
                                            ("", "")])
def test_pages(raw: str, pages: str) -> None:
    assert normalise_pages(raw) == pages


@pytest.mark.parametrize(("shown", "family"), [("Bessel A. van der Kolk", "van der Kolk"), ("Marije aan het Rot",
                         "aan het Rot"), ("Marije Keulen-de Vos", "Keulen-de Vos"), ("John Smith Jr.", "Smith"),
                         ("C. Kreemer", "Kreemer"), ("Plato", "Plato")])
def test_family_name(shown: str, family: str) -> None:
    assert family_name(shown) == family


def test_crossref_markup_subtitle_years_and_organisation() -> None:
    c = crossref_candidate({
        "DOI": "10.1/X", "title": ["<jats:italic>Bodily</jats:italic> maps &amp; emotions"], "subtitle": ["A study"],
        "author": [{"name": "WHO Group"}, {"family": "Hari", "given": "R"}], "issued": {"date-parts": [[2013, 12]]},
        "published-print": {"date-parts": [[2014]]}, "published-online": {"date-parts": [[2013, 12, 30]]},
        "type": "book-chapter", "article-number": "e5"})
    assert (c.title, c.authors, c.year, c.other_years) == ("Bodily maps & emotions: A study", ("WHO Group", "Hari"),
                                                           "2013", ("2014",))
    assert (c.doi, c.entry_type, c.pages) == ("10.1/x", "incollection", "e5")


# The synthetic answers for this KB.


def test_synthetic_answers_cover_every_request_for_all_19_records() -> None:
    answers = folder("kb-synthetic")
    assert all("synthetic" in f.name for f in (FIXTURES / "kb-synthetic").rglob("*.json"))
    bib, findings = load(REPO / "references.bib", "references.bib")
    assert not findings and len(bib.works) == 19
    fetch = Replay(answers)
    results = {(key, service): ask(service, record, fetch) for key, record in bib.works.items() for service in SERVICES}
    assert sorted(set(fetch.asked)) == sorted(answers)  # every request recorded, every recording asked
    assert not any(answer.failed for answer in results.values())
    found = {key: sorted(s for s in SERVICES if results[key, s].candidates) for key in bib.works}
    assert found == {
        "kraak2010": [], "drewes2019": [], "fonagy2017a": ["crossref", "openalex"],
        "fonagy2017b": ["crossref", "openalex"], "spaans2009": ["openalex"], "bellino2006": [],
        "sansone2010": ["openalex"], "new2012": ["crossref", "openalex", "pubmed"],
        "nummenmaa2014": ["crossref", "openalex"], "leirvag2010": ["crossref", "openalex"],
        "vandenbroek2011": ["openalex"], "vanderkolk2014": ["openalex"], "soler2016": ["crossref", "openalex"],
        "glantz1990": [], "henquet2005": [], "kuin2005": [], "hutchinson1999": ["openalex"],
        "koch2014": ["crossref", "openalex"], "probst2010": ["crossref", "openalex"]}
    new = results["new2012", "pubmed"].candidates[0]
    assert (new.pmid, new.pages, new.authors[1], new.doi) == ("23013336", "660-675", "aan het Rot",
                                                              "10.1521/pedi.2012.26.5.660")
    nummenmaa = results["nummenmaa2014", "crossref"].candidates[0]
    assert (nummenmaa.year, nummenmaa.other_years) == ("2013", ("2014",))
    recalled = results["bellino2006", "crossref"].lookups[0]
    assert (recalled.query, recalled.outcome) == ("doiunverified:10.1016/j.psychres.2005.06.006", "not-found")
    assert results["vandenbroek2011", "openalex"].candidates[0].authors == ("van den Broek", "Keulen-de Vos",
                                                                             "Bernstein")
