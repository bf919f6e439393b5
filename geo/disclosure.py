"""Disclosure control that survives arithmetic: which counts a public table must hide.

Why: a count of 1 to 4 in a small area can point to a person or a household, so public outputs hide
it ("fewer than 5"). Hiding it is not enough when the table also prints sums: a district total minus
its wards' shown counts gives a hidden ward count back, and a quarter minus its two shown months gives
the third. This module decides, for one table of counts and the sums that link them, which counts to
hide so that none can be worked out again. It is pure (numbers in, decisions out): the pages, packs and
exports describe their tables to it and print what it lets through.

The rule, in plain English (the Method page prints the same):

1. **Small counts.** A count from 1 to ``threshold - 1`` is hidden and printed as "fewer than 5".
2. **Zero is shown.** Knowing that nothing happened identifies nobody. Zeros are still counted as known
   figures in the checks below, so a zero can never be the figure that gives a hidden count away.
3. **Sums.** Wherever a total and its parts are printed (a district and its wards, Kirklees and its
   districts, a quarter and its months, a hexagon and its layers, a layer's total and its hexagons), the
   sum is checked, and while a check fails one more figure is hidden ("not shown"):

   * exactly one figure of the sum is hidden: subtraction gives it back;
   * the total is shown and the hidden parts add up (total minus the shown parts) to 1 to
     ``threshold - 1``: that sum is itself a small count;
   * what a reader knows of the hidden figures pins one of them to a single value (a "fewer than 5" is 1
     to 4, so two of them making up a shown 8 are both 4).

   The figure hidden next is the smallest shown non-zero part, so as little as possible is lost (the total
   instead where the table prefers it, or where no part can be hidden). Hiding it can break another sum,
   so every sum is checked again until all pass. A last check follows the chains between sums the way a
   reader with a spreadsheet would: a ward's figure worked out in one sum and used in the next, and the
   sums solved together as equations (a cell joining two blocks of hidden cells is one block's row totals
   minus its column totals, though every row and column holds two hidden cells).

Figures that the output does not print at all (months outside a chart, hexagons not drawn) can be
entered as *unseen*: they take part in the sums, but a reader knows nothing about them except that they
are not negative.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Key = Hashable
#: shown: printed as it is; small: 1..threshold-1, printed "fewer than N"; hidden: not printed because it
#: would give a small count away ("not shown"); unseen: not in the output at all.
State = Literal["shown", "small", "hidden", "unseen"]
#: Rounds of the chain check (each round tightens what a reader can know; the tables here settle in a few).
_MAX_ROUNDS = 200


class Withheld(int):
    """A count an output must not print, carrying its value (so sums and sorting still work) and how it
    is to be printed: ``small`` for "fewer than N", otherwise "not shown"."""

    small: bool

    def __new__(cls, value: int, small: bool) -> Withheld:
        obj = super().__new__(cls, value)
        obj.small = small
        return obj

    def __repr__(self) -> str:
        return f"Withheld({int(self)}, small={self.small})"

    def __getnewargs__(self) -> tuple[int, bool]:  # so a cached or pickled page keeps its markers
        return int(self), self.small


@dataclass(frozen=True)
class Sum:
    """``total`` = the sum of ``parts`` (keys of a :class:`Table`)."""

    total: Key
    parts: tuple[Key, ...]
    prefer_total: bool = False


@dataclass
class Table:
    """Counts keyed by anything hashable, and the sums that link them.

    ``keep`` marks figures to hide only when nothing else will do (a hexagon's total, whose colour is
    drawn); ``unseen`` marks figures the output does not print (see the module rules); ``decided`` holds
    figures whose state was settled elsewhere (an area's count, decided once for every view of the map):
    they are read as printed that way and never changed.
    """

    values: dict[Key, int] = field(default_factory=dict)
    sums: list[Sum] = field(default_factory=list)
    unseen: set[Key] = field(default_factory=set)
    keep: set[Key] = field(default_factory=set)
    decided: dict[Key, State] = field(default_factory=dict)

    def add(
        self, key: Key, value: int, *, unseen: bool = False, keep: bool = False, decided: State | None = None
    ) -> Key:
        """Enter one count (again with the same value is allowed: a figure printed in two places)."""
        value = int(value)
        if value < 0:
            raise ValueError(f"count {key!r} is negative ({value}); only counts can be protected")
        if self.values.setdefault(key, value) != value:
            raise ValueError(f"count {key!r} was entered twice with different values")
        if unseen:
            self.unseen.add(key)
        if keep:
            self.keep.add(key)
        if decided is not None:
            self.decided[key] = decided
        return key

    def add_sum(self, total: Key, parts: Iterable[Key], *, prefer_total: bool = False) -> None:
        """Say that ``total`` is the sum of ``parts`` (all entered already). ``prefer_total``: when the sum
        needs one more figure hidden, hide the total first (a row total beside its breakdown)."""
        parts = tuple(parts)
        if not parts:
            return
        missing = [k for k in (total, *parts) if k not in self.values]
        if missing:
            raise KeyError(f"sum of {total!r} names counts not entered: {missing[:3]!r}")
        if self.values[total] != sum(self.values[p] for p in parts):
            raise ValueError(
                f"{total!r} is {self.values[total]}, not the sum of its parts "
                f"({sum(self.values[p] for p in parts)}): only true sums can be checked"
            )
        self.sums.append(Sum(total, parts, prefer_total))


@dataclass(frozen=True)
class Suppression:
    """What :func:`protect` decided: the state of every count of the table."""

    threshold: int
    values: Mapping[Key, int]
    states: Mapping[Key, State]

    def state(self, key: Key) -> State:
        return self.states[key]

    def hidden(self, key: Key) -> bool:
        """True when the count may not be printed (small or hidden; unseen counts are not printed anyway)."""
        return self.states[key] in ("small", "hidden")

    def mark(self, key: Key) -> int:
        """The count as a plain int when it may be printed, else a :class:`Withheld` saying how to print
        it."""
        value = self.values[key]
        state = self.states[key]
        if state in ("shown", "unseen"):
            return value
        return Withheld(value, small=state == "small")


def protect(table: Table, threshold: int) -> Suppression:
    """Decide which counts of ``table`` to hide (see the module rules)."""
    return _Protector(table, threshold).run()


class _Protector:
    """The working state of :func:`protect`: figure states, and which sums each figure is in."""

    def __init__(self, table: Table, threshold: int) -> None:
        if threshold < 1:
            raise ValueError("the threshold must be at least 1")
        self.t = threshold
        self.table = table
        self.values = table.values
        self.state: dict[Key, State] = {}
        for key, value in self.values.items():
            if key in table.decided:
                self.state[key] = table.decided[key]
            elif key in table.unseen:
                self.state[key] = "unseen"
            else:
                self.state[key] = "small" if 0 < value < threshold else "shown"
        self.sums_of: dict[Key, list[int]] = {}
        for i, s in enumerate(table.sums):
            for key in (s.total, *s.parts):
                self.sums_of.setdefault(key, []).append(i)

    # ---- what a reader knows -------------------------------------------------------------------------

    def bounds(self, key: Key) -> tuple[float, float]:
        """What a reader knows of a figure from how it is printed."""
        state, value = self.state[key], self.values[key]
        if state == "shown":
            return value, value
        if state == "small":
            return 1, self.t - 1
        if state == "unseen":
            return 0, math.inf
        # "not shown": a hidden count of threshold or more, or a small one shown as "not shown"
        return (self.t, math.inf) if value >= self.t else (1, math.inf)

    def exposed(self, key: Key, low: float, high: float) -> bool:
        """True when a reader who knows ``key`` lies in [low, high] knows a figure they must not: a hidden
        count pinned to one value, or a figure the output does not print pinned to a small count."""
        if low < high:
            return False
        if self.state[key] == "unseen":
            return 0 < self.values[key] < self.t
        return self.state[key] in ("small", "hidden")

    def problem(self, s: Sum, known: Mapping[Key, tuple[float, float]]) -> bool:
        """True when the sum lets a reader work out a hidden figure or a small total of hidden figures.

        ``known`` holds a reader's bounds of every figure (the printed ones, or what the chain check has
        already worked out).
        """
        members = [(s.total, 1), *((p, -1) for p in s.parts)]
        unknown = [(k, sign) for k, sign in members if known[k][0] != known[k][1]]
        if not unknown:
            return False
        fixed = sum(sign * known[k][0] for k, sign in members if known[k][0] == known[k][1])
        if known[s.total][0] == known[s.total][1] and 0 < fixed < self.t:
            return True  # total minus the known parts: the hidden parts' sum is a small count
        return any(self.exposed(k, low, high) for k, low, high in _implied(unknown, fixed, known))

    # ---- deciding ------------------------------------------------------------------------------------

    def hide_one_more(self, s: Sum) -> Key | None:
        """Hide the next figure of a failing sum (see the module rules); the key changed, or None."""
        open_ = [k for k in (s.total, *s.parts) if k not in self.table.decided]
        total_free = s.total in open_ and self.state[s.total] == "shown" and self.values[s.total] > 0
        parts = [p for p in s.parts if p in open_ and self.state[p] == "shown" and self.values[p] > 0]
        choices: list[Key] = []
        if s.prefer_total and total_free and s.total not in self.table.keep:
            choices.append(s.total)
        choices += sorted((p for p in parts if p not in self.table.keep), key=lambda p: self.values[p])
        if total_free and s.total not in self.table.keep:
            choices.append(s.total)
        choices += sorted((p for p in parts if p in self.table.keep), key=lambda p: self.values[p])
        if total_free and s.total in self.table.keep:
            choices.append(s.total)
        if choices:
            self.state[choices[0]] = "hidden"
            return choices[0]
        # nothing left to hide: a "fewer than N" whose upper bound pins the others is shown as "not shown"
        for key in open_:
            if self.state[key] == "small":
                self.state[key] = "hidden"
                return key
        return None

    def settle(self, queue: deque[int]) -> None:
        """Check sums one at a time (from what is printed) until every one passes."""
        waiting = set(queue)
        while queue:
            i = queue.popleft()
            waiting.discard(i)
            s = self.table.sums[i]
            printed = {k: self.bounds(k) for k in (s.total, *s.parts)}
            if not self.problem(s, printed):
                continue
            changed = self.hide_one_more(s)
            if changed is None:
                continue  # only figures decided elsewhere are left here: the chain check looks further
            for j in (i, *self.sums_of[changed]):
                if j not in waiting:
                    waiting.add(j)
                    queue.append(j)

    def chains(self) -> int | None:
        """Follow the sums as a reader would, tightening what is known of each figure; the index of a sum
        that then fails, or None when all pass."""
        known = {k: self.bounds(k) for k in self.values}
        for _ in range(_MAX_ROUNDS):
            changed = False
            for s in self.table.sums:
                members = [(s.total, 1), *((p, -1) for p in s.parts)]
                unknown = [(k, sign) for k, sign in members if known[k][0] != known[k][1]]
                if not unknown:
                    continue
                fixed = sum(sign * known[k][0] for k, sign in members if known[k][0] == known[k][1])
                for k, low, high in _implied(unknown, fixed, known):
                    old_low, old_high = known[k]
                    low, high = max(old_low, _whole(low, math.ceil)), min(old_high, _whole(high, math.floor))
                    if (low, high) != (old_low, old_high) and low <= high:
                        known[k] = (low, high)
                        changed = True
            if not changed:
                break
        for i, s in enumerate(self.table.sums):
            if self.problem(s, known) or any(self.exposed(k, *known[k]) for k in (s.total, *s.parts)):
                return i
        # bounds alone miss a figure fixed by several sums at once (a cell joining two blocks of hidden
        # cells is one block's row totals minus its column totals): solve the sums as equations
        for key in self.determined(known):
            if self.exposed(key, self.values[key], self.values[key]):
                return self.sums_of[key][0]
        return None

    def determined(self, known: Mapping[Key, tuple[float, float]]) -> list[Key]:
        """Figures not known from bounds that the sums, read as linear equations, fix to one value: those
        whose column of every solution of the homogeneous system is zero (the null space is zero there)."""
        unknown = [k for k in self.values if known[k][0] != known[k][1]]
        index = {k: i for i, k in enumerate(unknown)}
        rows = []
        for s in self.table.sums:
            members = [
                (index[k], sign) for k, sign in [(s.total, 1), *((p, -1) for p in s.parts)] if k in index
            ]
            if members:
                rows.append(members)
        out = []
        for columns, equations in _components(len(unknown), rows):
            local = {c: j for j, c in enumerate(columns)}
            matrix = np.zeros((len(equations), len(columns)))
            for r, members in enumerate(equations):
                for c, sign in members:
                    matrix[r, local[c]] += sign
            _, singular, vh = np.linalg.svd(matrix)
            rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
            null = vh[rank:]
            fixed = np.abs(null).max(axis=0, initial=0.0) < 1e-9 if len(null) else np.ones(len(columns), bool)
            out += [unknown[c] for c, is_fixed in zip(columns, fixed, strict=True) if is_fixed]
        return out

    def can_act(self, s: Sum) -> bool:
        """True when the sum has a figure left to hide, or a "fewer than N" to print as "not shown"."""
        members = [k for k in (s.total, *s.parts) if k not in self.table.decided]
        return any(
            (self.state[k] == "shown" and self.values[k] > 0) or self.state[k] == "small" for k in members
        )

    def nearest_fixable(self, failing: int) -> int | None:
        """The failing sum if something in it can still be hidden, else the nearest sum linked to it that
        can (what pins a figure may come from further along the chain: a "fewer than 5" two levels up)."""
        queue, seen = deque([failing]), {failing}
        while queue:
            i = queue.popleft()
            s = self.table.sums[i]
            if self.can_act(s):
                return i
            for key in (s.total, *s.parts):
                for j in self.sums_of[key]:
                    if j not in seen:
                        seen.add(j)
                        queue.append(j)
        return None

    def run(self) -> Suppression:
        self.settle(deque(range(len(self.table.sums))))
        while (failing := self.chains()) is not None:
            fixable = self.nearest_fixable(failing)
            changed = None if fixable is None else self.hide_one_more(self.table.sums[fixable])
            if changed is None:
                break  # everything linked is hidden already: nothing printed is left to give anything away
            self.settle(deque(self.sums_of[changed]))
        return Suppression(self.t, dict(self.values), dict(self.state))


def _implied(
    unknown: list[tuple[Key, int]], fixed: float, known: Mapping[Key, tuple[float, float]]
) -> list[tuple[Key, float, float]]:
    """Each unknown figure of a sum (total - parts = 0) with the bounds the sum and the other unknowns'
    bounds give it, intersected with its own. ``fixed`` is the known figures' signed sum, so
    ``sum(sign * unknown) = -fixed``. Linear in the size of the sum (sums over a map's hexagons are long).
    """
    # bounds of each signed term, and their sum split into a finite part and a count of infinite terms
    terms = []
    for key, sign in unknown:
        lo, hi = known[key]
        terms.append((lo, hi) if sign > 0 else (-hi, -lo))
    low_finite = sum(lo for lo, _ in terms if lo != -math.inf)
    low_inf = sum(1 for lo, _ in terms if lo == -math.inf)
    high_finite = sum(hi for _, hi in terms if hi != math.inf)
    high_inf = sum(1 for _, hi in terms if hi == math.inf)
    out = []
    for (key, sign), (lo, hi) in zip(unknown, terms, strict=True):
        # the other terms' range, without this one
        rest_low = -math.inf if low_inf - (lo == -math.inf) else low_finite - (lo if lo != -math.inf else 0)
        rest_high = math.inf if high_inf - (hi == math.inf) else high_finite - (hi if hi != math.inf else 0)
        term_low, term_high = -fixed - rest_high, -fixed - rest_low  # this signed term's range
        low, high = (term_low, term_high) if sign > 0 else (-term_high, -term_low)
        own_low, own_high = known[key]
        out.append((key, max(own_low, low), min(own_high, high)))
    return out


def _whole(bound: float, rounding) -> float:
    """A bound on a count rounded inwards to a whole number (counts are whole); infinity stays."""
    return bound if math.isinf(bound) else rounding(bound - 1e-9 if rounding is math.ceil else bound + 1e-9)


def _components(
    size: int, rows: list[list[tuple[int, int]]]
) -> list[tuple[list[int], list[list[tuple[int, int]]]]]:
    """Split equations (lists of (column, sign)) into groups sharing no column: each is solved alone."""
    parent = list(range(size))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for members in rows:
        for c, _ in members[1:]:
            parent[root(c)] = root(members[0][0])
    columns: dict[int, list[int]] = {}
    for c in range(size):
        columns.setdefault(root(c), []).append(c)
    equations: dict[int, list[list[tuple[int, int]]]] = {}
    for members in rows:
        equations.setdefault(root(members[0][0]), []).append(members)
    return [(cols, equations[r]) for r, cols in columns.items() if r in equations]
