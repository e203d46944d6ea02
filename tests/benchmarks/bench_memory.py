"""Peak resident memory (issue 8): the TUI on the large database, and a batch of 1,000
notices. Each runs in a child process; its peak comes from ``getrusage`` (ru_maxrss,
kilobytes on Linux), the notice batch's worker processes included. Target: under 200 MB
each. Baseline: a Python process that imports nothing of ours.

    python -m tests.benchmarks.bench_memory /tmp/inspect_tui_bench/large.db
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

TARGET_BYTES = 200 * 1024 * 1024

# VmHWM (the peak of this process's own memory since exec), not RUSAGE_SELF: a child of
# a large process (the benchmark runner holds 1+ GB) inherits the parent's ru_maxrss.
_PEAK = """
import resource, sys
with open("/proc/self/status") as fh:
    own = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("PEAK", max(own, children) * 1024, own * 1024, children * 1024, file=sys.stderr)
"""

_TUI = """
import sys, asyncio
from pathlib import Path
from inspect_tui.store import open_store
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.home import HomeScreen

store = open_store(Path(sys.argv[1]), user="bench", device_id="bench-mem", quick_check=False, readonly=True)
app = InspectApp(store=store, lang="zh-Hant")

async def walk(pilot):
    while not (isinstance(app.screen, HomeScreen) and app.screen.ready):
        await asyncio.sleep(0.01)
    await pilot.press("u")                 # the units list of 10,000 units
    await pilot.pause(0.5)
    for key in "jg":                       # filter as one types
        await pilot.press(key)
        await pilot.pause(0.2)
    app.exit()

app.run(headless=True, auto_pilot=walk, size=(120, 40))
store.close()
"""

_NOTICES = """
import sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.benchmarks.bench_notices import WORKERS, build_database
from inspect_tui.services import notices

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        store = build_database(Path(tmp) / "n.db", 1000)
        out = Path(tmp) / "out"
        out.mkdir()
        month, result = notices.issue_lagging(store, "2026-11", out_dir=out, workers=WORKERS)
        assert len(result.issued) == 1000
"""


def _peak(code: str, args: list[str]) -> tuple[int, str]:
    script = textwrap.dedent(code) + _PEAK
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    line = next((x for x in proc.stderr.splitlines() if x.startswith("PEAK")), None)
    if proc.returncode or line is None:
        raise RuntimeError(proc.stderr[-2000:])
    _, peak, own, children = line.split()
    return int(peak), f"own {int(own) / 2**20:.0f} MB, largest child {int(children) / 2**20:.0f} MB"


def bench_memory(path: Path) -> list[tuple[str, float, float | None, float | None, str]]:
    """Rows of (figure, peak MB, baseline MB, target MB, note)."""
    base, _ = _peak("", [])
    tui, tui_note = _peak(_TUI, [str(path)])
    root = str(Path(__file__).resolve().parents[2])
    batch, batch_note = _peak(_NOTICES, ["-", root])
    mb = 2**20
    return [
        (
            "peak memory: TUI on the large database (MB)",
            tui / mb,
            base / mb,
            TARGET_BYTES / mb,
            tui_note,
        ),
        (
            "peak memory: batch of 1,000 notices (MB)",
            batch / mb,
            base / mb,
            TARGET_BYTES / mb,
            batch_note,
        ),
    ]


if __name__ == "__main__":
    for row in bench_memory(Path(sys.argv[1])):
        print(" | ".join(str(round(x, 1)) if isinstance(x, float) else str(x) for x in row))
