"""Large synthetic stores for the scale benchmark (``bench/scale.py``), written inside DuckDB.

Why in store/: SQL lives only here. Why inside DuckDB: millions of incidents made in Python and handed
over as frames would take minutes and gigabytes; drawn by SQL from a pool of located map points they take
seconds, so the benchmark measures the app at 10M incidents rather than the making of them.
"""

from __future__ import annotations

import uuid

import pyarrow as pa

from store.db import INCIDENT_COLUMNS, Store


def write_drawn_incidents(
    store: Store,
    n: int,
    pool: pa.Table,
    mix: pa.Table,
    *,
    months: int,
    first_month: str,
    meta: dict[str, str],
) -> str:
    """Write ``n`` incidents as one complete import; returns its id.

    Incident ``i`` takes the map point ``pool`` row ``hash(i) % len(pool)`` (columns ``pi``, ``lat``,
    ``lon``, ``ward_code``, ``district``, ``street``, ``h3_r7``..``h3_r10``), the layer and category of
    ``mix`` row ``u = hash(i) % 10000`` (columns ``u``, ``layer``, ``category``) and a day in one of
    ``months`` months from ``first_month`` (``YYYY-MM-DD``); the import covers every layer of ``mix`` in
    every one of those months. The same arguments write the same incidents.
    """
    import_id = uuid.uuid4().hex[:12]
    cells = ", ".join(c for c in INCIDENT_COLUMNS if c.startswith("h3_"))
    with store.transaction() as con:
        con.register("pool", pool)
        con.register("mix", mix)
        con.execute(
            f"""
            INSERT INTO incidents ({", ".join(INCIDENT_COLUMNS)})
            WITH draws AS (
                SELECT range AS i, hash(range * 3 + 1) % {len(pool)} AS pi, hash(range * 5 + 2) % 10000 AS u,
                       hash(range * 7 + 3) % {int(months)} AS m, hash(range * 11 + 4) % 28 AS d
                FROM range({int(n)})
            )
            SELECT x.layer, x.category, 'scale-' || draws.i, CAST(? AS DATE) + to_months(draws.m::INT)
                       + to_days(draws.d::INT), 'day', p.lat, p.lon, p.ward_code, p.district, p.street,
                   CASE WHEN x.layer = 'ksi' THEN x.category END, CASE WHEN x.layer = 'ksi' THEN 1 END,
                   NULL, {cells}, 'scale-bench.csv', ?
            FROM draws JOIN pool p USING (pi) JOIN mix x USING (u)
            """,
            [first_month, import_id],
        )
        con.execute(
            f"""INSERT INTO coverage SELECT ?, layer, CAST(? AS DATE) + to_months(m::INT)
                FROM (SELECT DISTINCT layer FROM mix), range({int(months)}) t(m)""",
            [import_id, first_month],
        )
        Store.record_import(
            con,
            import_id,
            source="scale-bench",
            file_name="scale-bench.csv",
            rows_read=n,
            rows_added=n,
            rows_duplicate=0,
            rows_set_aside=0,
        )
        for key, value in meta.items():
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        con.unregister("pool")
        con.unregister("mix")
    return import_id
