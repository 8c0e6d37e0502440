"""A statement's messages aligned with the paragraphs of a translated document.

A translator who answers with a translated Word document keeps the paragraphs in order,
but not always one for one: a paragraph is sometimes merged into the next, split in two,
left out, or one is added (a letterhead line, a note). The alignment is Gale and Church's
dynamic programme over the two sequences, with three kinds of evidence:

- **length**: a paragraph's translation is about as long as its source times the ratio
  of the whole document (the total length of the paragraphs over that of the messages,
  then over that of the pairs a first pass found), so it adapts to any language;
- **anchors** that survive translation: numbers (``12,000``, ``12 000``, ``12.000`` and
  ``١٢٬٠٠٠`` are all 12000; years, days, resolution numbers) and Latin-script names both
  sides spell alike (OSCE, FSC-PC, Peskov in a Cyrillic or Arabic translation; in a
  Latin-script one only the names rare on both sides count);
- **moves**: one message to one paragraph (the rule), a message the document lacks, a
  paragraph no message matches (cheaper before the first message or after the last: a
  letterhead line), and two messages in one paragraph or one message in two.

Only one-to-one pairs whose anchors do not clearly disagree (:func:`clash`) are accepted;
everything else is a :class:`Problem` naming the messages (their statement lines) and
the document paragraphs, because a wrong fuzzy translation costs a translator more than
a missing one. A message left out and a paragraph left over that share their numbers
are reported together as a paragraph out of order; left out and left over in the same
place with clashing numbers, as a paragraph that says something else. Everything here is
a pure function of its arguments: the same inputs give the same result.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

# ---------------------------------------------------------------- costs
#
# Costs are negative log-probabilities (lower is better). Gale and Church's priors are
# for sentences; a translator's paragraphs are almost always one for one, so merges,
# splits and gaps are made rarer than theirs.

_PRIOR = {(1, 1): 0.97, (1, 0): 0.005, (0, 1): 0.005, (2, 1): 0.01, (1, 2): 0.01}
_MOVE_COST = {move: -math.log(p) for move, p in _PRIOR.items()}
MOVES = tuple(_PRIOR)
"""(messages, paragraphs) each step consumes."""
_EDGE_COST = -math.log(0.05)
"""An extra paragraph before the first message or after the last: a letterhead line, a
signature, a translator's note. More likely than one in the middle."""

VARIANCE = 6.8
"""Gale and Church's variance of a translation's length per character of its source."""

ANCHOR_MISSING = 1.5
"""Cost of an anchor one side has and the other lacks."""
ANCHOR_SHARED = 1.0
"""Reward of an anchor both sides have."""
ANCHOR_CLASH = 12.0
"""Cost of a pair whose anchors clearly disagree (:func:`clash`): more than leaving a
message and a paragraph unaligned, so such a pair is only made when nothing else fits,
and then it is reported, not accepted."""

RATIO_RANGE = (0.2, 5.0)
"""The length ratio is kept in this range (Chinese is about a third of English's length,
German a quarter more): one absurd paragraph must not make every other pair look wrong."""

MAX_CELLS = 4_000_000
"""Largest (messages + 1) x (paragraphs + 1) table aligned: a statement has hundreds of
messages, a document with a million paragraphs is not its translation."""


# ---------------------------------------------------------------- anchors

_LINK_TARGET = re.compile(r"\]\((?:[^()\\]|\\.)*\)")
_NOTE_CALL = re.compile(r"\[\^[^\]\s]*\]")
_TAG = re.compile(r"</?(?:sup|sub)>", re.I)
_ESCAPE = re.compile(r"\\(.)", re.S)
_NUMBER = re.compile(
    r"(?<!\d)(\d{1,3}(?:[,.\u00a0\u202f\u2009 '’\u066c]\d{3})+(?!\d)|\d+)"
    r"(?:[.,\u066b](\d+))?(?!\d)")
_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_WORD = re.compile(rf"(?<![\w])[{_LETTER}]{{2,}}(?:-[{_LETTER}]+)*(?![\w])")


def visible(markdown: str) -> str:
    """The text a reader sees in a message's Markdown: no link targets, footnote calls,
    ``<sup>`` tags or backslash escapes (their digits and letters are no anchors)."""
    text = _LINK_TARGET.sub("]", markdown)
    text = _NOTE_CALL.sub("", text)
    text = _TAG.sub("", text)
    return _ESCAPE.sub(r"\1", text)


def numbers(text: str) -> frozenset[str]:
    """The numbers of a text, normalised: digit grouping removed, any script's digits
    read as their value, a decimal comma read as a point (``12 000`` -> ``12000``,
    ``1,5`` -> ``1.5``)."""
    found = set()
    for m in _NUMBER.finditer(text):
        whole = int("".join(ch for ch in m.group(1) if ch.isdigit()))
        fraction = "".join(str(int(ch)) for ch in m.group(2) or "").rstrip("0")
        found.add(f"{whole}.{fraction}" if fraction else str(whole))
    return frozenset(found)


def latin_words(text: str) -> frozenset[str]:
    """The Latin-script names of a text: words of three letters or more with a capital
    (Pyongyang, Peskov), or acronyms (UN, OSCE, FSC-PC), as spelt: the acronym "UN" is
    not the French article "un", and the German "was" is no English word. An apostrophe
    ends a word ("Russia’s", "dell'OSCE")."""
    return frozenset(w for w in (m.group() for m in _WORD.finditer(text))
                     if w.isupper() or (len(w) >= 3 and any(c.isupper() for c in w)))


@dataclass(frozen=True)
class _Side:
    """What the alignment knows of one message or paragraph."""

    length: int
    anchors: frozenset[str]
    """``#12000`` for a number, ``@OSCE`` for a word."""


_Features = tuple[list[str], list[frozenset[str]], list[frozenset[str]]]


def _features(texts: Sequence[str]) -> _Features:
    """(visible text, numbers, Latin words) of each text."""
    shown = [visible(t) for t in texts]
    return shown, [numbers(t) for t in shown], [latin_words(t) for t in shown]


def _shared_words(src: list[frozenset[str]], dst: list[frozenset[str]]) -> frozenset[str]:
    """Words that anchor: on both sides, and rare on both (in a French translation of an
    English text "on" or "Ukraine" are everywhere; "Pyongyang" is in one paragraph)."""
    limit = max(2, max(len(src), len(dst)) // 4)
    count_src: dict[str, int] = {}
    count_dst: dict[str, int] = {}
    for words, counts in ((src, count_src), (dst, count_dst)):
        for ws in words:
            for w in ws:
                counts[w] = counts.get(w, 0) + 1
    return frozenset(w for w, n in count_src.items()
                     if w in count_dst and n <= limit and count_dst[w] <= limit)


def _sides(features: _Features, words: frozenset[str]) -> list[_Side]:
    shown, nums, lats = features
    return [_Side(len(s.strip()), frozenset({f"#{n}" for n in ns} | {f"@{w}" for w in ws & words}))
            for s, ns, ws in zip(shown, nums, lats, strict=True)]


def _length_cost(source: int, target: int, ratio: float) -> float:
    """-log P(|delta|) of a pair of lengths, delta being the normalised difference between
    the target's length and the one the ratio expects (Gale and Church)."""
    expected = ratio * source
    delta = abs(target - expected) / math.sqrt(VARIANCE * max(expected, 1.0))
    if delta < 30:
        return -math.log(max(math.erfc(delta / math.sqrt(2)), 1e-300))
    return delta * delta / 2 + math.log(delta * math.sqrt(math.pi / 2))


def _anchor_cost(src: frozenset[str], dst: frozenset[str]) -> float:
    shared = len(src & dst)
    cost = ANCHOR_MISSING * (len(src) + len(dst) - 2 * shared) - ANCHOR_SHARED * shared
    if clash(src, dst):
        cost += ANCHOR_CLASH
    return cost


def clash(src: frozenset[str], dst: frozenset[str]) -> bool:
    """Anchors that clearly disagree: both sides have numbers and share none, or, with
    no number shared, each side has two names or more and they share none. A single
    name is weaker evidence than a number: a translation may spell it otherwise."""
    if src & dst:
        return False
    src_numbers = {a for a in src if a.startswith("#")}
    dst_numbers = {a for a in dst if a.startswith("#")}
    if src_numbers and dst_numbers:
        return True
    return len(src - src_numbers) >= 2 and len(dst - dst_numbers) >= 2


# ---------------------------------------------------------------- the result

@dataclass(frozen=True)
class Pair:
    """A message and the one document paragraph that translates it."""

    source: int
    """Index of the message in the sequence aligned."""
    target: int
    """Index of the paragraph in the sequence aligned."""
    paragraph: int
    """The paragraph's number in the document."""


@dataclass(frozen=True)
class Problem:
    """Messages and paragraphs that were not paired, and why."""

    kind: str
    """``missing`` (no paragraph for the message), ``extra`` (no message for the
    paragraph), ``merged`` (two messages in one paragraph), ``split`` (one message in two
    paragraphs), ``mismatch`` (a pair whose anchors disagree), ``moved`` (a message whose
    paragraph is out of order)."""
    sources: tuple[int, ...]
    """Indexes of the messages."""
    lines: tuple[int, ...]
    """Their lines in the statement."""
    paragraphs: tuple[int, ...]
    """The document paragraphs' numbers."""
    detail: str = ""
    unit: str = "paragraph"
    """What the document is made of: ``paragraph``, or ``line`` in a text draft."""

    def __str__(self) -> str:
        lines = _numbered("the message at line", "the messages at lines", self.lines)
        paras = _numbered(f"document {self.unit}", f"document {self.unit}s", self.paragraphs)
        text = {
            "missing": f"{lines} is not in the document",
            "extra": f"{paras} matches no message of the statement",
            "merged": f"{lines} are merged into {paras}",
            "split": f"{lines} is split over {paras}",
            "mismatch": f"{lines} does not match {paras}: their numbers and names differ",
            "moved": f"{lines} seems to be translated by {paras}, out of order",
        }[self.kind]
        return f"{text} ({self.detail})" if self.detail else text


def _numbered(one: str, many: str, numbers: tuple[int, ...]) -> str:
    return f"{one if len(numbers) == 1 else many} {', '.join(str(n) for n in numbers)}"


@dataclass(frozen=True)
class Alignment:
    pairs: tuple[Pair, ...]
    problems: tuple[Problem, ...]
    ratio: float
    """The length ratio used (document length over statement length)."""
    cost: float
    """The total cost of the alignment found (lower is better)."""
    messages: int
    paragraphs: int

    @property
    def score(self) -> float:
        """The share of messages and paragraphs paired (1.0: every one, one for one)."""
        total = self.messages + self.paragraphs
        return 2 * len(self.pairs) / total if total else 1.0


class TooLarge(ValueError):
    """Too many messages times paragraphs to align (:data:`MAX_CELLS`)."""


# ---------------------------------------------------------------- the alignment

def align(sources: Sequence[str], targets: Sequence[tuple[int, str]],
          lines: Sequence[int] | None = None, unit: str = "paragraph") -> Alignment:
    """Align messages (their source Markdown, in reading order) with a document's
    paragraphs ((paragraph number, Markdown), in document order).

    ``lines`` are the messages' lines in the statement, for the problems (default: their
    1-based index); ``unit`` names the document's numbered parts in them. Raises
    :class:`TooLarge` beyond :data:`MAX_CELLS`.
    """
    n, m = len(sources), len(targets)
    where = list(lines) if lines is not None else list(range(1, n + 1))
    if len(where) != n:
        raise ValueError("one line per message")
    if (n + 1) * (m + 1) > MAX_CELLS:
        raise TooLarge(f"{n} messages and {m} paragraphs are too many to align")
    texts = [t for _, t in targets]
    src_features, dst_features = _features(sources), _features(texts)
    words = _shared_words(src_features[2], dst_features[2])
    src = _sides(src_features, words)
    dst = _sides(dst_features, words)
    dst_shown = dst_features[0]
    # The document's length over the statement's, a paragraph counting at most as long
    # as the longest message could become: one absurd paragraph cannot skew it.
    cap = RATIO_RANGE[1] * max((s.length for s in src), default=0)
    total_src = sum(s.length for s in src)
    total_dst = sum(min(d.length, cap) for d in dst)
    ratio = _clamped(total_dst / total_src if total_src and total_dst else 1.0)
    steps, total = _path(src, dst, ratio)
    # That ratio is wrong when a long paragraph is missing or extra: the ratio of what
    # the first pass paired one for one is better, when it paired most of the document.
    paired = [(src[i0].length, dst[j0].length) for i0, j0, di, dj in steps
              if (di, dj) == (1, 1) and not clash(src[i0].anchors, dst[j0].anchors)]
    paired_src = sum(a for a, _ in paired)
    if len(paired) >= max(3, min(n, m) // 2) and paired_src:
        better = _clamped(sum(b for _, b in paired) / paired_src)
        if abs(better - ratio) > 0.02 * ratio:
            ratio = better
            steps, total = _path(src, dst, ratio)

    pairs: list[Pair] = []
    problems: list[Problem] = []
    missing: list[int] = []
    extra: list[int] = []
    gap_of: dict[tuple[str, int], int] = {}
    """The gap between two paired steps each unpaired message and paragraph is in."""
    gap = 0
    for i0, j0, di, dj in steps:
        if di and dj:
            gap += 1
        paras = tuple(targets[j][0] for j in range(j0, j0 + dj))
        idx = tuple(range(i0, i0 + di))
        at = tuple(where[k] for k in idx)
        if (di, dj) == (1, 1):
            if clash(src[i0].anchors, dst[j0].anchors):
                problems.append(Problem("mismatch", idx, at, paras,
                                        _anchors_detail(src[i0].anchors, dst[j0].anchors), unit))
            else:
                pairs.append(Pair(i0, j0, targets[j0][0]))
        elif (di, dj) == (1, 0):
            missing.append(i0)
            gap_of[("s", i0)] = gap
        elif (di, dj) == (0, 1):
            extra.append(j0)
            gap_of[("t", j0)] = gap
        elif (di, dj) == (2, 1):
            problems.append(Problem("merged", idx, at, paras, unit=unit))
        else:
            problems.append(Problem("split", idx, at, paras, unit=unit))

    # A message left out here and a paragraph left over there that agree: a paragraph
    # out of order (the alignment keeps the order, so it cannot pair them itself).
    for i0 in list(missing):
        candidates = [(-len(src[i0].anchors & dst[j0].anchors),
                       _length_cost(src[i0].length, dst[j0].length, ratio), j0)
                      for j0 in extra if _agree(src[i0].anchors, dst[j0].anchors)]
        if candidates:
            j0 = min(candidates)[2]
            extra.remove(j0)
            missing.remove(i0)
            problems.append(Problem("moved", (i0,), (where[i0],), (targets[j0][0],),
                                    _anchors_detail(src[i0].anchors, dst[j0].anchors), unit))
    # As many messages left out as paragraphs left over in one place, whose anchors clash:
    # the paragraphs are there but say something else (a skip and an extra paragraph cost
    # less than a pair that clashes, so the alignment never pairs them itself).
    for place in sorted(set(gap_of.values())):
        here_src = [i0 for i0 in missing if gap_of[("s", i0)] == place]
        here_dst = [j0 for j0 in extra if gap_of[("t", j0)] == place]
        if len(here_src) != len(here_dst):
            continue
        for i0, j0 in zip(here_src, here_dst, strict=True):
            if clash(src[i0].anchors, dst[j0].anchors):
                missing.remove(i0)
                extra.remove(j0)
                problems.append(Problem("mismatch", (i0,), (where[i0],), (targets[j0][0],),
                                        _anchors_detail(src[i0].anchors, dst[j0].anchors),
                                        unit))
    for i0 in missing:
        after = _neighbour(pairs, i0, targets, unit)
        problems.append(Problem("missing", (i0,), (where[i0],), (), after, unit))
    for j0 in extra:
        problems.append(Problem("extra", (), (), (targets[j0][0],), _short(dst_shown[j0]),
                                unit))
    problems.sort(key=lambda p: (min(p.sources, default=n), min(p.paragraphs, default=0), p.kind))
    return Alignment(tuple(pairs), tuple(problems), ratio, total, n, m)


def _clamped(ratio: float) -> float:
    return min(max(ratio, RATIO_RANGE[0]), RATIO_RANGE[1])


def _path(src: list[_Side], dst: list[_Side], ratio: float
          ) -> tuple[list[tuple[int, int, int, int]], float]:
    """The cheapest sequence of moves, as (message, paragraph, messages, paragraphs) of
    each step, and its cost. Ties go to the move listed first in :data:`MOVES`."""
    n, m = len(src), len(dst)
    inf = math.inf
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        row = cost[i]
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            best, move_best = inf, (0, 0)
            for di, dj in MOVES:
                if di > i or dj > j:
                    continue
                before = cost[i - di][j - dj]
                if before == inf:
                    continue
                step = before + _step(src, dst, i, j, di, dj, ratio)
                if step < best:
                    best, move_best = step, (di, dj)
            row[j] = best
            back[i][j] = move_best
    steps: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]
        steps.append((i - di, j - dj, di, dj))
        i, j = i - di, j - dj
    steps.reverse()
    return steps, cost[n][m]


def _step(src: list[_Side], dst: list[_Side], i: int, j: int, di: int, dj: int,
          ratio: float) -> float:
    """The cost of the move (di, dj) ending at messages[:i], paragraphs[:j]."""
    move = _MOVE_COST[(di, dj)]
    if di == 0 and (i == 0 or i == len(src)):
        return _EDGE_COST
    if di == 0 or dj == 0:
        return move
    s = src[i - di:i]
    d = dst[j - dj:j]
    length = _length_cost(sum(x.length for x in s), sum(x.length for x in d), ratio)
    anchors = _anchor_cost(frozenset().union(*(x.anchors for x in s)),
                           frozenset().union(*(x.anchors for x in d)))
    return move + length + anchors


def _agree(src: frozenset[str], dst: frozenset[str]) -> bool:
    """Strong evidence for a pair outside the order: a shared number or two shared
    anchors, and more shared than not."""
    shared = src & dst
    strong = any(a.startswith("#") for a in shared) or len(shared) >= 2
    return strong and len(shared) >= len(src ^ dst)


def _anchors_detail(src: frozenset[str], dst: frozenset[str]) -> str:
    def show(anchors: frozenset[str]) -> str:
        nums = sorted((a[1:] for a in anchors if a.startswith("#")), key=_number_key)
        ws = sorted(a[1:] for a in anchors if a.startswith("@"))
        return ", ".join(nums + ws) or "none"

    return f"statement: {show(src)}; document: {show(dst)}"


def _number_key(text: str) -> tuple[float, str]:
    try:
        return (float(text), text)
    except ValueError:
        return (math.inf, text)


def _neighbour(pairs: list[Pair], source: int, targets: Sequence[tuple[int, str]],
               unit: str) -> str:
    before = [p.paragraph for p in pairs if p.source < source]
    after = [p.paragraph for p in pairs if p.source > source]
    if before and after:
        return f"expected between document {unit}s {before[-1]} and {after[0]}"
    if before:
        return f"expected after document {unit} {before[-1]}"
    if after:
        return f"expected before document {unit} {after[0]}"
    return f"no {unit} of the document matches any message" if targets else "empty document"


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")
