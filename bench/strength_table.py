"""The conclusion level and certainty of every cited clinical claim of a leaflet, as a Markdown
table with their reasons, and how many claims labelled empirical are level 3 or lower.

    python bench/strength_table.py [--kb DIR] [--doc npi-pmt]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from kb.knowledgebase import load

REPO = Path(__file__).resolve().parent.parent


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(kb_dir: Path, doc: str) -> str:
    kb = load(kb_dir, only=doc)
    document = next(d for d in kb.documents if d.id == doc)
    cited = [c for c in document.claims if c.kind == "clinical" and c.sources]
    lines = [f"Cited clinical claims of {doc}: {len(cited)}", "",
             "| claim | label | level | certainty | why this level | why this certainty |",
             "|---|---|---|---|---|---|"]
    for claim in cited:
        strength = kb.strengths[claim.id]
        level = "–" if strength.level is None else f"{strength.level}" + (" (provisional)" if strength.provisional else "")
        lines.append(f"| {claim.id} | {kb.labels.claims[claim.id].label} | {level} | {strength.certainty or '–'} | "
                     f"{_cell(strength.level_reason)} | {_cell('; '.join(strength.certainty_reasons) or '–')} |")
    empirical = [c for c in cited if kb.labels.claims[c.id].label == "empirical"]
    low = [c.id for c in empirical if (kb.strengths[c.id].level or 5) >= 3]
    levels = Counter(kb.strengths[c.id].level for c in cited)
    certainties = Counter(kb.strengths[c.id].certainty for c in cited)
    lines += ["",
              "Levels: " + ", ".join(f"{'none' if k is None else k}: {n}" for k, n in
                                     sorted(levels.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))),
              "Certainties: " + ", ".join(f"{k or 'none'}: {certainties[k]}" for k in
                                          ("high", "moderate", "low", "very-low", None) if certainties[k]),
              f"Claims labelled empirical ('empirisch'): {len(empirical)}; of them at level 3 or lower: "
              f"{len(low)} ({', '.join(low)})"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=REPO)
    parser.add_argument("--doc", default="npi-pmt")
    args = parser.parse_args()
    print(table(args.kb, args.doc))


if __name__ == "__main__":
    main()
