"""A demo installation: the shipped indicator systems, the demo organisation and about a
year of inspections, problems and monthly results, made through the services.

Everything goes through the same functions the TUI and CLI call, so the audit log, the
problem histories and the sign-off hashes are as real as a year of use would leave them.
The year is a small simulation: every branch has a *quality* (how often it conforms) and
a *diligence* in rectification; visits, rectifications, verifications, deadline
extensions and the office's monthly ranking are events on a timeline run in order on a
fixed clock. Events after ``today`` never happen, which is what leaves problems in every
state. The same seed and ``today`` give the same database (ids come from the store's
seeded generator, times from the clock).
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ..clock import Clock, FixedClock
from ..errors import InvalidInput
from ..models import (
    BonusRule,
    DeductRule,
    GradedRule,
    Indicator,
    IndicatorKind,
    InspectionKind,
    PassFailRule,
    ProblemState,
    Result,
    ScaleRule,
    Severity,
    UnitKind,
)
from ..paths import demo_org
from ..store import Store
from . import checklists, inspections, practices, problems, ranking, review, selfreport, units
from .benchmark_settings import BenchmarkSettings, Role

INSPECTORS = ("張明遠", "李文靜", "王海濤", "劉淑芬", "陳志剛", "趙雅琴")
OFFICE = "周慧敏"  # 政治部 staff: records what units report, runs the monthly ranking
COMMITTEE_NAMES = (
    "田曉東",
    "鄧麗萍",
    "許文傑",
    "蔣紅梅",
    "曹立軍",
    "彭雪芳",
    "呂國強",
    "蘇靜怡",
    "盧志遠",
    "丁春燕",
    "魏海波",
    "薛玉蘭",
    "葉建華",
    "閻素珍",
    "潘德勝",
    "杜美玲",
)
# The review flow's people (四級審核): the office submits, the department reviews, the
# specialist consolidates, the leader approves and publishes.
REVIEWER = "孫建平"  # 管理部門
SPECIALIST = "馬麗華"  # 專責
LEADER = "高振宇"  # 局黨委
DEMO_SETTINGS = BenchmarkSettings(
    roles={
        OFFICE: [Role.SUBMIT],
        REVIEWER: [Role.REVIEW],
        SPECIALIST: [Role.CONSOLIDATE],
        LEADER: [Role.APPROVE],
    }
)
MONTHS = 12
SELF_REPORT_MONTHS = 3  # the last months in which units report their own indicator results
PRACTICE_MONTHS = 4  # the last months in which inspectors mark good practices
V3_FROM_MONTH = 6  # months 0..5 use version 2 of the indicator system, then version 3
OFFICE_START = dt.time(1, 0)  # 09:00 in Asia/Shanghai, kept in UTC


@dataclass(frozen=True)
class DemoSummary:
    """What the demo made, for the CLI to print."""

    units: int
    checklists: int
    inspections: int
    in_progress: int
    answers: int
    amendments: int
    problems: int
    open: int
    rectifying: int
    submitted: int
    closed: int
    overdue: int
    due_within_7_days: int
    extended: int
    reopened: int
    rectifications: int
    problem_events: int
    monthly_results: int
    months: tuple[str, ...]
    lagging_last_month: tuple[str, ...]  # unit codes
    published: int = 0  # months published through the review flow
    self_reports: int = 0
    practices: int = 0


# ---------------------------------------------------------------------- problem texts


@dataclass(frozen=True)
class _Theme:
    descriptions: tuple[str, ...]
    requirement: str
    rectification: str
    evidence: tuple[str, ...]


_AFTER = "；舉一反三，自查本支部同類問題。"

THEMES: dict[str, _Theme] = {
    "三重一大": _Theme(
        (
            "「三重一大」事項決策記錄不全：{m}月大額資金使用事項未見支委會或黨政聯席會集體研究記錄",
            "支委會、黨政聯席會會議記錄缺少參會人員表決意見，決定事項無落實結果反饋",
        ),
        "對照「三重一大」事項清單逐項補齊集體研究記錄，今後重大事項先研究後實施，明確專人落實並反饋結果"
        + _AFTER,
        "已補齊「三重一大」事項集體研究記錄，建立決策事項登記表並明確落實責任人。",
        ("「三重一大」決策事項登記表", "支委會會議記錄（補記說明）"),
    ),
    "每月一題": _Theme(
        ("中層幹部理論學習「每月一題」心得體會缺交{n}人次，全局交流會簽到表無本支部人員簽名",),
        "督促缺交人員補交心得體會，建立「每月一題」完成情況登記表，支部書記每月末核對" + _AFTER,
        "缺交人員已補交心得體會，建立「每月一題」完成情況登記表。",
        ("心得體會文稿", "「每月一題」完成情況登記表"),
    ),
    "廉政": _Theme(
        ("廉政監督員季度監督意見反饋記錄缺失，本季度未開展廉政教育",),
        "補充季度監督意見反饋記錄，本月內組織1次廉政教育並留存記錄；舉一反三，核查廉政責任狀分解簽訂情況。",
        "已組織廉政教育1次，廉政監督員補充反饋監督意見並存檔。",
        ("廉政教育簽到表", "廉政監督員反饋意見表"),
    ),
    "對標分析": _Theme(
        ("未按月召開對標分析會，對落後指標未制定改進措施，對標數據晚於每月5日上報",),
        "每月召開對標分析會，針對落後指標制定改進措施並跟蹤落實；對標數據每月5日前如實上報。",
        "已召開對標分析會，形成改進措施清單並明確責任人。",
        ("月度對標分析記錄", "改進措施清單"),
    ),
    "三會一課": _Theme(
        (
            "三會一課記錄不全：{m}月支委會記錄缺少出席人數和議題，本季度黨課無教案",
            "本季度未召開支部黨員大會，黨小組會記錄缺少{n}次",
        ),
        "補齊會議記錄和黨課教案，按月核對「三會一課」落實情況；舉一反三，檢查各黨小組活動記錄。",
        "已補記會議記錄，本季度黨課已補上並留存教案和簽到表。",
        ("支委會會議記錄簿", "黨課教案及簽到表"),
    ),
    "發展黨員": _Theme(
        (
            "發展黨員公示材料缺失：發展對象公示無公示起止時間和反映意見處理記錄",
            "入黨積極分子培養考察登記表半年未填寫，{n}名積極分子未落實培養聯繫人",
        ),
        "補齊公示材料並說明公示期反映意見處理情況；按發展黨員實施辦法逐人核對程序和時間順序，"
        "程序不完整的暫緩發展。",
        "已補齊公示材料，逐人核對發展程序，建立發展黨員工作流程核對表。",
        ("發展對象公示材料", "培養考察登記表"),
    ),
    "先進性承諾": _Theme(
        (
            "黨員先進性承諾未公示：{n}名黨員承諾書未在公示欄公開",
            "黨員承諾季度點評記錄缺失，兌諾率未按季度統計",
        ),
        "本週內將全體黨員承諾在公示欄和桌牌公開，補做季度點評並計算兌諾率" + _AFTER,
        "全體黨員承諾已在公示欄公開，完成季度點評並統計兌諾率。",
        ("承諾公示欄照片", "季度點評記錄"),
    ),
    "基礎資料": _Theme(
        (
            "15類基礎資料不規範：缺少{n}類資料，部分資料格式與全局統一標準不一致",
            "對標數據未在每月5日前上報，抽查的佐證資料與上報數據不一致",
        ),
        "對照15類基礎資料目錄逐類補齊並統一格式；對標數據按時如實上報，佐證資料與上報數據逐項核對後再報。",
        "已按統一目錄補齊基礎資料並規範格式，上報數據與佐證資料逐項核對。",
        ("基礎資料目錄核對表",),
    ),
    "黨小組": _Theme(
        ("規範化黨小組創建計劃未落實，{n}個黨小組本月無活動記錄",),
        "按規範化黨小組創建計劃補開黨小組會並留存記錄；支部每月檢查黨小組活動情況。",
        "各黨小組已補開黨小組會，活動記錄本已規範填寫。",
        ("黨小組活動記錄本",),
    ),
    "黨費": _Theme(
        ("黨費收繳台賬不清，{n}名黨員未按月交納黨費",),
        "核清黨費交納基數，督促補交並建立按月收繳台賬；舉一反三，檢查黨員日常管理台賬。",
        "已核定交納基數，欠交黨費已補交，建立按月收繳台賬。",
        ("黨費收繳台賬",),
    ),
    "三亮": _Theme(
        (
            "「三亮」工程落實不到位：作業現場安全帽無黨員標識，未設黨員示範崗",
            "黨員「先鋒日記」篇數不足，{n}名黨員本月少於4篇，支部未按季度評閱",
        ),
        "本月內完成黨員標識配置，設立黨員示範崗並掛牌；先鋒日記每月檢查篇數，支部每季度評閱。",
        "已為黨員安全帽、桌牌配置黨員標識，設立黨員示範崗。",
        ("現場照片", "黨員示範崗名單"),
    ),
    "先鋒日記": _Theme(
        ("黨員「先鋒日記」篇數不足，{n}名黨員本月少於4篇，支部未按季度評閱",),
        "督促黨員按月撰寫先鋒日記，支部每季度評閱並寫明評閱意見。",
        "黨員已補寫先鋒日記，支部完成本季度評閱。",
        ("先鋒日記評閱記錄",),
    ),
    "思想動態": _Theme(
        ("本季度未開展職工思想動態分析，對職工反映的問題無疏導措施",),
        "本月內完成職工思想動態分析並制定疏導措施，今後每季度分析1次。",
        "已完成季度職工思想動態分析，制定疏導措施並落實到人。",
        ("思想動態分析報告",),
    ),
    "愛心": _Theme(
        ("「夏送清涼、冬送溫暖」慰問活動無記錄，職工生日祝福台賬未建立",),
        "補建慰問活動和職工生日祝福台賬，每季度至少開展1次愛心活動並留存記錄。",
        "已開展「冬送溫暖」慰問活動，建立職工生日祝福台賬。",
        ("慰問活動記錄", "職工生日祝福台賬"),
    ),
    "光明服務": _Theme(
        ("「光明服務連心卡」未發放到戶，文明單位創建材料{m}月後未更新",),
        "完成連心卡發放並建立發放登記，補充文明單位創建材料。",
        "連心卡已發放到戶並登記，文明單位創建材料已更新。",
        ("連心卡發放登記表",),
    ),
    "參學率": _Theme(
        ("政治理論學習參學率低於80%，{n}名黨員學習筆記無記錄",),
        "缺學黨員補學並補記學習筆記；每次學習嚴格簽到，按月統計參學率，低於95%的逐人了解原因。",
        "缺學黨員已補學，學習筆記已補記，建立參學率月統計表。",
        ("學習簽到表", "參學率月統計表"),
    ),
    "政工網絡": _Theme(
        ("政工網絡教育平台本月原創信息僅{n}條，未達到每月8條",),
        "明確信息員，每月上傳原創信息不少於8條，支部書記審核把關。",
        "已明確信息員並制定上傳計劃，本月原創信息已上傳9條。",
        ("平台上傳統計截圖",),
    ),
    "形勢任務": _Theme(
        ("本季度未開展形勢任務教育，職工對全局重點工作知曉率低",),
        "本月內開展1次形勢任務教育，結合班組會宣講全局重點工作。",
        "已開展形勢任務教育並在班組會宣講。",
        ("宣講記錄",),
    ),
    "工會": _Theme(
        ("支部半年內未專題研究工會工作，廠務公開欄超過一季度未更新",),
        "召開支委會專題研究工會工作，每季度更新廠務公開內容，合理化建議件件回復。",
        "支委會已專題研究工會工作，廠務公開欄已更新。",
        ("支委會會議記錄", "廠務公開欄照片"),
    ),
    "共青團": _Theme(
        ("支部未專題研究共青團工作，本年度未開展推優入黨",),
        "支委會專題研究團的工作，年內完成推優入黨並將被推薦人列入積極分子名冊。",
        "支委會已研究團的工作，推薦優秀團員1名入黨。",
        ("推優入黨登記表",),
    ),
    "安全思想": _Theme(
        ("重要檢修任務前未制定思想保證措施，工作後無總結",),
        "大型工作、重要檢修和保電任務前制定思想保證措施，落實工作前宣講、工作中檢查、工作後總結。",
        "已補充思想保證措施模板，近期檢修任務均有宣講和總結記錄。",
        ("思想保證措施", "檢修總結"),
    ),
    "零違章": _Theme(
        ("{n}名黨員未簽訂安全承諾書，考核期內有黨員在安全檢查中被查出違章",),
        "全體黨員簽訂安全承諾書；對違章黨員進行談話教育，在黨小組會上剖析違章原因。",
        "全體黨員已簽訂安全承諾書，違章黨員已在黨小組會上作剖析。",
        ("安全承諾書", "談話記錄"),
    ),
    "建功立業": _Theme(
        ("支部書記未參加生產經營例會，未參與績效考核和獎金分配方案制定",),
        "支部書記參加每次生產經營例會，參與考核分配方案的制定與監督並會簽。",
        "支部書記已參加生產經營例會，參與本月考核分配方案會簽。",
        ("生產經營例會記錄", "考核分配方案會簽表"),
    ),
    "自選動作": _Theme(
        ("自選動作未向政治部申報備案，活動無方案和過程記錄，季度末無小結",),
        "按季度初向政治部申報備案自選動作，按PDCA管理並形成季度小結；參加支部互學互查。",
        "已向政治部申報備案自選動作，補充活動方案和季度小結。",
        ("自選動作申報表", "季度小結"),
    ),
}

# Checked in order against the indicator title: the first keyword found names the theme.
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("三重一大", "三重一大"),
    ("每月一題", "每月一題"),
    ("廉政", "廉政"),
    ("對標分析", "對標分析"),
    ("三會一課", "三會一課"),
    ("發展黨員", "發展黨員"),
    ("零違章", "零違章"),
    ("承諾", "先進性承諾"),
    ("基礎資料", "基礎資料"),
    ("黨小組", "黨小組"),
    ("黨費", "黨費"),
    ("三亮", "三亮"),
    ("先鋒日記", "先鋒日記"),
    ("思想動態", "思想動態"),
    ("愛心", "愛心"),
    ("光明服務", "光明服務"),
    ("參學率", "參學率"),
    ("政工網絡", "政工網絡"),
    ("形勢任務", "形勢任務"),
    ("工會", "工會"),
    ("共青團", "共青團"),
    ("安全思想", "安全思想"),
    ("建功立業", "建功立業"),
    ("經營管理", "建功立業"),
    ("生產管理", "建功立業"),
    ("自選動作", "自選動作"),
    ("特色活動", "自選動作"),
)

_REJECT_REASONS = (
    "佐證材料不完整：只有照片，沒有會議記錄原件，請補充後重新提交",
    "整改不到位：公示期不足7天，需重新公示",
    "抽查3名黨員，仍有1人未完成，請繼續整改",
)
_EXTEND_REASONS = (
    "需待政治部統一格式下發後整改，經批准延期",
    "支部書記參加集中培訓，經批准延期",
    "需待季度黨員大會召開時一併整改，經批准延期",
)
_CLOSE_NOTES = ("經現場核查，整改到位，予以銷號", "佐證材料齊全，同意銷號")
_AMEND_REASON = "複核支部補充提交的會議記錄原件後更正"
_REOPEN_REASON = "復查「回頭看」發現問題反彈：整改後連續兩個月未落實，重新整改"


# Good practices (亮點 / 典型經驗) inspectors mark, by theme, in the source's words.
PRACTICE_TEXTS: dict[str, str] = {
    "三重一大": "「三重一大」事項建立決策登記表，先集體研究後實施，明確專人落實並反饋結果",
    "每月一題": "中層幹部「每月一題」心得體會按月收齊，支部書記點評後在全局交流會上交流",
    "廉政": "廉政監督員每季度反饋監督意見，每月開展一次廉政教育並留存記錄",
    "對標分析": "每月召開對標分析會，對落後指標逐項制定改進措施，主動邀請標桿支部傳經送寶",
    "三會一課": "「三會一課」按月計劃、按季度小結，黨課教案、簽到表和會議記錄同步歸檔",
    "發展黨員": "實行入黨積極分子培養考察和發展對象公示制度，逐人建立發展黨員工作流程核對表",
    "先進性承諾": "黨員從共性承諾、崗位承諾、實事承諾和自律承諾四個方面制定個人承諾，季度點評，兌諾率100%",
    "基礎資料": "按全局統一的15類基礎資料目錄建檔，每月5日前核對佐證資料後如實上報對標數據",
    "黨小組": "按三年創建規範化黨小組計劃，黨小組每月活動一次，活動記錄本統一格式",
    "黨費": "黨費按月收繳，收繳台賬每月在支部公示欄公開",
    "三亮": "全面實施「亮身份、亮承諾、亮工作」：辦公桌擺放黨員身份桌牌，作業現場安全帽兩側印黨員標識",
    "先鋒日記": "黨員「先鋒日記」每月不少於4篇，支部每季度評閱並寫明評閱意見",
    "思想動態": "每季度開展職工思想動態分析，幹部與職工面對面「深度匯談」，對反映的問題逐條疏導",
    "愛心": "開展「夏送清涼、冬送溫暖、春秋送歡樂」現場慰問，職工生日送上一束鮮花或一張賀卡",
    "光明服務": "為每名黨員製作「光明服務連心卡」，黨員主動上門為VIP客戶、孤寡老人服務",
    "參學率": "每次學習嚴格簽到並按月統計參學率，缺學黨員當月補學，參學率保持在95%以上",
    "政工網絡": "明確專職信息員，每月上傳原創信息不少於8條，支部書記審核把關",
    "形勢任務": "結合班組會開展形勢任務教育，逐班組宣講全局重點工作",
    "工會": "支委會每半年專題研究工會工作，廠務公開欄每季度更新，合理化建議件件回復",
    "共青團": "支委會專題研究團的工作，推薦優秀團員入黨並列入積極分子名冊",
    "安全思想": "大型工作、重要檢修和保電任務前制定思想保證措施，工作前宣講、工作中檢查、工作後總結",
    "零違章": "開展工作現場「零違章」競賽，全體黨員簽訂安全承諾書，黨小組每月點評",
    "建功立業": "支部書記參加每次生產經營例會，參與考核分配方案的制定與監督並會簽",
    "自選動作": "開展黨員站際互查活動，互幫互促；自選動作按季度申報備案，按PDCA管理並形成小結",
}
_SEND_BACK_REASON = "抽查發現個別支部上報數據與佐證資料不一致，退回核對後重新上報"
_MONTH_REOPEN_REASON = "支部補充提交會議記錄原件，複核後更正當月檢查結果，重新計算並報審"


def theme_of(title: str) -> str | None:
    for keyword, theme in _KEYWORDS:
        if keyword in title:
            return theme
    return None


# ---------------------------------------------------------------------- the simulation


@dataclass
class _Unit:
    id: str
    code: str
    kind: UnitKind
    secretary: str
    quality: float  # chance an indicator conforms
    diligence: float  # how promptly problems are rectified
    deputies: tuple[str, ...]
    bonus_chance: float


@dataclass
class _System:
    id: str
    indicators: list[Indicator]


@dataclass(order=True)
class _Event:
    moment: dt.datetime
    seq: int
    action: Callable[[], None] = field(compare=False)


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _moment(day: dt.date, minutes: int) -> dt.datetime:
    start = dt.datetime.combine(day, OFFICE_START, tzinfo=dt.UTC)
    return start + dt.timedelta(minutes=max(0, min(minutes, 8 * 60)))


class _Demo:
    def __init__(self, store: Store, seed: int, today: dt.date) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.today = today
        self.clock = FixedClock(_moment(today, 0))
        self.events: list[_Event] = []
        self.seq = 0
        self.last_month = ranking.month_of(today)
        self.months = [ranking.shift_month(self.last_month, d) for d in range(1 - MONTHS, 1)]
        self.units: list[_Unit] = []
        self.systems: list[_System] = []
        self.theme_problem: dict[tuple[str, str], str] = {}  # (unit, theme) → problem id
        self.last_supervisory: dict[str, dt.date] = {}
        # benchmarking extras (reviews, self-reports, practices) draw from their own
        # generator, so the rest of the year stays what it was
        self.extra = random.Random(seed * 1_000_003 + 17)
        self.over_reporters: dict[str, float] = {}  # unit id → share of items inflated

    # -------------------------------------------------------------- timeline

    def at(self, day: dt.date, minutes: int, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.events, _Event(_moment(day, minutes), self.seq, action))

    def run(self) -> None:
        """Run the events in order; the clock never goes back (one device, one timeline)."""
        while self.events:
            event = heapq.heappop(self.events)
            if event.moment.date() > self.today:
                continue
            self.clock.set(max(event.moment, self.clock.now()))
            event.action()

    def as_user(self, user: str) -> None:
        self.store.user = user

    def tick(self, low: int = 1, high: int = 4) -> None:
        self.clock.advance(
            dt.timedelta(minutes=self.rng.randint(low, high), seconds=self.rng.randint(0, 59))
        )

    # -------------------------------------------------------------- setup

    def setup(self) -> None:
        first = ranking.month_bounds(self.months[0])[0]
        self.clock.set(_moment(first - dt.timedelta(days=7), 30))
        self.as_user(OFFICE)
        checklists.install_shipped(self.store)
        units.import_org_tree(self.store, demo_org())
        versions = sorted(checklists.list_checklists(self.store), key=lambda c: c.version)
        for checklist in versions[-2:]:  # the two newest: version 2 (7/28), then 3 (7/20)
            self.systems.append(
                _System(checklist.id, checklists.indicators_of(self.store, checklist.id))
            )
        branches = units.list_units(self.store, kinds=(UnitKind.BRANCH,))
        general = units.list_units(self.store, kinds=(UnitKind.GENERAL_BRANCH,))
        picked = self.rng.sample(range(len(branches)), 4)
        top, bottom = picked[0], set(picked[1:])
        for index, unit in enumerate(branches + general):
            if index == top:
                quality, bonus = 0.985, 0.85
            elif index in bottom:
                quality, bonus = self.rng.uniform(0.28, 0.36), 0.0
            elif unit.kind is UnitKind.GENERAL_BRANCH:
                quality, bonus = self.rng.uniform(0.72, 0.84), 0.03
            else:
                quality, bonus = self.rng.uniform(0.70, 0.85), 0.03
            self.units.append(
                _Unit(
                    id=unit.id,
                    code=unit.code,
                    kind=unit.kind,
                    secretary=unit.secretary,
                    quality=quality,
                    diligence=min(0.95, quality + self.rng.uniform(-0.1, 0.1)),
                    deputies=tuple(self.rng.sample(COMMITTEE_NAMES, 2)),
                    bonus_chance=bonus,
                )
            )
        # one lagging-prone branch reports far more than spot checks find, one ordinary
        # branch a little more: the month view flags them for follow-up
        weak = [u for u in self.units if u.quality < 0.4]
        middle = [u for u in self.units if u.kind is UnitKind.BRANCH and 0.7 <= u.quality < 0.85]
        if weak:
            self.over_reporters[self.extra.choice(weak).id] = 1.0
        if middle:
            self.over_reporters[self.extra.choice(middle).id] = 0.45

    def system_for(self, month: str) -> _System:
        """The older version for the first half year, the newer one after (both in use, as
        when the source moved from 7/28 to 7/20 in July)."""
        index = self.months.index(month) if month in self.months else MONTHS - 1
        return self.systems[0] if index < V3_FROM_MONTH else self.systems[-1]

    # -------------------------------------------------------------- plan

    def plan(self) -> None:
        for month in self.months:
            start, end = ranking.month_bounds(month)
            last_day = end - dt.timedelta(days=1)
            if month == self.last_month:
                last_day = min(last_day, self.today - dt.timedelta(days=7))
            days = [
                d
                for d in (start + dt.timedelta(days=n) for n in range(2, 26))
                if d <= last_day and d.weekday() < 5
            ]
            for unit in self.units:
                if unit.kind is UnitKind.GENERAL_BRANCH:
                    count = 1 if self.rng.random() < 0.5 else 0
                else:
                    count = 2 if self.rng.random() < 0.1 else 1
                for day in sorted(self.rng.sample(days, min(count, len(days)))):
                    self.at(
                        day,
                        self.rng.randint(0, 300),
                        self._visit_action(unit, day, InspectionKind.SPOT),
                    )
            if month != self.last_month:
                compute_day = _workday(end + dt.timedelta(days=1))
                self.at(compute_day, 450, self._compute_action(month))
        for month in self.months[-SELF_REPORT_MONTHS:]:
            start = ranking.month_bounds(month)[0]
            day = min(_workday(start + dt.timedelta(days=25)), self.today)
            self.at(day, 470, self._self_report_action(month))
        self._plan_last_week()

    def _plan_last_week(self) -> None:
        """What is on the desk today: a follow-up that finds a closed problem back, and
        two or three inspections still being worked through."""
        self.at(_workday(self.today - dt.timedelta(days=9)), 60, self._lookback_action)
        days = [
            d
            for d in (self.today - dt.timedelta(days=n) for n in range(6, -1, -1))
            if d.weekday() < 5
        ] or [self.today]
        branches = [u for u in self.units if u.kind is UnitKind.BRANCH]
        count = 2 + (self.rng.random() < 0.5)
        for unit in self.rng.sample(branches, count):
            day = self.rng.choice(days)
            share = self.rng.uniform(0.3, 0.7)
            self.at(
                day,
                self.rng.randint(0, 240),
                self._visit_action(unit, day, InspectionKind.SPOT, share),
            )

    # -------------------------------------------------------------- visits

    def _visit_action(
        self, unit: _Unit, day: dt.date, kind: InspectionKind, share: float = 1.0
    ) -> Callable[[], None]:
        def action() -> None:
            self.visit(unit, day, kind, share)

        return action

    def team(self) -> list[str]:
        return self.rng.sample(INSPECTORS, self.rng.choice((2, 2, 3)))

    def visit(self, unit: _Unit, day: dt.date, kind: InspectionKind, share: float = 1.0) -> str:
        store = self.store
        system = self.system_for(ranking.month_of(day))
        team = self.team()
        lead = team[0]
        self.as_user(lead)
        inspection = inspections.start_inspection(
            store, unit.id, kind=kind, date=day, team=team, checklist_id=system.id
        )
        quality = min(0.99, max(0.2, unit.quality + self.rng.gauss(0, 0.03)))
        answered = max(1, round(len(system.indicators) * share))
        findings: list[tuple[Indicator, Result]] = []
        for indicator in system.indicators[:answered]:
            self.tick()
            result, value = self.answer(unit, indicator, quality)
            theme = theme_of(indicator.title)
            remark = ""
            if (
                result in (Result.PARTLY, Result.DOES_NOT)
                and indicator.kind is not IndicatorKind.BONUS
            ):
                remark = _short(self.describe(theme, day)) if theme else "見問題清單"
                findings.append((indicator, result))
            inspections.record_answer(
                store, inspection.id, indicator.id, result, value=value, remark=remark
            )
        if share < 1.0:
            return inspection.id
        self.tick(5, 15)
        inspections.sign_off(store, inspection.id)
        self.mark_practices(unit, inspection.id, day, system)
        self.record_problems(unit, inspection.id, day, kind, findings, lead)
        if self.rng.random() < 0.05:
            self.at(day, 470, lambda: self.amend(inspection.id, lead))
        if kind is InspectionKind.SUPERVISORY:
            again = _workday(day + dt.timedelta(days=self.rng.randint(21, 35)))
            self.at(
                again,
                self.rng.randint(0, 240),
                self._visit_action(unit, again, InspectionKind.REINSPECTION),
            )
        return inspection.id

    def answer(
        self, unit: _Unit, indicator: Indicator, quality: float
    ) -> tuple[Result, float | None]:
        rng, rule, top = self.rng, indicator.rule, indicator.max_score
        if unit.code == "JGLTX" and any(
            k in indicator.title for k in ("共青團", "零違章", "安全思想")
        ):
            return Result.NOT_APPLICABLE, None  # a retirees' branch has no youth or site work
        if isinstance(rule, BonusRule):
            if rng.random() < unit.bonus_chance:
                most = int(top // rule.per_occurrence)
                return Result.CONFORMS, float(rng.randint(1, max(1, most)))
            return Result.DOES_NOT, None
        draw = rng.random()
        if isinstance(rule, PassFailRule):
            return (
                (Result.CONFORMS, None)
                if draw < min(1.0, quality + 0.08)
                else (Result.DOES_NOT, None)
            )
        if draw < quality:
            return Result.CONFORMS, None
        partly = draw < quality + (1 - quality) * 0.65
        if isinstance(rule, DeductRule):
            if not partly:
                return Result.DOES_NOT, None
            most = max(1, int((top - rule.floor) / rule.per_occurrence) - 1)
            return Result.PARTLY, float(rng.randint(1, min(3, most)))
        if isinstance(rule, ScaleRule):
            if not partly:
                return Result.DOES_NOT, None
            ratio = min(0.95, max(0.1, rng.gauss(quality - 0.15, 0.1)))
            return Result.PARTLY, round(top * ratio * 2) / 2
        assert isinstance(rule, GradedRule)
        return (Result.PARTLY, None) if partly else (Result.DOES_NOT, None)

    def describe(self, theme: str | None, day: dt.date) -> str:
        if theme is None:
            return ""
        text = self.rng.choice(THEMES[theme].descriptions)
        return text.format(m=day.month, n=self.rng.randint(1, 4))

    def amend(self, inspection_id: str, lead: str) -> None:
        self.as_user(lead)
        inspection = inspections.get_inspection(self.store, inspection_id)
        given = inspections.answers_of(self.store, inspection_id)
        system = next(s for s in self.systems if s.id == inspection.checklist_id)
        candidates = [
            i
            for i in system.indicators
            if isinstance(i.rule, GradedRule) and given[i.id].result is Result.PARTLY
        ]
        if candidates:
            indicator = self.rng.choice(candidates)
            inspections.amend_answer(
                self.store, inspection_id, indicator.id, Result.CONFORMS, reason=_AMEND_REASON
            )

    # -------------------------------------------------------------- problems

    def record_problems(
        self,
        unit: _Unit,
        inspection_id: str,
        day: dt.date,
        kind: InspectionKind,
        findings: list[tuple[Indicator, Result]],
        lead: str,
    ) -> None:
        limit = 4 if kind is InspectionKind.SUPERVISORY else 2
        chosen = [
            (ind, res)
            for ind, res in findings
            if self.rng.random() < (0.6 if res is Result.DOES_NOT else 0.15)
        ]
        self.rng.shuffle(chosen)
        made = 0
        for indicator, result in chosen:
            theme = theme_of(indicator.title)
            if theme is None or made >= limit:
                continue
            earlier = self.theme_problem.get((unit.id, theme))
            if (
                earlier
                and problems.get_problem(self.store, earlier).state is not ProblemState.CLOSED
            ):
                continue  # still being rectified: not a new problem
            severity = Severity.GENERAL
            if result is Result.DOES_NOT:
                severity = Severity.MAJOR if self.rng.random() < 0.5 else Severity.GENERAL
                if isinstance(indicator.rule, PassFailRule):
                    serious = kind is InspectionKind.SUPERVISORY
                    severity = Severity.SERIOUS if serious else Severity.MAJOR
            deadline = day + dt.timedelta(days=self.rng.randint(15, 60))
            responsible = (
                unit.secretary if self.rng.random() < 0.6 else self.rng.choice(unit.deputies)
            )
            self.tick()
            problem = problems.add_problem(
                self.store,
                inspection_id=inspection_id,
                indicator=indicator.id,
                description=self.describe(theme, day),
                severity=severity,
                requirement=THEMES[theme].requirement,
                responsible=responsible,
                deadline=deadline,
            )
            self.theme_problem[(unit.id, theme)] = problem.id
            self.plan_problem(problem.id, unit, theme, day, deadline, lead)
            made += 1

    def plan_problem(
        self, pid: str, unit: _Unit, theme: str, found: dt.date, deadline: dt.date, lead: str
    ) -> None:
        """Schedule what happens to a problem, by the unit's diligence; whatever falls after
        today does not happen, which leaves it open, rectifying or awaiting verification."""
        rng, q = self.rng, unit.diligence
        plans = ("prompt", "rejected", "extended", "late", "stalled", "stuck")
        weights = (5 * q, 0.8, 0.7, 2 * (1 - q), 1.6 * (1 - q), 0.6)
        plan = rng.choices(plans, weights)[0]
        span = max(3, (deadline - found).days)

        def day_after(base: dt.date, low: int, high: int) -> dt.date:
            return base + dt.timedelta(days=rng.randint(low, high))

        def minutes() -> int:
            return rng.randint(0, 420)

        if plan == "stalled":
            return
        if plan == "extended":
            ask = max(found + dt.timedelta(days=1), deadline - dt.timedelta(days=rng.randint(2, 5)))
            new = day_after(deadline, 15, 30)
            self.at(ask, minutes(), lambda: self.extend(pid, new))
            done = new - dt.timedelta(days=rng.randint(3, 8))
        elif plan == "late":
            done = day_after(deadline, 3, 25)
        else:
            done = found + dt.timedelta(days=max(2, int(span * rng.uniform(0.2, 0.85))))
        self.at(done, minutes(), lambda: self.rectify(pid, theme, done))
        if plan == "stuck":
            return
        submitted = day_after(done, 1, 3)
        self.at(submitted, minutes(), lambda: self.submit(pid))
        verified = day_after(submitted, 2, 6)
        if plan == "rejected":
            self.at(verified, minutes(), lambda: self.reject(pid, lead))
            again = day_after(verified, 4, 10)
            self.at(again, minutes(), lambda: self.rectify(pid, theme, again, second=True))
            resubmitted = day_after(again, 1, 2)
            self.at(resubmitted, minutes(), lambda: self.submit(pid))
            verified = day_after(resubmitted, 2, 5)
        self.at(verified, minutes(), lambda: self.close(pid, lead))

    def rectify(self, pid: str, theme: str, done: dt.date, *, second: bool = False) -> None:
        problem = problems.get_problem(self.store, pid)
        if problem.state not in (ProblemState.OPEN, ProblemState.RECTIFYING):
            return
        self.as_user(OFFICE)
        text = THEMES[theme].rectification
        if second:
            text = "按驗收意見補充整改：" + text
        problems.record_rectification(
            self.store, pid, description=text, done_on=done, evidence=THEMES[theme].evidence
        )

    def submit(self, pid: str) -> None:
        if problems.get_problem(self.store, pid).state is ProblemState.RECTIFYING:
            self.as_user(OFFICE)
            problems.submit_for_verification(self.store, pid, note="支部已報送整改報告和佐證材料")

    def close(self, pid: str, lead: str) -> None:
        if problems.get_problem(self.store, pid).state is ProblemState.SUBMITTED:
            self.as_user(lead)
            problems.close_problem(
                self.store,
                pid,
                note=self.rng.choice(_CLOSE_NOTES),
                without_evidence_reason="佐證材料為紙質原件，已現場核對",
            )

    def reject(self, pid: str, lead: str) -> None:
        if problems.get_problem(self.store, pid).state is ProblemState.SUBMITTED:
            self.as_user(lead)
            problems.reject(self.store, pid, reason=self.rng.choice(_REJECT_REASONS))

    def extend(self, pid: str, new: dt.date) -> None:
        problem = problems.get_problem(self.store, pid)
        if problem.state is ProblemState.CLOSED or new <= max(problem.deadline, self.clock.today()):
            return
        self.as_user(OFFICE)
        problems.extend_deadline(
            self.store, pid, deadline=new, reason=self.rng.choice(_EXTEND_REASONS)
        )

    # -------------------------------------------------------------- the office

    def _compute_action(self, month: str) -> Callable[[], None]:
        return lambda: self.compute(month)

    def compute(self, month: str) -> None:
        """The monthly ranking, then a supervisory check for each lagging unit not checked
        in the last three months (as the source did for units behind three months running)."""
        self.as_user(OFFICE)
        results = ranking.compute_month(self.store, month)
        by_id = {u.id: u for u in self.units}
        for result in results:
            if not result.lagging or result.unit_id not in by_id:
                continue
            unit = by_id[result.unit_id]
            day = _workday(self.clock.today() + dt.timedelta(days=self.rng.randint(5, 12)))
            last = self.last_supervisory.get(unit.id)
            if last and (day - last).days < 90:
                continue
            self.last_supervisory[unit.id] = day
            self.at(
                day,
                self.rng.randint(0, 120),
                self._visit_action(unit, day, InspectionKind.SUPERVISORY),
            )
        if month != self.last_month:
            self.plan_review(month)

    # -------------------------------------------------------------- benchmarking extras

    def plan_review(self, month: str) -> None:
        """The four-level review of a computed month, a workday per step: most months are
        published; one is sent back once; one is published, reopened for a correction and
        published again; the month before the last waits for consolidation."""
        index = self.months.index(month)

        def step(user: str, role: Role) -> Callable[[], None]:
            def action() -> None:
                self.as_user(user)
                review.advance(self.store, month, role, DEMO_SETTINGS)

            return action

        def send_back() -> None:
            self.as_user(REVIEWER)
            review.send_back(self.store, month, _SEND_BACK_REASON, DEMO_SETTINGS)

        def resubmit() -> None:
            self.as_user(OFFICE)
            ranking.compute_month(self.store, month)
            review.advance(self.store, month, Role.SUBMIT, DEMO_SETTINGS)

        flow = [
            step(OFFICE, Role.SUBMIT),
            step(REVIEWER, Role.REVIEW),
            step(SPECIALIST, Role.CONSOLIDATE),
            step(LEADER, Role.APPROVE),
        ]
        if month == self.months[-2]:
            plan = flow[:2]
        elif index == 3:
            plan = [flow[0], send_back, resubmit, *flow[1:]]
        elif index == MONTHS - 4:
            plan = [*flow, lambda: self.correct(month), resubmit, *flow[1:]]
        else:
            plan = flow
        day = self.clock.today()
        for action in plan:
            day = _workday(day + dt.timedelta(days=1))
            self.at(day, self.extra.randint(30, 400), action)

    def correct(self, month: str) -> None:
        """A correction to a published month: reopened with a reason, an answer amended in
        a mid-table unit (so nobody's bottom streak or the benchmark changes)."""
        self.as_user(LEADER)
        review.reopen(self.store, month, _MONTH_REOPEN_REASON, DEMO_SETTINGS)
        start, end = ranking.month_bounds(month)
        ranked = ranking.count_ranked(self.store, month)
        row = self.store.one(
            "SELECT a.inspection_id, a.indicator_id, i.team FROM answers AS a "
            "JOIN inspections AS i ON i.id = a.inspection_id "
            "JOIN indicators AS d ON d.id = a.indicator_id "
            "JOIN monthly_results AS m ON m.unit_id = i.unit_id AND m.month = ? "
            "WHERE i.state = 'signed_off' AND i.date >= ? AND i.date < ? AND a.result = 'partly' "
            "AND d.rule LIKE '%graded%' AND m.rank BETWEEN 5 AND ? "
            "AND NOT EXISTS (SELECT 1 FROM bottom_streaks AS b "
            "WHERE b.unit_id = i.unit_id AND b.month = m.month AND b.streak > 0) "
            "ORDER BY i.date, i.id, d.position LIMIT 1",
            (month, start.isoformat(), end.isoformat(), ranked - 5),
        )
        if row:
            self.as_user(row["team"][0])
            inspections.amend_answer(
                self.store,
                row["inspection_id"],
                row["indicator_id"],
                Result.CONFORMS,
                reason=_AMEND_REASON,
            )

    def _self_report_action(self, month: str) -> Callable[[], None]:
        return lambda: self.self_report(month)

    def self_report(self, month: str) -> None:
        """Units report their own indicator results (支部上報), as the office imports them:
        most report what spot checks found (now and then a point more); the over-reporters
        report full marks on some or all items."""
        self.as_user(OFFICE)
        system = self.system_for(month)
        checklist = checklists.get_checklist(self.store, system.id)
        start, end = ranking.month_bounds(month)
        found: dict[tuple[str, str], float | None] = {}  # the mean of what was found
        for row in self.store.all(
            "SELECT i.unit_id, a.indicator_id, avg(a.score) AS score FROM answers AS a "
            "JOIN inspections AS i ON i.id = a.inspection_id WHERE i.state = 'signed_off' "
            "AND i.date >= ? AND i.date < ? AND i.checklist_id = ? "
            "GROUP BY i.unit_id, a.indicator_id",
            (start.isoformat(), end.isoformat(), system.id),
        ):
            score = row["score"]
            found[(row["unit_id"], row["indicator_id"])] = (
                None if score is None else round(score, 2)
            )
        rows: list[tuple[int, dict[str, object]]] = []
        for unit in self.units:
            inflate = self.over_reporters.get(unit.id, 0.0)
            for indicator in system.indicators:
                bonus = indicator.kind is IndicatorKind.BONUS
                value: object
                if (unit.id, indicator.id) in found:
                    score = found[(unit.id, indicator.id)]
                    if score is None:
                        value = "n/a"
                    elif not bonus and self.extra.random() < inflate:
                        value = indicator.max_score
                    elif not bonus and score < indicator.max_score and self.extra.random() < 0.05:
                        value = min(indicator.max_score, score + 1)
                    else:
                        value = score
                elif bonus:
                    value = 0
                else:
                    share = min(1.0, unit.quality + self.extra.uniform(0.0, 0.15) + inflate)
                    value = round(indicator.max_score * share * 2) / 2
                rows.append(
                    (
                        len(rows) + 2,
                        {
                            "month": month,
                            "unit_code": unit.code,
                            "system": f"{checklist.code}:{checklist.version}",
                            "indicator_code": indicator.code,
                            "score": value,
                        },
                    )
                )
        selfreport.import_rows(self.store, month, rows, source=f"{month} 支部上報.xlsx")

    def mark_practices(
        self, unit: _Unit, inspection_id: str, day: dt.date, system: _System
    ) -> None:
        """Inspectors mark good practices (亮點) of good units in the last months; the best
        unit gets most."""
        if ranking.month_of(day) not in self.months[-PRACTICE_MONTHS:] or unit.quality < 0.8:
            return
        chance = 0.5 if unit.quality > 0.95 else 0.12
        given = inspections.answers_of(self.store, inspection_id)
        marked = 0
        for indicator in system.indicators:
            text = PRACTICE_TEXTS.get(theme_of(indicator.title) or "")
            answer = given.get(indicator.id)
            if (
                text is None
                or answer is None
                or answer.result is not Result.CONFORMS
                or indicator.kind is IndicatorKind.BONUS
                or self.extra.random() >= chance
            ):
                continue
            practices.mark_practice(self.store, inspection_id, indicator.id, text)
            marked += 1
            if marked >= 4:
                return

    def _lookback_action(self) -> None:
        """A re-inspection (復查) that looks back (回頭看) and finds a closed problem again."""
        closed = self.store.all(
            "SELECT p.id, p.unit_id FROM problems AS p WHERE p.state = 'closed' "
            "ORDER BY p.closed_on DESC, p.id LIMIT 20"
        )
        if not closed:
            return
        order = {u.id: u.quality for u in self.units}
        target = min(closed, key=lambda r: (order.get(r["unit_id"], 1.0), r["id"]))
        unit = next(u for u in self.units if u.id == target["unit_id"])
        day = self.clock.today()
        self.visit(unit, day, InspectionKind.REINSPECTION)
        self.as_user(self.rng.choice(INSPECTORS))
        deadline = day + dt.timedelta(days=self.rng.randint(20, 30))
        problems.reopen(self.store, target["id"], reason=_REOPEN_REASON, deadline=deadline)

    def finish(self) -> None:
        self.clock.set(max(_moment(self.today, 480), self.clock.now()))
        self.compute(self.last_month)


def _short(text: str, limit: int = 40) -> str:
    head = text.split("：")[0] if "：" in text else text
    return head if len(head) <= limit else head[: limit - 1] + "…"


def build_demo(store: Store, *, seed: int = 7, today: dt.date) -> DemoSummary:
    """Fill an empty store with the demo installation; see the module docstring.

    Refuses a store that already holds units or inspections. The store's clock and user
    are restored afterwards.
    """
    if store.scalar("SELECT count(*) FROM units") or store.scalar(
        "SELECT count(*) FROM inspections"
    ):
        raise InvalidInput("the demo goes into an empty database; this one already has data")
    saved_clock: Clock = store.clock
    saved_user = store.user
    demo = _Demo(store, seed, today)
    store.clock = demo.clock
    try:
        demo.setup()
        demo.plan()
        demo.run()
        demo.finish()
    finally:
        store.clock = saved_clock
        store.user = saved_user
    return summarize(store, today, demo.months)


def summarize(store: Store, today: dt.date, months: list[str]) -> DemoSummary:
    def count(sql: str, params: tuple[object, ...] = ()) -> int:
        return int(store.scalar(sql, params) or 0)

    states = {
        r["state"]: r["n"]
        for r in store.all("SELECT state, count(*) AS n FROM problems GROUP BY state")
    }
    last = months[-1]
    lagging = store.all(
        "SELECT u.code FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id "
        "WHERE m.month = ? AND m.lagging ORDER BY u.code",
        (last,),
    )
    week = (today + dt.timedelta(days=7)).isoformat()
    return DemoSummary(
        units=count("SELECT count(*) FROM units"),
        checklists=count("SELECT count(*) FROM checklists"),
        inspections=count("SELECT count(*) FROM inspections"),
        in_progress=count("SELECT count(*) FROM inspections WHERE state = 'in_progress'"),
        answers=count("SELECT count(*) FROM answers"),
        amendments=count("SELECT count(*) FROM amendments"),
        problems=count("SELECT count(*) FROM problems"),
        open=states.get("open", 0),
        rectifying=states.get("rectifying", 0),
        submitted=states.get("submitted", 0),
        closed=states.get("closed", 0),
        overdue=problems.count_overdue(store, today),
        due_within_7_days=count(
            "SELECT count(*) FROM problems WHERE state != 'closed' AND deadline >= ? AND deadline <= ?",
            (today.isoformat(), week),
        ),
        extended=count(
            "SELECT count(DISTINCT problem_id) FROM problem_events WHERE action = 'extend'"
        ),
        reopened=count("SELECT count(*) FROM problems WHERE reopened > 0"),
        rectifications=count("SELECT count(*) FROM rectifications"),
        problem_events=count("SELECT count(*) FROM problem_events"),
        monthly_results=count("SELECT count(*) FROM monthly_results"),
        months=tuple(months),
        lagging_last_month=tuple(r["code"] for r in lagging),
        published=count("SELECT count(*) FROM month_reviews WHERE state = 'published'"),
        self_reports=count("SELECT count(*) FROM self_reports"),
        practices=count("SELECT count(*) FROM practices"),
    )
