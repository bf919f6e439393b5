"""The Data page: load real data files, see exactly what each import did, and take an import back.

Presentation only: reading, checking and storing are :func:`layers.importer.run_import`, the same path
the ``hotspots import`` command takes. Uploaded file names are shown as labels and recorded in the audit
log; they are never used as paths. Everything taken from a file is shown through ``st.dataframe`` or
``st.text`` (no HTML, no markdown), so a file cannot inject markup into the page.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

import config
from briefing import exports
from layers.importer import SOURCES, detect_source, run_import, undo
from layers.readers import Upload
from layers.report import REASON_HELP, ImportReport
from store import Store
from store.errors import StoreProblem
from store.locking import announcing
from views import access, common, problems

_REPORTS_KEY = "data_page_reports"
#: Audit-log columns shown, with their headings.
_HISTORY_COLUMNS = {
    "import_id": "Import",
    "imported_at": "When (UTC)",
    "imported_by": "By",
    "source": "Source",
    "file_name": "File",
    "rows_read": "Read",
    "rows_added": "Added",
    "rows_duplicate": "Already stored",
    "rows_set_aside": "Set aside",
    "synthetic": "Synthetic",
    "status": "Status",
    "undone_by": "Undone by",
}
_EXTENSIONS = sorted({ext for source in SOURCES.values() for ext in source.extensions})


def render() -> None:
    store = Store(config.store_path())  # imports go to the real store, never into the demo's
    st.title("Load data")
    if not access.current_viewer().at_least("analyst"):  # the page is not listed for others either
        st.info("Loading data is for analysts: sign in as an analyst to import or undo data.")
        return
    st.write(
        "Load each month's data here: police.uk street crime, STATS19 road collisions, fly-tipping and fire "
        "incident exports, ward boundaries and ward populations. Every file is checked row by row; rows "
        "that cannot be mapped are set aside with the reason, and the report below lists them. Importing "
        "the same file twice adds nothing, and any import can be undone as a whole."
    )
    _say_where_imports_go(store)
    _upload_section(store)
    _show_reports()
    _history_section(store)


def _say_where_imports_go(store: Store) -> None:
    """Name the store imports land in: real data never goes into the synthetic demo's store."""
    name = common.plain(store.path.name)
    if not store.exists():
        st.info(
            f"You are looking at the **synthetic demo**. Importing a file starts your **real data store** "
            f"({name}): the demo is never mixed with real data. Once it exists the app shows your real "
            "data, with a switch in the sidebar back to the demo.",
            icon=":material/database:",
        )
    elif common.is_synthetic(store):
        st.warning(
            f"{name} holds the synthetic demo, so real files cannot be imported into it. Point "
            "`HOTSPOTS_STORE` at a new file (or use `hotspots import SOURCE FILE --new-store PATH`) to start "
            "a real store.",
            icon=":material/block:",
        )
    else:
        st.caption(f"Imports go to your real data store ({name}).")


def _upload_section(store: Store) -> None:
    files = st.file_uploader(
        "Files to import", type=_EXTENSIONS, accept_multiple_files=True, key="data_files"
    )
    if not files:
        return
    uploads = [Upload(f.name, f.getvalue()) for f in files]
    detected = {detect_source(u) for u in uploads}
    guess = next(iter(detected)) if len(detected) == 1 and None not in detected else None
    # a STATS19 casualty file is recognised as STATS19 too, so a collision + casualty pair is one guess
    options = list(SOURCES)
    source = st.selectbox(
        "What are these files?",
        options,
        index=options.index(guess) if guess else None,
        format_func=lambda sid: SOURCES[sid].label,
        placeholder="Choose the kind of file",
        key="data_source",
    )
    if guess:
        st.caption(f"Recognised from the files' columns as: {SOURCES[guess].label}.")
    elif len(detected - {None}) > 1:
        st.warning("These files look like different kinds of data: import one kind at a time.")
    if source is None:
        return
    st.caption(SOURCES[source].description)
    if st.button("Import", type="primary", key="data_import"):
        bar = st.progress(0.0, text="Starting")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        try:
            with announcing(lambda notice: bar.progress(0.0, text=notice[:1].upper() + notice[1:])):
                reports = run_import(
                    store, source, uploads, progress=progress, imported_by=access.current_viewer().who
                )
        except (ValueError, ConnectionError) as exc:
            st.error("The import did not run.")
            st.text(str(exc))
            return
        except StoreProblem as problem:  # the store could not even be read: no file was started
            problems.show(problem, "nothing was imported")
            return
        st.session_state[_REPORTS_KEY] = reports_for_display(reports)


def _show_reports() -> None:
    for report, csv_bytes, summary in st.session_state.get(_REPORTS_KEY, []):
        with st.container(border=True):
            if report["error"]:
                st.error("Not imported")
                st.text(report["error"])
                continue
            if report.get("already_imported"):  # the same file again: nothing was written
                st.info("Already imported: nothing new")
                st.text(summary)
                continue
            (st.success if report["ok"] else st.warning)("Imported" if report["ok"] else "Nothing to import")
            st.text(summary)
            cols = st.columns(4)
            cols[0].metric("Rows read", f"{report['rows_read']:,}")
            cols[1].metric("Accepted", f"{report['accepted']:,}")
            cols[2].metric("Added", f"{report['added'] or 0:,}")
            cols[3].metric("Set aside", f"{report['rows_set_aside']:,}")
            if report["set_aside"]:
                st.dataframe(_reasons_table(report), hide_index=True)
                st.download_button(
                    "Download the set-aside rows (CSV)",
                    data=csv_bytes,
                    # named after the (first) uploaded file, without its extension
                    file_name=common.file_name(
                        re.sub(r"\.[A-Za-z0-9]+$", "", report["file"].split(" + ")[0]) + "-set-aside", "csv"
                    ),
                    mime="text/csv",
                    key=f"download_{report['import_id'] or report['file']}",
                    on_click="ignore",  # ready bytes, and no rerun: the file arrives on the first click
                )
            for note in report["notes"]:
                st.text(f"Note: {note}")
            if report["unmapped_columns"]:
                st.text("Columns not used: " + ", ".join(report["unmapped_columns"]))
            if report["details"]:
                st.json(report["details"], expanded=False)


def _reasons_table(report: dict) -> pd.DataFrame:
    rows = []
    for reason, entry in report["set_aside"].items():
        shown = ", ".join(str(r) for r in entry["rows"][:20])
        more = entry["count"] - min(entry["count"], 20)
        rows.append(
            {
                "Reason": reason,
                "Rows": entry["count"],
                "Row numbers": shown + (f" and {more:,} more" if more else ""),
                "Meaning": REASON_HELP.get(reason, ""),
            }
        )
    return pd.DataFrame(rows)


def _history_section(store: Store) -> None:
    st.subheader("Import history")
    if not store.exists():
        st.caption("Nothing imported yet.")
        return
    history = store.imports()
    if history.empty:
        st.caption("Nothing imported yet.")
        return
    shown = history.sort_values("imported_at", ascending=False)
    st.dataframe(
        shown[list(_HISTORY_COLUMNS)].rename(columns=_HISTORY_COLUMNS),
        hide_index=True,
        column_config={
            heading: st.column_config.NumberColumn(format="localized")  # 186,482 like everywhere else
            for heading in ("Read", "Added", "Already stored", "Set aside")
        },
    )
    undoable = shown[shown["status"] == "complete"]
    if undoable.empty:
        return
    labels = {
        row.import_id: f"{row.import_id} · {row.imported_at:%Y-%m-%d %H:%M} · {row.source} · {row.file_name} "
        f"({row.rows_added:,} added)"
        for row in undoable.itertuples()
    }
    with st.expander("Undo an import"):
        st.caption(
            "Removes every record the import added (records it found already stored stay). Undoing a ward "
            "boundary load brings back the boundaries before it and re-assigns every incident to them."
        )
        chosen = st.selectbox("Import to undo", list(labels), format_func=labels.get, key="data_undo_choice")
        sure = st.checkbox("Yes, remove this import's records", key="data_undo_sure")
        if st.button("Undo import", disabled=not sure, key="data_undo"):
            try:
                st.session_state["data_undo_message"] = undo(
                    store, chosen, undone_by=access.current_viewer().who
                )
            except StoreProblem as problem:  # busy past the wait, read-only, disk full, damaged
                problems.show(problem, "nothing was undone")
                return
            except ValueError as exc:  # e.g. boundaries from before earlier versions were kept
                st.error("The import was not undone.")
                st.text(str(exc))
                return
            st.session_state.pop(_REPORTS_KEY, None)
            st.rerun()
    if "data_undo_message" in st.session_state:
        st.success("Undone")
        st.text(st.session_state.pop("data_undo_message"))


def reports_for_display(reports: list[ImportReport]) -> list[tuple[dict, bytes, str]]:
    """What the page keeps of each report between reruns (small and serialisable)."""
    return [(r.to_dict(), exports.csv_bytes(r.set_aside_frame()), r.summary()) for r in reports]
