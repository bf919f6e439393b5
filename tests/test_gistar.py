"""Gi*: identical to PySAL esda, correct classes and FDR, and honest under complete spatial randomness."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import sparse, stats

from geo.gistar import CLASS_LABELS, class_labels, confidence_bins, gi_star, gi_star_z
from geo.grid import study_grid
from layers.wards import shipped_wards


@pytest.fixture(scope="module")
def wards():
    return shipped_wards()


def _esda_z(values: np.ndarray, weights: sparse.csr_matrix, *, with_self: bool) -> np.ndarray:
    """esda's Gi* z from a libpysal W built out of our neighbour lists.

    esda's star convention: with ``star=True`` and binary weights, a W with an empty diagonal gets a
    self-weight of 1 (``fill_diagonal``), and a W that already has one is used as it is. Both must match.
    """
    from esda.getisord import G_Local
    from libpysal.weights import W

    lists = {
        i: weights.indices[weights.indptr[i] : weights.indptr[i + 1]].tolist()
        for i in range(weights.shape[0])
    }
    if not with_self:
        lists = {i: [j for j in nbrs if j != i] for i, nbrs in lists.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(lists, silence_warnings=True)
        return G_Local(values, w, transform="B", star=True, permutations=0).Zs


@pytest.mark.parametrize(
    ("res", "k", "district"),
    [
        (7, 1, None),
        (8, 1, None),
        (8, 2, None),
        (9, 1, "Huddersfield"),
        (9, 3, "Dewsbury & Mirfield"),
        (9, 1, None),
    ],
)
def test_z_equals_esda(wards, res, k, district):
    grid = study_grid(wards, res, district=district)
    weights = grid.neighbours(k)
    rng = np.random.default_rng(res * 10 + k)
    # over-dispersed counts with many zeros, plus one planted busy neighbourhood
    values = rng.poisson(rng.gamma(0.4, 3.0, len(grid))).astype(float)
    centre = int(rng.integers(len(grid)))
    values[weights[centre].indices] += 15
    ours = gi_star_z(values, weights)
    for with_self in (True, False):
        theirs = _esda_z(values, weights, with_self=with_self)
        assert np.max(np.abs(ours - theirs)) <= 1e-9, f"res {res} k {k}: |dz| {np.max(np.abs(ours - theirs))}"
    assert np.abs(ours).max() > 3  # the planted cells make the comparison non-trivial


def test_z_equals_esda_for_harm_weighted_values(wards):
    grid = study_grid(wards, 8)
    weights = grid.neighbours(1)
    values = np.random.default_rng(3).gamma(0.3, 20.0, len(grid))
    assert np.max(np.abs(gi_star_z(values, weights) - _esda_z(values, weights, with_self=True))) <= 1e-9


def test_slices_are_scored_like_separate_columns(wards):
    grid = study_grid(wards, 8)
    weights = grid.neighbours(1)
    values = np.random.default_rng(5).poisson(2.0, (len(grid), 4)).astype(float)
    together = gi_star_z(values, weights)
    for j in range(values.shape[1]):
        np.testing.assert_allclose(together[:, j], gi_star_z(values[:, j], weights), rtol=0, atol=1e-12)


def test_hand_worked_example():
    # A path of 5 cells, each its own neighbour plus the cells either side; values 0 0 0 0 10.
    # n = 5, mean 2, population sd 4; neighbourhood sizes 2 3 3 3 2; neighbourhood sums 0 0 0 10 10.
    # Cell 1: (0 - 2*2) / (4 * sqrt((5*2 - 4)/4)) = -4 / 4.899 = -sqrt(2/3), and so on.
    path = np.eye(5) + np.eye(5, k=1) + np.eye(5, k=-1)
    z = gi_star_z(np.array([0, 0, 0, 0, 10.0]), sparse.csr_matrix(path))
    a, b = np.sqrt(2 / 3), np.sqrt(3 / 2)
    np.testing.assert_allclose(z, [-a, -b, -b, a, b], rtol=0, atol=1e-12)


def test_constant_values_are_not_significant(wards):
    grid = study_grid(wards, 8)
    for value in (0.0, 3.0):
        result = gi_star(np.full(len(grid), value), grid.neighbours(1))
        assert np.all(result.z == 0)
        assert np.all(result.p == 1)
        assert set(result.labels) == {"Not significant"}


def test_fdr_and_classes():
    z = np.array([4.0, 2.7, 2.0, 1.7, 0.3, -1.7, -2.0, -2.7, -4.0])
    p = 2 * stats.norm.sf(np.abs(z))
    bins = confidence_bins(z, p)
    # raw p: 4.0 -> 99%, 2.7 -> 99% (p=0.0069), 2.0 -> 95% (0.0455), 1.7 -> 90% (0.089), 0.3 -> none
    assert bins.tolist() == [3, 3, 2, 1, 0, -1, -2, -3, -3]
    assert class_labels(bins)[0] == "Hot spot, 99% confidence"
    assert class_labels(bins)[4] == "Not significant"
    assert class_labels(bins)[-1] == "Cold spot, 99% confidence"
    assert list(CLASS_LABELS.values()) == [
        "Hot spot, 99% confidence",
        "Hot spot, 95% confidence",
        "Hot spot, 90% confidence",
        "Not significant",
        "Cold spot, 90% confidence",
        "Cold spot, 95% confidence",
        "Cold spot, 99% confidence",
    ]


def test_gi_star_uses_fdr_adjusted_p_for_classes(wards):
    grid = study_grid(wards, 8)
    weights = grid.neighbours(1)
    values = np.random.default_rng(11).poisson(3.0, len(grid)).astype(float)
    values[:3] += 30
    result = gi_star(values, weights)
    np.testing.assert_allclose(result.p_fdr, stats.false_discovery_control(result.p, method="bh"))
    np.testing.assert_array_equal(result.bins, confidence_bins(result.z, result.p_fdr))
    raw = gi_star(values, weights, fdr=False)
    assert (raw.bins != 0).sum() >= (result.bins != 0).sum()


def test_cold_spots_only_away_from_the_edge(wards):
    grid = study_grid(wards, 9)
    weights = grid.neighbours(1)
    interior = grid.interior(1)
    assert 0.5 < interior.mean() < 1.0
    values = np.zeros(len(grid))
    values[: len(grid) // 2] = 5.0  # half the area busy: the other half is genuinely cold
    free = gi_star(values, weights)
    guarded = gi_star(values, weights, cold_allowed=interior)
    np.testing.assert_array_equal(free.z, guarded.z)
    assert np.all(guarded.bins[~interior] >= 0)
    assert np.array_equal(guarded.bins[interior], free.bins[interior])
    assert (guarded.bins < 0).any()


def _csr_probabilities(grid) -> np.ndarray:
    """Chance that a point placed uniformly at random in the study area falls in each cell."""
    p = grid.inside_share * grid.areas_km2
    return p / p.sum()


@pytest.mark.parametrize(
    ("res", "k", "points"), [(8, 1, 40_000), (9, 1, 20_000), (9, 1, 400_000), (9, 2, 100_000)]
)
def test_complete_spatial_randomness_flags_at_most_5_percent(wards, res, k, points):
    """Points spread uniformly over the study area: at 95% after FDR, at most 5% of cells flagged, every seed.

    Counting uniform points per cell is a multinomial draw with each cell's chance proportional to its area
    inside the boundary, which is exactly complete spatial randomness over the area.
    """
    grid = study_grid(wards, res)
    weights = grid.neighbours(k)
    interior = grid.interior(k)
    p = _csr_probabilities(grid)
    shares = []
    for seed in range(40):
        counts = np.random.default_rng(seed).multinomial(points, p)
        result = gi_star(counts, weights, cold_allowed=interior)
        shares.append(float((np.abs(result.bins) >= 2).mean()))
    print(
        f"res {res} k {k} {points:,} points: flagged share max {max(shares):.4f} mean {np.mean(shares):.4f}"
    )
    assert max(shares) <= 0.05
