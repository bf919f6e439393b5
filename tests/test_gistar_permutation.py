"""Hot spots need evidence: permutation p-values as esda's, no hot spot without incidents, a minimum count.

References are independent of the code under test: PySAL esda's own ``G_Local(..., permutations=999)``,
the exact permutation distribution worked out by counting (small grid), planted truths (points spread
uniformly at random; a planted cluster), and the normal approximation the issue found wanting.
"""

from __future__ import annotations

import time
import warnings
from math import comb

import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats

import config
from geo.action_days import too_few_incidents
from geo.gistar import confidence_bins, fdr_adjust, gi_star, gi_star_z, permutation_tails
from geo.grid import study_grid
from geo.hotspots import analyse
from geo.trends import emerging_hot_spots, time_slices
from layers.wards import shipped_wards

EVIDENCE = config.hotspot_settings()
MONTH = pd.Period("2025-06", "M")


@pytest.fixture(scope="module")
def wards():
    return shipped_wards()


@pytest.fixture(scope="module")
def borough(wards):
    """Kirklees at H3 resolution 9 (~4,600 cells): the real size of a hot-spot map."""
    return study_grid(wards, 9)


def _frame(grid, counts: np.ndarray, layer: str = "ksi") -> pd.DataFrame:
    """The store's count frame (one row per cell with incidents) for ``counts`` per grid cell in MONTH."""
    cells = np.flatnonzero(counts)
    return pd.DataFrame(
        {
            "cell": grid.cells[cells],
            "month": pd.Timestamp(MONTH.start_time),
            "layer": layer,
            "category": "Any",
            "n": counts[cells].astype(np.int64),
        }
    )


def _uniform_points(grid, points: int, seed: int) -> np.ndarray:
    """Counts per cell of ``points`` placed uniformly at random over the study area (each cell's chance is
    its area inside the boundary): complete spatial randomness."""
    chance = grid.inside_share * grid.areas_km2
    return np.random.default_rng(seed).multinomial(points, chance / chance.sum())


# ---- the same p-values as esda ---------------------------------------------------------------------------


def _esda_p_sim(values: np.ndarray, weights: sparse.csr_matrix, seed: int) -> np.ndarray:
    """esda's ``p_sim`` for Gi* with binary weights (self included), 999 permutations.

    A fresh libpysal W each call: esda's conditional randomisation zeroes the diagonal of ``W.sparse`` in
    place, so a W used twice would lose its self-weights.
    """
    from esda.getisord import G_Local
    from libpysal.weights import W

    lists = {
        i: weights.indices[weights.indptr[i] : weights.indptr[i + 1]].tolist()
        for i in range(weights.shape[0])
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(lists, silence_warnings=True)
        return G_Local(values, w, transform="B", star=True, permutations=999, seed=seed, n_jobs=1).p_sim


@pytest.mark.parametrize("kind", ["harm-weighted", "counts"])
def test_p_sim_agrees_with_esda_within_monte_carlo_error(wards, kind):
    """Per cell within 6 binomial standard errors, and no further from esda than esda is from itself.

    esda's ``p_sim`` folds to the cell's own tail: (min(draws >= real, draws < real) + 1) / 1,000. The
    same fold of our counts is compared; the two use different random streams, so each differs from the
    truth by Monte Carlo error and their difference has variance 2 p (1 - p) / 999.
    """
    grid = study_grid(wards, 9, district="Huddersfield")
    weights = grid.neighbours(1)
    rng = np.random.default_rng(8)
    if kind == "counts":  # many zeros and ties, like a real layer
        values = rng.poisson(rng.gamma(0.4, 3.0, len(grid))).astype(float)
    else:  # no ties: every tail rule agrees
        values = rng.gamma(0.3, 20.0, len(grid))
    r = 999
    tails = permutation_tails(values, weights, permutations=r, seed=5)
    ours = (np.minimum(tails.above, r - tails.above) + 1) / (r + 1)
    theirs, again = _esda_p_sim(values, weights, seed=1), _esda_p_sim(values, weights, seed=2)
    centre = np.maximum((ours + theirs) / 2, 1 / (r + 1))
    error = np.sqrt(2 * centre * (1 - centre) / r)
    worst = np.max(np.abs(ours - theirs) / error)
    print(f"{kind}: worst |ours - esda| = {worst:.2f} standard errors")
    assert worst <= 6
    assert np.mean(np.abs(ours - theirs)) <= 1.5 * np.mean(np.abs(again - theirs))
    assert theirs.min() <= 0.01  # some cells are far in a tail, so the comparison is not trivial


def _exact_tails(values: np.ndarray, weights: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Exact P(random total >= real) and P(random total <= real) per cell, by counting.

    The neighbours are ``c`` of the other ``n - 1`` cells chosen without repeats, every choice equally
    likely; ``ways[k, s]`` counts the ways to choose ``k`` of them adding up to ``s`` (integer values).
    """
    n = len(values)
    others = weights - sparse.diags(weights.diagonal())
    size = np.diff(sparse.csr_matrix(others).indptr)
    real = others @ values
    hot, cold = np.zeros(n), np.zeros(n)
    for i in range(n):
        rest = np.delete(values, i).astype(int)
        c, top = int(size[i]), int(rest.sum())
        ways = np.zeros((c + 1, top + 1))
        ways[0, 0] = 1
        for v in rest:
            for k in range(c, 0, -1):
                ways[k, v:] += ways[k - 1, : top + 1 - v]
        chance = ways[c] / comb(n - 1, c)
        hot[i], cold[i] = chance[int(real[i]) :].sum(), chance[: int(real[i]) + 1].sum()
    return hot, cold


def test_tails_match_the_exact_permutation_distribution(wards):
    """With many permutations both tails converge on the exact answer, ties counted on both sides."""
    grid = study_grid(wards, 7)
    weights = grid.neighbours(1)
    values = np.random.default_rng(2).poisson(np.random.default_rng(3).gamma(0.5, 3, len(grid))).astype(float)
    values[weights[len(grid) // 2].indices] += 6  # one busy neighbourhood, far in the hot tail
    hot, cold = _exact_tails(values, weights)
    r = 200_000
    tails = permutation_tails(values, weights, permutations=r, seed=3)
    for exact, counted in ((hot, tails.above), (cold, tails.below)):
        error = np.sqrt(np.maximum(exact * (1 - exact), 1 / r) / r)
        assert np.max(np.abs(counted / r - exact) / error) <= 5
    assert ((hot < 0.01) | (cold < 0.01)).any() and ((hot > 0.5) & (cold > 0.5)).any()  # tails and ties


def test_same_seed_same_answer_and_slices_scored_alike(wards):
    grid = study_grid(wards, 8)
    weights = grid.neighbours(1)
    values = np.random.default_rng(4).poisson(2.0, (len(grid), 3)).astype(float)
    first = permutation_tails(values, weights, seed=11)
    np.testing.assert_array_equal(first.above, permutation_tails(values, weights, seed=11).above)
    for j in range(3):  # a slice is scored as it would be on its own (same draws, same seed)
        alone = permutation_tails(values[:, j], weights, seed=11)
        np.testing.assert_array_equal(first.above[:, j], alone.above)
        np.testing.assert_array_equal(first.below[:, j], alone.below)


def test_31000_cells_take_well_under_two_seconds(wards):
    """The requirement: about 2 s or less for ~31,000 cells with k = 1, at the app's permutations."""
    grid = study_grid(wards, 10)
    weights = grid.neighbours(1)
    values = np.random.default_rng(6).poisson(0.3, len(grid)).astype(float)
    start = time.perf_counter()
    gi_star(values, weights, permutations=EVIDENCE.permutations, seed=EVIDENCE.seed)
    took = time.perf_counter() - start
    print(f"{len(grid):,} cells, {EVIDENCE.permutations:,} permutations: {took:.2f} s")
    assert len(grid) > 30_000 and took < 2.0


# ---- sparse layers ---------------------------------------------------------------------------------------


def test_sparse_layer_has_no_hot_cell_without_incidents(borough):
    """40 isolated collisions on the borough grid: the normal approximation calls hundreds of empty cells
    hot spots; the permutation test with the no-incidents rule calls none."""
    counts = np.zeros(len(borough), dtype=np.int64)
    counts[np.random.default_rng(12).choice(len(borough), 40, replace=False)] = 1
    z = gi_star_z(counts, borough.neighbours(1))
    normal = confidence_bins(z, fdr_adjust(2 * stats.norm.sf(np.abs(z))))
    assert ((normal > 0) & (counts == 0)).sum() > 100  # the problem the issue found, reproduced

    result = analyse(_frame(borough, counts), borough, first=MONTH, last=MONTH)
    table = result.table
    assert not result.too_few and table["count"].sum() == 40
    assert not ((table["class_code"] > 0) & (table["count"] == 0)).any()
    assert (table["class_code"] > 0).sum() == 0  # isolated single collisions are not clusters


def test_no_hot_spot_without_incidents_however_busy_the_neighbours(borough):
    """An empty cell ringed by busy ones: its neighbourhood is extreme, but it is never classed hot."""
    weights = borough.neighbours(1)
    interior = np.flatnonzero(borough.interior(2))
    centre = int(interior[len(interior) // 2])
    values = _uniform_points(borough, 2_000, seed=1).astype(float)
    values[weights[centre].indices] += 30
    values[centre] = 0
    result = gi_star(values, weights, permutations=EVIDENCE.permutations, seed=EVIDENCE.seed)
    assert result.p_fdr[centre] <= 0.05 and result.z[centre] > 0  # the evidence is there...
    assert result.bins[centre] == 0 and not result.hot(0.05)[centre]  # ...but nothing happened here
    assert (result.bins[np.setdiff1d(weights[centre].indices, [centre])] >= 2).all()  # the busy ring is hot


@pytest.mark.parametrize(("points", "seeds"), [(60, 10), (300, 10), (20_000, 5)])
def test_complete_spatial_randomness_flags_at_most_5_percent(borough, points, seeds):
    """Points uniformly at random: at 95% after FDR at most 5% of cells flagged, for every seed - sparse
    (60, 300 points: mostly empty neighbourhoods, which a wrong tie rule would call cold) and busy."""
    weights, interior = borough.neighbours(1), borough.interior(1)
    shares = []
    for seed in range(seeds):
        counts = _uniform_points(borough, points, seed)
        result = gi_star(
            counts, weights, cold_allowed=interior, permutations=EVIDENCE.permutations, seed=EVIDENCE.seed
        )
        shares.append(float((np.abs(result.bins) >= 2).mean()))
    print(f"{points:,} points: flagged share max {max(shares):.4f}")
    assert max(shares) <= 0.05


def _cluster(weights: sparse.csr_matrix, centre: int, size: int) -> np.ndarray:
    """``centre`` first, then its whole ring (size 7) or two ring cells touching each other (size 3)."""
    ring = np.setdiff1d(weights[centre].indices, [centre])
    if size == 7:
        return np.r_[centre, ring]
    return np.array([centre, ring[0], next(c for c in ring[1:] if c in weights[ring[0]].indices)])


@pytest.mark.parametrize(("background", "extra", "size"), [(3_000, 12, 7), (100, 8, 3)])
def test_a_planted_cluster_is_still_found(borough, background, extra, size):
    """A busy cluster planted in random background - dense, or sparse like KSI (24 collisions on three
    touching hexagons among 100) - is hot at 95% or more in every one of its cells, and nothing is hot
    more than two steps away from it."""
    weights, near = borough.neighbours(1), borough.neighbours(2)
    interior = np.flatnonzero(borough.interior(2))
    for seed in range(3):
        rng = np.random.default_rng(seed)
        counts = _uniform_points(borough, background, seed + 100)
        cluster = _cluster(weights, int(rng.choice(interior)), size)
        centre = cluster[0]
        counts[cluster] += extra
        table = analyse(_frame(borough, counts), borough, first=MONTH, last=MONTH).table
        assert (table["class_code"].to_numpy()[cluster] >= 2).all()
        far = np.ones(len(borough), dtype=bool)
        far[near[centre].indices] = False
        assert not (table["class_code"].to_numpy()[far] > 0).any()


def test_trend_slices_never_hot_without_incidents(borough):
    """The emerging-hotspot slices use the same rules: an empty cell with busy neighbours is never hot."""
    weights = borough.neighbours(1)
    slices = time_slices(MONTH)
    interior = np.flatnonzero(borough.interior(2))
    centre = int(interior[len(interior) // 3])
    values = np.column_stack([_uniform_points(borough, 500, s) for s in range(len(slices))]).astype(float)
    values[weights[centre].indices] += 20
    values[centre] = 0
    emerging = emerging_hot_spots(values, weights, slices)
    ring = np.setdiff1d(weights[centre].indices, [centre])
    assert emerging.hot[ring].all()  # the busy ring is hot in every slice
    assert not emerging.hot[centre].any() and emerging.classes[centre] == "No pattern detected"


# ---- too few incidents -----------------------------------------------------------------------------------


def test_too_few_incidents_draws_no_classes(borough):
    """One incident short of the minimum: every class "Not significant" and the reason given, though the
    same cells are significant once the minimum is reached."""
    assert EVIDENCE.min_incidents >= 2
    weights = borough.neighbours(1)
    centre = int(np.flatnonzero(borough.interior(2))[0])
    counts = np.zeros(len(borough), dtype=np.int64)
    cluster = weights[centre].indices
    for i in range(EVIDENCE.min_incidents):  # all in one neighbourhood: as clustered as it gets
        counts[cluster[i % len(cluster)]] += 1

    enough = analyse(_frame(borough, counts), borough, first=MONTH, last=MONTH)
    assert not enough.too_few and enough.too_few_message == ""
    assert (enough.table["class_code"] > 0).any() and enough.hot_at(0.05).any()

    counts[cluster[0]] -= 1
    short = analyse(_frame(borough, counts), borough, first=MONTH, last=MONTH)
    assert short.too_few and short.incidents == EVIDENCE.min_incidents - 1
    assert (short.table["class"] == "Not significant").all() and short.hot_cells().empty
    assert not short.hot_at(0.05).any() and short.gi.hot(0.05).any()  # the rule, not the data, blanks it
    assert short.too_few_message.startswith("Too few incidents to find hot spots")
    assert f"fewer than {EVIDENCE.min_incidents}" in short.too_few_message


def test_action_days_use_the_same_minimum():
    rows = pd.DataFrame({"weight": np.ones(EVIDENCE.min_incidents)})
    assert too_few_incidents(rows) == ""
    message = too_few_incidents(rows.iloc[1:])
    assert message.startswith("Too few incidents") and f"fewer than {EVIDENCE.min_incidents}" in message


@pytest.fixture
def hotspot_section(monkeypatch: pytest.MonkeyPatch):
    """Swap the parsed settings for a ``[hotspots]`` section; the cached accessor is reset either way."""

    def use(section: dict) -> None:
        monkeypatch.setattr(config, "settings", lambda: {"hotspots": section})
        config.hotspot_settings.cache_clear()

    yield use
    monkeypatch.undo()
    config.hotspot_settings.cache_clear()


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"min_incidents": 30, "permutations": 0, "seed": 1}, "permutations"),
        ({"min_incidents": "30", "permutations": 999, "seed": 1}, "min_incidents"),
        ({"min_incidents": 30, "permutations": 999}, "seed"),
    ],
)
def test_a_wrong_setting_is_one_clear_sentence(hotspot_section, section, key):
    hotspot_section(section)
    with pytest.raises(ValueError, match=rf"settings\.toml: \[hotspots\] {key} must be a whole number"):
        config.hotspot_settings()
