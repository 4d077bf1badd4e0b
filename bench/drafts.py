"""Drafted claims against a gold set: precision and recall of "this sentence is drafted as a clinical claim".

    python bench/drafts.py [TEXT.txt ...] [--heldout] [--verbose] [--check]

Gold files are bench/drafts/<name>.tsv (tab-separated, a header row, read with quoting off):
`label` (clinical, service or none: no claim) and `sentence`, every sentence and heading of
the text in order, whitespace collapsed, as printed. bench/drafts/README.md says where each
text comes from and which labels were judgement calls.

A gold sentence counts as drafted as a clinical claim when a draft claim of kind clinical
overlaps it; a drafted clinical claim that overlaps no gold sentence is a false positive too.
With --heldout, the texts of HELDOUT instead (bench/drafts/texts/, gathered and labelled after
the rules were written, to tell how the rules do on texts they were not tuned to; sources in
bench/drafts/README.md).
Named texts (a file without gold) are drafted and their claims listed, for checking by eye.
With --check, exit 1 when the overall precision or recall is below GOAL.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.citations.extract import extract
from kb.citations.parse import collapse

GOLD = ROOT / "bench" / "drafts"
EVAL = ROOT.parent / "shared" / "eval"
GOAL = 0.9
TEXTS = {
    "npi-pmt": ROOT / "claims" / "npi-pmt.txt",
    "alkura-alk": ROOT / "claims" / "alkura-alk.txt",
    "en_depression_prevention_background": EVAL / "en_depression_prevention_background" / "text.txt",
    "en_adaptive_automation_workload": EVAL / "en_adaptive_automation_workload" / "text.txt",
}
HELDOUT = {name: GOLD / "texts" / f"{name}.txt"
           for name in ("nl_vgct_depressie", "nl_tvp_gedragsactivatie", "en_cf_anxiety_depression_review")}


def _collapsed(text: str) -> tuple[str, list[int]]:
    """The text with its whitespace collapsed to single spaces, and each character's offset in `text`."""
    chars: list[str] = []
    offsets: list[int] = []
    space = False
    for i, c in enumerate(text):
        if c.isspace():
            space = bool(chars)
            continue
        if space:
            chars.append(" ")
            offsets.append(i - 1)
            space = False
        chars.append(c)
        offsets.append(i)
    return "".join(chars), offsets


def _gold(name: str, text: str) -> list[tuple[str, str, int, int]]:
    """(label, sentence, start, end) of each gold row, its offsets found in `text`."""
    flat, offsets = _collapsed(text)
    rows = []
    cursor = 0
    lines = (GOLD / f"{name}.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for number, line in enumerate(lines, 2):
        label, sentence = line.split("\t", 1)
        at = flat.find(sentence, cursor)
        if at < 0:
            raise SystemExit(f"bench/drafts/{name}.tsv:{number}: sentence not found in the text: {sentence[:60]}")
        rows.append((label, sentence, offsets[at], offsets[at + len(sentence) - 1] + 1))
        cursor = at + len(sentence)
    return rows


def score(name: str, path: Path, verbose: bool) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one text; prints its line."""
    text = path.read_text(encoding="utf-8")
    draft = extract(text, {}, name)
    clinical = [(c.start, c.end) for c in draft.claims if c.kind == "clinical"]
    rows = _gold(name, text)
    tp = fp = fn = 0
    for label, sentence, start, end in rows:
        drafted = any(a < end and start < b for a, b in clinical)
        if drafted and label == "clinical":
            tp += 1
        elif drafted:
            fp += 1
            if verbose:
                print(f"  FP ({label}): {sentence[:110]}")
        elif label == "clinical":
            fn += 1
            if verbose:
                print(f"  FN: {sentence[:110]}")
    for a, b in clinical:
        if not any(a < end and start < b for _, _, start, end in rows):
            fp += 1
            if verbose:
                print(f"  FP (no gold sentence): {collapse(text[a:b])[:100]}")
    print(f"{name:40} {_ratio(tp, tp + fp):>9} {_ratio(tp, tp + fn):>9}   {tp} tp, {fp} fp, {fn} fn")
    return tp, fp, fn


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="*", type=Path, help="other texts to draft and list (no gold)")
    parser.add_argument("--heldout", action="store_true", help="score the held-out texts instead")
    parser.add_argument("--verbose", action="store_true", help="list every false positive and negative")
    parser.add_argument("--check", action="store_true", help=f"exit 1 below {GOAL} overall")
    args = parser.parse_args()
    for path in args.texts:
        draft = extract(path.read_text(encoding="utf-8"), {}, path.stem)
        print(f"{path}: {len(draft.claims)} claims")
        for claim in draft.claims:
            print(f"  {claim.kind:8} {claim.text[:120]}")
    if args.texts:
        return 0
    print(f"{'text':40} {'precision':>9} {'recall':>9}")
    total = [0, 0, 0]
    for name, path in (HELDOUT if args.heldout else TEXTS).items():
        if not path.is_file():
            print(f"{name:40} (no text at {path})")
            continue
        for i, n in enumerate(score(name, path, args.verbose)):
            total[i] += n
    tp, fp, fn = total
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"{'overall':40} {precision:>9.3f} {recall:>9.3f}   {tp} tp, {fp} fp, {fn} fn")
    return 1 if args.check and (precision < GOAL or recall < GOAL) else 0


if __name__ == "__main__":
    sys.exit(main())
