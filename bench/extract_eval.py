"""Score `kb extract` against hand-checked gold files: detection P/R/F1 and key accuracy, per text.

Each folder holds text.txt, references.bib and expected.tsv (tab-separated, a header row, no
quoting; one row per citation group in document order: citation, keys ';'-joined, sentence),
as described in ../shared/eval/README.md.

Scoring:
- each gold row is placed in the text: its sentence is found (whitespace-insensitive) at or
  after the previous row's sentence, and its citation string inside that sentence, after the
  previous row's citation when both share the sentence;
- a predicted group matches a gold row when their spans overlap; each prediction matches at
  most one row, and rows take the first unmatched overlapping prediction, in document order;
- precision = matched / predicted groups, recall = matched / gold rows, F1 their harmonic mean;
- key accuracy = gold rows whose matched prediction has exactly the gold key set / gold rows
  (a row with no matching prediction counts as wrong);
- sentence accuracy = gold rows whose matched prediction was placed in the gold sentence (the
  same span of the text) / gold rows; it is reported, not part of the targets.

Usage: python bench/extract_eval.py [FOLDER ...] [--verbose] [--check]
Without folders: every folder of ../shared/eval and of bench/data. --check exits 1 when a text
falls below the targets (F1 >= 0.95 and key accuracy >= 0.95).
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from kb import bibliography
from kb.citations import extract
from kb.texts import LeafletText

REPO = Path(__file__).resolve().parent.parent
TARGET = 0.95


@dataclass(frozen=True)
class Gold:
    citation: str  # the citation string as it stands in the text
    keys: frozenset[str]  # the keys it resolves to
    start: int  # where it lies in the text
    end: int
    sentence: tuple[int, int]  # where its sentence lies in the text


@dataclass(frozen=True)
class Score:
    name: str  # the folder's name
    gold: int  # gold rows
    predicted: int  # predicted groups
    matched: int  # matched pairs
    keys_right: int  # gold rows whose matched prediction has the gold key set
    sentences_right: int  # gold rows whose matched prediction lies in the gold sentence
    notes: tuple[str, ...]  # misses, false alarms and key errors, for --verbose

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def key_accuracy(self) -> float:
        return self.keys_right / self.gold if self.gold else 1.0

    @property
    def sentence_accuracy(self) -> float:
        return self.sentences_right / self.gold if self.gold else 1.0


def read_gold(folder: Path, text: LeafletText) -> list[Gold]:
    rows = []
    with (folder / "expected.tsv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        rows = [row for row in reader if row]
    result: list[Gold] = []
    sentence_after = 0
    previous_sentence = None
    citation_after = 0
    for citation, keys, sentence in rows:
        where = text.find(sentence, sentence_after) or text.find(sentence)
        if where is None:
            raise SystemExit(f"{folder}/expected.tsv: sentence not in text.txt: {sentence[:60]}")
        after = max(where.start, citation_after) if where == previous_sentence else where.start
        found = text.find(citation, after)
        if found is None or found.end > where.end:
            raise SystemExit(f"{folder}/expected.tsv: {citation!r} not in its sentence")
        result.append(Gold(citation, frozenset(k for k in keys.split(";") if k), found.start, found.end,
                           (where.start, where.end)))
        sentence_after, previous_sentence, citation_after = where.start, where, found.end
    return result


def score(folder: Path) -> Score:
    raw = (folder / "text.txt").read_text(encoding="utf-8")
    bib, findings = bibliography.load(folder / "references.bib", "references.bib")
    if findings:
        raise SystemExit("\n".join(f.format() for f in findings))
    gold = read_gold(folder, LeafletText(raw))
    result = extract.extract(raw, bib.works, folder.name)
    predictions = [(g.group.start, g.group.end, frozenset(g.keys), g.group.text) for g in result.groups]
    placed = [(g.sentence.start, g.sentence.end) for g in result.groups]
    used: set[int] = set()
    matched = keys_right = sentences_right = 0
    notes: list[str] = []
    for row in gold:
        hit = next((i for i, (start, end, _, _) in enumerate(predictions)
                    if i not in used and start < row.end and row.start < end), None)
        if hit is None:
            notes.append(f"missed: {row.citation}")
            continue
        used.add(hit)
        matched += 1
        if predictions[hit][2] == row.keys:
            keys_right += 1
        else:
            notes.append(f"keys: {row.citation}: {sorted(predictions[hit][2])} instead of {sorted(row.keys)}")
        if placed[hit] == row.sentence:
            sentences_right += 1
        else:
            start, end = placed[hit]
            notes.append(f"sentence: {row.citation}: placed in {' '.join(raw[start:end].split())!r}")
    for i, (_, _, _, text) in enumerate(predictions):
        if i not in used:
            notes.append(f"false alarm: {' '.join(text.split())}")
    return Score(folder.name, len(gold), len(predictions), matched, keys_right, sentences_right, tuple(notes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--verbose", action="store_true", help="list misses, false alarms and key errors")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when a text is below {TARGET}")
    args = parser.parse_args(argv)
    folders = args.folders or sorted(
        [p for p in (REPO.parent / "shared" / "eval").glob("*") if (p / "expected.tsv").exists()]
        + [p for p in (REPO / "bench" / "data").glob("*") if (p / "expected.tsv").exists()])
    print(f"{'text':<40} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6} {'keys':>6} {'sent':>6}")
    failing = False
    for folder in folders:
        s = score(folder)
        print(f"{s.name:<40} {s.gold:>5} {s.predicted:>5} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f} "
              f"{s.key_accuracy:>6.3f} {s.sentence_accuracy:>6.3f}")
        if args.verbose:
            for note in s.notes:
                print(f"    {note}")
        failing = failing or s.f1 < TARGET or s.key_accuracy < TARGET
    return 1 if args.check and failing else 0


if __name__ == "__main__":
    sys.exit(main())
