"""kb/verify/compare.py: field verdicts, the candidate that is the work, the computed status,
suggestions and retraction notices, on records written as BibTeX and candidates as the services
helper gives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.bibliography import Work, parse
from kb.verify import normalise
from kb.verify.compare import compare, decide
from kb.verify.model import Candidate, Lookup, Outcome, Retraction, ServiceAnswer
from kb.verify.retractionwatch import RetractionWatch

DATE = "2026-01-01"


def work(fields: str, entry_type: str = "article", key: str = "rec") -> Work:
    bib, findings = parse(f"@{entry_type}{{{key},\n{fields}\n}}\n", Path("references.bib"), "references.bib")
    assert not findings, findings
    return bib.works[key]


FONAGY1 = work("""
  author = {Fonagy, Peter and Luyten, Patrick and Allison, Elizabeth and Campbell, Chloe},
  year = {2017},
  title = {What we have changed our minds about: Part 1. Borderline personality disorder as a limitation of resilience},
  journal = {Borderline Personality Disorder and Emotion Dysregulation},
  volume = {4}, pages = {11},
  doi = {10.1186/s40479-017-0061-9},
  verificationstatus = {verified}""", key="fonagy2017a")

CR_FONAGY1 = Candidate(
    "crossref", "10.1186/s40479-017-0061-9",
    "What we have changed our minds about: Part 1. Borderline personality disorder as a limitation of resilience",
    ("Fonagy", "Luyten", "Allison", "Campbell"), "2017", "Borderline Personality Disorder and Emotion Dysregulation",
    "4", "1", "11", "10.1186/s40479-017-0061-9", "article")
CR_FONAGY2 = Candidate(
    "crossref", "10.1186/s40479-017-0062-8",
    "What we have changed our minds about: Part 2. Borderline personality disorder, epistemic trust and the "
    "developmental significance of social communication",
    ("Fonagy", "Luyten", "Allison", "Campbell"), "2017", "Borderline Personality Disorder and Emotion Dysregulation",
    "4", "1", "9", "10.1186/s40479-017-0062-8", "article")


def answer(service: str, *candidates: Candidate, query: str = "bibliographic", failed: str = "") -> ServiceAnswer:
    outcome: Outcome = "failed" if failed else ("found" if candidates else "not-found")
    return ServiceAnswer(service, (Lookup(service, query, outcome, DATE, detail=failed),), candidates, failed)


def cand(**changes: object) -> Candidate:
    from dataclasses import replace
    return replace(CR_FONAGY1, **changes)  # type: ignore[arg-type]


# --- titles -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("ours", "theirs", "verdict"), [
    ("Attention is all you need", "Attention Is All You Need", "match"),
    ("Attention is all you need.", "attention is all you need", "match"),
    ("{BERT}: Pre-training of deep bidirectional transformers", "BERT: Pre-training of Deep Bidirectional "
     "Transformers", "match"),
    ("Psychomotorische therapie bij persoonlijkheidsstoornissen", "Psychomotorische Therapie bij "
     "Persoonlijkheidsstoornissen", "match"),
    ("Één café à Zürich", "Een cafe a Zurich", "match"),
    ("The <i>in vivo</i> effect of yoga", "The in vivo effect of yoga", "match"),
    ("The \\emph{in vivo} effect of yoga", "The <jats:italic>in vivo</jats:italic> effect of yoga", "match"),
    ("Lichaamsgerichte therapie [Body-oriented therapy]", "Body-oriented therapy", "match"),
    ("Lichaamsgerichte therapie [Body-oriented therapy]", "Lichaamsgerichte therapie", "match"),
    ("Mentalization-based treatment", "Mentalization-based treatment: A practical guide", "match"),
    ("Mentalization-based treatment: A practical guide", "Mentalization-based treatment", "match"),
    ("Dialectical behaviour therapy", "Dialectical behavior therapy", "match"),
    ("Yoga for borderline personality disorder", "Running for borderline personality disorder in adolescents",
     "differs"),
    ("Attention is all", "Attention is all you need for borderline personality disorder", "differs"),
    ("Hallucinated coconut reasoning for quantum citation alignment", "Attention is all you need", "differs"),
])
def test_title_verdicts(ours: str, theirs: str, verdict: str) -> None:
    w = work(f"author = {{A}}, year = {{2017}}, title = {{{ours}}}")
    assert compare(w, cand(title=theirs))["title"].verdict == verdict


def test_a_missing_subtitle_is_named() -> None:
    w = work("author = {A}, year = {2017}, title = {Mentalization-based treatment}")
    v = compare(w, cand(title="Mentalization-based treatment: A practical guide"))["title"]
    assert v.note == "the service's title has a subtitle ours lacks"


def test_two_parts_of_a_series_are_different_titles() -> None:
    assert compare(FONAGY1, CR_FONAGY2)["title"].verdict == "differs"
    assert compare(FONAGY1, CR_FONAGY1)["title"].verdict == "match"


# --- authors ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("ours", "theirs", "verdict", "note"), [
    ("Fonagy, Peter and Luyten, Patrick", ("Fonagy", "Luyten"), "match", ""),
    ("Fonagy, P. and Luyten, P.", ("Fonagy P", "Luyten P"), "match", ""),
    ("P. Fonagy and P. Luyten", ("Fonagy", "Luyten"), "match", ""),
    ("van Busschbach, Jooske and de Lange, Jan", ("Busschbach", "Lange"), "match", ""),
    ("Busschbach, Jooske T. van and Lange, Jan de", ("van Busschbach", "De Lange"), "match", ""),
    ("Drewes, M. and Nijkamp, L. and {Roemen-van Haaren}, M.", ("Drewes", "Nijkamp", "Roemen-van Haaren"), "match",
     ""),
    ("Drewes, M. and Nijkamp, L. and {Roemen-van Haaren}, M.", ("Drewes", "Nijkamp", "Roemen‐Van Haaren"), "match",
     ""),
    ("Drewes, M. and Nijkamp, L. and {Roemen-van Haaren}, M.", ("Drewes", "Nijkamp", "Roemen"), "match", ""),
    ("M{\\\"u}ller, K. and Garc{\\'\\i}a, J.", ("Müller", "García"), "match", ""),
    ("Muller, K. and Garcia, J.", ("Müller", "García"), "match", ""),
    ("Fonagy, Peter and others", ("Fonagy", "Luyten", "Allison"), "match", "first authors only (and others)"),
    ("Luyten, Patrick and Fonagy, Peter", ("Fonagy", "Luyten"), "differs", "same names in another order"),
    ("Fonagy, Peter", ("Fonagy", "Luyten"), "differs", "missing from ours: Luyten"),
    ("Fonagy, Peter and Luyten, Patrick and Bateman, Anthony", ("Fonagy", "Luyten"), "differs",
     "not at the service: Bateman"),
    ("Bernst, A.", ("Bernstein",), "differs", "missing from ours: Bernstein; not at the service: Bernst"),
    ("Glanz, K.", ("Glantz",), "differs", "missing from ours: Glantz; not at the service: Glanz"),
])
def test_author_verdicts(ours: str, theirs: tuple[str, ...], verdict: str, note: str) -> None:
    w = work(f"author = {{{ours}}}, year = {{2017}}, title = {{T}}")
    v = compare(w, cand(authors=theirs))["authors"]
    assert (v.verdict, v.note) == (verdict, note)


def test_no_authors_on_either_side_is_missing_and_says_whose() -> None:
    w = work("year = {2017}, title = {T}")
    v = compare(w, cand())["authors"]
    assert (v.verdict, v.note) == ("missing", "our record has none")
    v = compare(work("author = {A}, year = {2017}, title = {T}"), cand(authors=()))["authors"]
    assert (v.verdict, v.note) == ("missing", "Crossref gives none")


# --- year -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ours", "theirs", "other", "verdict", "note"), [
    ("2017", "2017", (), "match", ""),
    ("2016", "2017", ("2016",), "match", "one year apart: Crossref gives 2016 (online first) and 2017 (print)"),
    ("2016", "2017", (), "differs", "one year apart"),
    ("2018", "2017", (), "differs", "one year apart"),
    ("2015", "2017", ("2016",), "differs", ""),
    ("", "2017", (), "missing", "our record has none"),
])
def test_year_verdicts(ours: str, theirs: str, other: tuple[str, ...], verdict: str, note: str) -> None:
    w = work(f"author = {{A}}, year = {{{ours}}}, title = {{T}}" if ours else "author = {A}, title = {T}")
    v = compare(w, cand(year=theirs, other_years=other))["year"]
    assert (v.verdict, v.note, v.theirs) == (verdict, note, theirs)


# --- container, volume, issue, pages, DOI, type ----------------------------------------------

@pytest.mark.parametrize(("ours", "theirs", "verdict"), [
    ("Journal of Personality Disorders", "J. Pers. Disord.", "match"),
    ("Journal of Personality Disorders", "J Pers Disord", "match"),
    ("The Lancet", "Lancet", "match"),
    ("Psychotherapy and Psychosomatics", "Psychother Psychosom", "match"),
    ("Arts in Psychotherapy", "The Arts in Psychotherapy", "match"),
    ("Borderline Personality Disorder and Emotion Dysregulation",
     "Borderline Personality Disorder & Emotion Dysregulation", "match"),
    ("Tijdschrift voor Vaktherapie", "Tijdschrift voor vaktherapie", "match"),
    ("PLoS ONE", "PLOS One", "match"),
    ("Journal of Personality Disorders", "Journal of Affective Disorders", "differs"),
    ("Psychological Medicine", "Psychological Bulletin", "differs"),
    ("Journal of Personality Disorders", "J. Affect. Disord.", "differs"),
])
def test_container_verdicts(ours: str, theirs: str, verdict: str) -> None:
    w = work(f"author = {{A}}, year = {{2017}}, title = {{T}}, journal = {{{ours}}}")
    assert compare(w, cand(container=theirs))["container"].verdict == verdict


@pytest.mark.parametrize(("ours", "theirs", "verdict"), [
    ("239--248", "239-248", "match"),
    ("239-48", "239-248", "match"),
    ("239–248", "239-248", "match"),
    ("pp. 239-248", "239-248", "match"),
    ("1199-203", "1199-1203", "match"),
    ("e0123456", "0123456", "match"),
    ("e0123456", "e0123456", "match"),
    ("11", "11", "match"),
    ("239", "239-248", "match"),
    ("239-249", "239-248", "differs"),
    ("12", "11", "differs"),
])
def test_page_verdicts(ours: str, theirs: str, verdict: str) -> None:
    w = work(f"author = {{A}}, year = {{2017}}, title = {{T}}, pages = {{{ours}}}")
    assert compare(w, cand(pages=theirs))["pages"].verdict == verdict


def test_volume_and_issue() -> None:
    w = work("author = {A}, year = {2017}, title = {T}, volume = {4}, number = {3--4}")
    v = compare(w, cand(volume="4", issue="3-4"))
    assert (v["volume"].verdict, v["issue"].verdict) == ("match", "match")
    v = compare(w, cand(volume="5", issue=""))
    assert (v["volume"].verdict, v["issue"].verdict, v["issue"].note) == ("differs", "missing", "Crossref gives none")


@pytest.mark.parametrize(("ours", "verdict"), [
    ("10.1186/s40479-017-0061-9", "match"),
    ("10.1186/S40479-017-0061-9", "match"),
    ("https://doi.org/10.1186/s40479-017-0061-9", "match"),
    ("doi:10.1186/s40479-017-0061-9", "match"),
    ("http://dx.doi.org/10.1186/s40479-017-0061-9", "match"),
    ("10.1186/s40479-017-0062-8", "differs"),
])
def test_doi_verdicts(ours: str, verdict: str) -> None:
    w = work(f"author = {{A}}, year = {{2017}}, title = {{T}}, doi = {{{ours}}}")
    assert compare(w, cand())["doi"].verdict == verdict


@pytest.mark.parametrize(("ours", "theirs", "verdict"), [
    ("article", "article", "match"),
    ("book", "book", "match"),
    ("incollection", "inbook", "match"),
    ("inproceedings", "conference", "match"),
    ("phdthesis", "thesis", "match"),
    ("misc", "article", "match"),
    ("article", "book", "differs"),
    ("book", "incollection", "differs"),
    ("article", "inproceedings", "differs"),
])
def test_type_verdicts(ours: str, theirs: str, verdict: str) -> None:
    w = work("author = {A}, year = {2017}, title = {T}", entry_type=ours)
    assert compare(w, cand(entry_type=theirs))["type"].verdict == verdict


def test_every_field_is_judged_in_order() -> None:
    assert list(compare(FONAGY1, CR_FONAGY1)) == [
        "title", "authors", "year", "container", "volume", "issue", "pages", "doi", "type"]


def test_normalised_doi_and_pages() -> None:
    assert normalise.doi(" https://doi.org/10.1000/ABC%2F1. ") == "10.1000/abc/1"
    assert normalise.pages("239--48") == "239-248"


# --- statuses ---------------------------------------------------------------------------------

def test_verified_when_every_main_field_matches() -> None:
    result = decide(FONAGY1, [answer("crossref", CR_FONAGY1, query="doi:10.1186/s40479-017-0061-9")])
    assert result.status == "verified"
    assert result.matched == "crossref:10.1186/s40479-017-0061-9"
    assert "Crossref 10.1186/s40479-017-0061-9" in result.reason
    assert result.lookups[0].outcome == "found"
    assert result.lookups[0].record_id == "10.1186/s40479-017-0061-9"
    assert result.typed_status == "verified"
    assert not result.suggestions


def test_part_1_and_part_2_are_not_confused() -> None:
    result = decide(FONAGY1, [answer("crossref", CR_FONAGY2, CR_FONAGY1)])
    assert (result.status, result.matched) == ("verified", "crossref:10.1186/s40479-017-0061-9")
    no_doi = work("""
      author = {Fonagy, Peter and Luyten, Patrick and Allison, Elizabeth and Campbell, Chloe}, year = {2017},
      title = {What we have changed our minds about: Part 2. Borderline personality disorder, epistemic trust and
               the developmental significance of social communication},
      journal = {Borderline Personality Disorder and Emotion Dysregulation}, volume = {4}, pages = {9}""")
    result = decide(no_doi, [answer("crossref", CR_FONAGY1, CR_FONAGY2)])
    assert (result.status, result.matched) == ("verified", "crossref:10.1186/s40479-017-0062-8")


def test_a_title_without_the_part_is_ambiguous() -> None:
    w = work("""author = {Fonagy, Peter and Luyten, Patrick}, year = {2017},
                title = {What we have changed our minds about}""")
    result = decide(w, [answer("crossref", CR_FONAGY1, CR_FONAGY2)])
    assert result.status == "ambiguous"
    assert "10.1186/s40479-017-0061-9" in result.reason and "10.1186/s40479-017-0062-8" in result.reason
    assert result.lookups[0].outcome == "ambiguous"
    assert not result.matched


def test_two_services_on_one_work_are_not_ambiguous() -> None:
    oa = cand(service="openalex", record_id="W2594633044", pages="", issue="")
    result = decide(FONAGY1, [answer("crossref", CR_FONAGY1), answer("openalex", oa)])
    assert result.status == "verified"
    assert [lk.outcome for lk in result.lookups] == ["found", "found"]
    assert result.lookups[1].record_id == "W2594633044"


def test_verified_core_lists_what_differs() -> None:
    w = work("""author = {Luyten, Patrick and Fonagy, Peter and Allison, Elizabeth and Campbell, Chloe},
      year = {2016},
      title = {What we have changed our minds about: Part 1. Borderline personality disorder as a limitation of
               resilience},
      journal = {Journal of Personality Disorders}, volume = {4}, pages = {11}""")
    result = decide(w, [answer("crossref", CR_FONAGY1)])
    assert result.status == "verified-core"
    assert result.fields["authors"].verdict == "differs"
    assert result.fields["year"].verdict == "differs"
    assert result.fields["container"].verdict == "differs"
    assert "authors differs (same names in another order)" in result.reason
    assert "year differs (one year apart)" in result.reason
    fields = {s.field: s.value for s in result.suggestions}
    assert fields["year"] == "2017"
    assert fields["journal"] == "Borderline Personality Disorder and Emotion Dysregulation"
    assert fields["author"] == "Fonagy and Luyten and Allison and Campbell"
    assert fields["doi"] == "10.1186/s40479-017-0061-9"


def test_a_wrong_year_with_a_near_identical_title_is_still_the_work() -> None:
    w = work(f"author = {{Fonagy, P.}}, year = {{2014}}, title = {{{CR_FONAGY1.title}}}")
    result = decide(w, [answer("crossref", CR_FONAGY1)])
    assert result.status == "verified-core"
    assert result.fields["year"].verdict == "differs"


def test_online_first_year_is_verified_with_a_note() -> None:
    w = work(f"""author = {{Fonagy, Peter and Luyten, Patrick and Allison, Elizabeth and Campbell, Chloe}},
      year = {{2016}}, title = {{{CR_FONAGY1.title}}},
      journal = {{Borderline Personality Disorder and Emotion Dysregulation}}, volume = {{4}}, pages = {{11}}""")
    result = decide(w, [answer("crossref", cand(other_years=("2016",)))])
    assert result.status == "verified"
    assert "online first" in result.fields["year"].note


def test_a_book_not_found_is_not_found_not_differs() -> None:
    book = work("""author = {de Lange, Jan}, year = {2010}, title = {Psychomotorische therapie: Lichaams- en
      bewegingsgerichte interventies in de ggz}, publisher = {Boom}""", entry_type="book")
    unrelated = Candidate("crossref", "10.1000/other", "Psychomotor development of preterm infants",
                          ("Lange",), "2010", "Early Human Development", entry_type="article", doi="10.1000/other")
    result = decide(book, [answer("crossref", unrelated), answer("openalex"), answer("pubmed")])
    assert result.status == "not-found"
    assert result.fields == {}
    assert not result.doi_resolves_to_other
    assert [lk.outcome for lk in result.lookups] == ["not-found"] * 3
    assert result.reason == ("Crossref, OpenAlex and PubMed answered; no record had this title, first author and year")


def test_a_failed_service_is_lookup_failed_never_not_found() -> None:
    result = decide(FONAGY1, [answer("crossref", failed="HTTP 503"), answer("openalex"), answer("pubmed")])
    assert result.status == "lookup-failed"
    assert result.reason.startswith("Crossref failed (HTTP 503); OpenAlex and PubMed answered without a match")
    assert [lk.outcome for lk in result.lookups] == ["failed", "not-found", "not-found"]
    assert result.lookups[0].detail == "HTTP 503"


def test_a_failed_service_does_not_hide_a_match_elsewhere() -> None:
    result = decide(FONAGY1, [answer("crossref", CR_FONAGY1), answer("openalex", failed="timed out after 20 s")])
    assert result.status == "verified"
    assert [lk.outcome for lk in result.lookups] == ["found", "failed"]


def test_no_service_asked_is_lookup_failed() -> None:
    assert decide(FONAGY1, []).status == "lookup-failed"


def test_a_doi_of_another_work() -> None:
    w = work("""author = {Fonagy, Peter}, year = {2017}, title = {Borderline personality disorder as a limitation of
      resilience}, doi = {10.1038/nature14539}""")
    other = Candidate("crossref", "10.1038/nature14539", "Deep learning", ("LeCun", "Bengio", "Hinton"), "2015",
                      "Nature", "521", "7553", "436-444", "10.1038/nature14539", "article")
    result = decide(w, [answer("crossref", other, query="doi:10.1038/nature14539")])
    assert result.status == "not-found"
    assert result.doi_resolves_to_other == "Deep learning"
    assert "another work at Crossref 10.1038/nature14539: 'Deep learning'" in result.reason
    assert result.lookups[0].outcome == "not-found"


def test_a_doi_of_another_work_beside_the_real_record() -> None:
    w = work(f"""author = {{Fonagy, Peter and Luyten, Patrick and Allison, Elizabeth and Campbell, Chloe}},
      year = {{2017}}, title = {{{CR_FONAGY1.title}}},
      journal = {{Borderline Personality Disorder and Emotion Dysregulation}}, doi = {{10.1038/nature14539}}""")
    other = Candidate("crossref", "10.1038/nature14539", "Deep learning", ("LeCun",), "2015", doi="10.1038/nature14539")
    result = decide(w, [answer("crossref", other, CR_FONAGY1)])
    assert result.status == "verified-core"
    assert result.fields["doi"].verdict == "differs"
    assert result.doi_resolves_to_other == "Deep learning"


def test_an_unknown_doi_is_named() -> None:
    w = work(f"author = {{Fonagy, P.}}, year = {{2017}}, title = {{{CR_FONAGY1.title}}}, doi = {{10.1186/nonexistent}}")
    result = decide(w, [answer("crossref", query="doi:10.1186/nonexistent"), answer("openalex", CR_FONAGY1)])
    assert result.status == "verified-core"
    assert "Crossref knows no record of the DOI 10.1186/nonexistent" in result.reason


def test_a_recalled_doi_that_matches_is_suggested_for_doi() -> None:
    w = work(f"""author = {{Fonagy, Peter and Luyten, Patrick and Allison, Elizabeth and Campbell, Chloe}},
      year = {{2017}}, title = {{{CR_FONAGY1.title}}},
      journal = {{Borderline Personality Disorder and Emotion Dysregulation}}, volume = {{4}}, pages = {{11}},
      doiunverified = {{10.1186/S40479-017-0061-9}}""")
    result = decide(w, [answer("crossref", CR_FONAGY1, query="doi:10.1186/s40479-017-0061-9")])
    assert result.status == "verified"
    assert result.fields["doi"].note == "our DOI is the recalled doiunverified"
    (suggestion,) = result.suggestions
    assert (suggestion.field, suggestion.value) == ("doi", "10.1186/s40479-017-0061-9")
    assert "recalled DOI" in suggestion.reason


def test_a_recalled_doi_of_another_work_is_no_match() -> None:
    w = work(f"""author = {{Fonagy, Peter}}, year = {{2017}}, title = {{{CR_FONAGY1.title}}},
      doiunverified = {{10.1186/s40479-017-0062-8}}""")
    result = decide(w, [answer("crossref", cand(title="Deep learning", authors=("LeCun",), year="2015",
                                                 doi="10.1186/s40479-017-0062-8"))])
    assert result.status == "not-found"
    assert result.doi_resolves_to_other == "Deep learning"
    assert not result.suggestions


PUBMED = Candidate("pubmed", "28405338", CR_FONAGY1.title, ("Fonagy", "Luyten", "Allison", "Campbell"), "2017",
                   "Borderline Personal Disord Emot Dysregul", "4", "", "11", "10.1186/s40479-017-0061-9", "article",
                   pmid="28405338", publication_types=("Journal Article", "Review"))


def test_pmid_and_design_suggestions_from_pubmed() -> None:
    result = decide(FONAGY1, [answer("crossref", CR_FONAGY1), answer("pubmed", PUBMED)])
    assert result.status == "verified"
    fields = {s.field: s for s in result.suggestions}
    assert fields["pmid"].value == "28405338"
    assert fields["design"].value == "narrative-review"
    assert fields["design"].reason == "PubMed 28405338 types it 'Review'; the record gives no design"


@pytest.mark.parametrize(("types", "design", "suggested"), [
    (("Journal Article", "Meta-Analysis", "Systematic Review", "Review"), "", "meta-analysis"),
    (("Randomized Controlled Trial",), "unknown", "rct"),
    (("Randomized Controlled Trial",), "cohort", "rct"),
    (("Randomized Controlled Trial",), "pilot-rct", None),
    (("Systematic Review", "Review"), "meta-analysis", None),
    (("Case Reports",), "", "clinical-report"),
    (("Clinical Trial",), "", None),
    (("Observational Study",), "", None),
    (("Journal Article",), "", None),
])
def test_design_suggestions(types: tuple[str, ...], design: str, suggested: str | None) -> None:
    w = work(FONAGY_FIELDS + (f", design = {{{design}}}" if design else ""))
    from dataclasses import replace
    result = decide(w, [answer("pubmed", replace(PUBMED, publication_types=types))])
    got = [s.value for s in result.suggestions if s.field == "design"]
    assert got == ([suggested] if suggested else [])


FONAGY_FIELDS = f"""author = {{Fonagy, Peter and Luyten, Patrick and Allison, Elizabeth and Campbell, Chloe}},
  year = {{2017}}, title = {{{CR_FONAGY1.title}}}, pmid = {{28405338}},
  journal = {{Borderline Personality Disorder and Emotion Dysregulation}}, volume = {{4}}, pages = {{11}}"""


# --- retractions ------------------------------------------------------------------------------

def test_retractions_from_every_source_once() -> None:
    crossref_notice = Retraction("crossref", "10.1186/retraction-1", "retraction", "2018-02-01")
    openalex_flag = Retraction("openalex", "", "retraction", "")
    correction = Retraction("crossref", "10.1186/correction-1", "correction", "2017-06-01")
    index = RetractionWatch(by_doi={"10.1186/s40479-017-0061-9": (
        Retraction("retraction-watch", "10.1186/retraction-1", "retraction", "2018-02-01"),
        Retraction("retraction-watch", "10.1186/eoc-1", "expression-of-concern", "2017-12-01"))})
    result = decide(FONAGY1, [answer("crossref", cand(retractions=(crossref_notice, correction))),
                              answer("openalex", cand(service="openalex", record_id="W1", retractions=(openalex_flag,)))],
                    index)
    assert result.retracted
    assert [(r.source, r.type, r.notice) for r in result.retractions] == [
        ("crossref", "correction", "10.1186/correction-1"),
        ("retraction-watch", "expression-of-concern", "10.1186/eoc-1"),
        ("crossref", "retraction", "10.1186/retraction-1"),
    ]


def test_a_flag_without_a_notice_is_enough() -> None:
    flag = Retraction("openalex", "", "retraction", "")
    result = decide(FONAGY1, [answer("openalex", cand(service="openalex", record_id="W1", retractions=(flag,)))])
    assert result.retractions == (flag,)


def test_retraction_watch_alone_by_pmid_even_when_not_found() -> None:
    index = RetractionWatch(by_pmid={"28405338": (Retraction("retraction-watch", "99999", "retraction", "2019-01-02"),)})
    w = work(FONAGY_FIELDS)
    result = decide(w, [answer("crossref"), answer("openalex"), answer("pubmed")], index)
    assert result.status == "not-found"
    assert result.retracted


def test_no_retraction_watch_lookup_for_a_doi_of_another_work() -> None:
    index = RetractionWatch(by_doi={"10.1038/nature14539": (Retraction("retraction-watch", "x", "retraction", ""),)})
    w = work("author = {Fonagy, Peter}, year = {2017}, title = {Resilience}, doi = {10.1038/nature14539}")
    other = Candidate("crossref", "10.1038/nature14539", "Deep learning", ("LeCun",), "2015", doi="10.1038/nature14539")
    result = decide(w, [answer("crossref", other)], index)
    assert result.doi_resolves_to_other and not result.retractions


def test_the_result_round_trips_as_json() -> None:
    from kb.verify.model import RecordResult
    result = decide(FONAGY1, [answer("crossref", CR_FONAGY1), answer("pubmed", PUBMED)])
    assert RecordResult.from_json(result.as_json()) == result


def test_a_service_that_lists_only_our_first_authors_is_not_a_correction() -> None:
    result = decide(FONAGY1, [answer("crossref", cand(authors=("Fonagy", "Luyten"))), answer("openalex"),
                              answer("pubmed")])
    assert result.fields["authors"].verdict == "differs"  # said, with the names it lacks
    assert "author" not in {s.field for s in result.suggestions}  # but never "drop Allison and Campbell"
    longer = decide(FONAGY1, [answer("crossref", cand(authors=("Fonagy", "Luyten", "Allison", "Campbell", "Target"))),
                              answer("openalex"), answer("pubmed")])
    assert {s.field: s.value for s in longer.suggestions}["author"] == "Fonagy and Luyten and Allison and Campbell and Target"
