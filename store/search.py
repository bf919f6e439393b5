"""Street names in the stored data, for the Map page's search ("find a street and zoom to it").

Why grouped by ward: the same street name recurs across Kirklees (there is a Huddersfield Road in several
towns), so each (street, ward) is its own result, with where its records lie. police.uk writes streets as
"On or near X"; the prefix is dropped so a user can type the name as they know it.
"""

from __future__ import annotations

import pandas as pd

from store.db import Store

#: The part of a police.uk location that is not the street's name.
PREFIX = r"^\s*on or near\s+"


def streets_matching(store: Store, text: str, limit: int = 12) -> pd.DataFrame:
    """Streets whose name contains ``text`` (any case), busiest first: columns ``street``, ``ward_code``,
    ``n`` (records), ``lat`` and ``lon`` (median point), ``min_lat``, ``max_lat``, ``min_lon``,
    ``max_lon`` (the records' extent)."""
    name = f"trim(regexp_replace(street, '{PREFIX}', '', 'i'))"
    return store.query(
        f"SELECT {name} AS street, ward_code, count(*) AS n, median(lat) AS lat, median(lon) AS lon, "
        "min(lat) AS min_lat, max(lat) AS max_lat, min(lon) AS min_lon, max(lon) AS max_lon "
        f"FROM incidents WHERE street IS NOT NULL AND contains(lower({name}), lower(?)) "
        "GROUP BY ALL ORDER BY n DESC, street, ward_code LIMIT ?",
        [text.strip(), int(limit)],
    )
