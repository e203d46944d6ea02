"""Benchmark: rectification notices in a batch.

The issue's figure: 1,000 notices of 10 problems each, issued in one batch on 2 cores
(target under 15 s), reported as notices per second and as a ratio to a floor measured in
the same run: reportlab writing a one-page PDF with the same embedded font and no table.

Each function returns rows ``(figure, median_s, baseline_s, target)``. Run alone with
``python -m tests.benchmarks.bench_notices [--units N] [--repeats R]``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from inspect_tui.clock import FixedClock
from inspect_tui.notices.fonts import FontSet, load_fonts
from inspect_tui.services import checklists
from inspect_tui.services import notices as notice_service
from inspect_tui.services.units import search_key
from inspect_tui.store import Store, open_store

Row = tuple[str, float, float, str]
TODAY = dt.date(2026, 11, 30)
WORKERS = 2

_DESCRIPTIONS = (
    "「三重一大」事項決策記錄不全：{m}月大額資金使用事項未見支委會或黨政聯席會集體研究記錄",
    "中層幹部理論學習「每月一題」心得體會缺交{n}人次，全局交流會簽到表無本支部人員簽名",
    "廉政監督員季度監督意見反饋記錄缺失，本季度未開展廉政教育",
    "未按月召開對標分析會，對落後指標未制定改進措施，對標數據晚於每月5日上報",
    "「三會一課」記錄不規範：{m}月黨小組會未記錄參會人數，黨課無課件和簽到",
    "發展黨員材料缺少入黨積極分子培養考察記錄，政審材料未經支委會審核簽字",
)
_REQUIREMENTS = (
    "對照「三重一大」事項清單逐項補齊集體研究記錄，今後重大事項先研究後實施，明確專人落實並反饋結果；舉一反三，自查本支部同類問題。",
    "督促缺交人員補交心得體會，建立「每月一題」完成情況登記表，支部書記每月末核對。",
    "補充季度監督意見反饋記錄，本月內組織1次廉政教育並留存記錄。",
    "每月召開對標分析會，針對落後指標制定改進措施並跟蹤落實；對標數據每月5日前如實上報。",
)
_NAMES = ("陳曉峰", "李秀蘭", "王建國", "張明遠", "劉淑芬", "趙雅琴", "周慧敏")


def build_database(path: Path, units: int, problems_per_unit: int = 10, seed: int = 11) -> Store:
    """A database with ``units`` branches, each with open problems, all lagging this month.

    Rows are inserted in bulk (the audit log off): building the data is not what is
    measured.
    """
    rng = random.Random(seed)
    store = open_store(
        path,
        clock=FixedClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)),
        user="bench",
        device_id="bench",
        seed=seed,
    )
    checklists.install_shipped(store)
    checklist = store.one("SELECT id FROM checklists ORDER BY version DESC LIMIT 1")
    assert checklist is not None
    indicators = [
        r["id"]
        for r in store.all(
            "SELECT id FROM indicators WHERE checklist_id = ? AND kind != 'bonus'",
            (checklist["id"],),
        )
    ]
    with store.write() as db, store.audit_suspended():
        unit_rows, inspection_rows, problem_rows, result_rows = [], [], [], []
        for index in range(units):
            name = f"第{index + 1}黨支部"
            code = f"B{index + 1:05d}"
            unit = store.stamp(
                {
                    "code": code,
                    "name": name,
                    "kind": "branch",
                    "parent_id": None,
                    "secretary": rng.choice(_NAMES),
                    "members": rng.randint(5, 60),
                    "contact": "",
                    "search": search_key(name, code),
                }
            )
            unit_rows.append(unit)
            inspection = store.stamp(
                {
                    "unit_id": unit["id"],
                    "checklist_id": checklist["id"],
                    "kind": "supervisory",
                    "date": "2026-11-12",
                    "team": json.dumps(["張明遠", "李文靜"], ensure_ascii=False),
                    "state": "signed_off",
                }
            )
            inspection_rows.append(inspection)
            for p in range(problems_per_unit):
                deadline = (TODAY + dt.timedelta(days=rng.randint(10, 60))).isoformat()
                problem_rows.append(
                    store.stamp(
                        {
                            "unit_id": unit["id"],
                            "inspection_id": inspection["id"],
                            "indicator_id": indicators[p % len(indicators)],
                            "description": rng.choice(_DESCRIPTIONS).format(
                                m=rng.randint(1, 11), n=rng.randint(2, 9)
                            ),
                            "severity": "general",
                            "requirement": rng.choice(_REQUIREMENTS),
                            "responsible": rng.choice(_NAMES),
                            "found_on": "2026-11-12",
                            "deadline": deadline,
                            "original_deadline": deadline,
                            "state": "open",
                        }
                    )
                )
            result_rows.append(
                store.stamp(
                    {
                        "unit_id": unit["id"],
                        "month": "2026-11",
                        "score": 60.0,
                        "rank": units,
                        "benchmark": 0,
                        "lagging": 1,
                    }
                )
            )
        db.table("units").insert_all(unit_rows)
        db.table("inspections").insert_all(inspection_rows)
        db.table("problems").insert_all(problem_rows)
        db.table("monthly_results").insert_all(result_rows)
    return store


def one_page_floor(fonts: FontSet) -> float:
    """Seconds for reportlab to write a one-page PDF with the same embedded font, no table."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    style = ParagraphStyle("floor", fontName=fonts.body, fontSize=16, leading=29, wordWrap="CJK")
    text = "關於第1黨支部督導檢查發現問題的整改通知書。" + _REQUIREMENTS[0]

    def once() -> None:
        doc = SimpleDocTemplate(io.BytesIO(), pagesize=A4, initialFontName=fonts.body)
        doc.build([Paragraph(text, style)])

    return _median(once, 30)


def _median(func: Callable[[], object], repeats: int) -> float:
    func()  # warm: fonts loaded, caches filled
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_notice_batch(units: int = 1000, repeats: int = 1) -> list[Row]:
    """1,000 notices × 10 problems in one batch on 2 worker processes."""
    fonts = load_fonts()
    floor = one_page_floor(fonts)
    times, cpu = [], []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-notices-") as tmp:
        base = Path(tmp)
        for run in range(repeats):
            store = build_database(base / f"run{run}.db", units)
            out = base / f"out{run}"
            out.mkdir()
            try:
                start = time.perf_counter()
                month, result = notice_service.issue_lagging(
                    store, "2026-11", out_dir=out, fonts=fonts, workers=WORKERS
                )
                times.append(time.perf_counter() - start)
                cpu.append(result.render_cpu_s)
            finally:
                store.close()
            assert len(result.issued) == units, (len(result.issued), result.skipped)
            serials = [i.notice.serial for i in result.issued]
            assert serials == list(range(1, units + 1))
    batch = statistics.median(times)
    floor_batch = floor * units / WORKERS
    render_cpu = statistics.median(cpu) / units
    busy = f"load average {load:.1f} before the run on {os.cpu_count()} CPUs"
    return [
        (
            f"notices: {units:,} × 10 problems, batch on {WORKERS} workers (s)",
            batch,
            floor_batch,
            f"< 15 s ({busy})",
        ),
        (
            f"notices per second ({units / batch:.1f}/s; floor {WORKERS / floor:.1f}/s)",
            batch / units,
            floor / WORKERS,
            f"ratio {batch / floor_batch:.1f}× floor",
        ),
        (
            "rendering CPU per notice, in the workers (s)",
            render_cpu,
            floor,
            f"{units} × this ÷ {WORKERS} = {units * render_cpu / WORKERS:.1f} s on idle cores",
        ),
    ]


def bench_notice_render(repeats: int = 30) -> list[Row]:
    """One 10-problem notice rendered in this process, against the one-page floor."""
    from inspect_tui.notices.notice import render_notice
    from inspect_tui.notices.template import load_template

    fonts = load_fonts()
    template = load_template()
    floor = one_page_floor(fonts)
    with tempfile.TemporaryDirectory(prefix="bench-notice-") as tmp:
        store = build_database(Path(tmp) / "one.db", 1)
        try:
            unit = store.one("SELECT * FROM units")
            assert unit is not None
            plan = notice_service._plan(
                store,
                notice_service.get_unit(store, unit["id"]),
                template=template,
                fonts=fonts,
                today=TODAY,
            )
        finally:
            store.close()
    assert plan is not None
    content = dataclasses.replace(plan.content, serial="渭供黨〔2026〕第12號")
    render = _median(
        lambda: render_notice(content, template, fonts, io.BytesIO(), check=False), repeats
    )
    return [
        (
            "one notice, 10 problems, render only (s)",
            render,
            floor,
            f"ratio {render / floor:.1f}× floor",
        )
    ]


BENCHMARKS: dict[str, Callable[..., list[Row]]] = {
    "notice_render": bench_notice_render,
    "notice_batch": bench_notice_batch,
}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    rows = bench_notice_render() + bench_notice_batch(args.units, args.repeats)
    for figure, median_s, baseline_s, target in rows:
        print(f"{figure:<60} {median_s:10.4f} s  floor {baseline_s:10.4f} s  {target}")


if __name__ == "__main__":
    main()
