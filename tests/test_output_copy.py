"""A streamed file whose chunks name files (kb.output): each file's bytes are copied in, by the
kernel where it can, else read; what the kernel refuses to copy falls back without a byte lost."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from kb import output


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    made = []
    for i, size in enumerate((0, 1, 70_000, 3)):
        part = tmp_path / f"part{i}"
        part.write_bytes(bytes((i * 7 + j) % 251 for j in range(size)))
        made.append(part)
    return made


def _expected(parts: list[Path]) -> bytes:
    return b"{" + b"|".join(p.read_bytes() for p in parts) + b"}"


def _chunks(parts: list[Path]) -> list[bytes | Path]:
    chunks: list[bytes | Path] = [b"{"]
    for i, part in enumerate(parts):
        chunks += [b"|"] * bool(i) + [part]
    return chunks + [b"}"]


def test_named_files_are_copied_in_order(parts: list[Path], tmp_path: Path) -> None:
    output.write_all(tmp_path / "out", {"whole.json": iter(_chunks(parts))})
    assert (tmp_path / "out" / "whole.json").read_bytes() == _expected(parts)


def _stopping(code: int, after: int) -> Any:
    """os.copy_file_range copying `after` bytes at most, then failing with `code`."""
    real = os.copy_file_range
    copied = [0]

    def copy(source: int, target: int, count: int, *args: Any) -> int:
        if copied[0] >= after:
            raise OSError(code, os.strerror(code))
        n = real(source, target, min(count, after - copied[0]), *args)
        copied[0] += n
        return n
    return copy


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="this system has no copy_file_range")
@pytest.mark.parametrize("after", [0, 1000], ids=["refused-at-once", "refused-midway"])
@pytest.mark.parametrize("code", [errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP])
def test_a_kernel_that_will_not_copy_falls_back_to_reading(parts: list[Path], tmp_path: Path, code: int, after: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output.os, "copy_file_range", _stopping(code, after))
    output.write_all(tmp_path / "out", {"whole.json": iter(_chunks(parts))})
    assert (tmp_path / "out" / "whole.json").read_bytes() == _expected(parts)


def test_no_kernel_copy_at_all(parts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(output.os, "copy_file_range", raising=False)
    output.write_all(tmp_path / "out", {"whole.json": iter(_chunks(parts))})
    assert (tmp_path / "out" / "whole.json").read_bytes() == _expected(parts)


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="this system has no copy_file_range")
def test_a_full_disk_while_copying_leaves_the_previous_file(parts: list[Path], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "whole.json"
    target.parent.mkdir()
    target.write_bytes(b"the previous one")
    monkeypatch.setattr(output.os, "copy_file_range", _stopping(errno.ENOSPC, 500))
    with pytest.raises(output.CannotWrite) as raised:
        output.write_all(target.parent, {"whole.json": iter(_chunks(parts)), "other.txt": b"x"})
    assert raised.value.finding.format() == f"{target.as_posix()}:0: error: cannot write: no space left on device [cannot-write]"
    assert target.read_bytes() == b"the previous one"
    assert sorted(p.name for p in target.parent.iterdir()) == ["whole.json"]


def test_a_named_file_that_is_gone_is_its_own_error(parts: list[Path], tmp_path: Path) -> None:
    parts[2].unlink()
    with pytest.raises(FileNotFoundError):
        output.write_all(tmp_path / "out", {"whole.json": iter(_chunks(parts))})
    assert list((tmp_path / "out").iterdir()) == []
