"""A streamed file whose chunks name files (kb.output): each file's bytes are copied in, by the
kernel where it can, else read; what the kernel refuses to copy falls back without a byte lost."""

from __future__ import annotations

import ctypes
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


def _many(count: int) -> dict[str, bytes]:
    return {f"report/leaflets/l{i:03}.html": f"page {i}\n".encode() for i in range(count)}


@pytest.mark.skipif(output._syncfs is None, reason="this system has no syncfs: each file is synced")
def test_a_large_set_is_synced_once_per_file_system_not_file_by_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fsyncs: list[int] = []
    syncs: list[int] = []
    real_fsync, real_syncfs = os.fsync, output._syncfs

    def fsync(fd: int) -> None:
        fsyncs.append(fd)
        real_fsync(fd)

    def syncfs(fd: int) -> int:
        syncs.append(fd)
        found: int = real_syncfs(fd)
        return found
    monkeypatch.setattr(output.os, "fsync", fsync)
    monkeypatch.setattr(output, "_syncfs", syncfs)
    files = _many(output.ONE_SYNC_FROM)
    output.write_all(tmp_path / "out", files)
    assert (fsyncs, len(syncs)) == ([], 1)
    assert {name: (tmp_path / "out" / name).read_bytes() for name in files} == files
    output.write_all(tmp_path / "small", dict(list(files.items())[:3]))  # a few files: each synced
    assert (len(fsyncs), len(syncs)) == (3, 1)


@pytest.mark.skipif(output._syncfs is None, reason="this system has no syncfs: each file is synced")
def test_a_failed_sync_of_a_large_set_leaves_the_previous_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    files = _many(output.ONE_SYNC_FROM)
    output.write_all(out, files)

    def failing(fd: int) -> int:
        ctypes.set_errno(errno.EIO)
        return -1
    monkeypatch.setattr(output, "_syncfs", failing)
    with pytest.raises(output.CannotWrite) as raised:
        output.write_all(out, {name: b"new\n" for name in files})
    assert raised.value.finding.format() == f"{out.as_posix()}:0: error: cannot write: input/output error [cannot-write]"
    assert {name: (out / name).read_bytes() for name in files} == files
    assert sorted(p.name for p in (out / "report" / "leaflets").iterdir()) == sorted(Path(n).name for n in files)


@pytest.mark.parametrize("kernel", ["copies", "refuses-midway", "absent"])
def test_slices_of_files_are_copied_as_their_bytes(parts: list[Path], tmp_path: Path, kernel: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    if kernel == "refuses-midway" and hasattr(os, "copy_file_range"):
        monkeypatch.setattr(output.os, "copy_file_range", _stopping(errno.EXDEV, 700))
    if kernel == "absent":
        monkeypatch.delattr(output.os, "copy_file_range", raising=False)
    big = parts[2].read_bytes()
    chunks: list[bytes | Path | output.Slice] = [b"[", output.Slice(parts[2], 10, 60_010), b"|",
                                                  output.Slice(parts[2], 69_990, 70_000), b"|",
                                                  output.Slice(parts[3], 1, 3), b"]"]
    output.write_all(tmp_path / "out", {"whole.json": iter(chunks)})
    assert (tmp_path / "out" / "whole.json").read_bytes() == b"[" + big[10:60_010] + b"|" + big[69_990:] + b"|" \
        + parts[3].read_bytes()[1:3] + b"]"
    assert output.Slice(parts[2], 5, 5).read() == b"" and not output.Slice(parts[2], 5, 5)
