"""Shareable views: the sidebar filters live in the page's address, so a copied link opens the same view.

Why: a councillor or partner who finds something on the map must be able to send it on ("look at
Ashbrow, crime, Jan-Dec 2025") and the person opening the link must see the same figures. The address
is written after every run from the filter widgets' values, and read once, when a session starts, into
those same widgets (so opening a link and setting the filters by hand are the same thing to the page).

Everything in an address is untrusted text: each value is checked against the choices the page really
offers, and anything unknown or malformed is left out with one plain sentence - never a traceback. The
address can only choose among the widgets this viewer is given: a public viewer gets the public filters
(a quarter and one layer) and a link's partner filters (months, several layers, categories) are ignored,
so no link unlocks partner detail (:mod:`views.access` decides who sees what, not the address).

The address, e.g. ``/map?from=2025-01&to=2025-12&district=Huddersfield&ward=E05001234&layers=crime,fires``:

* ``from``, ``to``: first and last month, ``YYYY-MM`` (partners)
* ``district``: a district's name; ``ward``: a ward's code or name
* ``layers``: layer ids, comma-separated (partners; empty means every layer switched off)
* ``category``: ``layer:category``, repeated for several (partners)
* ``quarter``: e.g. ``2025Q3``; ``layer``: one layer id (the public filters)

A page's own main choice can be kept the same way (:func:`read_choice`, :func:`show_choice`): the ward on
Ward profile (``/ward-profile?ward=Golcar``), the measure on Scorecard.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import streamlit as st

P_FROM, P_TO, P_DISTRICT, P_WARD = "from", "to", "district", "ward"
P_LAYERS, P_CATEGORY, P_QUARTER, P_LAYER = "layers", "category", "quarter", "layer"
PARTNER_PARAMS = (P_FROM, P_TO, P_LAYERS, P_CATEGORY)
PUBLIC_PARAMS = (P_QUARTER, P_LAYER)
FILTER_PARAMS = (P_FROM, P_TO, P_DISTRICT, P_WARD, P_LAYERS, P_CATEGORY, P_QUARTER, P_LAYER)
#: Session key: True once this session has read its opening address (it is read once, then written).
KEY_LINK_READ = "link_read"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
LATEST = "the latest months"


@dataclass(frozen=True)
class FilterChoices:
    """What the sidebar offers this viewer: the only values an address may pick."""

    months: Sequence[str]  # "YYYY-MM", oldest first
    districts: Sequence[str]
    ward_district: Mapping[str, str]  # ward code -> its district
    ward_names: Mapping[str, str]  # ward code -> name
    layers: Sequence[str]  # partner layer toggles
    categories: Sequence[tuple[str, str]]  # (layer, category) in the store
    quarters: Sequence[str]  # public quarter codes
    public_layers: Sequence[str]  # public layer choices


@dataclass
class FilterKeys:
    """The session keys of the filter widgets (the values an address sets)."""

    months: str
    district: str
    ward: str
    categories: str
    quarter: str
    public_layer: str
    layer_key: Callable[[str], str]  # layer id -> the key of its toggle


@dataclass
class LinkReading:
    """What an address asks for, checked: widget values to set, and one sentence per thing left out."""

    values: dict[str, object] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def _one(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name) or []
    return values[-1].strip() if values else None


def read(
    params: Mapping[str, Sequence[str]], choices: FilterChoices, keys: FilterKeys, *, public: bool
) -> LinkReading:
    """Check an address's filter parameters (name -> its values) against ``choices``.

    Pure: it neither reads nor changes Streamlit state, so every rule is tested directly.
    """
    out = LinkReading()
    partner_asked = [p for p in PARTNER_PARAMS if p in params]
    if public and partner_asked:
        out.ignored.append(
            "This link's detailed filters (" + ", ".join(partner_asked) + ") are for signed-in partners, "
            "so the public quarter and single layer are shown instead."
        )
    district = _one(params, P_DISTRICT)
    if district is not None:
        if district in choices.districts or district == "":
            out.values[keys.district] = district
        else:
            out.ignored.append(f'The link\'s district "{district}" is not a district here: left out.')
            district = None
    ward = _one(params, P_WARD)
    if ward:
        by_name = {name.lower(): code for code, name in choices.ward_names.items()}
        code = ward if ward in choices.ward_district else by_name.get(ward.lower())
        if code is None:
            out.ignored.append(f'The link\'s ward "{ward}" is not a ward here, so it was left out.')
        elif district and choices.ward_district[code] != district:
            out.ignored.append(
                f'The link\'s ward "{choices.ward_names[code]}" is not in {district}, so it was left out.'
            )
        else:
            out.values[keys.ward] = code
            out.values.setdefault(keys.district, choices.ward_district[code])
    elif ward == "" or keys.district in out.values:
        out.values[keys.ward] = ""
    if public:
        _read_public(params, choices, keys, out)
    else:
        _read_partner(params, choices, keys, out)
    return out


def _read_public(
    params: Mapping[str, Sequence[str]], choices: FilterChoices, keys: FilterKeys, out: LinkReading
) -> None:
    quarter = _one(params, P_QUARTER)
    if quarter is not None:
        if quarter.upper() in choices.quarters:
            out.values[keys.quarter] = quarter.upper()
        else:
            out.ignored.append(f'The link\'s quarter "{quarter}" has no data here, so it was left out.')
    layer = _one(params, P_LAYER)
    if layer is not None:
        if layer in choices.public_layers:
            out.values[keys.public_layer] = layer
        else:
            out.ignored.append(f'The link\'s layer "{layer}" is not one shown here, so it was left out.')


def _read_partner(
    params: Mapping[str, Sequence[str]], choices: FilterChoices, keys: FilterKeys, out: LinkReading
) -> None:
    first, last = _one(params, P_FROM), _one(params, P_TO)
    if first is not None or last is not None:
        first, last = first or last, last or first
        if not all(m and _MONTH.fullmatch(m) for m in (first, last)):
            out.ignored.append(f"The link's months are not written as YYYY-MM, so {LATEST} are shown.")
        elif first not in choices.months or last not in choices.months:
            span = f"{choices.months[0]} to {choices.months[-1]}" if choices.months else "none"
            out.ignored.append(f"The link's months are outside the data ({span}), so {LATEST} are shown.")
        else:
            out.values[keys.months] = (min(first, last), max(first, last))
    if P_LAYERS in params:
        asked = [lid.strip() for lid in (_one(params, P_LAYERS) or "").split(",") if lid.strip()]
        unknown = [lid for lid in asked if lid not in choices.layers]
        if unknown:
            out.ignored.append(f"The link's layers {', '.join(unknown)} are not layers here: left out.")
        for lid in choices.layers:
            out.values[keys.layer_key(lid)] = lid in asked
    asked_categories = params.get(P_CATEGORY) or []
    if asked_categories:
        known = set(choices.categories)
        picked = [tuple(c.split(":", 1)) for c in asked_categories if ":" in c]
        kept = [c for c in picked if c in known]
        if len(kept) < len(asked_categories):
            out.ignored.append("Some of the link's categories are not in the data, so were left out.")
        out.values[keys.categories] = kept


def write(
    state: Mapping[str, object], keys: FilterKeys, layers: Sequence[str], *, public: bool
) -> dict[str, list[str]]:
    """The address parameters for the filter values in ``state`` (the inverse of :func:`read`)."""
    out: dict[str, list[str]] = {}
    district, ward = state.get(keys.district), state.get(keys.ward)
    if district:
        out[P_DISTRICT] = [str(district)]
    if ward:
        out[P_WARD] = [str(ward)]
    if public:
        for param, key in ((P_QUARTER, keys.quarter), (P_LAYER, keys.public_layer)):
            if state.get(key):
                out[param] = [str(state[key])]
        return out
    months = state.get(keys.months)
    if months:
        out[P_FROM], out[P_TO] = [str(months[0])], [str(months[1])]  # type: ignore[index]
    toggles = {lid: state.get(keys.layer_key(lid)) for lid in layers}
    if all(v is not None for v in toggles.values()):
        out[P_LAYERS] = [",".join(lid for lid, on in toggles.items() if on)]
    categories = state.get(keys.categories) or []
    if categories:
        out[P_CATEGORY] = [f"{layer}:{category}" for layer, category in categories]  # type: ignore[union-attr]
    return out


def apply_opening_link(choices: Callable[[], FilterChoices], keys: FilterKeys, *, public: bool) -> list[str]:
    """Once per session, before the filter widgets are drawn: set them from the address the session was
    opened with. Returns the sentences for what was left out (empty after the first run). ``choices`` is
    asked for only then, so later runs pay nothing for it."""
    if st.session_state.get(KEY_LINK_READ):
        return []
    st.session_state[KEY_LINK_READ] = True
    params = {name: st.query_params.get_all(name) for name in FILTER_PARAMS if name in st.query_params}
    if not params:
        return []
    reading = read(params, choices(), keys, public=public)
    for key, value in reading.values.items():
        st.session_state[key] = value
    return reading.ignored


def show_in_address(params: Mapping[str, list[str]]) -> None:
    """Make the page's address hold ``params`` for the filters (leaving other parameters alone), touching
    it only when something changed so a run that changes nothing sends nothing to the browser."""
    for name in FILTER_PARAMS:
        wanted = list(params.get(name, []))
        if st.query_params.get_all(name) == wanted:
            continue
        if wanted:
            st.query_params[name] = wanted if len(wanted) > 1 else wanted[0]
        else:
            del st.query_params[name]


def read_choice(
    param: str, key: str, options: Sequence[str], names: Mapping[str, str] | None = None
) -> str | None:
    """Before a page's own widget ``key`` is drawn (the ward on Ward profile, the measure on Scorecard):
    once per session, set it from ``param`` in the opening address when that is one of ``options`` (or,
    ignoring case, the name ``names`` gives one). Returns the sentence to show when the address's value
    was left out, else None."""
    flag = f"{KEY_LINK_READ}_{key}"
    if st.session_state.get(flag):
        return None
    st.session_state[flag] = True
    asked = st.query_params.get(param)
    if asked is None:
        return None
    by_name = {name.lower(): value for value, name in (names or {}).items()}
    value = asked if asked in options else by_name.get(asked.strip().lower())
    if value is None or value not in options:
        return f'The link\'s {param} "{asked}" is not one of the choices here, so it was left out.'
    st.session_state[key] = value
    return None


def show_choice(param: str, value: str) -> None:
    """Keep a page's own choice in its address (after its widget is drawn), so the link shares it too."""
    if st.query_params.get(param) != value:
        st.query_params[param] = value
