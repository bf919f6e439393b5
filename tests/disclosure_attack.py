"""The differencing attack: what a reader with a spreadsheet and a linear-programming solver can work out
from a public output, given every figure it prints and the sums that link them.

Written independently of :mod:`geo.disclosure` (it never asks the suppression code anything): it reads
only printed text - a number is known exactly, "fewer than 5" is 1 to 4, "not shown" is some count of at
least 1 (zeros are printed) - and the additive structure a reader knows from the output itself (a
district is the sum of its wards, a quarter the sum of its months, a hexagon the sum of its layers). For
every figure not printed it finds the smallest and largest value the printed figures allow (linear
programming, rounded inwards because counts are whole numbers): a figure whose smallest and largest
values meet has been recovered. It also reports every sum whose hidden parts add up, by subtraction, to
a small count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

NUMBER = re.compile(r"^\d{1,3}(,\d{3})*$")
FEWER = re.compile(r"^fewer than (\d+)$")
NOT_SHOWN = "not shown"


@dataclass
class Findings:
    """What the attack worked out: hidden figures pinned to one value, and small sums of hidden figures."""

    recovered: dict[str, int] = field(default_factory=dict)
    small_sums: list[tuple[str, int]] = field(default_factory=list)
    hidden: int = 0  # figures the output did not print (the attack's unknowns)

    def __str__(self) -> str:
        return (
            f"{len(self.recovered)} of {self.hidden} hidden figures recovered "
            f"{sorted(self.recovered.items())[:5]}; {len(self.small_sums)} small sums {self.small_sums[:5]}"
        )


class Attack:
    """Collect printed figures and sums, then :meth:`solve`."""

    def __init__(self, threshold: int = 5) -> None:
        self.threshold = threshold
        self.bounds: dict[str, tuple[float, float]] = {}
        self.printed: set[str] = set()  # names printed as a number, "fewer than N" or "not shown"
        self.sums: list[tuple[str, tuple[str, ...]]] = []

    def read(self, name: str, text: str) -> None:
        """What a printed figure tells: its value, 1..N-1 for "fewer than N", at least 1 for "not shown"."""
        text = str(text).strip()
        if NUMBER.match(text):
            value = float(text.replace(",", ""))
            bound = (value, value)
        elif match := FEWER.match(text):
            bound = (1.0, float(int(match.group(1)) - 1))
        elif text == NOT_SHOWN:
            bound = (1.0, math.inf)
        else:
            raise ValueError(f"{name}: cannot read {text!r} as a printed count")
        self.printed.add(name)
        self.between(name, *bound)

    def exact(self, name: str, value: float) -> None:
        """A figure printed in some other form that gives its value (a chart's average times its years)."""
        self.printed.add(name)
        self.between(name, value, value)

    def unseen(self, name: str) -> None:
        """A count the output uses in a sum but does not print: only "not negative" is known."""
        self.bounds.setdefault(name, (0.0, math.inf))

    def between(self, name: str, low: float, high: float) -> None:
        """Something else printed bounds the figure (a rate times the population, a target)."""
        old_low, old_high = self.bounds.get(name, (0.0, math.inf))
        self.bounds[name] = (max(old_low, low), min(old_high, high))

    def sum(self, total: str, parts: Iterable[str]) -> None:
        parts = tuple(parts)
        for name in (total, *parts):
            self.unseen(name)
        self.sums.append((total, parts))

    def known(self, name: str) -> bool:
        low, high = self.bounds[name]
        return low == high

    def solve(self) -> Findings:
        unknown = [n for n in self.bounds if not self.known(n)]
        findings = Findings(hidden=sum(1 for n in unknown if n in self.printed))
        ranges = {n: self.bounds[n] for n in self.bounds}
        for component in self._components(unknown):
            ranges.update(self._ranges(component))
        for name in unknown:
            if _pinned(*ranges[name]):
                value = round(ranges[name][0])
                # a hidden figure pinned is recovered, a figure never printed only when small; zero
                # identifies nobody (a hidden change can stand for a previous count of 0)
                if value > 0 and (name in self.printed or value < self.threshold):
                    findings.recovered[name] = value
        for total, parts in self.sums:
            if not _pinned(*ranges[total]):
                continue
            left = [p for p in parts if not _pinned(*ranges[p])]
            if not left:
                continue
            derived = round(ranges[total][0]) - sum(round(ranges[p][0]) for p in parts if p not in left)
            if 0 < derived < self.threshold:
                findings.small_sums.append((total, derived))
        return findings

    def _components(self, unknown: list[str]) -> list[list[str]]:
        """Unknown figures linked through sums (each solved on its own)."""
        parent = {n: n for n in unknown}

        def root(n: str) -> str:
            while parent[n] != n:
                parent[n] = parent[parent[n]]
                n = parent[n]
            return n

        for total, parts in self.sums:
            members = [n for n in (total, *parts) if n in parent]
            for other in members[1:]:
                parent[root(other)] = root(members[0])
        groups: dict[str, list[str]] = {}
        for n in unknown:
            groups.setdefault(root(n), []).append(n)
        return list(groups.values())

    def _ranges(self, names: list[str]) -> dict[str, tuple[float, float]]:
        """Smallest and largest value of each unknown in ``names`` allowed by the sums (linear programs)."""
        index = {n: i for i, n in enumerate(names)}
        rows, rhs = [], []
        for total, parts in self.sums:
            members = [(total, 1.0), *((p, -1.0) for p in parts)]
            if not any(n in index for n, _ in members):
                continue
            row = np.zeros(len(names))
            constant = 0.0
            for n, sign in members:
                if n in index:
                    row[index[n]] += sign
                else:
                    constant += sign * self.bounds[n][0]
            rows.append(row)
            rhs.append(-constant)
        bounds = [
            (self.bounds[n][0], None if self.bounds[n][1] == math.inf else self.bounds[n][1]) for n in names
        ]
        if not rows:
            return {n: self.bounds[n] for n in names}
        a_eq, b_eq = np.array(rows), np.array(rhs)
        out = {}
        for n, i in index.items():
            c = np.zeros(len(names))
            c[i] = 1.0
            low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if low.status == 2 or high.status == 2:
                raise AssertionError(f"the printed figures contradict the sums around {n}: wrong model")
            out[n] = (
                low.fun if low.status == 0 else self.bounds[n][0],
                -high.fun if high.status == 0 else math.inf,
            )
        return out


def _pinned(low: float, high: float) -> bool:
    """True when only one whole number lies in [low, high] (a count is whole)."""
    return high != math.inf and math.ceil(low - 1e-6) == math.floor(high + 1e-6)
