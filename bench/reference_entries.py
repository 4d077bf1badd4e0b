"""Field-level accuracy of kb/intake/entries.py on printed reference entries typed by hand.

    python bench/reference_entries.py [--heldout | --heldout2] [--show]

Reads bench/reference_entries/entries.yaml (origins in its README), parses each `printed` entry,
and compares every field with the hand-typed one: a field the gold leaves out must come back "".
Prints one row per field (entries right, entries in all, accuracy) and, with --show, each miss.
With --heldout it reads heldout.yaml instead: entries from other sources, typed without looking
at the parser's output and never tuned on, so its table is the estimate for unseen lists.
Since the classes heldout.yaml showed were fixed, --heldout2 reads heldout2.yaml: a second such
set, gathered after the parser's last change (sources in the README).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.intake.entries import parse_entry
from kb.intake.model import Draft

DATA = Path(__file__).with_name("reference_entries")
GOLD = DATA / "entries.yaml"
HELDOUT = DATA / "heldout.yaml"
HELDOUT2 = DATA / "heldout2.yaml"
MEASURED = ("authors", "year", "title", "container", "volume", "issue", "pages", "doi")
ALSO = ("editors", "publisher", "url", "entry_type")
GOAL = {"authors": 0.95, "year": 0.95, "title": 0.95}


def _people(value: object) -> tuple[tuple[str, str], ...]:
    return tuple((str(family), str(given)) for family, given in value or ())  # type: ignore[attr-defined]


def expected(gold: dict[str, object], name: str) -> object:
    value = gold.get(name)
    if name in ("authors", "editors"):
        return _people(value)
    return "" if value is None else str(value)


def found(draft: Draft, name: str) -> object:
    return getattr(draft, name)


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--show", action="store_true", help="print every field that differs")
    which = options.add_mutually_exclusive_group()
    which.add_argument("--heldout", action="store_true", help="measure the held-out set (heldout.yaml)")
    which.add_argument("--heldout2", action="store_true", help="measure the second held-out set (heldout2.yaml)")
    args = options.parse_args()
    path = HELDOUT2 if args.heldout2 else HELDOUT if args.heldout else GOLD
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    args.heldout = args.heldout or args.heldout2
    if args.heldout:
        earlier = [GOLD] if path == HELDOUT else [GOLD, HELDOUT]
        tuned = {item["printed"] for known in earlier for item in yaml.safe_load(known.read_text(encoding="utf-8"))}
        shared = [item["printed"] for item in items if item["printed"] in tuned]
        if shared:
            print(f"held-out entries also in {', '.join(p.name for p in earlier)}: {shared}", file=sys.stderr)
            return 2
    right: Counter[str] = Counter()
    origins: Counter[str] = Counter(item["origin"] for item in items)
    for item in items:
        draft = parse_entry(item["printed"])
        gold = item["expected"]
        for name in MEASURED + ALSO:
            if name == "entry_type" and "entry_type" not in gold:
                right[name] += 1  # typed only where the gold says it
                continue
            want, got = expected(gold, name), found(draft, name)
            if want == got:
                right[name] += 1
            elif args.show:
                print(f"{item['printed'][:70]}...\n    {name}: expected {want!r}\n    {' ' * len(name)}  found    {got!r}")
    total = len(items)
    print(f"{'held-out: ' if args.heldout else ''}{total} entries ({', '.join(f'{n} {o}' for o, n in sorted(origins.items()))})")
    print(f"{'field':<12} {'right':>5} {'of':>4} {'accuracy':>9}")
    failed = False
    for name in MEASURED + ALSO:
        accuracy = right[name] / total
        goal = GOAL.get(name)
        mark = "" if goal is None else ("  goal 0.95: met" if accuracy >= goal else "  goal 0.95: MISSED")
        failed |= goal is not None and accuracy < goal
        print(f"{name:<12} {right[name]:>5} {total:>4} {accuracy:>9.3f}{mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
