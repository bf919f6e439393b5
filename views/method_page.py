""" "How this is worked out": the hotspot, trend and harm rules in plain English.

The figures quoted (confidence bands, the 90% rule, slice counts, harm weights) are read from the code
and data files that apply them, so this page cannot drift from what the app does.
"""

from __future__ import annotations

import h3
import pandas as pd
import streamlit as st

import config
from geo.gistar import CLASS_LABELS, CONFIDENCE_BANDS
from geo.harm import UNLISTED_WEIGHT, default_weights, weights_table
from geo.hexgrid import RESOLUTIONS
from geo.monitoring import WDQ_MEANING
from geo.trends import DEFAULT_SLICES, MIN_SLICES, MOSTLY, NO_PATTERN, PATTERN_RULES

GRID = """
### 1. The hexagon grid
The area is divided into equal hexagons (Uber's H3 grid). Every hexagon that touches the chosen area
is included, **also the ones where nothing was recorded**: a quiet place is part of the picture, and
leaving it out would make everywhere else look quieter than it is. Each hexagon is named after the ward
that holds its centre (or the nearest ward, for a hexagon poking over the edge). An incident is counted
in the hexagon its map point lies in, at every hexagon size.
"""

EVIDENCE = config.hotspot_settings()

GISTAR = f"""
### 2. Is this place a hot spot? (Getis-Ord Gi*)
For each hexagon we add up the incidents in it **and in its neighbours** (the hexagons up to *k* steps
away; *k* = 1 means the six around it). We compare that total with what the same number of hexagons
would hold on average across the whole area, allowing for how uneven the area is overall. The result is
a **z-score**: how many "standard errors" above (hot) or below (cold) the average the neighbourhood is.
A single busy hexagon among quiet ones does not make a hot spot; a busy neighbourhood does.

How sure we are comes from a **p-value**: the chance of a neighbourhood at least this unusual if
incidents were spread without regard to place. We find it by trying it out: the hexagon keeps its own
count, and its neighbours are swapped for the same number of hexagons picked at random from the whole
area, **{EVIDENCE.permutations:,} times** (a *conditional permutation test*, as PySAL's `esda` computes
its `p_sim`). The p-value is the share of those random neighbourhoods at least as busy (or as quiet) as
the real one, doubled because we look both ways, for hot and for cold spots. Counting real random draws
matters when counts are small: the usual bell-curve shortcut made a single road collision in a quiet
area a "99%" hot spot together with its six neighbours. Because we test thousands of hexagons at once,
some would look unusual by luck alone, so the p-values are adjusted with the **Benjamini-Hochberg false
discovery rate** procedure: of the hexagons we call hot at 95% confidence, at most about 5% are expected
to be false alarms. The classes are:
"""

EDGE = f"""
**The edge of the area.** Incidents outside the chosen area are not counted, so hexagons at the edge
always look quieter than they are. A hexagon is therefore only called a **cold spot** when its whole
neighbourhood lies inside the area; at the edge it can be a hot spot or "Not significant", never cold.

**A hexagon where nothing happened is never a hot spot**, however busy its neighbours: a hot spot is a
place to send people to. **Too few incidents:** when the chosen layers, place and months hold fewer than
{EVIDENCE.min_incidents} incidents in all, no hot or cold spots are drawn and the page says "too few
incidents to find hot spots" - a handful of points is not a pattern. Briefing packs, Clear Hold Build and
the action-day picker follow the same two rules. (Both numbers are in `data/settings.toml`.)

The same numbers can be checked independently: the command `hotspots hotspots --json` writes every
hexagon's count, z-score and p-values, and the calculation gives exactly the same z-scores as the
standard research library (PySAL's `esda`).
"""

HARM = f"""
### 3. Harm-weighted score
Counting treats a robbery and a littering report alike. The harm-weighted score multiplies each
incident by a **weight for its category** and adds them up (a nuisance ASB incident = 1). The weights
come from the data file `data/layers.toml` and are inspired by crime-harm indices (which weigh offences
by typical sentence length), compressed because fly-tipping, fires and road deaths have no sentence. A
category without a weight counts {UNLISTED_WEIGHT:g}. On the Hotspots page you can change the weights for your
session only; the file is not changed. The weights in the file are:
"""

TRENDS = f"""
### 4. How is it changing? (emerging hot spots)
The months before the end of the chosen period are cut into time slices: by default the last
{DEFAULT_SLICES} months, or the last {DEFAULT_SLICES} whole quarters (at least {MIN_SLICES} slices are
needed). In every slice each hexagon gets its own hot spot test as above (95% confidence after the
false-discovery adjustment). Then the **Mann-Kendall test** looks at the hexagon's series of z-scores:
does it go up (or down) more consistently than chance would give? "Most of the time" below means in at
least {MOSTLY:.0%} of the slices. The classes follow Esri's ArcGIS Pro *Emerging Hot Spot Analysis*,
checked in this order (cold spots are the mirror image):
"""

TRUST = """
### 5. How far to trust the map
"How far to trust this map" on the Hotspots page draws the map from 12 months and checks it against the
3 months that followed. **Hit rate** is the share of those later incidents that fell in the flagged
hexagons; the **Predictive Accuracy Index** divides it by the share of the area flagged (1 = no better
than picking hexagons at random). Gi* is compared with two simpler ways of choosing the same number of
hexagons: the busiest hexagons by count, and a kernel density ("heat map") surface.

### 6. Things to keep in mind
* **No data is not zero.** Each file loaded covers certain months (a police.uk file one month, a
  STATS19 file a year). A month nobody loaded for a layer shows as "no data", never as 0; a change, arrow,
  trend or RAG rating is only given when both periods compared have data for every month (otherwise "not
  comparable: N months missing"); and every period says how many of its months have data ("2 of 12 months
  with data"). A Clear Hold Build area's crimes in the "last 3 / 12 months" count only the months loaded
  and say how many those were ("14 (11 of 12 months)": 14 crimes in the 11 months with data).
* **Every report counts.** police.uk lists each report as its own row, and several anti-social behaviour
  reports at one snapped map point can look identical: each is a separate report and each is counted.
* police.uk moves each crime to a nearby "snap point" to protect victims, so exact streets are
  approximate; the most common street shown for a hexagon is a guide to where to look.
* Small numbers swing a lot: a class based on a handful of incidents is fragile, and a fine grid
  (small hexagons) with few incidents finds few hot spots.
* A hot spot says where incidents cluster, not why. Repeat reports of the same dumping, for example,
  make fly-tipping look more concentrated than the dumping is.
* police.uk gives anti-social behaviour no type, so its reports ("ASB (police.uk)") are all
  "Unclassified". A measure or action-day part that needs a type - nuisance ASB, environmental ASB -
  counts the council's typed ASB records ("ASB (council records)", loaded on the Load data page). While
  no loaded data carries what a figure counts, it reads **"not measured: needs ..."** - never a 0, a RAG
  rating or an arrow.
* The two ASB sources record many of the same reports, so they are never added together: each keeps its
  own line, and a figure that adds layers (the map's total, the harm-weighted score, an action-day score)
  uses the council's records and leaves police.uk ASB out, with a note saying so.

### 7. What each layer counts
Each layer's definition, from `data/layers.toml` (for road collisions, which severity counts as "killed or
seriously injured"):
"""


PUBLIC = """
### 8. Small numbers in public outputs
A count of 1 to {top} in a small area can point to a person or a household (a victim, a burgled home), so
the public version of every page, pack and download - everything shown to someone who has not signed in
as a partner - follows one rule (the threshold, {threshold}, is `[suppression] public_min_count` in
`data/settings.toml`):

1. **Small counts** of 1 to {top} read **"fewer than {threshold}"**.
2. **Zero is shown.** Knowing that nothing happened identifies nobody. A zero still counts as a known
   figure when the sums below are checked, so it can never be what gives a hidden count away.
3. **Sums are checked.** Wherever a total and its parts are printed - a district and its wards, Kirklees
   and its districts, a quarter and its three months, the total of the layers and each layer, a hexagon's
   row in a table, a change "from" last year's figure - a reader could subtract. So another figure is
   hidden (**"not shown"**) whenever
   * only one figure of a sum is hidden (the total minus the others gives it back);
   * the hidden figures of a sum add up to 1 to {top} (the total minus the shown parts is itself a small
     count);
   * what a reader knows pins a hidden figure to one value (two "fewer than {threshold}" that make a shown
     8 must both be 4), also by following several sums at once, as someone with a spreadsheet would.

   The figure hidden next is the smallest one shown, so as little as possible is lost, and every sum is
   checked again until all pass. A "not shown" figure may be any number. Rates, changes, arrows, RAG
   ratings and targets built on a hidden figure are hidden with it.
4. **Maps** draw only hexagons with at least {threshold} incidents, each with its total; the rest are
   merged, never drawn one by one, and no incident is ever a point. Hot spot tables leave out hexagons
   with fewer than {threshold} incidents and give no z-scores (a hexagon's z-score is its neighbourhood's
   count in disguise).

On the map (for one choice of months and layers), on the scorecard and in the packs of one quarter, all
areas are decided together, so a district's figures read the same whichever district or ward you look at.
"""


DISPLACEMENT = """
### 9. Did a Clear Hold Build area work, or did crime move next door?
For each designated Clear Hold Build area, indicator crimes after each phase began are compared with the
months before it - in the area, in a ring around it and in the rest of the district. {meaning} The Clear
Hold Build page's "How areas and phases are worked out" gives every rule.
"""


def render() -> None:
    st.title("How this is worked out")
    st.markdown(GRID)
    st.dataframe(
        pd.DataFrame(
            {
                "Resolution": RESOLUTIONS,
                "Hexagon area (km²)": [round(h3.average_hexagon_area(r, "km^2"), 3) for r in RESOLUTIONS],
                "Used for": [
                    "very coarse overview",
                    "the whole borough (default)",
                    "a district or ward (default)",
                    "street level",
                ],
            }
        ),
        hide_index=True,
    )
    st.markdown(GISTAR)
    largest_p = {band: p for band, p, _ in CONFIDENCE_BANDS}
    rules = {
        code: "none of the above"
        if code == 0
        else f"z {'above' if code > 0 else 'below'} 0 and adjusted p-value at most {largest_p[abs(code)]:g}"
        + (" and at least one incident in the hexagon" if code > 0 else "")
        for code in CLASS_LABELS
    }
    st.dataframe(
        pd.DataFrame({"Class": list(CLASS_LABELS.values()), "Rule": [rules[c] for c in CLASS_LABELS]}),
        hide_index=True,
    )
    st.markdown(EDGE)
    st.markdown(HARM)
    weights = weights_table(default_weights())
    labels = {lid: spec.label for lid, spec in config.layers().items()}
    st.dataframe(
        weights.assign(layer=weights["layer"].map(labels).fillna(weights["layer"])).rename(
            columns={"layer": "Layer", "category": "Category", "weight": "Weight"}
        ),
        hide_index=True,
        width="stretch",
        height="content",  # a reference table: every weight on the page, no scrolling inside it
    )
    st.markdown(TRENDS)
    st.dataframe(
        pd.DataFrame(
            [{"Class": f"{name} hot spot", "Rule": rule} for name, rule in PATTERN_RULES.items()]
            + [{"Class": NO_PATTERN, "Rule": "none of the above (for hot or cold spots)"}]
        ),
        hide_index=True,
        width="stretch",
    )
    st.markdown(TRUST)
    st.dataframe(
        pd.DataFrame(
            [{"Layer": spec.label, "What it counts": spec.description} for spec in config.layers().values()]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(f"Layers and harm weights: data/layers.toml ({len(config.layers())} layers).")
    threshold = config.public_min_count()
    st.markdown(PUBLIC.format(threshold=threshold, top=threshold - 1))
    st.markdown(DISPLACEMENT.format(meaning=WDQ_MEANING))
