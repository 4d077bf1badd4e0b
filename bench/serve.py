"""Benchmark: how long an edited claim takes to appear in the page `kb serve` serves.

Starts `kb serve --port 0` on a copy of a KB (the shipped one by default; another with --kb DIR,
e.g. one kept by `bench/scale.py --keep DIR --sizes 1000`), then --repeat times changes the text
of one claim in one claims file and times, from the write:

    rebuilt   until /__kb/version moves: the debounce, and the rebuild (kb.build.report)
    page      then the download of the page as the reload asks for it: GET /, or in a paged report
              the page of the edited leaflet

An open page asks for the version every --poll seconds: on average half of that comes on top.
The CPU seconds (user + system) the server and the processes under it spent from the write to
the new version are shown beside the wall clock; the server's own line for each build is kept too.

    python bench/serve.py [--kb DIR] [--repeat 5] [--debounce 0.2] [--poll 1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INPUTS = ("references.bib", "kb.toml", "verification.json", "claims", "templates")
_TEXT = re.compile(r'^(\s+text: ")(.*)("\s*)$', re.MULTILINE)
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """The user + system seconds of process `pid` and of every process under it so far (Linux): the
    server builds in a copy of itself, which has processes of its own (those ended counted in
    their parent's, those running in their own)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
    parents = {child: int(fields[1]) for child, fields in stats.items()}

    def under(child: int) -> bool:
        while child > 1:
            if child == pid:
                return True
            child = parents.get(child, 0)
        return False

    return sum(int(f[11]) + int(f[12]) + int(f[13]) + int(f[14]) for child, f in stats.items() if under(child)) / _TICKS


def _get(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        connection.request("GET", path)
        return connection.getresponse().read()
    finally:
        connection.close()


def _edit(claims: Path, round_: int) -> None:
    """The first claim's text, with a mark of this round at its end (YAML stays valid)."""
    text = claims.read_text(encoding="utf-8")
    match = _TEXT.search(text)
    assert match, f"no claim text in {claims}"
    body = re.sub(r" \(edit \d+\)$", "", match.group(2)) + f" (edit {round_})"
    claims.write_text(text[:match.start(2)] + body + text[match.end(2):], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", default=str(REPO), metavar="DIR", help="the KB to copy (default: the shipped one)")
    parser.add_argument("--repeat", type=int, default=5, help="edits timed (default: 5)")
    parser.add_argument("--debounce", default="0.2", help="kb serve --debounce (default: its own, 0.2)")
    parser.add_argument("--poll", default="1", help="kb serve --poll (default: its own, 1)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kb-serve-bench-"))
    try:
        kb = work / "knowledge-base"  # not "kb": python -m kb would import it
        kb.mkdir()
        for name in INPUTS:
            source = Path(args.kb) / name
            if source.is_dir():
                shutil.copytree(source, kb / name)
            elif source.exists():
                shutil.copy2(source, kb / name)
        claims = min((kb / "claims").glob("*.yaml"))
        log = open(work / "serve.err", "w+")  # noqa: SIM115
        started = time.monotonic()
        server = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(kb), "serve", "--port", "0",
                                   "--debounce", args.debounce, "--poll", args.poll],
                                  stdout=subprocess.PIPE, stderr=log, text=True, cwd=work)
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
            first = time.monotonic() - started
            size = len(_get(port, "/"))
            # the page that shows the edited claim: the report, or in a paged report (kb.pages) the
            # leaflet's own page, named by its claims file
            leaflet = f"/report/leaflets/{claims.stem}.html"
            shown = leaflet if (kb / "build" / leaflet.lstrip("/")).is_file() else "/"
            print(f"{Path(args.kb).resolve().name}: {len(list((kb / 'claims').glob('*.yaml')))} leaflets, "
                  f"report.html {size / 1e6:.1f} MB; first build and serve: {first:.2f} s wall "
                  f"(command start to address); the edit shown by {shown}")
            rebuilt, pages, cpus = [], [], []
            for round_ in range(1, args.repeat + 1):
                version = json.loads(_get(port, "/__kb/version"))["version"]
                cpu = _cpu(server.pid)
                began = time.monotonic()
                _edit(claims, round_)
                while json.loads(_get(port, "/__kb/version"))["version"] == version:
                    time.sleep(0.01)
                rebuilt.append(time.monotonic() - began)
                cpus.append(_cpu(server.pid) - cpu)
                began = time.monotonic()
                page = _get(port, shown)
                pages.append(time.monotonic() - began)
                assert f"(edit {round_})".encode() in page, "the page does not show the edit"
                print(f"  edit {round_}: rebuilt {rebuilt[-1]:.2f} s wall ({cpus[-1]:.2f} s CPU), "
                      f"page {pages[-1]:.2f} s")
            print(f"median: rebuilt {statistics.median(rebuilt):.2f} s wall ({statistics.median(cpus):.2f} s CPU), "
                  f"page {statistics.median(pages):.2f} s; with the debounce of {args.debounce} s inside, and "
                  f"half the poll of {args.poll} s to add on average")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
            log.seek(0)
            print("server:", " | ".join(line.strip() for line in log if line.startswith("kb serve")))
            log.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
