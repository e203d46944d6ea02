"""UI strings in English, Traditional and Simplified Chinese.

Each message is written once in English and once in Traditional Chinese; the Simplified
text is derived with OpenCC (tw2sp: mainland wording), so the two Chinese catalogues never drift apart.
Data (unit names, indicator text) is never translated: it is shown as written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

LANGUAGES = ("zh-Hant", "zh-Hans", "en")
_current = "en"


def detect_language(environ: Mapping[str, str] | None = None) -> str:
    """The UI language from the POSIX locale variables (zh_TW → zh-Hant, zh_CN → zh-Hans)."""
    env = os.environ if environ is None else environ
    for var in ("INSPECT_TUI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        if value in LANGUAGES:
            return value
        tag = value.split(".")[0].replace("-", "_").lower()
        if tag.startswith("zh"):
            if any(x in tag for x in ("tw", "hk", "mo", "hant")):
                return "zh-Hant"
            return "zh-Hans"
        return "en"
    return "en"


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _current = lang


def current_language() -> str:
    return _current


@cache
def _to_simplified(text: str) -> str:
    import opencc  # imported on first use: English users never pay for it

    return str(opencc.OpenCC("tw2sp").convert(text))  # mainland words: 数据库, not 资料库


def t(key: str, /, **params: object) -> str:
    """The message ``key`` in the current language, formatted with ``params``."""
    try:
        en, hant = MESSAGES[key]
    except KeyError:
        return key
    text = {"en": en, "zh-Hant": hant}.get(_current) or _to_simplified(hant)
    return text.format(**params) if params else text


MESSAGES: dict[str, tuple[str, str]] = {
    # enum labels
    "unit_kind.committee": ("Party committee", "黨委"),
    "unit_kind.general_branch": ("General branch", "黨總支"),
    "unit_kind.branch": ("Branch", "黨支部"),
    "unit_kind.group": ("Party group", "黨小組"),
    "inspection_kind.spot": ("Spot check", "抽查"),
    "inspection_kind.supervisory": ("Supervisory check", "督導檢查"),
    "inspection_kind.reinspection": ("Re-inspection", "復查"),
    "inspection_state.in_progress": ("In progress", "進行中"),
    "inspection_state.signed_off": ("Signed off", "已簽署"),
    "result.conforms": ("Conforms", "符合"),
    "result.partly": ("Partly", "部分符合"),
    "result.does_not": ("Does not conform", "不符合"),
    "result.not_applicable": ("Not applicable", "不適用"),
    "severity.general": ("General", "一般"),
    "severity.major": ("Major", "較重"),
    "severity.serious": ("Serious", "嚴重"),
    "problem_state.open": ("Open", "待整改"),
    "problem_state.rectifying": ("Rectifying", "整改中"),
    "problem_state.submitted": ("Awaiting verification", "待驗收"),
    "problem_state.closed": ("Closed", "已銷號"),
    "indicator_kind.regular": ("Indicator", "分項指標"),
    "indicator_kind.bonus": ("Bonus", "表彰加分"),
    "indicator_kind.self_chosen": ("Self-chosen", "自選動作"),
    # errors
    # files and databases (messages of the store and services, shown by the app too)
    "err.db_readonly": ("the database is read-only", "資料庫為唯讀"),
    "err.db_is_dir": ("is a directory, not a database file", "是資料夾，不是資料庫檔案"),
    "err.db_missing": ("does not exist", "不存在"),
    "err.folder_missing": ("the folder {folder} does not exist", "資料夾 {folder} 不存在"),
    "err.db_cannot_create": (
        "cannot create it: the folder {folder} is read-only",
        "無法建立：資料夾 {folder} 為唯讀",
    ),
    "err.opened_readonly": ("opened read-only", "以唯讀方式開啟"),
    "err.file_readonly": (
        "the file is read-only (no write permission)",
        "檔案為唯讀（沒有寫入權限）",
    ),
    "err.folder_readonly": ("the folder {folder} is read-only", "資料夾 {folder} 為唯讀"),
    "err.cannot_read": ("cannot be read: {reason}", "無法讀取：{reason}"),
    "err.cannot_write": ("cannot be written: {reason}", "無法寫入：{reason}"),
    "err.not_sqlite": ("is not an SQLite database", "不是 SQLite 資料庫"),
    "err.not_ours": (
        "is an SQLite database, but not an inspect_tui database",
        "是 SQLite 資料庫，但不是 inspect_tui 的資料庫",
    ),
    "err.damaged": (
        "is damaged ({reason}); restore it from a backup",
        "已損壞（{reason}）：請從備份還原",
    ),
    "err.damaged_no_write": (
        "is damaged ({reason}); restore it from a backup, and do not write to it",
        "已損壞（{reason}）：請從備份還原，不要再寫入",
    ),
    "err.db_empty_readonly": (
        "is empty and read-only: nothing to open",
        "是空檔案且為唯讀：沒有可開啟的內容",
    ),
    "err.db_newer": (
        "was written by a newer inspect_tui (schema {version}; this one reads up to "
        "{supported}); upgrade inspect_tui to open it",
        "由較新版本的 inspect_tui 寫入（結構版本 {version}，本版本最高可讀 {supported}）："
        "請升級 inspect_tui 後再開啟",
    ),
    "err.backup_exists": (
        "already exists; choose another name (a backup never overwrites)",
        "已存在：請另取檔名（備份不會覆蓋既有檔案）",
    ),
    "err.file_missing": ("file does not exist", "檔案不存在"),
    "err.file_is_dir": ("is a directory, not a file", "是資料夾，不是檔案"),
    "err.file_too_big": (
        "is {size}, above the limit of {limit} (setting max_attachment_mb)",
        "大小為 {size}，超過上限 {limit}（設定 max_attachment_mb）",
    ),
    "err.evidence_missing": (
        "the content of {name} is missing from the database",
        "資料庫中缺少 {name} 的內容",
    ),
    "err.rectified_before_found": (
        "the rectification date {date} is before the problem was found ({found})",
        "整改日期 {date} 早於發現問題的日期（{found}）",
    ),
    "err.rectified_in_future": (
        "the rectification date {date} is in the future",
        "整改日期 {date} 晚於今天",
    ),
    "err.submit_needs_rectification": (
        "record what was done (a rectification) before submitting for verification",
        "請先記錄整改情況，再提交驗收",
    ),
    "err.closed_before_rectified": (
        "the closing date {closed} is before the rectification date {last}",
        "銷號日期 {closed} 早於整改日期 {last}",
    ),
    "err.unit_code_exists": (
        "a unit with code {code!r} already exists",
        "代碼為「{code}」的單位已存在",
    ),
    "err.unit_cycle": (
        "a unit cannot be placed under itself or its own sub-unit",
        "單位不能放在自己或自己的下級單位之下",
    ),
    "err.remark_before_answer": (
        "answer indicator {code} before adding a remark",
        "請先作答指標 {code}，再加備註",
    ),
    "err.no_permission": ("no permission", "沒有權限"),
    "err.out_folder_missing": (
        "the output folder does not exist; create it first",
        "輸出資料夾不存在：請先建立",
    ),
    "err.not_a_folder": ("is not a folder", "不是資料夾"),
    "err.not_an_existing_folder": ("is not an existing folder", "不是已存在的資料夾"),
    "err.is_readonly": ("is read-only", "為唯讀"),
    "err.merge_source_damaged": (
        "is damaged ({reason}); nothing was merged. Restore it from a backup on its laptop",
        "已損壞（{reason}），未合併任何內容：請在它所在的電腦上從備份還原",
    ),
    "err.merge_self": (
        "is the target database itself; nothing to merge",
        "就是目標資料庫本身，沒有可合併的內容",
    ),
    "err.month_format": (
        "{value!r} is not a month: use YYYY-MM, e.g. 2026-11",
        "「{value}」不是月份：請用 YYYY-MM，例如 2026-11",
    ),
    "err.month_future": (
        "{month} is in the future (today is {today})",
        "{month} 尚未到來（今天是 {today}）",
    ),
    "err.notice_folder_unwritable": (
        "cannot write in the output folder ({reason}); nothing was issued",
        "無法寫入輸出資料夾（{reason}），未發出任何通知書",
    ),
    "err.no_results_yet": (
        "there are no monthly results yet: compute a month's ranking first",
        "尚無月度結果：請先計算一個月的排名",
    ),
    "err.no_results_for": (
        "there are no monthly results for {month}: compute that month's ranking first",
        "{month} 沒有月度結果：請先計算該月排名",
    ),
    "err.notice_nothing_open": (
        "{unit} ({code}) has no open problems: no notice issued, no serial number used",
        "{unit}（{code}）沒有未銷號的問題：未發出通知書，未使用文號",
    ),
    "err.notice_reissued": (
        "{old} was already re-issued as {newer}; re-issue that one instead",
        "{old} 已重發為 {newer}：請改為重發該份",
    ),
    "err.notice_nothing_to_reissue": (
        "{unit} ({code}) has no open problems any more: nothing to re-issue, no serial number used",
        "{unit}（{code}）已沒有未銷號的問題：無需重發，未使用文號",
    ),
    "err.receipt_in_future": (
        "the receipt date {date} is in the future",
        "回執日期 {date} 晚於今天",
    ),
    "err.receipt_before_issue": (
        "the receipt date {date} is before {notice} was issued ({issued})",
        "回執日期 {date} 早於 {notice} 的發出日期（{issued}）",
    ),
    "err.receipt_already": (
        "{notice} was already marked received on {date}",
        "{notice} 已於 {date} 登記收到回執",
    ),
    "err.date_format": (
        "{value!r} is not a date: use YYYY-MM-DD, MM-DD or +N days",
        "「{value}」不是日期：請用 YYYY-MM-DD、MM-DD 或 +N 天",
    ),
    "err.date_impossible": ("{value!r} is not a real date", "「{value}」不是真實存在的日期"),
    "err.deadline_before_inspection": (
        "deadline {deadline} is before the inspection date {date}",
        "整改期限 {deadline} 早於檢查日期 {date}",
    ),
    "err.required": ("{field} is required", "{field} 不能為空"),
    "err.score_range": (
        "score {score} is outside 0–{max} for indicator {code}",
        "分數 {score} 超出指標 {code} 的範圍 0–{max}",
    ),
    "err.partly_pass_fail": (
        "indicator {code} is pass/fail: it cannot be answered 'partly'",
        "指標 {code} 只分合格與不合格，不能答「部分符合」",
    ),
    "err.occurrences": (
        "occurrences must be a whole number of at least 1 (got {value})",
        "次數須為不小於 1 的整數（輸入為 {value}）",
    ),
    "err.signed_off": (
        "inspection {id} is signed off and read-only: record an amendment with a reason",
        "檢查 {id} 已簽署，不可修改：請以修正記錄並說明理由",
    ),
    "err.unanswered": (
        "{count} indicator(s) are not answered yet: {codes}",
        "尚有 {count} 項指標未作答：{codes}",
    ),
    "err.illegal_transition": (
        "a problem that is {state} cannot be {action}",
        "狀態為「{state}」的問題不能執行「{action}」",
    ),
    "err.not_found": ("no {what} with id or code {key!r}", "找不到{what}「{key}」"),
    "err.text_too_long": (
        "{field} is {length} characters long; the limit is {limit}",
        "{field} 長度為 {length} 字元，上限為 {limit}",
    ),
    "err.control_chars": (
        "{field} contains a control character or one that cannot be stored (U+{code:04X})",
        "{field} 含有控制字元或無法保存的字元（U+{code:04X}）",
    ),
    "err.reason_required": ("a reason is required", "必須填寫理由"),
    "err.evidence_required": (
        "closing needs evidence: attach a file to the rectification first (the setting "
        "evidence_required allows no exception)",
        "銷號須有佐證材料：請先為整改記錄附上檔案（設定 evidence_required 不允許例外）",
    ),
    "err.evidence_or_reason": (
        "closing needs evidence: attach a file to the rectification, or give the reason "
        "for closing without it",
        "銷號須有佐證材料：請為整改記錄附上檔案，或說明無佐證銷號的理由",
    ),
    "label.closed_without_evidence": ("closed without evidence", "無佐證銷號"),
    "err.extension_past": (
        "the new deadline {deadline} is not after today ({today})",
        "新的整改期限 {deadline} 不晚於今天（{today}）",
    ),
}
