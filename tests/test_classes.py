"""Colour classes for the hexagon map (geo.classes): hand-worked head/tail breaks and quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.classes import HEADTAIL, QUANTILES, Classes, classes_for, headtail_lowers, nice


def test_nice_rounds_to_readable_steps() -> None:
    # by hand: 17 lies between 15 and 20, nearer 15; 44 nearest 40; 230 nearer 250 than 200
    assert [nice(17), nice(44), nice(230), nice(7.4), nice(0.3), nice(1_180)] == [15, 40, 250, 7, 1, 1_000]


def test_head_tail_breaks_worked_by_hand() -> None:
    values = [1, 1, 1, 1, 2, 2, 3, 4, 10, 25, 50, 100]
    # sum 200 over 12 values: mean 16.67; above it 25, 50, 100 (3 of 12 = 25%, a minority: split);
    # their mean 58.33; above it 100 (1 of 3 = 33%: split); one value left: stop
    assert headtail_lowers(np.array(values, dtype=float), 5) == pytest.approx([200 / 12, 175 / 3])
    classes = classes_for(values, HEADTAIL)
    # the classes above the means start at 17 and 59, rounded to 15 and 60
    assert classes.lowers == (1, 15, 60)
    assert classes.labels() == ["1–14", "15–59", "60 or more"]
    assert classes.of(values).tolist() == [0] * 9 + [1, 1, 2]


def test_head_tail_stops_when_the_head_is_not_a_minority() -> None:
    # mean 2.5; above it 3 and 4 are half the values: no split, one class
    assert classes_for([1, 2, 3, 4], HEADTAIL).lowers == (1,)


def test_quantiles_worked_by_hand() -> None:
    # 20 values in 5 classes of 4: 1-4, 5-8, 9-12, 13-16, 17 and above
    classes = classes_for(list(range(1, 21)), QUANTILES)
    assert classes.labels() == ["1–4", "5–8", "9–12", "13–16", "17 or more"]
    assert np.bincount(classes.of(range(1, 21))).tolist() == [4, 4, 4, 4, 4]


def test_small_counts_below_the_lowest_class_are_left_out() -> None:
    # a public map draws hexagons of 5 or more: classes start at 5 and ignore the rest
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 40, 90]
    classes = classes_for(values, HEADTAIL, lowest=5)
    # of 5..14, 40, 90 (12 values, sum 225): mean 18.75, above it 40 and 90 (2 of 12); their mean 65,
    # above it 90 (1 of 2 = 50%: no split). The class above 18.75 starts at 19, rounded to 20.
    assert classes.lowers == (5, 20)
    assert classes.labels() == ["5–19", "20 or more"]


def test_no_counts_gives_one_class_and_an_unknown_method_is_refused() -> None:
    assert classes_for([], HEADTAIL) == Classes(HEADTAIL, (1,))
    assert classes_for([0, 0], QUANTILES).labels() == ["1 or more"]
    with pytest.raises(ValueError, match="unknown colour classification 'jenks'"):
        classes_for([1, 2], "jenks")


@given(
    st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=300),
    st.sampled_from([HEADTAIL, QUANTILES]),
)
def test_every_count_falls_in_the_class_its_label_names(values: list[int], method: str) -> None:
    classes = classes_for(values, method)
    lowers = classes.lowers
    assert lowers[0] == 1 and list(lowers) == sorted(set(lowers)) and 1 <= len(classes) <= 5
    for value, k in zip(values, classes.of(values), strict=True):
        upper = lowers[k + 1] - 1 if k + 1 < len(lowers) else float("inf")
        assert lowers[k] <= value <= upper
