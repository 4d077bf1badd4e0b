"""Benchmark: from a PDF leaflet to a first `kb report`, step by step.

The NPI leaflet (claims/npi-pmt.txt) is printed by chromium to a two-column PDF with chromium's
running header and footer and page numbers (as tests/test_intake_read.py prints it); a new KB
holding the shipped references.bib takes it in with `kb add`, then `kb report` runs. Timed: the
printing (for scale; a user already has the PDF), and in `kb add` each step (read the PDF,
reflow and take out the reference list, parse its entries, merge them, draft the claims, write),
then `kb report` in-process and as a fresh command; and how many of the leaflet's hand-made
claims are found verbatim in the text written.

    python bench/intake_time.py [--repeat 3] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_intake_read import TWO_COLUMNS, page_html  # the tests' rendering of a leaflet

from kb.cli import main
from kb.intake.add import Options, add


def one_round(folder: Path, chromium: str) -> dict[str, float]:
    times: dict[str, float] = {}
    page = folder / "npi.html"
    page.write_text(page_html("npi-pmt", TWO_COLUMNS, shy=True), encoding="utf-8")
    pdf = folder / "npi.pdf"
    start = time.perf_counter()
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={folder / 'profile'}",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)
    times["print PDF (chromium)"] = time.perf_counter() - start
    kb = folder / "kb"
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        main(["init", str(kb)])
    shutil.copy(REPO / "references.bib", kb / "references.bib")
    start = time.perf_counter()
    added = add(kb, Options(document="npi", source=pdf, shown=str(pdf)))
    total = time.perf_counter() - start
    assert not added.unreadable, added.findings
    for step, seconds in added.timings.items():
        times[f"kb add: {step}"] = seconds
    times["kb add (in-process, whole)"] = total
    start = time.perf_counter()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        assert main(["--kb", str(kb), "report"]) in (0, 1)
    times["kb report (in-process)"] = time.perf_counter() - start
    shutil.rmtree(kb / "build")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kb", "--kb", str(kb), "report"], check=False, capture_output=True)
    times["kb report (fresh command)"] = time.perf_counter() - start
    text = " ".join((kb / "claims" / "npi.txt").read_text(encoding="utf-8").split())
    claims = yaml.safe_load((REPO / "claims" / "npi-pmt.yaml").read_text(encoding="utf-8"))["claims"]
    found = sum(" ".join(c["text"].split()) in text for c in claims)
    times["claims found verbatim"] = found
    times["claims in npi-pmt.yaml"] = len(claims)
    times["draft claims"] = sum(added.kinds.values())
    return times


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    rounds = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="kb-intake-") as folder:
            rounds.append(one_round(Path(folder), args.chromium))
    print(f"{'step':34} {'best':>9} {'median':>9}")
    for step in rounds[0]:
        values = [r.get(step, 0.0) for r in rounds]
        if step.startswith(("claims", "draft")):
            print(f"{step:34} {int(values[0]):>9}")
        else:
            print(f"{step:34} {min(values):>8.3f}s {statistics.median(values):>8.3f}s")


if __name__ == "__main__":
    run()
