"""``hotspots chb``: the Clear Hold Build register - candidate areas and designated areas."""

from __future__ import annotations

import argparse
import math

import config
from briefing.reads import study_grid
from briefing.register import DesignatedStatus, build_register, register_text
from cli.common import add_command, existing_store, print_json
from geo.chb import Candidate
from geo.coverage import WindowCount
from geo.monitoring import PhaseComparison, RateRatio
from geo.trends import MIN_SLICES
from layers.ingest import current_wards


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(
        subparsers,
        "chb",
        run,
        description="Candidate Clear Hold Build areas found in the data (connected serious-crime hotspots) "
        "and designated areas, each with wards, phase, counts, trend and displacement reading. Rules: "
        "data/chb.toml.",
    )


def _number(x: float | None) -> float | str | None:
    """JSON has no infinity: write it as the string "inf"."""
    if x is None:
        return None
    return "inf" if math.isinf(x) else round(x, 6)


def _ratio(rr: RateRatio | None) -> dict | None:
    if rr is None:
        return None
    return {
        "before": rr.before,
        "after": rr.after,
        "before_months": rr.before_months,
        "after_months": rr.after_months,
        "rate_ratio": _number(rr.ratio),
        "ci_lower": _number(rr.lower),
        "ci_upper": _number(rr.upper),
        "confidence": rr.confidence,
        "change": rr.direction,
    }


def _comparison(c: PhaseComparison) -> dict:
    d = c.displacement
    return {
        "phase": c.phase,
        "start": c.start,
        "before": c.before.label if c.before else None,
        "after": c.after.label if c.after else None,
        "area": _ratio(c.area),
        "buffer": _ratio(c.buffer),
        "control": _ratio(c.control),
        "wdq": _number(d.wdq) if d else None,
        "reading": c.reading,
        "explanation": d.explanation if d else c.note,
    }


def _recent(count: WindowCount) -> dict:
    """A count over the latest months with how many of them had data: ``count`` is over those months only
    (null when none had any), never a month nobody loaded read as 0."""
    return {"count": count.count, "months": count.months, "months_with_data": count.loaded}


def candidate_record(c: Candidate) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "wards": list(c.ward_names),
        "districts": list(c.districts),
        "phase": c.phase,
        "phase_rule": c.status.rule.rule if c.status.rule else None,
        "since": c.status.since,
        "trend": c.status.trend,
        "hot_slices": list(c.status.hot),
        "window_counts": c.counts,
        "window_total": c.window_total,
        "last_3_months": _recent(c.last_3),
        "last_12_months": _recent(c.last_12),
        "street": c.street,
        "centre": {"lat": round(c.centre[0], 6), "lon": round(c.centre[1], 6)},
        "cells": list(c.cells),
        "displacement": "not designated",
    }


def designated_record(d: DesignatedStatus) -> dict:
    des = d.designation
    return {
        "id": des.id,
        "name": des.name,
        "wards": list(d.ward_names),
        "method": des.method,
        "phase": d.phase,
        "since": d.since,
        "phase_starts": des.phase_starts,
        "trend": d.status.trend if d.status else None,
        "data_phase": d.status.phase if d.status else None,
        "last_3_months": _recent(d.last_3),
        "last_12_months": _recent(d.last_12),
        "buffer_m": d.monitoring.zones.buffer_m,
        "control_districts": list(d.monitoring.zones.districts),
        "comparisons": [_comparison(c) for c in d.monitoring.comparisons],
        "displacement": d.reading,
        "created_by": des.created_by,
        "created_at": des.created_at,
        "edited_by": des.edited_by,
        "edited_at": des.edited_at,
    }


def run(args: argparse.Namespace) -> int:
    store = existing_store(args)
    settings = config.chb_settings()
    wards = current_wards(store)
    result = build_register(store, wards, settings, study_grid(store, wards, settings.resolution))
    analysis = result.analysis
    payload = {
        "store": str(store.path),
        "synthetic": bool(store.synthetic_layers()),
        "indicators": {layer: list(cats) for layer, cats in settings.indicators.items()},
        "window": {"first": str(analysis.slices[0]), "last": str(analysis.slices[-1])} if analysis else None,
        "phase_rules": [{"phase": r.phase, "rule": r.rule, "meaning": r.meaning} for r in settings.phases],
        "candidates": [candidate_record(c) for c in result.candidates],
        "designated": [designated_record(d) for d in result.designated],
    }
    if args.json:
        print_json(payload)
        return 0
    if payload["synthetic"]:
        print(config.SYNTHETIC_LABEL)
    if analysis is None:
        print(f"Too little data for the trend (at least {MIN_SLICES} complete {settings.slice}s are needed).")
    table = result.table()
    if table.empty:
        print("No candidate or designated areas.")
        return 0
    shown = register_text(table)[
        ["kind", "name", "phase", "since", "last_3_months", "last_12_months", "trend", "displacement"]
    ]
    print(shown.to_string(index=False))
    return 0
