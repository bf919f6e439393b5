"""Peak memory of a process, read the one way every benchmark here reads it.

Why ``VmHWM`` (the high-water mark of resident memory in ``/proc/<pid>/status``) and not
``resource.getrusage(...).ru_maxrss``: Linux carries ``ru_maxrss`` over ``exec``, so a child process
started by a benchmark that has just built a big store or test file reports at least what the parent
held when it forked - the parent's memory, not the child's. ``VmHWM`` starts afresh with the new
program, so it is the figure an analyst's laptop feels when it runs that one command. Linux only, as the
benchmarks are.
"""

from __future__ import annotations

from pathlib import Path


def peak_rss(pid: int | str = "self") -> int:
    """Peak resident set size, in bytes, of process ``pid`` (this process by default)."""
    status = Path(f"/proc/{pid}/status")
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024  # the kernel writes it in kB (units of 1,024 bytes)
    raise ValueError(f"{status} has no VmHWM line: peak memory is read from Linux's /proc only")
