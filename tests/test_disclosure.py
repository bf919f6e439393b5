"""Secondary suppression (geo.disclosure) on hand-worked tables, and the attack's own checks.

Every expected decision below is worked out by hand from the rule in the module docstring; the attack
(tests/disclosure_attack.py) is checked on tables whose hidden values it must and must not recover.
"""

from __future__ import annotations

import pandas as pd
import pytest

from briefing.suppression import Disclosure
from geo import public_map
from geo.disclosure import Table, Withheld, protect
from tests.disclosure_attack import Attack


def states(table: Table, threshold: int = 5) -> dict:
    decided = protect(table, threshold)
    return {k: decided.state(k) for k in table.values}


def test_a_lone_small_ward_takes_its_smallest_neighbour_with_it() -> None:
    # district 40 = wards 2 + 8 + 30: the 2 alone would be 40 - 8 - 30; the smallest other ward (8) goes too
    t = Table()
    for key, value in {"d": 40, "a": 2, "b": 8, "c": 30}.items():
        t.add(key, value)
    t.add_sum("d", ["a", "b", "c"])
    assert states(t) == {"d": "shown", "a": "small", "b": "hidden", "c": "shown"}


def test_two_small_parts_adding_to_a_small_sum_are_not_enough() -> None:
    # 20 = 1 + 2 + 17: hiding 1 and 2 leaves their sum 3 = 20 - 17, a small count: 17 is hidden too
    t = Table()
    for key, value in {"d": 20, "a": 1, "b": 2, "c": 17}.items():
        t.add(key, value)
    t.add_sum("d", ["a", "b", "c"])
    assert states(t) == {"d": "shown", "a": "small", "b": "small", "c": "hidden"}


def test_two_small_parts_adding_to_six_are_safe() -> None:
    # 6 = 3 + 3: each is 1 to 4 and they add to 6, so each is 2, 3 or 4: nothing more to hide
    t = Table()
    for key, value in {"d": 6, "a": 3, "b": 3}.items():
        t.add(key, value)
    t.add_sum("d", ["a", "b"])
    assert states(t) == {"d": "shown", "a": "small", "b": "small"}


def test_two_fours_making_eight_are_pinned_so_the_total_goes() -> None:
    # 8 = 4 + 4 + 0: two "fewer than 5" adding to 8 can only be 4 and 4; no non-zero part is left to hide,
    # so the total is hidden (a zero is never hidden: it identifies nobody and gives nothing away here)
    t = Table()
    for key, value in {"d": 8, "a": 4, "b": 4, "z": 0}.items():
        t.add(key, value)
    t.add_sum("d", ["a", "b", "z"])
    assert states(t) == {"d": "hidden", "a": "small", "b": "small", "z": "shown"}


def test_a_zero_beside_a_small_count_does_not_give_it_away_through_the_level_above() -> None:
    # Kirklees 23 = D 3 + E 20; D 3 = a 3 + z 0. D is 3 = 23 - 20, so E is hidden; E = f 10 + g 10 would
    # give E back, so one of them goes too
    t = Table()
    for key, value in {"K": 23, "D": 3, "E": 20, "a": 3, "z": 0, "f": 10, "g": 10}.items():
        t.add(key, value)
    t.add_sum("K", ["D", "E"])
    t.add_sum("D", ["a", "z"])
    t.add_sum("E", ["f", "g"])
    got = states(t)
    assert got["D"] == got["a"] == "small" and got["z"] == "shown" and got["E"] == "hidden"
    assert [got["f"], got["g"]].count("hidden") == 1 and got["K"] == "shown"


def test_four_ones_under_a_small_total_are_shown_as_not_shown() -> None:
    # 4 = 1 + 1 + 1 + 1: four parts of at least 1 make at least 4, so a "fewer than 5" total is 4 and each
    # part 1. Nothing shown is left to hide, so the total is printed "not shown" (no upper bound)
    t = Table()
    for key, value in {"d": 4, "a": 1, "b": 1, "c": 1, "e": 1}.items():
        t.add(key, value)
    t.add_sum("d", ["a", "b", "c", "e"])
    assert states(t) == {"d": "hidden", "a": "small", "b": "small", "c": "small", "e": "small"}


def test_an_unseen_rest_may_be_derived_when_it_is_large_but_not_when_small() -> None:
    for rest, expected in ((30, "shown"), (3, "hidden")):
        t = Table()
        for key, value in {"layer": 60 + rest, "measure": 60}.items():
            t.add(key, value)
        t.add("rest", rest, unseen=True)
        t.add_sum("layer", ["measure", "rest"])
        assert states(t)["measure"] == expected


def test_prefer_total_hides_a_row_total_before_its_parts() -> None:
    t = Table()
    for key, value in {"row": 22, "crime": 20, "asb": 2}.items():
        t.add(key, value)
    t.add_sum("row", ["crime", "asb"], prefer_total=True)
    assert states(t) == {"row": "hidden", "crime": "shown", "asb": "small"}


def test_a_sum_that_does_not_add_up_is_refused() -> None:
    t = Table()
    t.add("d", 10)
    t.add("a", 3)
    with pytest.raises(ValueError, match="not the sum"):
        t.add_sum("d", ["a"])
    with pytest.raises(ValueError, match="twice"):
        t.add("a", 4)


def test_withheld_counts_print_as_their_marker() -> None:
    public = Disclosure("public", 5)
    assert public.count(Withheld(12, small=False)) == "not shown"
    assert public.count(Withheld(3, small=True)) == "fewer than 5"
    assert public.rate(2.5, Withheld(12, small=False)) == "–"
    assert public.figure(7.0, Withheld(12, small=False)) == "not shown"
    assert Withheld(12, small=False) + 1 == 13  # still a number for sums and sorting


# ---- the attack itself ---------------------------------------------------------------------------------


def test_the_attack_recovers_what_primary_suppression_leaves_open() -> None:
    # district 40 printed, wards "fewer than 5", 8 and 30: the hidden ward is 40 - 8 - 30 = 2
    a = Attack()
    for name, text in {"d": "40", "a": "fewer than 5", "b": "8", "c": "30"}.items():
        a.read(name, text)
    a.sum("d", ["a", "b", "c"])
    assert a.solve().recovered == {"a": 2}


def test_the_attack_uses_bounds_two_fours_and_small_sums() -> None:
    a = Attack()
    for name, text in {"d": "8", "a": "fewer than 5", "b": "fewer than 5", "z": "0"}.items():
        a.read(name, text)
    a.sum("d", ["a", "b", "z"])
    assert a.solve().recovered == {"a": 4, "b": 4}
    a = Attack()
    for name, text in {"d": "20", "a": "fewer than 5", "b": "fewer than 5", "c": "17"}.items():
        a.read(name, text)
    a.sum("d", ["a", "b", "c"])
    found = a.solve()
    assert found.recovered == {} and found.small_sums == [("d", 3)]


def test_the_attack_follows_chains_of_sums() -> None:
    # two 4-cycles joined by one hidden cell in a 4 x 4 table: every row and column has two hidden cells,
    # yet the joining cell is the first block's row totals minus its column totals
    a = Attack()
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)}
    cells = {(r, c): 5 + r + c for r in range(4) for c in range(4)}
    for (r, c), v in cells.items():
        a.read(f"{r}{c}", "not shown" if (r, c) in hidden else str(v))
    for r in range(4):
        a.read(f"r{r}", str(sum(cells[r, c] for c in range(4))))
        a.sum(f"r{r}", [f"{r}{c}" for c in range(4)])
    for c in range(4):
        a.read(f"c{c}", str(sum(cells[r, c] for r in range(4))))
        a.sum(f"c{c}", [f"{r}{c}" for r in range(4)])
    assert a.solve().recovered == {"02": cells[0, 2]}


def test_a_cell_fixed_by_several_sums_at_once_is_protected() -> None:
    # the joined-blocks table with its nine cells small (3): each row and column has two of them, which
    # passes every sum checked alone, yet the attack recovers the joining cell; protect must hide more
    small = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)}
    cells = {(r, c): 3 if (r, c) in small else 10 + r + c for r in range(4) for c in range(4)}
    t = Table()
    for key, v in cells.items():
        t.add(key, v)
    for r in range(4):
        t.add(("r", r), sum(cells[r, c] for c in range(4)))
        t.add_sum(("r", r), [(r, c) for c in range(4)])
    for c in range(4):
        t.add(("c", c), sum(cells[r, c] for r in range(4)))
        t.add_sum(("c", c), [(r, c) for r in range(4)])
    d = Disclosure("public", 5)

    def attack(decided) -> object:
        a = Attack()
        for key in t.values:
            a.read(str(key), d.count(decided.mark(key)) if decided else d.count(t.values[key]))
        for s in t.sums:
            a.sum(str(s.total), [str(p) for p in s.parts])
        return a.solve()

    assert attack(None).recovered == {"(0, 2)": 3}  # primary suppression alone
    found = attack(protect(t, 5))
    assert not found.recovered and not found.small_sums


# ---- the public map ------------------------------------------------------------------------------------


def test_public_map_merges_small_hexagons_and_hides_what_the_wards_would_give_away() -> None:
    # Kirklees = district D = wards w1 (12 crimes) + w2 (3). Hexagons: c1 7 and c2 5 in w1, c3 3 in w2.
    # c3 (3) is never drawn; drawing c1 and c2 would leave the hexagons not drawn holding 15 - 12 = 3, a
    # small count, so the smaller drawn one (c2) is merged too. w2 (3) is small and D - w1 would give it
    # back, so w1 is hidden with it; w1's total of layers is then w1's crime alone, so it goes as well.
    now = pd.DataFrame(
        {"district": ["D", "D"], "ward_code": ["w1", "w2"], "layer": ["crime"] * 2, "n": [12, 3]}
    )
    hexes = pd.DataFrame({"cell": [1, 2, 3], "layer": ["crime"] * 3, "n": [7, 5, 3]})
    got = public_map.decide(
        now, None, {"w1": "D", "w2": "D"}, ["crime"], [], False, hexes, "cell", public_map.KIRKLEES, 5
    )
    assert got.drawn == {1}
    state = got.decided.state
    assert state((("ward", "w2"), "crime", "now")) == "small"
    assert state((("ward", "w1"), "crime", "now")) == "hidden"
    assert state((("ward", "w1"), public_map.ALL, "now")) == "hidden"
    assert state((("district", "D"), "crime", "now")) == "shown"
    assert state((public_map.KIRKLEES, public_map.ALL, "now")) == "shown"
    assert state(("hex", 1, public_map.ALL)) == "shown"
