"""The consistency list of a paged report: the same or nearly the same claim in different
leaflets with a different label, conclusion level or fit.

Nearly the same: a claim's words are its text case-folded, accents removed, split on anything
that is no letter or digit (so punctuation never counts); two claims are nearly the same when
the Jaccard similarity of their sets of words is at least 3/4 (one word changed in a claim of
seven words or more, a word added to one of six or more). Claims with the same set of words
are one class; classes that could be that similar are found through an inverted index of each
class's rarest words (prefix filtering: two sets with Jaccard >= t share one of the first
n - ceil(t*n) + 1 of their words ordered by how rare they are), so only a few pairs are ever
compared, and of a word's list only the sets large enough to be similar. A common word is not
looked up (its list would be compared pairwise): one in more than `COMMON` classes, or in more
than an eighth of them where that is more than `FEW` (a word in one claim of eight is no rare
word of any claim, and a small vocabulary over thousands of claims made the comparison the
report's largest cost: 2 s of a 5,000-claims KB). A claim whose rarest words are all that common
(boilerplate, or a generated KB's small vocabulary) is matched only with claims of the same words.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

SIMILAR = (3, 4)  # Jaccard similarity at least 3/4
COMMON = 2000  # a word in more classes than this is no way in to candidates
COMMON_SHARE = 8  # nor one in more than this share of them (one in eight),
FEW = 100  # where that share is more classes than this
_WORD = re.compile(r"[^\W_]+")
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")  # combining marks


def words(text: str) -> frozenset[str]:
    """The claim's words as the comparison sees them: case-folded, without accents or punctuation."""
    plain = text.casefold()
    if not plain.isascii():
        plain = _MARKS.sub("", unicodedata.normalize("NFKD", plain))
    return frozenset(_WORD.findall(plain))


def joined(text: str) -> str:
    """`words` of `text` as one string (sorted, space-separated), as a claim's summary keeps them
    (kb.pages.summary) so that a build does not find them again."""
    return " ".join(sorted(words(text)))


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether the Jaccard similarity of `a` and `b` is at least SIMILAR."""
    shared = len(a & b)
    union = len(a) + len(b) - shared
    return union > 0 and shared * SIMILAR[1] >= SIMILAR[0] * union


def _prefix(size: int) -> int:
    # how many of a set's rarest words any set similar enough must share one of
    return size - -(-SIMILAR[0] * size // SIMILAR[1]) + 1


@dataclass(frozen=True)
class Group:
    """Nearly the same claims, in two leaflets or more, that do not agree."""

    claims: tuple[str, ...]  # claim ids, in report order
    differs: tuple[str, ...]  # what differs among them: "label", "level", "fit"


def entry(claim: Any) -> tuple[Any, ...]:
    """A claim of report.json (or its summary, kb.pages.summary, whose `words` are taken as they were
    kept) as `grouped` takes it: (id, document, words (`joined`), label, conclusion level, its links
    as [key, fit, key, fit, ...])."""
    kept = claim.get("words")
    return (claim["id"], claim["document"], kept if isinstance(kept, str) else joined(claim["text"]), claim["label"],
            claim["conclusion_level"], [part for source in claim["sources"] for part in (source["key"], source["fit"])])


def _view(entry: tuple[Any, ...]) -> tuple[str, str, tuple[str, ...]]:
    level = entry[4]
    return entry[3], "" if level is None else str(level), tuple(sorted(set(entry[5][1::2])))


def groups(claims: Iterable[Any]) -> list[Group]:
    """The consistency list of report.json's `claims` (or their summaries), largest group first,
    then in report order."""
    return grouped([entry(claim) for claim in claims])


def grouped(entries: Sequence[tuple[Any, ...]]) -> list[Group]:
    """`groups` of claims as `entry` makes them (or longer tuples that begin so: kb.pages reads
    them from what a build kept, without making each claim's summary)."""
    order = entries
    # A class by its words joined (`joined`: sorted, so one string per set): a set of words is
    # made only for a class that may be compared.
    classes: dict[str, list[int]] = {}
    for i, row in enumerate(order):
        key = row[2]
        if key:
            classes.setdefault(key, []).append(i)
    keys = list(classes)
    sizes = [key.count(" ") + 1 for key in keys]
    frequency = Counter(chain.from_iterable(key.split() for key in keys))
    # rarest first, ties by the word: a set's prefix is its first words in this order
    rank = {word: r for r, word in enumerate(sorted(frequency, key=lambda w: (frequency[w], w)))}.__getitem__
    most = min(COMMON, max(FEW, len(keys) // COMMON_SHARE))
    common = {word for word, n in frequency.items() if n > most}
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sets: dict[int, frozenset[str]] = {}  # the classes in the postings (those with a word not common)
    postings: dict[str, list[int]] = {}
    linked: set[int] = set()  # classes found similar to another
    compared = [-1] * len(keys)  # the class each was last compared with (`similar` written out:
    low, high = SIMILAR          # the comparison is the loop's whole cost where the words are few)
    # smallest sets first: a set is compared with those before it, which are no larger (none at
    # all when every word is common: no way in to candidates)
    for i in sorted(range(len(keys)), key=sizes.__getitem__) if len(common) < len(frequency) else ():
        split = keys[i].split()
        if common.issuperset(split):  # no way in to candidates
            continue
        sets[i] = found = frozenset(split)
        size = sizes[i]
        # the common words are the last of its prefix (the commonest last): those before them
        for word in sorted(found - common, key=rank)[:_prefix(size)]:
            listed = postings.setdefault(word, [])
            # a set of m words can be similar only to sets of at least 3m/4; a list holds its sets
            # smallest first, so those begin at a bisection
            for j in listed[bisect.bisect_left(listed, low * size, key=lambda j: high * sizes[j]):]:
                if compared[j] == i:
                    continue
                compared[j] = i
                shared = len(found & sets[j])
                if shared * high >= low * (size + sizes[j] - shared):
                    parent[root(i)] = root(j)
                    linked.update((i, j))
            listed.append(i)
    del sets, postings
    members: dict[int, list[int]] = {}
    for i, key in enumerate(keys):
        if i in linked or len(classes[key]) > 1:  # else a group of one claim
            members.setdefault(root(i), []).extend(classes[key])
    result = []
    for indices in members.values():
        if len(indices) < 2 or len({order[i][1] for i in indices}) < 2:
            continue
        views = [_view(order[i]) for i in indices]
        differs = tuple(name for k, name in enumerate(("label", "level", "fit")) if len({v[k] for v in views}) > 1)
        if differs:
            result.append(Group(tuple(order[i][0] for i in sorted(indices)), differs))
    result.sort(key=lambda g: (-len(g.claims), g.claims))
    return result
