"""A broken template, the KB's own or a packaged one, is a located `template` finding: exit 2, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENDS = "kb: cannot read the knowledge base in {folder}; nothing was written"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _templates(folder: Path, files: dict[str, str]) -> None:
    (folder / "templates").mkdir()
    for name, text in files.items():
        (folder / "templates" / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("files, expected", [
    ({"report.html.j2": "<p>\n{{ no_such_thing }}\n</p>\n"},
     "templates/report.html.j2:2: error: 'no_such_thing' is undefined [template]"),
    ({"report.html.j2": "<ul>\n{% for d in report.documents %}\n<li>{{ d.title }}\n{% endif %}\n</ul>\n"},
     ("templates/report.html.j2:4: error: Encountered unknown tag 'endif'. Jinja was looking for the following tags: "
      "'endfor' or 'else'. The innermost block that needs to be closed is 'for'. [template]")),
    ({"report.html.j2": "<p>\n\n{{ lang|shout }}</p>\n"},
     "templates/report.html.j2:3: error: No filter named 'shout'. [template]"),
    ({"report.html.j2": "<p>\n{% include 'header.html.j2' %}\n</p>\n"},
     "templates/report.html.j2:2: error: no template named 'header.html.j2' [template]"),
    ({"report.html.j2": "<p>\n{% include 'header.html.j2' %}\n</p>\n",
      "header.html.j2": "<h1>{{ t.report_title }}</h1>\n<p>\n{{ report.documents[0].nope }}</p>\n"},
     "templates/header.html.j2:3: error: 'dict object' has no attribute 'nope' [template]"),
    ({"report.html.j2": "<p>\n{% include 'header.html.j2' %}\n</p>\n", "header.html.j2": "<h1>\n{% if %}\n"},
     "templates/header.html.j2:2: error: Expected an expression, got 'end of statement block' [template]"),
    ({"report.html.j2": '{% extends "default:report.html.j2" %}\n{% block csp %}\n<meta>\n{{ csp }}\n{% endblock %}\n'},
     "templates/report.html.j2:4: error: 'csp' is undefined [template]"),
    ({"report.html.j2": "<p>\n{{ none|round }}\n</p>\n"},
     "templates/report.html.j2:2: error: TypeError: type NoneType doesn't define __round__ method [template]"),
    ({"report.md.j2": "# {{ report.documents[0].title }}\n\n{{ t.nope }}\n"},
     "templates/report.md.j2:3: error: 'dict object' has no attribute 'nope' [template]"),
    # A packaged template fails where it is used with what the KB's template gave it.
    ({"report.html.j2": "{% set t = none %}\n{% include 'default:legend.html.j2' %}\n"},
     "kb/templates/legend.html.j2:2: error: 'None' has no attribute 'browser' [template]"),
])
def test_a_broken_report_template_is_located_and_writes_nothing(files: dict[str, str], expected: str, root,
                                                                  kb) -> None:
    folder = root("tiny")
    assert kb("--kb", folder, "report").code == 0
    before = _files(folder / "build")
    _templates(folder, files)
    result = kb("--kb", folder, "report")
    assert (result.code, result.err.splitlines()) == (2, [expected, ENDS.format(folder=folder.as_posix())])
    assert result.out == ""
    assert _files(folder / "build") == before
    assert not list((folder / "build").glob(".*.tmp"))


@pytest.mark.parametrize("fmt", ["md", "html", "pandoc"])
def test_a_broken_leaflet_template_is_located_and_writes_nothing(fmt: str, root, kb) -> None:
    folder = root("tiny")
    name = {"md": "leaflet.md.j2", "html": "leaflet.html.j2", "pandoc": "leaflet.pandoc.j2"}[fmt]
    _templates(folder, {name: "{{ document.title }}\n\n{{ document.subtitle }}\n"})
    out = folder / "leaflet.out"
    result = kb("--kb", folder, "leaflet", "folder", "--format", fmt, "--out", out)
    assert result.code == 2
    assert result.err.splitlines()[0] == \
        f"templates/{name}:3: error: 'kb.claims.Document object' has no attribute 'subtitle' [template]"
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_a_template_error_names_the_kb_folder_relative_path_from_elsewhere(root, kb, monkeypatch) -> None:
    folder = root("tiny")
    _templates(folder, {"report.md.j2": "{{ oops }}\n"})
    monkeypatch.chdir(folder)
    result = kb("report")
    assert result.err.startswith("templates/report.md.j2:1: error: 'oops' is undefined [template]\n")


@pytest.mark.parametrize("apart", [False, True])
def test_a_broken_index_template_is_located_and_writes_nothing(apart: bool, root, tmp_path: Path) -> None:
    """The paged report's index, made here or in a copy of the command (kb.pages._index_apart):
    the same located error, the same report left as it was. The command runs in a process of its
    own (the test run's threads would keep it from copying itself), told how by a sitecustomize."""
    forced = tmp_path / "forced"
    forced.mkdir()
    (forced / "sitecustomize.py").write_text(
        "import kb.apart, kb.pages\n"
        f"kb.pages.INDEX_APART = {0 if apart else 10 ** 9}\n"
        "real = kb.apart.Apart.fork\n"
        "def fork(*args):\n"
        f"    open({str(tmp_path / 'forked')!r}, 'a').write('forked\\n')\n"
        "    return real(*args)\n"
        "kb.apart.Apart.fork = staticmethod(fork)\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(REPO), str(forced)))}
    folder = root("tiny")

    def report() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kb", "--kb", str(folder), "report", "--pages", "paged"],
                              env=env, capture_output=True, text=True, timeout=300, check=False)

    assert report().returncode == 0
    before = {p: p.read_bytes() for p in (folder / "build").rglob("*") if p.is_file() and ".cache" not in p.parts}
    _templates(folder, {"index.html.j2": "<p>\n{{ page.totals.nope.deeper }}\n</p>\n"})
    result = report()
    assert (result.returncode, result.stderr.splitlines()) == (
        2, ["templates/index.html.j2:2: error: 'dict object' has no attribute 'nope' [template]",
            ENDS.format(folder=folder.as_posix())])
    assert {p: p.read_bytes() for p in (folder / "build").rglob("*")
            if p.is_file() and ".cache" not in p.parts} == before
    assert not list((folder / "build").rglob(".*.tmp"))
    forks = (tmp_path / "forked").read_text().count("forked") if (tmp_path / "forked").exists() else 0
    assert forks == (2 if apart else 0)
