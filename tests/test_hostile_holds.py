"""What holds against hostile input and must go on holding: Ctrl-C mid-report keeps the previous
build, UTF-16 files are located errors while a BOM or CRLF just works, --out never overwrites
without --force, text that looks like Jinja is never evaluated, a recalled DOI is never a link."""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

REPORT = ("report.html", "report.json", "report.md")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KB whose cold report takes long enough to be interrupted: 600 works, 3,000 claims."""
    spec = importlib.util.spec_from_file_location("scale", REPO / "bench" / "scale.py")
    assert spec and spec.loader
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    folder = tmp_path_factory.mktemp("large") / "kb"
    scale.generate(folder, 600)
    return folder


def _before_kb(err: str) -> bool:
    """Whether `err` is Python's own KeyboardInterrupt from before any of kb's code ran (still
    finding the package for `-m kb`): none of its frames is in kb."""
    frames = re.findall(r'^  File "([^"]+)"', err, re.MULTILINE)
    return (err.startswith("Traceback") and err.rstrip().endswith("KeyboardInterrupt")
            and not any(Path(frame).resolve().is_relative_to(REPO / "kb") for frame in frames))


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.8, 1.5, 2.5])
def test_ctrl_c_mid_report_keeps_the_previous_build(large: Path, delay: float, kb) -> None:
    assert kb("--kb", large, "report").code in (0, 1)
    before = _files(large / "build")
    (large / "references.bib").write_text((large / "references.bib").read_text(encoding="utf-8")
                                          + f"\n% edit {delay}\n", encoding="utf-8")  # a cold run again
    run = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(large), "report"],
                           env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    if err.startswith("Fatal Python error: init_import_site") or _before_kb(err):  # Python's own start-up
        assert _files(large / "build") == before
        return
    assert "Traceback" not in err
    if run.returncode in (130, -signal.SIGINT):  # interrupted, or killed before the interpreter was up
        assert _files(large / "build") == before
    else:  # it finished first: a whole new report
        assert run.returncode in (0, 1) and set(REPORT) <= set(_files(large / "build"))
    assert [p.name for p in (large / "build").iterdir() if p.name.startswith(".") and p.name != ".cache"] == []


UTF16_FILES = ["references.bib", "claims/folder.yaml", "claims/folder.txt", "kb.toml"]


@pytest.mark.parametrize("name", UTF16_FILES)
@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_files_are_located_errors(name: str, encoding: str, root, kb) -> None:
    folder = root("tiny")
    path = folder / name
    text = path.read_text(encoding="utf-8") if path.exists() else '[audit.severity]\nunused-reference = "info"\n'
    path.write_bytes(text.encode(encoding))
    result = kb("--kb", folder, "audit")
    assert result.code == 2
    assert result.err.splitlines()[0].startswith(f"{name}:") and "Traceback" not in result.err
    assert "internal error" not in result.err


@pytest.mark.parametrize("name", UTF16_FILES)
def test_a_nul_byte_is_refused_at_its_line(name: str, root, kb) -> None:
    folder = root("tiny")
    path = folder / name
    text = path.read_text(encoding="utf-8") if path.exists() else '[audit.severity]\nunused-reference = "info"\n'
    path.write_text(text.replace("\n", "\n\x00", 1), encoding="utf-8")
    result = kb("--kb", folder, "audit")
    assert result.code == 2
    assert result.err.splitlines()[0] == (f"{name}:2: error: not UTF-8 text: it holds a NUL byte (UTF-16 without a "
                                          "byte order mark, or not a text file) [unreadable-input]")


def test_kb_extract_refuses_a_utf16_text_without_a_byte_order_mark(kb, tmp_path: Path) -> None:
    text = tmp_path / "folder.txt"
    text.write_bytes("Bewegen helpt (Berg, 2020).\n".encode("utf-16-le"))
    result = kb("extract", text)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith(f"{text.as_posix()}:1: error: not UTF-8 text: it holds a NUL byte")


@pytest.mark.parametrize("name", ["references.bib", "claims/folder.yaml", "claims/folder.txt"])
@pytest.mark.parametrize("bom, newline", [(True, "\n"), (False, "\r\n"), (True, "\r\n")])
def test_a_bom_or_crlf_just_works(name: str, bom: bool, newline: str, root, kb) -> None:
    folder = root("tiny")
    clean = kb("--kb", folder, "audit").out
    path = folder / name
    text = path.read_text(encoding="utf-8").replace("\n", newline)
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    result = kb("--kb", folder, "audit")
    assert (result.code, result.out) == (0, clean)


@pytest.mark.parametrize("command", [
    ["leaflet", "folder", "--format", "md"], ["leaflet", "folder", "--format", "html"],
    ["leaflet", "folder", "--format", "pandoc"], ["export", "json"], ["export", "graphml"], ["export", "csljson"],
    ["export", "rdf"],
])
def test_out_never_overwrites_without_force(command: list[str], root, kb, tmp_path: Path) -> None:
    folder = root("tiny")
    out = tmp_path / "taken.md"
    out.write_text("mine\n", encoding="utf-8")
    result = kb("--kb", folder, *command, "--out", out)
    assert result.code == 2
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert kb("--kb", folder, *command, "--out", out, "--force").code == 0
    assert out.read_text(encoding="utf-8") != "mine\n"


def test_extract_never_overwrites_without_force(root, kb, tmp_path: Path) -> None:
    folder = root("tiny")
    out = tmp_path / "draft.yaml"
    out.write_text("mine\n", encoding="utf-8")
    assert kb("--kb", folder, "extract", folder / "claims" / "folder.txt", "--out", out).code == 2
    assert out.read_text(encoding="utf-8") == "mine\n"


JINJA = ["{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "{{ config }}", "{# hidden #}",
         "{{ ''.__class__.__mro__ }}", "{% include 'report.css' %}"]


@pytest.mark.parametrize("payload", JINJA)
def test_text_that_looks_like_jinja_is_never_evaluated(payload: str, root, kb, tmp_path: Path) -> None:
    """The payload comes out as the text it is, in every output; nothing renders it."""
    folder = root("tiny")
    claims = folder / "claims" / "folder.yaml"
    quoted = json.dumps(payload)  # a YAML double-quoted string
    claims.write_text(claims.read_text(encoding="utf-8").replace('"Over bewegen"', quoted)
                      .replace('"The trial\'s primary outcome."', quoted), encoding="utf-8")
    assert kb("--kb", folder, "report", "--out", tmp_path / "out").code in (0, 1)
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert data["documents"][0]["title"] == payload and data["claims"][0]["section"] == payload
    assert data["claims"][0]["sources"][0]["note"] == payload
    page = html.unescape((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    leaflet = html.unescape(kb("--kb", folder, "leaflet", "folder", "--format", "html").out)
    for text in (page, markdown.replace("\\", ""), leaflet):
        assert payload in text


def test_a_recalled_doi_is_never_a_link(root, kb, tmp_path: Path) -> None:
    folder = root("leaflet_citations")
    for fmt in ("md", "html", "pandoc"):
        assert "10.1176/appi.psychotherapy" not in kb("--kb", folder, "leaflet", "folder", "--format", fmt).out
    kb("--kb", folder, "report", "--out", tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'href="https://doi.org/10.1176/appi.psychotherapy' not in html
