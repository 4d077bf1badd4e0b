"""kb/verify/retractionwatch.py on small CSVs written in the published columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.verify.model import Retraction
from kb.verify.retractionwatch import RetractionWatch, RetractionWatchError

HEADER = ("Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,RetractionDate,"
          "RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,OriginalPaperPubMedID,"
          "RetractionNature,Reason,Paywalled,Notes\n")


def row(record: int, nature: str, date: str, notice_doi: str, notice_pmid: str, doi: str, pmid: str,
        title: str = "A paper") -> str:
    return (f'{record},"{title}",(HSC) Medicine;,"Dept; Univ",J Test,Pub,Netherlands,"A Author;B Author",,'
            f'Research Article;,{date},{notice_doi},{notice_pmid},1/1/2015 0:00,{doi},{pmid},{nature},'
            f'"+Error in data;+Investigation;",No,\n')


def write(tmp_path: Path, text: str | bytes, name: str = "rw.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_lookup_by_doi_and_pmid(tmp_path: Path) -> None:
    csv_path = write(tmp_path, HEADER
                     + row(1, "Retraction", "3/15/2021 0:00", "10.1000/ret.1", "33333333", "10.1000/ORIG.1", "11111111")
                     + row(2, "Correction", "12/1/2019 0:00", "10.1000/cor.2", "0", "10.1000/orig.2", "0")
                     + row(3, "Expression of concern", "7/4/2020 0:00", "unavailable", "44444444", "", "22222222")
                     + row(4, "Reinstatement", "2/30/2022 0:00", "", "", "10.1000/orig.4", ""))
    index = RetractionWatch.load(csv_path, tmp_path / "cache")
    assert index.lookup("https://doi.org/10.1000/orig.1", "") == (
        Retraction("retraction-watch", "10.1000/ret.1", "retraction", "2021-03-15"),)
    assert index.lookup("", "11111111") == index.lookup("10.1000/orig.1", "11111111")
    assert index.lookup("10.1000/orig.2", "0") == (
        Retraction("retraction-watch", "10.1000/cor.2", "correction", "2019-12-01"),)
    assert index.lookup("", "22222222") == (
        Retraction("retraction-watch", "44444444", "expression-of-concern", "2020-07-04"),)
    assert index.lookup("10.1000/orig.4", "") == (Retraction("retraction-watch", "", "reinstatement", ""),)
    assert index.lookup("10.1000/none", "0") == ()
    assert index.lookup("", "") == ()
    assert "0" not in index.by_pmid


def test_a_field_with_several_dois_and_pmids(tmp_path: Path) -> None:
    csv_path = write(tmp_path, HEADER + row(5, "Retraction", "1/2/2020 0:00", "10.1000/ret.5;10.1000/ret.5b",
                                            "55555555", "10.1000/a;10.1000/b ", "66666666;77777777"))
    index = RetractionWatch.load(csv_path, tmp_path / "cache")
    notice = Retraction("retraction-watch", "10.1000/ret.5", "retraction", "2020-01-02")
    assert index.lookup("10.1000/a", "") == index.lookup("10.1000/b", "") == (notice,)
    assert index.lookup("", "77777777") == (notice,)


def test_invalid_utf8_is_read_with_replacement(tmp_path: Path) -> None:
    data = (HEADER + row(6, "Retraction", "5/6/2018 0:00", "10.1000/ret.6", "", "10.1000/orig.6", "",
                         title="Caf\udce9")).encode("utf-8", errors="surrogateescape")
    assert b"Caf\xe9" in data  # a Latin-1 byte: not UTF-8
    index = RetractionWatch.load(write(tmp_path, data), tmp_path / "cache")
    assert index.lookup("10.1000/orig.6", "")[0].notice == "10.1000/ret.6"


def test_a_byte_order_mark_and_crlf_lines(tmp_path: Path) -> None:
    text = "\ufeff" + (HEADER + row(7, "Retraction", "5/6/2018 0:00", "10.1000/ret.7", "", "10.1000/o7", "")
                       ).replace("\n", "\r\n")
    index = RetractionWatch.load(write(tmp_path, text), tmp_path / "cache")
    assert index.lookup("10.1000/o7", "")[0].date == "2018-05-06"


def test_a_header_only_file_is_an_empty_index(tmp_path: Path) -> None:
    index = RetractionWatch.load(write(tmp_path, HEADER), tmp_path / "cache")
    assert index.by_doi == {} and index.by_pmid == {}
    assert index.lookup("10.1000/x", "1") == ()


@pytest.mark.parametrize(("text", "line", "message"), [
    ("", 1, "the Retraction Watch file is empty: no header line"),
    (HEADER.replace(",OriginalPaperDOI", ""), 1, "not the Retraction Watch CSV: no column OriginalPaperDOI"),
    ("Title,Author\nx,y\n", 1, "not the Retraction Watch CSV: no column RetractionDate, RetractionDOI, "
     "RetractionPubMedID, OriginalPaperDOI, OriginalPaperPubMedID, RetractionNature"),
    (HEADER + '1,"unterminated\n', 2, "not a readable CSV: unexpected end of data"),
])
def test_a_malformed_file_is_a_clear_error(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RetractionWatchError) as raised:
        RetractionWatch.load(path, tmp_path / "cache")
    assert (str(raised.value), raised.value.line, raised.value.path) == (message, line, path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RetractionWatchError) as raised:
        RetractionWatch.load(tmp_path / "absent.csv", tmp_path / "cache")
    assert str(raised.value) == "cannot read the Retraction Watch file: No such file or directory"
    assert raised.value.line == 0


def test_parsed_once_and_cached_by_the_files_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kb.verify.retractionwatch as module
    csv_path = write(tmp_path, HEADER + row(8, "Retraction", "1/1/2020 0:00", "10.1000/r8", "", "10.1000/o8", ""))
    cache = tmp_path / "cache"
    first = RetractionWatch.load(csv_path, cache)
    assert [p.name for p in cache.iterdir()] == [f"retraction-watch-{first.sha256}.json"]

    parsed: list[bytes] = []
    real = module._parse

    def counting(data: bytes, path: Path) -> tuple[object, object]:
        parsed.append(data)
        return real(data, path)

    monkeypatch.setattr(module, "_parse", counting)
    again = RetractionWatch.load(csv_path, cache)
    assert again == first and parsed == []  # read from the cache

    csv_path.write_text(HEADER + row(9, "Correction", "1/1/2021 0:00", "10.1000/c9", "", "10.1000/o8", ""))
    changed = RetractionWatch.load(csv_path, cache)
    assert len(parsed) == 1 and changed.sha256 != first.sha256
    assert changed.lookup("10.1000/o8", "")[0].type == "correction"
    assert len(list(cache.iterdir())) == 2


def test_a_damaged_cache_is_parsed_again(tmp_path: Path) -> None:
    csv_path = write(tmp_path, HEADER + row(10, "Retraction", "1/1/2020 0:00", "10.1000/r10", "", "10.1000/o10", ""))
    first = RetractionWatch.load(csv_path, tmp_path / "cache")
    (tmp_path / "cache" / f"retraction-watch-{first.sha256}.json").write_bytes(b"not json")
    assert RetractionWatch.load(csv_path, tmp_path / "cache").lookup("10.1000/o10", "")[0].notice == "10.1000/r10"
