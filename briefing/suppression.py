"""What each audience may see: small-number suppression for public outputs, full detail for partners.

Why: a count of 1 to 4 in a small area can point to an identifiable person or household (a victim, a
burgled home). Public outputs therefore show such counts as "fewer than 5" (the threshold comes from
``[suppression] public_min_count`` in ``data/settings.toml``), and also hide anything that would let a
reader work a hidden count back out: a rate or a change built on it, or a difference against a shown
figure (so a total printed beside its parts is hidden when one of the parts is). Zero is shown as 0:
knowing that nothing happened identifies nobody. Partner outputs show everything.

Which counts of a whole table to hide - so that no hidden count comes back by subtraction from totals,
parts or other periods - is decided by :func:`geo.disclosure.protect`; the counts it withholds arrive
here as :class:`geo.disclosure.Withheld` values and print as "fewer than 5" or "not shown".

Every number a pack or page prints goes through a :class:`Disclosure`, so there is exactly one place
where the rule lives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from geo.coverage import WindowCount
from geo.disclosure import Withheld
from geo.rates import Change

Audience = Literal["public", "partner"]
AUDIENCES: tuple[Audience, ...] = ("partner", "public")
#: The protective marking printed on every page, by audience.
MARKINGS: dict[Audience, str] = {"partner": "Partner — OFFICIAL", "public": "Public"}
NOT_AVAILABLE = "no data"
#: What a public output prints for a total that would reveal a hidden part (see :meth:`Disclosure.total`).
HIDDEN_TOTAL = "not shown"


def parse_audience(text: str) -> Audience:
    value = (text or "").strip().lower()
    if value not in AUDIENCES:
        raise ValueError(f"audience must be 'public' or 'partner', not {text!r}")
    return value  # type: ignore[return-value]


@dataclass(frozen=True)
class Disclosure:
    """Formats numbers for one audience. ``threshold`` is the smallest count a public output may show."""

    audience: Audience
    threshold: int = 5

    @property
    def public(self) -> bool:
        return self.audience == "public"

    @property
    def marking(self) -> str:
        return MARKINGS[self.audience]

    @property
    def hidden_text(self) -> str:
        return f"fewer than {self.threshold}"

    def hides(self, count: int | None) -> bool:
        """True when ``count`` may not be shown to this audience: 1 to threshold-1 (public only), or a
        count the table's secondary suppression withheld (:class:`geo.disclosure.Withheld`)."""
        if isinstance(count, Withheld):
            return True
        return self.public and count is not None and 0 < count < self.threshold

    def hidden_word(self, count: int) -> str:
        """How a hidden count prints: "fewer than 5", or "not shown" for one withheld only so that
        another cannot be worked out (it may be any number)."""
        return HIDDEN_TOTAL if isinstance(count, Withheld) and not count.small else self.hidden_text

    def count(self, count: int | None) -> str:
        """``1,234``, ``0``, ``fewer than 5`` (public, small), ``not shown`` or ``no data``."""
        if count is None:
            return NOT_AVAILABLE
        return self.hidden_word(count) if self.hides(count) else f"{count:,}"

    def window(self, count: WindowCount) -> str:
        """A count over the latest months as this audience may see it, with how many of its months had
        data when some had none: "14", "fewer than 5 (2 of 3 months)", "no data"."""
        return count.text(self.count(count.count))

    def rate(self, rate: float | None, count: int | None) -> str:
        """A rate per 1,000 to one decimal place; hidden with its count (a rate times the population
        gives the count back)."""
        if rate is None or count is None:
            return "–"
        return "–" if self.hides(count) else f"{rate:,.1f}"

    def change(self, change: Change | None) -> str:
        """The change in the map's words and the partnership's arrows (:attr:`geo.rates.Change.text`, e.g.
        "↑ 12.5% (from 1,200)"), so a pack and the app say it the same way; hidden when either count is
        hidden (the pair would reveal it)."""
        if change is None:
            return NOT_AVAILABLE
        if self.hides(change.current) or self.hides(change.previous):
            return "not shown (small numbers)"
        return change.text

    def total(self, total: int, parts: Iterable[int]) -> str:
        """A total printed beside its parts (a hotspot's layers, an action-day location's categories):
        hidden as well when any part is hidden, because the total minus the parts shown would give the
        hidden part back."""
        if any(self.hides(part) for part in parts):
            return HIDDEN_TOTAL
        return self.count(total)

    def direction(self, arrow: str, current: int | None, previous: int | None) -> str:
        """The arrow, unless it is built on a hidden count (an arrow from 3 to 0 says too much)."""
        if self.hides(current) or self.hides(previous):
            return ""
        return arrow

    def figure(self, value: float | None, count: int | None, decimals: int = 0) -> str:
        """Any other number derived from ``count`` (a target, an average), hidden with it."""
        if value is None:
            return "–"
        if self.hides(count):
            return self.hidden_word(count)
        return f"{value:,.{decimals}f}"

    def shows_cell(self, total: int) -> bool:
        """Whether a map cell or a hotspot row with ``total`` incidents may be shown at all.

        Public outputs leave out cell-level detail below the threshold entirely (a hexagon with 2
        incidents in it is nearly an address).
        """
        return not self.public or total >= self.threshold
