"""What data a pack rests on: per layer, where it came from, the months it covers, whether it is synthetic.

Why it matters: a partner reading "fires down 40%" must be able to see that fire data stops two months
earlier than crime data, or that a layer is the synthetic demo. The cover page lists these rows, and the
headline table refuses to compare a quarter that a layer's data does not fully cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

import config
from geo.rates import Period, month_end, month_start
from store import Store


@dataclass(frozen=True)
class LayerSource:
    """One layer's data in the store."""

    layer: str
    label: str
    description: str
    sources: tuple[str, ...]  # import sources, e.g. ("police-csv",) or ("demo",)
    first: date
    last: date
    synthetic: bool

    @property
    def latest_month(self) -> date:
        return month_start(self.last)

    def covers(self, period: Period) -> bool:
        """True when the layer's data runs over the whole period (so a count for it is complete).

        Month-dated rows (police.uk) carry the 1st of the month, so coverage is judged by month.
        """
        return month_start(self.first) <= period.start and period.end <= month_end(self.last)


def layer_sources(store: Store) -> dict[str, LayerSource]:
    """Layer id -> its data in the store, in the layers file's order (layers with no rows are absent)."""
    frame = store.query(
        "SELECT i.layer, string_agg(DISTINCT m.source, ', ' ORDER BY m.source) AS sources, "
        "bool_or(m.synthetic) AS synthetic, min(i.date) AS first, max(i.date) AS last "
        "FROM incidents i JOIN imports m USING (import_id) WHERE m.status = 'complete' GROUP BY i.layer"
    )
    specs = config.layers()
    by_layer = {r.layer: r for r in frame.itertuples(index=False)}
    out: dict[str, LayerSource] = {}
    for lid in [*specs, *sorted(set(by_layer) - set(specs))]:
        row = by_layer.get(lid)
        if row is None:
            continue
        spec = specs.get(lid)
        out[lid] = LayerSource(
            layer=lid,
            label=spec.label if spec else lid,
            description=spec.description if spec else "",
            sources=tuple(s.strip() for s in str(row.sources).split(",")),
            first=pd.Timestamp(row.first).date(),
            last=pd.Timestamp(row.last).date(),
            synthetic=bool(row.synthetic),
        )
    return out


def latest_month(sources: dict[str, LayerSource]) -> date | None:
    """The newest month any layer has data for (what "the last complete quarter" is judged against)."""
    return max((s.latest_month for s in sources.values()), default=None)


def earliest_month(sources: dict[str, LayerSource]) -> date | None:
    return min((month_start(s.first) for s in sources.values()), default=None)
