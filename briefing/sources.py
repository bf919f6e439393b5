"""What data a pack rests on: per layer, where it came from, the months it covers, whether it is synthetic.

Why it matters: a partner reading "fires down 40%" must be able to see that fire data stops two months
earlier than crime data, that a month in the middle was never loaded, or that a layer is the synthetic
demo. The months are those the imports vouch for (:meth:`store.Store.coverage`), not the span between
the first and last date stored. The cover page lists these rows, and the headline table refuses to count
or compare a quarter that a layer's data does not fully cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

import config
from geo.coverage import Coverage
from geo.rates import Period, month_end, month_start
from store import Store


@dataclass(frozen=True)
class LayerSource:
    """One layer's data in the store: the months its imports cover, and where they came from."""

    layer: str
    label: str
    description: str
    sources: tuple[str, ...]  # import sources, e.g. ("police-csv",) or ("demo",)
    months: frozenset[date]  # first day of every month the layer's imports cover
    synthetic: bool

    @property
    def first(self) -> date:
        """First day of the earliest covered month."""
        return min(self.months)

    @property
    def last(self) -> date:
        """Last day of the latest covered month."""
        return month_end(max(self.months))

    @property
    def latest_month(self) -> date:
        return max(self.months)

    def missing(self, period: Period) -> int:
        """Months of the period this layer has no data for (0: a count over it is complete)."""
        return Coverage({self.layer: self.months}).missing(period)

    def covers(self, period: Period) -> bool:
        """True when the layer's data covers every month of the period (so a count for it is complete).

        Judged month by month from what the imports vouch for, never from the first and last date stored:
        a month nobody loaded is "no data", not zero.
        """
        return self.missing(period) == 0

    @property
    def gaps(self) -> int:
        """Months between the first and latest covered month that have no data."""
        return Period(self.first, self.last).months - len(self.months)


def layer_sources(store: Store) -> dict[str, LayerSource]:
    """Layer id -> its data in the store, in the layers file's order (layers with no data are absent)."""
    frame = store.coverage()
    specs = config.layers()
    out: dict[str, LayerSource] = {}
    present = set(frame["layer"])
    for lid in [*(lid for lid in specs if lid in present), *sorted(present - set(specs))]:
        rows = frame[frame["layer"] == lid]
        spec = specs.get(lid)
        names = sorted({name.strip() for text in rows["sources"] for name in str(text).split(",")})
        out[lid] = LayerSource(
            layer=lid,
            label=spec.label if spec else lid,
            description=spec.description if spec else "",
            sources=tuple(names),
            months=frozenset(month_start(pd.Timestamp(m).date()) for m in rows["month"]),
            synthetic=bool(rows["synthetic"].any()),
        )
    return out


def coverage_of(sources: dict[str, LayerSource]) -> Coverage:
    """The layers' months as a :class:`geo.coverage.Coverage`, for windows and labels."""
    return Coverage({lid: s.months for lid, s in sources.items()})


def latest_month(sources: dict[str, LayerSource]) -> date | None:
    """The newest month any layer has data for (what "the last complete quarter" is judged against)."""
    return max((s.latest_month for s in sources.values()), default=None)


def earliest_month(sources: dict[str, LayerSource]) -> date | None:
    return min((s.first for s in sources.values()), default=None)
