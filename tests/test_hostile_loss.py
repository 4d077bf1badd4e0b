"""Silent loss: input that would drop a leaflet, or a setting, without a word. An empty or
cut-short claims file, a claims/ folder that cannot be listed, x.yaml beside x.yml and a kb.toml
table or key the tool does not know are each a located error; every command exits 2 and the
previous report stays byte for byte."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile import READERS, built, refuses

EMPTY = ("claims/folder.yaml:1: error: the claims file is empty (cut short?): it needs 'claims', written "
         "'claims: []' for a leaflet without claims [claims-schema]")
NO_CLAIMS = ("claims/folder.yaml:1: error: the claims file has no 'claims' (cut short?): write 'claims: []' for a "
             "leaflet without claims [claims-schema]")
HEAD = 'document:\n  title: "Over bewegen"\n  language: nl\n'

# (variant, the claims file's whole content, the finding)
CLAIMS_FILES: list[tuple[str, str, str]] = [
    ("0 bytes", "", EMPTY),
    ("spaces and blank lines", "  \n\n \n", EMPTY),
    ("comments only", "# claims of the folder\n# to do\n", EMPTY),
    ("null", "null\n", EMPTY),
    ("~", "~\n", EMPTY),
    ("an empty document marker", "---\n...\n", EMPTY),
    ("a BOM and nothing else", "\ufeff", EMPTY),
    ("CRLF comments only", "# a\r\n# b\r\n", EMPTY),
    ("an empty mapping", "{}\n", NO_CLAIMS),
    ("cut short before its claims", HEAD, NO_CLAIMS),
    ("cut short right after 'claims:'", HEAD + "claims:\n",
     "claims/folder.yaml:4: error: 'claims' is empty (cut short?): write 'claims: []' for a leaflet without claims "
     "[claims-schema]"),
]


@pytest.mark.parametrize("variant, content, expected", CLAIMS_FILES, ids=[c[0] for c in CLAIMS_FILES])
def test_an_empty_or_cut_claims_file_is_an_error(variant: str, content: str, expected: str, root, kb) -> None:
    folder = built(root, kb)
    (folder / "claims" / "folder.yaml").write_text(content, encoding="utf-8", newline="")
    refuses(kb, folder, expected)


def test_a_leaflet_without_claims_says_so(root, kb) -> None:
    folder = built(root, kb)
    (folder / "claims" / "folder.yaml").write_text(HEAD + "claims: []\n", encoding="utf-8")
    assert kb("--kb", folder, "audit").code in (0, 1)


def _claims_a_file(folder: Path) -> None:
    for path in (folder / "claims").iterdir():
        path.unlink()
    (folder / "claims").rmdir()
    (folder / "claims").write_text("claims: []\n", encoding="utf-8")


def _claims_a_loop(folder: Path) -> None:
    os.rename(folder / "claims", folder / "old-claims")
    (folder / "claims").symlink_to("claims")


Setup = Callable[[Path], object]
FOLDERS: list[tuple[str, Setup, str]] = [
    ("claims/ is a file", _claims_a_file, "claims:0: error: a file, not a folder [unreadable-input]"),
    ("claims/ is a loop of links", _claims_a_loop, "claims:0: error: a loop of symbolic links [unreadable-input]"),
    ("x.yml beside x.yaml", lambda f: (f / "claims" / "folder.yml").write_bytes(
        (f / "claims" / "folder.yaml").read_bytes()),
     "claims/folder.yml:0: error: a second claims file of the leaflet folder, beside claims/folder.yaml: keep one "
     "of them [unreadable-input]"),
    ("x.yml beside an empty x.yaml", lambda f: (
        (f / "claims" / "folder.yaml").rename(f / "claims" / "folder.yml"),
        (f / "claims" / "folder.yaml").write_text("", encoding="utf-8")),
     "claims/folder.yml:0: error: a second claims file of the leaflet folder, beside claims/folder.yaml: keep one "
     "of them [unreadable-input]"),
]


@pytest.mark.parametrize("variant, setup, expected", FOLDERS, ids=[c[0] for c in FOLDERS])
def test_a_claims_folder_that_cannot_be_read_is_an_error(variant: str, setup: Setup, expected: str,
                                                         root, kb) -> None:
    folder = built(root, kb)
    setup(folder)
    refuses(kb, folder, expected)


def test_an_unreadable_claims_folder_is_an_error(root, kb, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing claims/ refused (as chmod 000 refuses it to anyone but root): simulated, so that it
    is tried whoever runs the tests."""
    from kb import paths

    folder = built(root, kb)
    listing = paths._list

    def refused(path: str) -> list[str]:
        if os.path.basename(path) == "claims":
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return listing(path)

    monkeypatch.setattr(paths, "_list", refused)
    refuses(kb, folder, "claims:0: error: cannot be read: permission denied [unreadable-input]")


@pytest.mark.skipif(os.geteuid() == 0, reason="run as root, which chmod 000 does not stop reading "
                                              "(the simulated refusal above is tried instead)")
def test_a_claims_folder_without_permission_is_an_error(root, kb) -> None:
    folder = built(root, kb)
    (folder / "claims").chmod(0)
    try:
        refuses(kb, folder, "claims:0: error: cannot be read: permission denied [unreadable-input]")
    finally:
        (folder / "claims").chmod(0o755)


# (variant, kb.toml, the finding)
SETTINGS: list[tuple[str, str, str]] = [
    ("[audti.severity]", '[audti.severity]\nunused-reference = "error"\n',
     "kb.toml:1: error: unknown table 'audti' (did you mean 'audit'?) [config]"),
    ("[audit.severty]", '[audit.severty]\nunused-reference = "error"\n',
     "kb.toml:1: error: unknown table 'severty' in [audit] (did you mean 'severity'?) [config]"),
    ("[audit] severty =", '[audit]\nseverty = { unused-reference = "error" }\n',
     "kb.toml:2: error: unknown table 'severty' in [audit] (did you mean 'severity'?) [config]"),
    ("[audit] severity = a string", '[audit]\nseverity = "x"\n',
     "kb.toml:2: error: 'audit.severity' must be a table ([audit.severity]), not 'x' [config]"),
    ("audit = a number", "audit = 3\n", "kb.toml:1: error: 'audit' must be a table ([audit]), not 3 [config]"),
    ("an unknown key", '# settings\ntitle = "Mijn KB"\n',
     "kb.toml:2: error: unknown key 'title' (known: audit, report, verify) [config]"),
    ("an unknown key in [audit]", '[audit]\nstrict = true\n',
     "kb.toml:2: error: unknown key 'strict' in [audit] (known: severity) [config]"),
    ("an unknown table", '[output]\nlang = "en"\n', "kb.toml:1: error: unknown table 'output' (known: audit, report, verify) [config]"),
    ("an unknown key in [report]", '[report]\nlang = "en"\n',
     "kb.toml:2: error: unknown key 'lang' in [report] (known: pages) [config]"),
    ("a report.pages misspelt", '[report]\npages = "pagd"\n',
     "kb.toml:2: error: 'report.pages' must be one of auto, single, paged, not 'pagd' (did you mean 'paged'?) [config]"),
    ("a dotted key", 'audit.severty.unused-reference = "error"\n',
     "kb.toml:1: error: unknown table 'severty' in [audit] (did you mean 'severity'?) [config]"),
    ("an array of tables", '[[audit]]\nseverity = {}\n',
     "kb.toml:1: error: 'audit' must be a table ([audit]), not [{'severity': {}}] [config]"),
    ("a severity misspelt", '[audit.severity]\nunused-reference = "eror"\n',
     "kb.toml:2: error: severity of unused-reference must be one of error, warning, info, off, not 'eror' "
     "(did you mean 'error'?) [config]"),
    ("a severity of the wrong type", '[audit.severity]\nunused-reference = 2\n',
     "kb.toml:2: error: severity of unused-reference must be one of error, warning, info, off, not 2 [config]"),
]


@pytest.mark.parametrize("variant, toml, expected", SETTINGS, ids=[c[0] for c in SETTINGS])
def test_a_setting_the_tool_does_not_know_is_an_error(variant: str, toml: str, expected: str, root, kb) -> None:
    folder = built(root, kb)
    (folder / "kb.toml").write_text(toml, encoding="utf-8")
    refuses(kb, folder, expected, READERS)
