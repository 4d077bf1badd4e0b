"""`kb leaflet --annotate`: a review copy with each cited claim's conclusion level and certainty
after its citation; without the option the leaflet is what it was."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

ANNOTATION = re.compile(r"\\\[((?:niveau|level|geen niveau|no level)[^\]]*)\\\]")


def _shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    shutil.copy(REPO / "references.bib", folder)
    shutil.copytree(REPO / "claims", folder / "claims")
    return folder


def test_every_cited_clinical_claim_is_annotated_after_its_citation(tmp_path: Path, kb) -> None:
    folder = _shipped(tmp_path)
    plain = kb("--kb", folder, "leaflet", "npi-pmt").out
    annotated = kb("--kb", folder, "leaflet", "npi-pmt", "--annotate").out
    notes = ANNOTATION.findall(annotated)
    assert len(notes) == 15  # the cited clinical claims of the NPI leaflet
    assert notes.count("niveau 2, zekerheid redelijk") == 1  # Koch et al. (2014), a meta-analysis, indirect
    assert "geen niveau" in notes  # Fonagy et al. (2017a, 2017b): neither says this
    assert "(Leirvåg et al., 2010) \\[niveau 3, zekerheid zeer laag\\]" in annotated
    assert "niveau 4 (voorlopig), zekerheid zeer laag" in notes  # a fit not yet assessed
    assert re.sub(" " + ANNOTATION.pattern, "", annotated) == plain  # nothing else changes


def test_english_and_html(tmp_path: Path, kb) -> None:
    folder = _shipped(tmp_path)
    english = kb("--kb", folder, "leaflet", "npi-pmt", "--annotate", "--lang", "en").out
    assert "(Koch et al., 2014) \\[level 2, moderate certainty\\]" in english
    html = kb("--kb", folder, "leaflet", "npi-pmt", "--annotate", "--format", "html").out
    assert ('<span class="citation">(Koch et al., 2014)</span> <span class="annotation">[niveau 2, zekerheid '
            'redelijk]</span>') in html
    assert '<span class="annotation">' not in kb("--kb", folder, "leaflet", "npi-pmt", "--format", "html").out


def test_a_leaflet_without_clinical_claims_is_unchanged(tmp_path: Path, kb) -> None:
    folder = _shipped(tmp_path)
    plain = kb("--kb", folder, "leaflet", "alkura-alk").out
    assert kb("--kb", folder, "leaflet", "alkura-alk", "--annotate").out == plain  # it cites nothing


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandoc_reads_the_annotation_as_text(tmp_path: Path, kb) -> None:
    folder = _shipped(tmp_path)
    source = kb("--kb", folder, "leaflet", "npi-pmt", "--annotate", "--format", "pandoc").out
    assert "[@koch2014] \\[niveau 2, zekerheid redelijk\\]" in source
    html = subprocess.run(["pandoc", "--citeproc", "--wrap=none", "-f", "markdown", "-t", "html"], input=source,
                          capture_output=True, text=True, check=True).stdout
    assert "[niveau 2, zekerheid redelijk]" in html
