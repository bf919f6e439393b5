"""Can the loaded data answer a figure at all, and which layers may be added together in one figure?

Two rules that keep figures true on real data. They are pure (no store, no Streamlit) and live below
``briefing/`` and ``views/`` so that the scorecard, the packs, the action-day picker, the pages and the
command line all apply the same rule:

1. **Not measured.** A Partnership Plan measure, or a part of an action-day preset, counts one layer,
   perhaps narrowed to some categories. police.uk publishes anti-social behaviour with no kind, so every
   police.uk ASB record is "Unclassified": a "nuisance ASB" measure counted on them would read 0, and 0
   against a "below" target reads Green. So a figure is *measured* only when some loaded record of its
   layer is in one of its categories; otherwise it reads "not measured: needs <what>" (the layer's
   ``needs`` in ``data/layers.toml``) and gets no count, no RAG and no arrow. What is loaded is read from
   the records themselves (which categories the store's records of each layer carry), never assumed from
   a layer's name, so the rule holds for any source a partner loads later. It is asked of the whole
   store, not of one period or place: a ward with no nuisance reports in a quarter has a true 0, and
   whether a month is covered at all is the coverage rule's question ("no data"), not this one's. A
   category that a source could carry but that no stored record has (robbery in a store holding one
   street's crimes) also reads "not measured": that errs towards saying too little, never towards a 0
   that reads Green, and on real borough data every police.uk crime type occurs every month.
2. **Never counted twice.** Two layers can hold the same reports from two sources: the council's typed
   ASB case records and police.uk ASB (``same_reports_as`` in ``data/layers.toml``). Each has its own
   rows in every table, but a figure that adds layers together (the map's total, the harm-weighted
   hotspots, an action-day score, a summary total) would count such a report twice. When both layers
   hold records, such a figure keeps the declaring layer - it carries the kind of ASB, and so the kind's
   harm weight - and leaves the other out, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import pandas as pd

import config

#: What a figure reads instead of a number when no loaded source can answer it.
NOT_MEASURED = "not measured"

#: layer id -> the categories its loaded records carry
Loaded = Mapping[str, frozenset[str]]
#: Categories a "not measured" sentence names, at most (police.uk crime has 14).
MAX_NAMED = 4


def layer_label(layer: str) -> str:
    """The layer's name for people (its label in ``data/layers.toml``, else its id)."""
    spec = config.layers().get(layer)
    return spec.label if spec else layer


def part_label(layer: str, category: str | None) -> str:
    """The name a figure of ``layer`` (narrowed to ``category``) is reported under: the category alone
    (it says where it came from), except in a layer holding the same kind of reports as another layer
    (ASB from police.uk and from the council), where the layer - and so the source - is named too."""
    if category is None:
        return layer_label(layer)
    specs = config.layers()
    shared = layer in specs and (
        specs[layer].same_reports_as is not None or any(s.same_reports_as == layer for s in specs.values())
    )
    return f"{layer_label(layer)} - {category}" if shared else category


def loaded_categories(counts: pd.DataFrame) -> dict[str, frozenset[str]]:
    """What the loaded records carry, from counts with columns ``layer``, ``category`` and ``n``."""
    present = counts[counts["n"] > 0]
    return {str(layer): frozenset(map(str, rows["category"])) for layer, rows in present.groupby("layer")}


def not_measured(layer: str, categories: Iterable[str] | None, loaded: Loaded) -> str | None:
    """None when a loaded record of ``layer`` is in ``categories`` (any category when None); else the
    words the figure shows instead, "not measured: needs ...".

    A layer with no records at all needs its source (the layer's ``needs``); a layer whose records carry
    other categories only (police.uk ASB, all "Unclassified") needs records of the wanted kind.
    """
    carried = loaded.get(layer, frozenset())
    wanted = None if categories is None else tuple(categories)
    if carried and (wanted is None or carried.intersection(wanted)):
        return None
    spec = config.layers().get(layer)
    label = layer_label(layer)
    if not carried:
        what = spec.needs if spec is not None and spec.needs else f"{label} records"
    else:
        kinds = " / ".join(wanted or ())
        shown = sorted(carried)[:MAX_NAMED]
        more = f" and {len(carried) - len(shown)} more" if len(carried) > len(shown) else ""
        what = f"{label} records of kind {kinds} (the records loaded are all {', '.join(shown)}{more})"
    return f"{NOT_MEASURED}: needs {what}"


def combinable(layers: Iterable[str], loaded: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the layers a figure may add together, in the given order; one note per layer left out).

    ``loaded`` are the layers holding records: a layer is left out only when the layer declaring the same
    reports is both chosen and loaded, so a store with police.uk ASB alone keeps it.
    """
    specs = config.layers()
    chosen = list(dict.fromkeys(layers))
    left_out: dict[str, str] = {}  # layer left out -> the layer kept in its place
    for lid in chosen:
        other = specs[lid].same_reports_as if lid in specs else None
        if other in chosen and lid in loaded and other in loaded and lid not in left_out:
            left_out[other] = lid
    notes = tuple(
        f"{layer_label(out)} is left out of figures that add layers together: {layer_label(kept)} holds the "
        "same reports from another source, and adding the two would count each report twice."
        for out, kept in left_out.items()
    )
    return tuple(lid for lid in chosen if lid not in left_out), notes
