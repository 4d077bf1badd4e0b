"""Files outside the KB: a KB reads only files inside its own folder. A name with `..`, an absolute
path or a symbolic link out of it (the text, a claims file, claims/ itself, references.bib,
kb.toml, a template, templates/ itself) is an `outside-kb` finding; nothing of the file is read,
every command exits 2 and the previous report stays byte for byte."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile import SECRET, built, refuses, snapshot

OUT = "a KB reads only its own files [outside-kb]"


def _name_text(folder: Path, name: str) -> None:
    """The claims file names `name` as its leaflet's text (on its line 5)."""
    claims = folder / "claims" / "folder.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace(
        "  language: nl\n", f"  language: nl\n  text: {name}\n"), encoding="utf-8")


def _link(link: Path, target: Path) -> None:
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    elif link.exists() or link.is_symlink():
        link.unlink()
    link.symlink_to(target)


def _outside_copy(folder: Path, name: str) -> Path:
    """A copy of the KB's `name` (a file or a folder) outside the KB, its texts the secret."""
    source, target = folder / name, folder.parent / "elsewhere" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
        for text in target.glob("*.txt"):
            text.write_text(f"{SECRET}\n", encoding="utf-8")
    else:
        shutil.copyfile(source, target)
    return target


def _named_link_out(folder: Path) -> None:
    _link(folder / "claims" / "link.txt", Path("../../secret.txt"))
    _name_text(folder, "link.txt")


def _folder_links_out(folder: Path) -> None:
    _link(folder / "shared", _outside_copy(folder, "claims"))
    _name_text(folder, "../shared/folder.txt")


def _link_to_link_out(folder: Path) -> None:
    _link(folder / "claims" / "hop.txt", folder.parent / "secret.txt")
    _link(folder / "claims" / "folder.txt", Path("hop.txt"))


def _include_links_out(folder: Path) -> None:
    (folder / "templates" / "report.html.j2").write_text('{% include "part.j2" %}\n', encoding="utf-8")
    _link(folder / "templates" / "part.j2", folder.parent / "secret.txt")


def _templates_link_out(folder: Path) -> None:
    (folder.parent / "elsewhere").mkdir()
    (folder.parent / "elsewhere" / "report.html.j2").write_text(SECRET, encoding="utf-8")
    _link(folder / "templates", folder.parent / "elsewhere")


Setup = Callable[[Path], object]
# (variant, what it does to the KB, the finding every command prints; {outside} is the KB's parent)
CASES: list[tuple[str, Setup, str]] = [
    ("text ../../secret.txt", lambda f: _name_text(f, "../../secret.txt"),
     f"claims/folder.yaml:5: error: the leaflet text ../../secret.txt lies outside the knowledge-base folder: {OUT}"),
    ("text ../../../../../../../../secret.txt", lambda f: _name_text(f, "../" * 30 + "etc/hostname"),
     f"claims/folder.yaml:5: error: the leaflet text {'../' * 30}etc/hostname lies outside the knowledge-base "
     f"folder: {OUT}"),
    ("text absolute", lambda f: _name_text(f, (f.parent / "secret.txt").as_posix()),
     "claims/folder.yaml:5: error: the leaflet text {outside}/secret.txt lies outside the knowledge-base folder: "
     + OUT),
    ("text ../ out and back in by another name", lambda f: _name_text(f, "../../tiny-other/claims/folder.txt"),
     "claims/folder.yaml:5: error: the leaflet text ../../tiny-other/claims/folder.txt lies outside the "
     f"knowledge-base folder: {OUT}"),
    ("text a symbolic link out", lambda f: _link(f / "claims" / "folder.txt", f.parent / "secret.txt"),
     "claims/folder.txt:0: error: a symbolic link out of the knowledge-base folder, to {outside}/secret.txt: "
     + OUT),
    ("text named, a relative symbolic link out", _named_link_out,
     "claims/link.txt:0: error: a symbolic link out of the knowledge-base folder, to {outside}/secret.txt: " + OUT),
    ("text in a KB folder that links out", _folder_links_out,
     "shared/folder.txt:0: error: a symbolic link out of the knowledge-base folder, to "
     "{outside}/elsewhere/claims/folder.txt: " + OUT),
    ("text a link to a link out", _link_to_link_out,
     "claims/folder.txt:0: error: a symbolic link out of the knowledge-base folder, to {outside}/secret.txt: " + OUT),
    ("claims/ a symbolic link out", lambda f: _link(f / "claims", _outside_copy(f, "claims")),
     "claims:0: error: a symbolic link out of the knowledge-base folder, to {outside}/elsewhere/claims: " + OUT),
    ("claims file a symbolic link out", lambda f: _link(f / "claims" / "folder.yaml", _outside_copy(f, "claims/folder.yaml")),
     "claims/folder.yaml:0: error: a symbolic link out of the knowledge-base folder, to "
     "{outside}/elsewhere/claims/folder.yaml: " + OUT),
    ("references.bib a symbolic link out", lambda f: _link(f / "references.bib", _outside_copy(f, "references.bib")),
     "references.bib:0: error: a symbolic link out of the knowledge-base folder, to "
     "{outside}/elsewhere/references.bib: " + OUT),
    ("kb.toml a symbolic link out", lambda f: _link(f / "kb.toml", f.parent / "secret.txt"),
     "kb.toml:0: error: a symbolic link out of the knowledge-base folder, to {outside}/secret.txt: " + OUT),
    ("text a symbolic link to /dev/zero", lambda f: _link(f / "claims" / "folder.txt", Path("/dev/zero")),
     f"claims/folder.txt:0: error: a symbolic link out of the knowledge-base folder, to /dev/zero: {OUT}"),
    ("claims file a symbolic link to /dev/urandom", lambda f: _link(f / "claims" / "folder.yaml", Path("/dev/urandom")),
     f"claims/folder.yaml:0: error: a symbolic link out of the knowledge-base folder, to /dev/urandom: {OUT}"),
]


@pytest.mark.parametrize("variant, setup, expected", CASES, ids=[c[0] for c in CASES])
def test_a_path_out_of_the_kb_is_refused_by_every_command(variant: str, setup: Setup, expected: str,
                                                          root, kb) -> None:
    folder = built(root, kb)
    setup(folder)
    refuses(kb, folder, expected.format(outside=folder.parent.as_posix()))


TEMPLATE_CASES: list[tuple[str, str, Setup, str]] = [
    ("report template a symbolic link out", "report",
     lambda f: _link(f / "templates" / "report.html.j2", f.parent / "secret.txt"),
     "templates/report.html.j2:0: error: a symbolic link out of the knowledge-base folder, to "
     "{outside}/secret.txt: " + OUT),
    ("leaflet template a symbolic link out", "leaflet",
     lambda f: _link(f / "templates" / "leaflet.md.j2", f.parent / "secret.txt"),
     "templates/leaflet.md.j2:0: error: a symbolic link out of the knowledge-base folder, to "
     "{outside}/secret.txt: " + OUT),
    ("an included template a symbolic link out", "report", _include_links_out,
     "templates/part.j2:0: error: a symbolic link out of the knowledge-base folder, to {outside}/secret.txt: "
     + OUT),
    ("templates/ a symbolic link out", "report", _templates_link_out,
     "templates/report.html.j2:0: error: a symbolic link out of the knowledge-base folder, to "
     "{outside}/elsewhere/report.html.j2: " + OUT),
]


@pytest.mark.parametrize("variant, command, setup, expected", TEMPLATE_CASES, ids=[c[0] for c in TEMPLATE_CASES])
def test_a_template_out_of_the_kb_is_refused(variant: str, command: str, setup: Setup, expected: str,
                                             root, kb) -> None:
    folder = built(root, kb)
    (folder / "templates").mkdir()
    setup(folder)
    refuses(kb, folder, expected.format(outside=folder.parent.as_posix()), (command,))


# Held before kb.paths, by jinja2's own loaders, which refuse a name with `..` (the packaged one
# behind `default:` too): kept here, so that a loader of the KB's own never loses it.
NAME_CASES: list[tuple[str, str, Setup, str]] = [
    ("include ../../secret.txt", "report",
     lambda f: (f / "templates" / "report.html.j2").write_text('{% include "../../secret.txt" %}\n', encoding="utf-8"),
     "templates/report.html.j2:1: error: no template named '../../secret.txt' [template]"),
    ("include an absolute path", "report",
     lambda f: (f / "templates" / "report.html.j2").write_text(
         '{% include "' + (f.parent / "secret.txt").as_posix() + '" %}\n', encoding="utf-8"),
     "templates/report.html.j2:1: error: no template named '{outside}/secret.txt' [template]"),
    ("include default: and ..", "report",
     lambda f: (f / "templates" / "report.html.j2").write_text(
         '{% include "default:../../../../secret.txt" %}\n', encoding="utf-8"),
     "templates/report.html.j2:1: error: no template named 'default:../../../../secret.txt' [template]"),
    ("extends a name with ..", "leaflet",
     lambda f: (f / "templates" / "leaflet.md.j2").write_text('{% extends "../claims/../../secret.txt" %}\n',
                                                            encoding="utf-8"),
     "templates/leaflet.md.j2:1: error: no template named '../claims/../../secret.txt' [template]"),
]


@pytest.mark.parametrize("variant, command, setup, expected", NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_a_template_name_cannot_leave_the_template_folders(variant: str, command: str, setup: Setup,
                                                           expected: str, root, kb) -> None:
    folder = built(root, kb)
    (folder / "templates").mkdir()
    setup(folder)
    refuses(kb, folder, expected.format(outside=folder.parent.as_posix()), (command,))


def test_inside_the_kb_a_text_and_a_link_may_be_anywhere(root, kb) -> None:
    """A leaflet text in another folder of the KB, reached by name or by a symbolic link inside
    it, and a KB named through a symbolic link to it, are read as before."""
    folder = built(root, kb)
    report = snapshot(folder)["report.html"]
    (folder / "leaflets").mkdir()
    (folder / "claims" / "folder.txt").rename(folder / "leaflets" / "folder.txt")
    _name_text(folder, "../leaflets/folder.txt")
    assert kb("--kb", folder, "report").code == 0
    (folder / "claims" / "folder.txt").symlink_to(Path("../leaflets/folder.txt"))
    claims = folder / "claims" / "folder.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("  text: ../leaflets/folder.txt\n", ""),
                      encoding="utf-8")
    assert kb("--kb", folder, "audit").code == 0
    link = folder.parent / "link-to-kb"
    link.symlink_to(folder)
    for command in ("report", "audit", "export", "show", "leaflet"):
        args = {"export": ("export", "json"), "show": ("show", "angst"), "leaflet": ("leaflet", "folder")}
        assert kb("--kb", link, *args.get(command, (command,))).code == 0, command
    assert b"Bewegingstherapie" in report


def test_a_text_behind_a_linked_folder_inside_the_kb_is_an_input_of_the_cache(root, kb) -> None:
    """The cache's walk of claims/ does not follow a linked folder: a text reached through one
    is hashed on its own, so that changing it renders the report again."""
    folder = built(root, kb)
    (folder / "leaflets").mkdir()
    (folder / "claims" / "folder.txt").rename(folder / "leaflets" / "folder.txt")
    (folder / "claims" / "sub").symlink_to(Path("../leaflets"))
    _name_text(folder, "sub/folder.txt")
    assert kb("--kb", folder, "report").code == 0
    assert kb("--kb", folder, "report").code == 0  # from the cache
    (folder / "leaflets" / "folder.txt").write_text("Iets anders.\n", encoding="utf-8")
    result = kb("--kb", folder, "report")
    assert result.code == 1, result.err
    assert "claims/folder.yaml:7: error: claim angst: its text is not in leaflets/folder.txt [claim-not-in-text]" \
        in result.err.splitlines()


def test_the_check_resolves_before_it_compares(tmp_path: Path) -> None:
    """`Files.inside` compares real paths: a KB folder whose name starts another's is no way out."""
    from kb.paths import Files

    (tmp_path / "kb").mkdir()
    (tmp_path / "kb-other").mkdir()
    files = Files(tmp_path / "kb")
    found = files.inside(tmp_path / "kb" / ".." / "kb-other" / "x.txt", "x.txt")
    assert not isinstance(found, str)
    assert found.format() == "x.txt:0: error: x.txt lies outside the knowledge-base folder: " + OUT
    assert files.inside(tmp_path / "kb" / "sub" / ".." / "x.txt", "x.txt") == os.path.realpath(tmp_path / "kb" / "x.txt")
