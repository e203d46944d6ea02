"""The office view: what leaders ask, as SQL shared by the CLI and the read-only web view.

Each report is one SQL statement with named parameters. The CLI runs it through the
store; ``inspect-tui serve`` publishes the same statement as a Datasette canned query.
One text, two faces: the browser and the terminal cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..store import Store

# The latest month with results when none is asked for.
_MONTH = "coalesce(nullif(:month, ''), (SELECT max(month) FROM monthly_results))"
_TODAY = "coalesce(nullif(:today, ''), date('now', 'localtime'))"


@dataclass(frozen=True)
class Report:
    name: str
    title: str  # bilingual, as leaders read it
    description: str
    sql: str
    params: tuple[str, ...]


REPORTS = (
    Report(
        "ranking",
        "月度對標排名 Monthly ranking",
        "每個支部當月得分與排名，第1名為標桿支部。Each unit's score and rank for a month "
        "(default: the latest); rank 1 is the benchmark unit.",
        f"""SELECT m.month AS month, m.rank AS rank, u.code AS unit_code, u.name AS unit,
       m.score AS score, m.benchmark AS benchmark, m.lagging AS lagging
FROM monthly_results m JOIN units u ON u.id = m.unit_id
WHERE m.month = {_MONTH} AND m.score IS NOT NULL
ORDER BY m.rank, u.code""",
        ("month",),
    ),
    Report(
        "lagging",
        "後進支部 Lagging units",
        "連續排名落後的支部。Units lagging in the month (default: the latest).",
        f"""SELECT m.month AS month, u.code AS unit_code, u.name AS unit, m.rank AS rank,
       m.score AS score, b.months AS months
FROM monthly_results m JOIN units u ON u.id = m.unit_id
LEFT JOIN bottom_streaks b ON b.unit_id = m.unit_id AND b.month = m.month
WHERE m.month = {_MONTH} AND m.lagging = 1
ORDER BY m.rank, u.code""",
        ("month",),
    ),
    Report(
        "overdue_by_unit",
        "逾期問題（按單位） Overdue problems by unit",
        "未銷號且已過整改期限的問題數。Problems not closed and past their deadline, per unit.",
        f"""SELECT u.code AS unit_code, u.name AS unit, count(*) AS overdue,
       min(p.deadline) AS oldest_deadline,
       CAST(max(julianday({_TODAY}) - julianday(p.deadline)) AS INTEGER) AS most_days_overdue
FROM problems p JOIN units u ON u.id = p.unit_id
WHERE p.state != 'closed' AND p.deadline < {_TODAY}
GROUP BY u.id ORDER BY overdue DESC, u.code""",
        ("today",),
    ),
    Report(
        "rectification_rate",
        "整改率（按單位） Rectification rate by unit",
        "按期銷號數 ÷ 已到期問題數。Closed on time / problems due (deadline passed or closed).",
        f"""SELECT u.code AS unit_code, u.name AS unit,
       count(p.id) AS problems,
       sum(p.deadline < {_TODAY} OR p.state = 'closed') AS due,
       sum(p.state = 'closed' AND p.closed_on <= p.deadline) AS closed_on_time,
       round(1.0 * sum(p.state = 'closed' AND p.closed_on <= p.deadline)
             / nullif(sum(p.deadline < {_TODAY} OR p.state = 'closed'), 0), 4) AS rate
FROM units u JOIN problems p ON p.unit_id = u.id
GROUP BY u.id ORDER BY rate IS NULL, rate, u.code""",
        ("today",),
    ),
    Report(
        "unit_history",
        "單位歷程 A unit's history",
        "一個單位的檢查、問題與月度結果，按時間排列。A unit's inspections, problems and "
        "monthly results over time (unit by code).",
        """SELECT * FROM (
  SELECT i.date AS date, 'inspection' AS kind, i.kind || ' / ' || i.state AS what, '' AS detail
  FROM inspections i JOIN units u ON u.id = i.unit_id WHERE u.code = :unit
  UNION ALL
  SELECT p.found_on, 'problem', p.state, p.description
  FROM problems p JOIN units u ON u.id = p.unit_id WHERE u.code = :unit
  UNION ALL
  SELECT m.month || '-01', 'month', 'rank ' || coalesce(m.rank, '-'),
         'score ' || coalesce(m.score, '-') || CASE WHEN m.lagging THEN ' lagging' ELSE '' END
  FROM monthly_results m JOIN units u ON u.id = m.unit_id WHERE u.code = :unit
) ORDER BY date DESC, kind""",
        ("unit",),
    ),
)

BY_NAME = {r.name: r for r in REPORTS}


def run_report(store: Store, name: str, **params: Any) -> list[dict[str, Any]]:
    report = BY_NAME[name]
    values = {p: _text(params.get(p)) for p in report.params}
    return store.all(report.sql, values)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------- Datasette

TABLES: dict[str, tuple[str, str, dict[str, str]]] = {
    # table: (title, description, {column: description})
    "units": (
        "單位 Units",
        "黨委、黨總支、黨支部、黨小組。Party committee, general branches, branches, groups.",
        {
            "code": "代碼 Code",
            "name": "名稱 Name",
            "kind": "類別 Kind",
            "parent_id": "上級 Parent",
            "secretary": "書記 Secretary",
            "members": "黨員數 Members",
            "contact": "聯繫方式 Contact",
        },
    ),
    "checklists": (
        "對標指標體系 Indicator systems",
        "各版本指標體系。Versions of the indicator system.",
        {},
    ),
    "indicators": (
        "分項指標 Indicators",
        "考核標準與查看資料。Standards and what the inspector checks.",
        {
            "standard": "考核標準 Standard",
            "guidance": "查看資料 What to check",
            "max_score": "滿分 Max score",
        },
    ),
    "inspections": (
        "檢查 Inspections",
        "抽查、督導檢查、復查。Spot checks, supervisory checks, re-inspections.",
        {
            "date": "檢查日期 Date",
            "kind": "類別 Kind",
            "state": "狀態 State",
            "signed_by": "簽署人 Signed by",
        },
    ),
    "answers": (
        "檢查結果 Answers",
        "每項指標的檢查結果。One indicator's result in an inspection.",
        {},
    ),
    "problems": (
        "問題 Problems",
        "發現的問題與整改期限。Findings with their rectification deadlines.",
        {
            "description": "問題描述 Description",
            "requirement": "整改要求 Requirement",
            "responsible": "責任人 Responsible",
            "deadline": "整改期限 Deadline",
            "state": "狀態 State",
            "severity": "嚴重程度 Severity",
            "closed_on": "銷號日期 Closed on",
        },
    ),
    "problem_events": (
        "問題歷程 Problem history",
        "每次狀態變更與修改。Every state change and edit.",
        {},
    ),
    "rectifications": (
        "整改記錄 Rectifications",
        "單位的整改措施。What the unit did, when, with what evidence.",
        {},
    ),
    "notices": ("整改通知書 Notices", "已發出的整改通知書。Rectification notices issued.", {}),
    "monthly_results": (
        "月度對標結果 Monthly results",
        "每月得分、排名、標桿與後進。Score, rank, benchmark and lagging per month.",
        {
            "month": "月份 Month",
            "score": "得分 Score",
            "rank": "排名 Rank",
            "benchmark": "標桿 Benchmark",
            "lagging": "後進 Lagging",
        },
    ),
    "attachments": (
        "佐證材料 Evidence",
        "附在問題、檢查結果和整改記錄上的檔案。Files attached as evidence.",
        {},
    ),
    "audit_log": ("操作日誌 Audit log", "誰在何時改了什麼。Who changed what, when, old → new.", {}),
}

FACETS = {
    "problems": ["state", "unit_id", "severity"],
    "monthly_results": ["month", "unit_id"],
    "inspections": ["kind", "state", "unit_id"],
    "attachments": ["mime", "owner_table"],
}

HIDDEN = (
    "_actor",
    "meta",
    "cursors",
    "merges",
    "blobs",
    "aspects",
    "tombstones",
    "seals",
    "devices",
    "notice_problems",
    # the problems search index (schema 2) and its row numbers; Datasette hides the
    # FTS5 shadow tables itself
    "problem_search",
    "problem_search_rows",
    "problem_search_terms",
)

EVIDENCE_QUERY = """SELECT a.name, a.mime, a.width, a.height, a.attached_by, a.created_at,
       a.owner_table, a.owner_id, b.data AS image
FROM attachments a JOIN blobs b ON b.sha256 = a.sha256
WHERE a.mime LIKE 'image/%' AND (:owner_id = '' OR a.owner_id = :owner_id)
ORDER BY a.created_at DESC LIMIT 20"""


def datasette_metadata(db_name: str, *, password_hash: str | None = None) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for table, (title, description, columns) in TABLES.items():
        entry: dict[str, Any] = {"title": title, "description": description}
        if columns:
            entry["columns"] = columns
        if table in FACETS:
            entry["facets"] = FACETS[table]
        if table == "units":
            entry["label_column"] = "name"
        tables[table] = entry
    for table in HIDDEN:
        tables[table] = {"hidden": True}
    queries: dict[str, Any] = {
        r.name: {"sql": r.sql, "title": r.title, "description": r.description, "hide_sql": True}
        for r in REPORTS
    }
    queries["evidence_images"] = {
        "sql": EVIDENCE_QUERY,
        "title": "佐證圖片 Evidence images",
        "description": "圖片類佐證材料（可按問題或檢查結果編號篩選）。Image evidence, newest first.",
    }
    metadata: dict[str, Any] = {
        "title": "inspect_tui 對標檢查與整改 Inspections and rectification",
        "description": "只讀檢視 Read-only view of the inspection database.",
        "databases": {db_name: {"tables": tables, "queries": queries}},
        "plugins": {"datasette-render-images": {"size_limit": 3 * 1024 * 1024}},
    }
    if password_hash:
        metadata["plugins"]["datasette-auth-passwords"] = {"leader_password_hash": password_hash}
        metadata["allow"] = {"id": "leader"}
    return metadata
