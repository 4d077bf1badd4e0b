"""Reading what is not a readable file: a folder where a file is due, a KB path that is a file, a
loop of symbolic links, a file without permission, a named pipe, a file over the size limit, YAML
or TOML nested thousands deep. Each is one located line and exit 2, never a hang, a traceback
or "kb: internal error", and the previous report stays byte for byte. Byte order marks and CRLF
line ends are read; UTF-16 is a located error."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile import COMMANDS, READERS, built, guarded, refuses, snapshot

# The KB's files, each as the commands read it, with what every command prints for it.
FILES = {
    "references.bib": READERS,
    "kb.toml": READERS,
    "claims/folder.yaml": READERS,
    "claims/folder.txt": READERS,
    "templates/report.html.j2": ("report",),
    "templates/leaflet.md.j2": ("leaflet",),
}


def _replace(folder: Path, name: str, make: Callable[[Path], object]) -> None:
    """`name` in the KB made anew by `make` (its old file removed first)."""
    path = folder / name
    path.parent.mkdir(exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    make(path)


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text("x\n", encoding="utf-8")


def _loop(path: Path) -> None:
    path.symlink_to(path.name)


def _loop_of_two(path: Path) -> None:
    path.symlink_to(path.name + ".other")
    path.with_name(path.name + ".other").symlink_to(path.name)


def _sparse(size: int) -> Callable[[Path], None]:
    """A file of `size` bytes that takes no room on disk (it is never read)."""
    def make(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.truncate(size)
    return make


MAKERS: list[tuple[str, Callable[[Path], object], str]] = [
    ("a folder", _folder, "a folder, not a file"),
    ("a named pipe", os.mkfifo, "a named pipe, not a regular file: only regular files are read"),
    ("a link to itself", _loop, "a loop of symbolic links"),
    ("a loop of two links", _loop_of_two, "a loop of symbolic links"),
    ("50 MB and a byte", _sparse(50_000_001),
     "too large: 50,000,001 bytes, where a KB reads at most 50 MB (50,000,000 bytes) of one file"),
]
CASES = [(f"{name} is {what}", name, make, f"{name}:0: error: {message} [unreadable-input]", FILES[name])
         for name in FILES for what, make, message in MAKERS
         if not (name == "references.bib" and what.startswith("50 MB"))]  # it has a limit of its own


@pytest.mark.parametrize("variant, name, make, expected, commands", CASES, ids=[c[0] for c in CASES])
def test_what_is_no_regular_file_is_refused(variant: str, name: str, make: Callable[[Path], object], expected: str,
                                            commands: tuple[str, ...], root, kb) -> None:
    folder = built(root, kb)
    _replace(folder, name, make)
    refuses(kb, folder, expected, commands)


def test_a_large_references_bib_is_read_up_to_its_own_limit(root, kb) -> None:
    """references.bib holds every work (some 660 bytes each): it may reach 200 MB, no more."""
    folder = built(root, kb)
    _replace(folder, "references.bib", _sparse(200_000_001))
    refuses(kb, folder, "references.bib:0: error: too large: 200,000,001 bytes, where a KB reads at most 200 MB "
                        "(200,000,000 bytes) of one file [unreadable-input]")


def test_a_file_replaced_after_it_was_looked_at_is_checked_again(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """What was opened is checked again: a file that grew past the limit, or was replaced by a
    named pipe, between the look at it and its opening, is refused all the same."""
    from kb import paths

    files = paths.Files(tmp_path)
    target = tmp_path / "a.txt"
    opening = paths._open

    def grown(path: str) -> int:
        target.write_text("x" * 25, encoding="utf-8")
        return opening(path)

    def piped(path: str) -> int:
        target.unlink()
        os.mkfifo(target)
        return opening(path)

    for swap, expected in [
        (grown, "a.txt:0: error: too large: 25 bytes, where a KB reads at most 0 MB (10 bytes) of one file "
                "[unreadable-input]"),
        (piped, "a.txt:0: error: a named pipe, not a regular file: only regular files are read [unreadable-input]"),
    ]:
        if target.exists():
            target.unlink()
        target.write_text("x" * 5, encoding="utf-8")
        monkeypatch.setattr(paths, "_open", swap)
        with guarded():
            found = files.read(target, "a.txt", limit=10)
        assert not isinstance(found, bytes)
        assert found.format() == expected


@pytest.mark.parametrize("name", [n for n in FILES if not n.startswith("templates")])
def test_a_file_without_permission_is_refused(name: str, root, kb, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening refused (as chmod 000 refuses it to anyone but root): simulated, so that it is tried
    whoever runs the tests."""
    from kb import paths

    folder = built(root, kb)
    (folder / "kb.toml").touch()
    opening = paths._open

    def refused(path: str) -> int:
        if path.endswith(name):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return opening(path)

    monkeypatch.setattr(paths, "_open", refused)
    path = folder / name
    if path.exists():  # as chmod changes a file's status (its change time), which the cache sees
        path.chmod(path.stat().st_mode)
    refuses(kb, folder, f"{name}:0: error: cannot be read: permission denied [unreadable-input]")


@pytest.mark.skipif(os.geteuid() == 0, reason="run as root, which chmod 000 does not stop reading "
                                              "(the simulated refusal above is tried instead)")
@pytest.mark.parametrize("name", [n for n in FILES if not n.startswith("templates")])
def test_a_file_chmod_000_is_refused(name: str, root, kb) -> None:
    folder = built(root, kb)
    (folder / name).touch()
    (folder / name).chmod(0)
    refuses(kb, folder, f"{name}:0: error: cannot be read: permission denied [unreadable-input]")


def test_a_kb_path_that_is_a_file_is_one_located_line(tmp_path: Path, kb) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("x\n", encoding="utf-8")
    for name in READERS:
        result = kb("--kb", file, *COMMANDS[name])
        assert result.code == 2
        assert result.err == (f"{file.as_posix()}:0: error: a file, not a knowledge-base folder: name one with "
                              "--kb DIR [unreadable-input]\n")


def test_a_folder_named_as_the_text_is_refused(root, kb) -> None:
    folder = built(root, kb)
    claims = folder / "claims" / "folder.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("  language: nl\n", "  language: nl\n  text: .\n"),
                      encoding="utf-8")
    refuses(kb, folder, "claims:0: error: a folder, not a file [unreadable-input]")


NESTED = 10_000
DEEP: list[tuple[str, str, str, str]] = [
    ("claims: a list in a list, 10,000 deep", "claims/folder.yaml", "claims: " + "[" * NESTED + "]" * NESTED + "\n",
     "claims/folder.yaml:1: error: cannot read YAML: lists and mappings nested more than 100 deep [yaml-syntax]"),
    ("claims: a mapping in a mapping, 10,000 deep", "claims/folder.yaml",
     "claims:\n  - id: a\n    text: " + "{a: " * NESTED + "b" + "}" * NESTED + "\n",
     "claims/folder.yaml:3: error: cannot read YAML: lists and mappings nested more than 100 deep [yaml-syntax]"),
    ("claims: the whole file a list, 10,000 deep", "claims/folder.yaml", "[" * NESTED + "]" * NESTED,
     "claims/folder.yaml:1: error: cannot read YAML: lists and mappings nested more than 100 deep [yaml-syntax]"),
    ("claims: block lists, 10,000 deep", "claims/folder.yaml", "claims:\n" + "- " * NESTED + "x\n",
     "claims/folder.yaml:2: error: cannot read YAML: lists and mappings nested more than 100 deep [yaml-syntax]"),
    ("claims: unclosed, 10,000 deep", "claims/folder.yaml", "claims: " + "[" * NESTED,
     "claims/folder.yaml:1: error: cannot read YAML: lists and mappings nested more than 100 deep [yaml-syntax]"),
    ("kb.toml: an array, 10,000 deep", "kb.toml", "# settings\nx = " + "[" * NESTED + "]" * NESTED + "\n",
     "kb.toml:2: error: cannot read TOML: arrays or tables nested more than 100 deep [config]"),
    ("kb.toml: inline tables, 10,000 deep", "kb.toml", "x = " + "{a = " * NESTED + "1" + "}" * NESTED + "\n",
     "kb.toml:1: error: cannot read TOML: arrays or tables nested more than 100 deep [config]"),
]


@pytest.mark.parametrize("variant, name, content, expected", DEEP, ids=[c[0] for c in DEEP])
def test_nesting_thousands_deep_is_a_located_error(variant: str, name: str, content: str, expected: str,
                                                   root, kb) -> None:
    folder = built(root, kb)
    (folder / name).write_text(content, encoding="utf-8")
    refuses(kb, folder, expected)


def _encoded(encoding: str, newline: str = "\n") -> Callable[[str], bytes]:
    return lambda text: text.replace("\n", newline).encode(encoding)


def _bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode("utf-8")


# Every file of the KB written again with a BOM, with CRLF, or both: the commands give what they gave.
READABLE = {"BOM": _bom, "CRLF": _encoded("utf-8", "\r\n"), "BOM and CRLF": lambda t: _bom(t.replace("\n", "\r\n")),
            "CR": _encoded("utf-8", "\r")}


@pytest.mark.parametrize("how", list(READABLE))
def test_a_bom_and_crlf_are_read_in_every_file(how: str, root, kb) -> None:
    folder = built(root, kb)
    (folder / "kb.toml").write_text('[audit.severity]\nunverified-reference = "off"\n', encoding="utf-8")
    (folder / "templates").mkdir()
    (folder / "templates" / "leaflet.md.j2").write_text("{{ document.title }}\n", encoding="utf-8")
    expected = {name: kb("--kb", folder, *COMMANDS[name]) for name in READERS}
    assert expected["audit"].code == 0 and "unverified-reference" not in expected["audit"].out
    for path in [folder / "references.bib", folder / "kb.toml", folder / "templates" / "leaflet.md.j2",
                 *(folder / "claims").iterdir()]:
        path.write_bytes(READABLE[how](path.read_text(encoding="utf-8")))
    for name in READERS:
        with guarded():
            result = kb("--kb", folder, *COMMANDS[name])
        assert (result.code, result.out, result.err) == (expected[name].code, expected[name].out, expected[name].err), name


UTF16 = [(name, f"{name}:1: error: not UTF-8: byte 0xff cannot be decoded [unreadable-input]", FILES[name])
         for name in FILES]


@pytest.mark.parametrize("name, expected, commands", UTF16, ids=[u[0] for u in UTF16])
def test_utf16_is_a_located_error(name: str, expected: str, commands: tuple[str, ...], root, kb) -> None:
    folder = built(root, kb)
    path = folder / name
    path.parent.mkdir(exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else "{{ document.title }}\n"
    path.write_bytes(text.encode("utf-16"))
    refuses(kb, folder, expected, commands)


def test_a_refused_file_keeps_the_whole_build_folder(root, kb) -> None:
    """The report, graph.json and the cache: every file in build/ stays, for every failure above."""
    folder = built(root, kb)
    before = snapshot(folder)
    assert {"report.html", "report.json", "report.md", "graph.json"} <= set(before)
    assert any(name.startswith(".cache/") for name in before)
    _replace(folder, "claims/folder.txt", os.mkfifo)
    refuses(kb, folder, "claims/folder.txt:0: error: a named pipe, not a regular file: only regular files are read "
                        "[unreadable-input]")
    assert snapshot(folder) == before


@pytest.mark.parametrize("what", ["text", "bib"])
@pytest.mark.parametrize("device, kind", [("/dev/zero", "a character device"), ("/dev/urandom", "a character device"),
                                          ("fifo", "a named pipe")])
def test_kb_extract_reads_only_regular_files(what: str, device: str, kind: str, tmp_path: Path, kb) -> None:
    """`kb extract` reads files a person names, wherever they are: but a device or a named pipe
    given as the text or as --bib is refused before it is opened."""
    if device == "fifo":
        os.mkfifo(tmp_path / "fifo")
        device = (tmp_path / "fifo").as_posix()
    text = tmp_path / "a.txt"
    text.write_text("Bewegen helpt (Smith, 2020).\n", encoding="utf-8")
    args = (device, "--bib", tmp_path / "none.bib") if what == "text" else (text, "--bib", device)
    with guarded():
        result = kb("extract", *args)
    assert result.code == 2
    assert result.err == f"{device}:0: error: {kind}, not a regular file: only regular files are read [unreadable-input]\n"
