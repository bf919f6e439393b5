"""One writer, no tracebacks: waiting for the store, busy / read-only / damaged stores and a full disk on the
command line, ``hotspots check`` and ``hotspots backup``, and ``--out`` checked before any pack is built.

Another process holding the store is a real second process (a subprocess with a DuckDB connection open),
so the file lock met is DuckDB's own. A read-only store is a real read-only file system where the
machine allows it (a private read-only bind mount when running as root, whom file permissions do not
stop; the folder's write permission taken away otherwise). A full disk is simulated: DuckDB's own
"No space left on device" error, or Python's ENOSPC, raised where a write would meet it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

import config
from cli import packs as cli_packs
from layers.importer import run_import
from store import Store
from store.errors import WAIT_NOTICE, StoreBusy
from store.locking import announcing
from tests.import_helpers import FIXTURES, assert_same, count, fixture, run_cli, snapshot, start_cli_import

PROJECT = Path(__file__).resolve().parents[1]
POLICE_JUNE = FIXTURES / "police-street-2024-06.csv"
POLICE_JULY = FIXTURES / "police-street-2024-07.csv"
FIRST_ID = "SELECT min(source_id) FROM incidents"

#: Holds a write connection (DuckDB's exclusive file lock) until the release file appears.
HOLDER = r"""
import pathlib, sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
release, deadline = pathlib.Path(sys.argv[2]), time.monotonic() + float(sys.argv[3])
while not release.exists() and time.monotonic() < deadline:
    time.sleep(0.02)
con.close()
"""


@contextmanager
def held(store: Store, folder: Path, *, at_most: float = 120) -> Iterator[Path]:
    """Another process holds ``store`` until the yielded file is created (or the block ends)."""
    release = folder / f"release-{time.monotonic_ns()}"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store.path), str(release), str(at_most)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield release
    finally:
        release.touch()
        proc.wait(timeout=120)


def release_after(release: Path, seconds: float) -> None:
    threading.Timer(seconds, release.touch).start()


def short_waits(monkeypatch: pytest.MonkeyPatch, seconds: float = 0.5) -> None:
    monkeypatch.setattr(config, "store_settings", lambda: config.StoreSettings(seconds, seconds))


@pytest.fixture
def police_store(empty_store: Store) -> Store:
    (report,) = run_import(empty_store, "police-csv", [fixture(POLICE_JUNE.name)])
    assert report.added == 19
    return empty_store


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- waiting for the store -----------------------------------------------------------------------------


def test_a_write_waits_for_another_process_and_says_so_once(police_store: Store, tmp_path: Path) -> None:
    said: list[str] = []
    with held(police_store, tmp_path) as release, announcing(said.append):
        release_after(release, 1.5)
        started = time.monotonic()
        police_store.set_meta("after", "the other writer")  # a write: waits, then lands
        police_store.set_meta("and", "again")  # a second wait in the same block is not announced again
        waited = time.monotonic() - started
    assert said == [WAIT_NOTICE] and waited >= 1.0
    assert police_store.get_meta("after") == "the other writer"


def test_a_read_meeting_a_writer_waits_instead_of_failing(police_store: Store, tmp_path: Path) -> None:
    with held(police_store, tmp_path) as release:
        release_after(release, 1.0)
        assert count(police_store, "SELECT count(*) FROM incidents") == 19


def test_a_write_still_blocked_after_the_limit_is_refused_and_changes_nothing(
    police_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(police_store)
    short_waits(monkeypatch)
    with held(police_store, tmp_path), pytest.raises(StoreBusy) as refused:
        police_store.set_meta("never", "written")
    assert str(refused.value) == (
        f"the store {police_store.path} is in use by another import and was still busy after 0.5 seconds "
        "(try again when it has finished)"
    )
    assert_same(before, snapshot(police_store))


def test_an_import_refused_after_the_wait_says_it_waited_and_nothing_was_imported(
    police_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(police_store)
    short_waits(monkeypatch)
    with held(police_store, tmp_path):
        code, out, err = run_cli(
            capsys, "import", "police-csv", str(POLICE_JULY), "--store", str(police_store.path)
        )
    assert code == 1 and "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert lines.count(f"hotspots import: {WAIT_NOTICE}") == 1
    assert lines[-1].endswith(
        "was still busy after 0.5 seconds (try again when it has finished); nothing was imported"
    )
    assert_same(before, snapshot(police_store))


def test_two_imports_at_once_both_wait_and_both_land(police_store: Store, tmp_path: Path) -> None:
    """Two ``hotspots import`` processes while a third holds the store: each says once that it waits,
    and both imports land whole once the store is free; no traceback anywhere."""
    logs = [tmp_path / "june.err", tmp_path / "july.err"]
    with held(police_store, tmp_path) as release:
        procs = []
        for log, path in zip(logs, (FIXTURES / "fire-incidents.csv", POLICE_JULY), strict=True):
            source = "fires" if "fire" in path.name else "police-csv"
            procs.append(start_cli_import(source, path, police_store.path, log))
        deadline = time.monotonic() + 120
        while not all(WAIT_NOTICE in log.read_text() for log in logs) and time.monotonic() < deadline:
            time.sleep(0.05)
        release.touch()
        outs = [p.communicate(timeout=300)[0] for p in procs]
    errs = [log.read_text() for log in logs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert all(e.count(WAIT_NOTICE) == 1 for e in errs) and not any("Traceback" in t for t in outs + errs)
    imports = police_store.imports()
    assert sorted(imports.loc[imports["status"] == "complete", "file_name"]) == [
        "fire-incidents.csv", "police-street-2024-06.csv", "police-street-2024-07.csv"
    ]  # fmt: skip
    stored = imports.set_index("file_name")["rows_added"]
    assert count(police_store, "SELECT count(*) FROM incidents") == stored.sum()


# ---- read-only, damaged, full ----------------------------------------------------------------------------


def run_on_read_only_folder(folder: Path, command: list[str]) -> subprocess.CompletedProcess:
    """Run ``command`` with ``folder`` read-only for it: a read-only bind mount in a private mount namespace
    as root (file permissions do not stop root), the folder's write permission taken away otherwise."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300)
        finally:
            folder.chmod(0o755)
    if shutil.which("unshare") is None:
        pytest.fail("running as root needs `unshare` (util-linux) to make a read-only folder", pytrace=False)
    script = f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$@"'
    run = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", *command],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if "mount:" in run.stderr:
        pytest.fail(f"could not make a read-only folder here: {run.stderr.strip()}", pytrace=False)
    return run


def test_a_read_only_store_is_read_and_refuses_imports_in_one_line(police_store: Store) -> None:
    folder = police_store.path.parent
    before = _sha256(police_store.path)
    hotspots = [sys.executable, "-m", "cli"]
    imported = run_on_read_only_folder(
        folder, [*hotspots, "import", "police-csv", str(POLICE_JULY), "--store", str(police_store.path)]
    )
    assert imported.returncode == 1 and "Traceback" not in imported.stdout + imported.stderr
    assert imported.stderr.strip() == (
        f"not imported: the store {police_store.path.name} cannot be written: the file, its folder or its "
        "disk is read-only; ask for write access to it, or name a store you may write with --store / "
        "$HOTSPOTS_STORE; "
        "nothing was imported"
    )
    summary = run_on_read_only_folder(
        folder, [*hotspots, "summary", "--json", "--store", str(police_store.path)]
    )
    assert summary.returncode == 0 and '"total"' in summary.stdout, summary.stderr  # reading needs no writing
    assert _sha256(police_store.path) == before


def _zero(path: Path) -> None:
    path.write_bytes(b"")


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(200_000))


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE = {
    "0-byte": (_zero, "the file is empty: 0 bytes"),
    "random bytes": (_random, "it is not a DuckDB database file"),
    "truncated": (_truncated, "the file is shorter than its contents say: it was cut short"),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
@pytest.mark.parametrize("command", [["summary"], ["check"], ["import", "police-csv", str(POLICE_JULY)]])
def test_a_damaged_store_is_one_line_with_the_way_on(
    police_store: Store, capsys: pytest.CaptureFixture, kind: str, command: list[str]
) -> None:
    damage, why = DAMAGE[kind]
    damage(police_store.path)
    before = _sha256(police_store.path)
    code, out, err = run_cli(capsys, *command, "--store", str(police_store.path))
    assert code == 1 and "Traceback" not in out + err
    if command == ["check"] and not err:  # the cut came after what opening reads: reading every row finds it
        assert "problem(s) found" in out.splitlines()[0] and "  FAIL  reading every row" in out
        return
    assert len(err.strip().splitlines()) == 1
    # the store by its path; or, in one file's import report (also shown on the Data page), by its name
    named = err.split("the store ", 1)[1].split(" is damaged", 1)[0]
    assert named in (str(police_store.path), police_store.path.name)
    assert f"the store {named} is damaged and cannot be read ({why})" in err
    assert f"restore a backup made with `hotspots backup` by copying it over {named}" in err
    # a real store is never rebuilt as the demo: its files go into a new real store
    assert "load the data files again into a new store with `hotspots import SOURCE FILE --new-store" in err
    assert "hotspots demo" not in err
    if command[0] == "import":
        assert err.strip().endswith("; nothing was imported")
    assert _sha256(police_store.path) == before  # nothing tried to "repair" it


def test_rebuilding_the_demo_over_a_damaged_store_keeps_the_damaged_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "demo.duckdb"
    _random(path)
    damaged = path.read_bytes()
    code, out, _ = run_cli(capsys, "demo", "--replace", "--years", "1", "--store", str(path))
    assert code == 0 and "the damaged store was moved to" in out
    (kept,) = tmp_path.glob("demo.duckdb.damaged-*")
    assert kept.read_bytes() == damaged and Store(path).is_synthetic()


def test_a_full_disk_during_an_import_is_one_line_and_changes_nothing(
    police_store: Store, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(police_store)
    real = duckdb.connect

    def full(database: str, read_only: bool = False, **kwargs: object) -> duckdb.DuckDBPyConnection:
        if not read_only:  # DuckDB's words when the write-ahead log cannot grow
            raise duckdb.IOException(
                f'IO Error: Could not write file "{database}.wal": No space left on device'
            )
        return real(database, read_only=read_only, **kwargs)

    monkeypatch.setattr(duckdb, "connect", full)
    code, out, err = run_cli(
        capsys, "import", "police-csv", str(POLICE_JULY), "--store", str(police_store.path)
    )
    monkeypatch.undo()
    assert code == 1 and "Traceback" not in out + err
    assert err.strip() == (
        f"not imported: the disk holding the store {police_store.path.name} is full; free some space and try "
        "again; nothing was imported"
    )
    assert_same(before, snapshot(police_store))


# ---- hotspots check / backup -----------------------------------------------------------------------------


def test_check_passes_a_sound_store_with_its_figures(
    demo_store: Store, capsys: pytest.CaptureFixture
) -> None:
    code, out, _ = run_cli(capsys, "check", "--json", "--store", str(demo_store.path))
    assert code == 0
    import json

    result = json.loads(out)
    incidents = count(demo_store, "SELECT count(*) FROM incidents")
    assert result["ok"] is True and all(f["ok"] for f in result["findings"])
    assert f"audit log: 1 complete imports account for all {incidents:,} incidents" in [
        f["what"] for f in result["findings"]
    ]


@pytest.mark.parametrize(
    ("plant", "says"),
    [
        (
            "DELETE FROM incidents WHERE source_id IN (SELECT source_id FROM incidents ORDER BY 1 LIMIT 2)",
            "added 19 incidents but 17 are stored",
        ),
        (
            f"UPDATE incidents SET ward_code = 'E05999999' WHERE source_id = ({FIRST_ID})",
            "1 incidents are in wards the boundaries in use do not have (E05999999)",
        ),
        ("DELETE FROM coverage", "1 import(s) with incidents record no months covered"),
        (
            f"UPDATE incidents SET import_id = 'nobody' WHERE source_id = ({FIRST_ID})",
            "1 incidents belong to no import in the audit log",
        ),
    ],  # fmt: skip
)
def test_check_finds_planted_faults(
    police_store: Store, capsys: pytest.CaptureFixture, plant: str, says: str
) -> None:
    with police_store.transaction() as con:
        con.execute(plant)
    code, out, _ = run_cli(capsys, "check", "--store", str(police_store.path))
    assert code == 1 and "problem(s) found" in out.splitlines()[0]
    assert any(line.startswith("  FAIL") and says in line for line in out.splitlines()), out


def test_check_finds_a_block_that_fails_its_checksum(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Garbage written over one block holding only incident data: the file still opens, and only reading
    every row finds it. (A DuckDB file is a 4 KiB file header and two 4 KiB database headers, then blocks
    of ``block_size``; ``pragma_storage_info`` says which block each table's data lives in.)"""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store.path, path)
    with duckdb.connect(str(path), read_only=True) as con:
        block_size = con.execute("PRAGMA database_size").fetchall()[0][2]
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        used = "SELECT DISTINCT block_id FROM pragma_storage_info(?)"
        blocks = {t: {b for (b,) in con.execute(used, [t]).fetchall()} for t in tables}
    others = set().union(*(b for t, b in blocks.items() if t != "incidents"))
    only_incidents = sorted(b for b in blocks["incidents"] - others if b >= 0)
    data = bytearray(path.read_bytes())
    start = 3 * 4096 + only_incidents[len(only_incidents) // 2] * block_size + 100
    data[start : start + 2_000] = os.urandom(2_000)
    path.write_bytes(bytes(data))
    code, out, err = run_cli(capsys, "check", "--store", str(path))
    assert code == 1 and not err and "Traceback" not in out
    assert out.splitlines()[0].startswith(f"{path}: ") and "problem(s) found" in out.splitlines()[0]
    failed = [line for line in out.splitlines() if line.startswith("  FAIL")]
    assert "reading every row of table incidents failed (Corrupt database file: computed" in failed[0]


def test_backup_copies_a_store_that_opens_and_checks_clean(
    police_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # a commit still only in the write-ahead log (a writer that never checkpointed) must be in the copy
    con = duckdb.connect(str(police_store.path))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("INSERT INTO meta VALUES ('note', 'only in the log')")
    con.close()
    assert police_store.wal_path.exists()
    folder = tmp_path / "backups"
    folder.mkdir()
    code, out, _ = run_cli(capsys, "backup", str(folder), "--store", str(police_store.path))
    assert code == 0 and "the copy checks clean" in out
    (copy,) = folder.iterdir()  # one file: no .partial or .wal left beside it
    assert copy.suffix == ".duckdb"
    assert_same(snapshot(police_store), snapshot(Store(copy)))
    assert Store(copy).get_meta("note") == "only in the log"
    code, out, _ = run_cli(capsys, "check", "--store", str(copy))
    assert code == 0 and "sound" in out.splitlines()[0]


def test_backup_never_overwrites_and_waits_for_imports(
    police_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = tmp_path / "existing.duckdb"
    existing.write_bytes(b"keep me")
    code, _, err = run_cli(capsys, "backup", str(existing), "--store", str(police_store.path))
    assert code == 1 and err.strip() == (
        f"hotspots backup: {existing} already exists; a backup never overwrites a file, so name a new one; "
        "no backup was made"
    )
    assert existing.read_bytes() == b"keep me"
    short_waits(monkeypatch)
    target = tmp_path / "during-import.duckdb"
    with held(police_store, tmp_path):
        code, _, err = run_cli(capsys, "backup", str(target), "--store", str(police_store.path))
    assert code == 1
    assert err.strip().endswith("busy after 0.5 seconds (try again when it has finished); no backup was made")
    assert not list(tmp_path.glob("during-import*"))


# ---- hotspots packs --out ---------------------------------------------------------------------------------


def _no_pack_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("pack work started before --out was checked")

    monkeypatch.setattr(cli_packs.PackContext, "load", must_not_run)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp: (tmp / "a-file").write_text("x") and tmp / "a-file", "is a file, not a folder"),
        (
            lambda tmp: (tmp / "a-file").write_text("x") and tmp / "a-file" / "packs",
            "is a file, not a folder",
        ),
    ],
)
def test_packs_out_in_the_way_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, make, says: str
) -> None:
    _no_pack_work(monkeypatch)
    out = make(tmp_path)
    code, _, err = run_cli(capsys, "packs", "--out", str(out))
    assert code == 1 and says in err and err.strip().endswith("; no packs were written")
    assert len(err.strip().splitlines()) == 1


def test_packs_out_that_cannot_be_written_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_pack_work(monkeypatch)

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(cli_packs.tempfile, "TemporaryFile", refused)
    code, _, err = run_cli(capsys, "packs", "--out", str(tmp_path / "packs"))
    assert code == 1 and err.strip() == (
        f"hotspots packs: --out {tmp_path / 'packs'} cannot be written (Permission denied); "
        "no packs were written"
    )


def test_a_full_disk_while_writing_packs_leaves_none_behind(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "packs"
    real = Path.write_bytes
    written: list[Path] = []

    def filling(self: Path, data: bytes) -> int:
        if written:  # the disk fills after the first file
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        written.append(self)
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", filling)
    ward = current_ward_name(demo_store)
    args = ("packs", "--ward", ward, "--out", str(out), "--store", str(demo_store.path))
    code, _, err = run_cli(capsys, *args)
    monkeypatch.undo()
    assert code == 1 and "Traceback" not in err
    assert err.strip().startswith("hotspots packs: No space left on device: ")
    assert err.strip().endswith("; no packs were written")
    assert written and not any(out.iterdir())  # the one pack written was taken away again


def current_ward_name(store: Store) -> str:
    from layers.ingest import current_wards

    return current_wards(store).names[0]
