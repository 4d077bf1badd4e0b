"""kb.toml `[verify]`: how `kb verify` reaches the services, checked like every other setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import config


def _load(tmp_path: Path, text: str) -> tuple[config.Config, list[str]]:
    path = tmp_path / "kb.toml"
    path.write_text(text, encoding="utf-8")
    settings, findings = config.load(path, "kb.toml")
    return settings, [f.format() for f in findings]


def test_verify_settings_are_read(tmp_path: Path) -> None:
    settings, problems = _load(tmp_path, '[verify]\nmailto = "team@example.org"\nretraction-watch = "data/rw.csv"\n'
                                         'cache-days = 7\ntimeout = 12.5\n\n[verify.services]\n'
                                         'crossref = "http://127.0.0.1:8080/crossref"\npubmed = "https://mirror.example/eutils/"\n')
    assert problems == []
    verify = settings.verify
    assert (verify.mailto, verify.retraction_watch, verify.retraction_watch_line) == ("team@example.org", "data/rw.csv", 3)
    assert (verify.cache_days, verify.timeout) == (7, 12.5)
    assert verify.services == {"crossref": "http://127.0.0.1:8080/crossref/", "pubmed": "https://mirror.example/eutils/"}


def test_without_verify_the_defaults(tmp_path: Path) -> None:
    settings, problems = _load(tmp_path, '[audit.severity]\nunused-reference = "info"\n')
    assert problems == [] and settings.verify == config.VerifySettings()


@pytest.mark.parametrize("text, expected", [
    ('[verify]\nmailto = 3\n', "kb.toml:2: error: 'verify.mailto' must be a string, not 3 [config]"),
    ('[verify]\ncache-days = "7"\n', "kb.toml:2: error: 'verify.cache-days' must be a whole number, not '7' [config]"),
    ('[verify]\ncache-days = -1\n', "kb.toml:2: error: 'verify.cache-days' must be 0 or more, not -1 [config]"),
    ('[verify]\ntimeout = true\n', "kb.toml:2: error: 'verify.timeout' must be a number, not True [config]"),
    ('[verify]\ntimeout = 0\n',
     "kb.toml:2: error: 'verify.timeout' must be more than 0 and at most 600 seconds, not 0 [config]"),
    ('[verify]\nretries = 11\n', "kb.toml:2: error: 'verify.retries' must be from 0 to 10, not 11 [config]"),
    ('[verify]\nmaitlo = "x@y.z"\n', "kb.toml:2: error: unknown key 'maitlo' in [verify] (did you mean 'mailto'?) [config]"),
    ('[verify.services]\nopenalx = "http://127.0.0.1:9/"\n',
     "kb.toml:2: error: unknown key 'openalx' in [verify.services] (did you mean 'openalex'?) [config]"),
    ('[verify.services]\ncrossref = "javascript:alert(1)"\n',
     "kb.toml:2: error: the base URL of crossref must be an http or https URL, not 'javascript:alert(1)' [config]"),
    ('[verify.services]\ncrossref = "file:///etc/passwd"\n',
     "kb.toml:2: error: the base URL of crossref must be an http or https URL, not 'file:///etc/passwd' [config]"),
    ('[verify]\nservices = "x"\n', "kb.toml:2: error: 'verify.services' must be a table ([verify.services]), not 'x' [config]"),
    ('verify = 1\n', "kb.toml:1: error: 'verify' must be a table ([verify]), not 1 [config]"),
])
def test_bad_verify_settings_are_located(tmp_path: Path, text: str, expected: str) -> None:
    assert _load(tmp_path, text)[1] == [expected]


def test_every_bad_setting_at_once(tmp_path: Path) -> None:
    problems = _load(tmp_path, '[verify]\nmailto = 3\ncache-days = -2\n[verify.services]\npubmed = "ftp://x/"\n')[1]
    assert sorted(p.split(":")[1] for p in problems) == ["2", "3", "5"]
