"""The checklist: aspects and indicators on the left, the current indicator's standard,
guidance, answer, problems and this unit's earlier results on the right.

``1`` ``2`` ``3`` ``0`` answer (conforms / partly / does not / not applicable); each answer
is committed by the service before its mark appears. Conforms and not applicable move on
to the next item; partly and does not stay, because a remark (``n``) or a problem (``p``)
usually follows them. Every move is remembered, so leaving and coming back resumes at
the same indicator.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from ...errors import InspectError
from ...i18n import t
from ...models import (
    Answer,
    BonusRule,
    DeductRule,
    GradedRule,
    Indicator,
    InspectionKind,
    InspectionScore,
    InspectionState,
    PassFailRule,
    Problem,
    Result,
    ScaleRule,
)
from ...rules import needs_value, score_answer
from ...services import inspections, overview
from ...services.evidence import Attachment
from .. import tracking
from ..answering import Recorded, record, remark
from ..format import date, label, moment, num
from .amend import AmendDialog
from .base import BaseScreen, LoadFailed, SaveFailed
from .practices import SheetBenchmarking
from .problem import ProblemDialog
from .review import ReviewScreen
from .value import RemarkDialog, ValueDialog

MARKS: dict[Result | None, tuple[str, str]] = {
    None: (" ", ""),
    Result.CONFORMS: ("✓", "bold green"),
    Result.PARTLY: ("~", "bold yellow"),
    Result.DOES_NOT: ("✗", "bold red"),
    Result.NOT_APPLICABLE: ("-", "dim"),
}
ADVANCE = (Result.CONFORMS, Result.NOT_APPLICABLE)


def rule_text(indicator: Indicator) -> str:
    rule = indicator.rule
    match rule:
        case PassFailRule():
            return t("rule.pass_fail")
        case GradedRule(partly_ratio=ratio):
            return t("rule.graded", ratio=num(ratio * 100))
        case DeductRule(per_occurrence=per, floor=floor):
            return t("rule.deduct", per=num(per), floor=num(floor))
        case BonusRule(per_occurrence=per):
            return t("rule.bonus", per=num(per))
        case ScaleRule():
            return t("rule.scale")
    return ""  # pragma: no cover


def progress_text(score: InspectionScore, problems: int) -> str:
    text = t(
        "sheet.progress",
        answered=score.answered,
        total=score.total,
        earned=num(score.earned),
        possible=num(score.possible),
        percent=num(score.percent),
    )
    if score.bonus:
        text += t("sheet.bonus", bonus=num(score.bonus))
    if problems:
        text += t("sheet.problems", count=problems)
    return text


class ChecklistScreen(SheetBenchmarking, BaseScreen[None]):
    BINDINGS = [
        Binding("h", "practice", "key.practice", id="sheet.practice", show=False),
        Binding("1", "answer('conforms')", "key.conforms", id="sheet.conforms"),
        Binding("2", "answer('partly')", "key.partly", id="sheet.partly"),
        Binding("3", "answer('does_not')", "key.does_not", id="sheet.does_not"),
        Binding("0", "answer('not_applicable')", "key.not_applicable", id="sheet.not_applicable"),
        Binding("n", "remark", "key.remark", id="sheet.remark"),
        Binding("p", "problem", "key.problem", id="sheet.problem"),
        Binding("s", "review", "key.review", id="sheet.review"),
        Binding("a", "amend", "key.amend", id="sheet.amend"),
        Binding("f", "attach", "key.attach_answer", id="sheet.attach"),
        Binding("v", "verify_problems", "key.verify_problems", id="sheet.verify_problems"),
        Binding("j", "move(1)", "key.next", id="sheet.next", show=False),
        Binding("k", "move(-1)", "key.previous", id="sheet.previous", show=False),
        Binding(
            "right_square_bracket",
            "aspect(1)",
            "key.next_aspect",
            id="sheet.next_aspect",
            key_display="]",
            show=False,
        ),
        Binding(
            "left_square_bracket",
            "aspect(-1)",
            "key.previous_aspect",
            id="sheet.previous_aspect",
            key_display="[",
            show=False,
        ),
        Binding(
            "u", "next_unanswered", "key.next_unanswered", id="sheet.next_unanswered", show=False
        ),
    ]

    class EvidenceLoaded(Message):
        def __init__(self, found: tracking.SheetEvidence) -> None:
            super().__init__()
            self.found = found

    class SheetLoaded(Message):
        def __init__(self, sheet: overview.Sheet) -> None:
            super().__init__()
            self.sheet = sheet

    class AnswerRecorded(Message):
        def __init__(self, recorded: Recorded) -> None:
            super().__init__()
            self.recorded = recorded

    class CursorSaved(Message):
        def __init__(self, indicator_id: str) -> None:
            super().__init__()
            self.indicator_id = indicator_id

    def __init__(self, inspection_id: str) -> None:
        super().__init__()
        self.inspection_id = inspection_id
        self.sheet: overview.Sheet | None = None
        self.answers: dict[str, Answer] = {}
        self.problems: list[Problem] = []
        self.score: InspectionScore | None = None
        self._indicators: dict[str, Indicator] = {}
        self._earlier: dict[str, list[overview.EarlierResult]] = {}  # by indicator code
        self._cursor_written: str | None = None
        self._code_width = 2
        self._list_width = 40
        self._keep: str | None = None  # indicator to stay on when reloading
        self.evidence: dict[str, list[Attachment]] = {}  # files on each answer, by answer id

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Horizontal(id="sheet"):
            yield OptionList(id="items")
            with VerticalScroll(id="detail"):
                yield Static("", id="detail-body")
        yield Static("", id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("common.loading")
        self.query_one("#items", OptionList).focus()
        self.reload()

    # ------------------------------------------------------------------ state

    @property
    def readonly(self) -> bool:
        return (
            self.db.readonly
            or self.sheet is None
            or self.sheet.inspection.state is InspectionState.SIGNED_OFF
        )

    @property
    def current(self) -> Indicator | None:
        option = self.query_one("#items", OptionList).highlighted_option
        if option is None or option.id is None:
            return None
        return self._indicators.get(option.id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("answer", "remark", "problem", "attach"):
            return not self.readonly
        if action == "verify_problems":
            return (
                self.sheet is not None and self.sheet.inspection.kind is InspectionKind.REINSPECTION
            )
        if action == "amend":
            return (
                not self.db.readonly
                and self.sheet is not None
                and self.sheet.inspection.state is InspectionState.SIGNED_OFF
            )
        return super().check_action(action, parameters)

    # ------------------------------------------------------------------ loading

    def reload(self, keep: str | None = None) -> None:
        current = self.current
        self._keep = keep or (current.id if current else None)
        self._load()

    @work(thread=True, exclusive=True, group="sheet-load")
    def _load(self) -> None:
        try:
            sheet = self.db.call(overview.sheet, self.inspection_id)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.SheetLoaded(sheet))

    @on(SheetLoaded)
    def _loaded(self, message: SheetLoaded) -> None:
        sheet = message.sheet
        first_load = self.sheet is None
        self.sheet = sheet
        self.answers = dict(sheet.answers)
        self._earlier = dict(sheet.earlier)
        self.problems = list(sheet.problems)
        self.score = sheet.score
        self._indicators = {i.id: i for i in sheet.indicators}
        self._code_width = max((cell_len(i.code) for i in sheet.indicators), default=2)
        self.sub_title = t(
            "sheet.title",
            unit=sheet.unit.name,
            kind=label(sheet.inspection.kind),
            date=date(sheet.inspection.date),
        )
        items = self.query_one("#items", OptionList)
        self._list_width = items.scrollable_content_region.width or self._list_width
        self._build_options(sheet)
        target = self._keep if not first_load else sheet.inspection.cursor_indicator_id
        self._cursor_written = sheet.inspection.cursor_indicator_id
        if target not in self._indicators:
            # never opened on this device: the first unanswered item, else the first
            unanswered = [i.id for i in sheet.indicators if i.id not in self.answers]
            everything = [i.id for i in sheet.indicators]
            target = (unanswered or everything)[0] if everything else None
        if target:
            items.highlighted = items.get_option_index(target)
        self._show_progress()
        self._show_detail()
        self.refresh_bindings()
        self._load_evidence(first_load)

    @work(thread=True, exclusive=True, group="sheet-evidence")
    def _load_evidence(self, first_load: bool = False) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        reinspection = first_load and sheet.inspection.kind is InspectionKind.REINSPECTION
        try:
            found = self.db.call(
                tracking.sheet_evidence,
                self.inspection_id,
                sheet.unit.id,
                self.inspect_app.today(),
                reinspection=reinspection,
            )
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.EvidenceLoaded(found))

    @on(EvidenceLoaded)
    def _evidence_loaded(self, message: EvidenceLoaded) -> None:
        self.evidence = message.found.by_answer
        if message.found.to_verify:
            self.notify(t("sheet.reinspection", count=message.found.to_verify), timeout=8)
        self._show_detail()

    def _build_options(self, sheet: overview.Sheet) -> None:
        items = self.query_one("#items", OptionList)
        options: list[Option] = []
        for aspect in sheet.aspects:
            options.append(
                Option(
                    self._heading(aspect.code, aspect.title),
                    id=f"aspect:{aspect.id}",
                    disabled=True,
                )
            )
            options.extend(
                Option(self._prompt(ind), id=ind.id)
                for ind in sheet.indicators
                if ind.aspect_id == aspect.id
            )
        highlighted = items.highlighted
        items.set_options(options)
        if highlighted is not None:
            items.highlighted = highlighted

    def on_resize(self) -> None:
        self.call_after_refresh(self._list_resized)

    def _list_resized(self) -> None:
        width = self.query_one("#items", OptionList).scrollable_content_region.width
        if self.sheet is not None and width and width != self._list_width:
            self._list_width = width
            self._build_options(self.sheet)

    def _hanging(self, head: Text, body: Text) -> Text:
        """``head`` then ``body`` wrapped beside it with a hanging indent, so wrapped CJK
        titles stay readable in a narrow column. Wrapped here (not by the list) because
        plain text renders many times faster than a table per option."""
        indent = self._code_width + 3
        width = max(8, self._list_width - indent)
        lines = body.wrap(self.app.console, width, overflow="fold")
        text = Text()
        text.append_text(head)
        text.append(" " * max(1, indent - head.cell_len))
        for number, line in enumerate(lines):
            if number:
                text.append("\n" + " " * indent)
            text.append_text(line)
        return text

    def _heading(self, code: str, title: str) -> Text:
        return self._hanging(Text(code, style="bold"), Text(title, style="bold"))

    def _prompt(self, ind: Indicator) -> Text:
        answer = self.answers.get(ind.id)
        mark, style = MARKS[answer.result if answer else None]
        head = Text()
        head.append(mark, style=style)
        head.append(f" {ind.code}", style="bold")
        body = Text(ind.title)
        count = sum(1 for p in self.problems if p.indicator_id == ind.id)
        if count:
            body.append(f" ⚑{count}", style="bold red")
        return self._hanging(head, body)

    def _refresh_prompt(self, indicator_id: str) -> None:
        ind = self._indicators.get(indicator_id)
        if ind is not None:
            self.query_one("#items", OptionList).replace_option_prompt(
                indicator_id, self._prompt(ind)
            )

    def _show_progress(self, note: str | None = None) -> None:
        if self.score is None or self.sheet is None:
            return
        line = progress_text(self.score, len(self.problems))
        inspection = self.sheet.inspection
        if inspection.state is InspectionState.SIGNED_OFF:
            line = (
                t("sheet.signed", by=inspection.signed_by or "", at=moment(inspection.signed_at))
                + "  "
                + line
            )
        elif note:
            line = f"{line}  ·  {note}"
        elif self.score.answered == self.score.total:
            line = f"{line}  ·  {t('sheet.all_answered')}"
        self.query_one("#progress", Static).update(line)

    def _show_detail(self) -> None:
        """The right-hand panel, as one piece of content (one layout pass per change)."""
        ind = self.current
        if ind is None:
            return
        results = self._earlier.get(ind.code, [])
        meta = t(
            "sheet.meta",
            code=label(ind.kind),
            max=num(ind.max_score),
            rule=rule_text(ind),
            weight=num(ind.weight),
        )
        parts = [
            Content.styled(f"{ind.code} {ind.title}", "bold"),
            Content.styled(meta, "$text-muted"),
            *self._part("sheet.answer", self._answer_text(ind)),
            *self._part("sheet.standard", Text(ind.standard)),
            *self._part("sheet.guidance", Text(ind.guidance)),
            *self._part("sheet.problems_here", self._problems_text(ind)),
            *self._part("sheet.earlier", self._earlier_text(results)),
            *self._part("sheet.self_report", self.benchmarking_text(ind)),
        ]
        self.query_one("#detail-body", Static).update(Content("\n").join(parts))

    @staticmethod
    def _part(head: str, body: Text) -> list[Content]:
        return [Content(""), Content.styled(t(head), "bold $accent"), Content.from_rich_text(body)]

    def _answer_text(self, ind: Indicator) -> Text:
        answer = self.answers.get(ind.id)
        if answer is None:
            return Text(t("sheet.unanswered"), style="dim")
        mark, style = MARKS[answer.result]
        text = Text()
        text.append(f"{mark} {label(answer.result)}", style=style)
        text.append(f"  {num(answer.score)}/{num(ind.max_score)}")
        if answer.value is not None:
            text.append("\n" + t("sheet.value", value=num(answer.value)))
        if answer.remark:
            text.append("\n" + t("sheet.remark", remark=answer.remark))
        files = self.evidence.get(answer.id)
        if files:
            text.append("\n" + t("sheet.evidence", names="、".join(f.name for f in files)))
        return text

    def _problems_text(self, ind: Indicator) -> Text:
        text = Text()
        for problem in (p for p in self.problems if p.indicator_id == ind.id):
            if text:
                text.append("\n")
            text.append("⚑ ", style="bold red")
            text.append(f"{problem.description} ")
            text.append(f"({label(problem.severity)}, {date(problem.deadline)})", style="dim")
        return text or Text(t("common.none"), style="dim")

    @staticmethod
    def _earlier_text(results: list[overview.EarlierResult]) -> Text:
        if not results:
            return Text(t("common.none"), style="dim")
        text = Text()
        for result in results:
            if text:
                text.append("\n")
            mark, style = MARKS[result.result]
            text.append(f"{mark} ", style=style)
            text.append(
                t(
                    "sheet.earlier_line",
                    date=date(result.date),
                    kind=label(result.kind),
                    version=result.checklist_version,
                    result=label(result.result),
                    score=num(result.score),
                    max=num(result.max_score),
                )
            )
            if result.remark:
                text.append(f" — {result.remark}", style="dim")
        return text

    # ------------------------------------------------------------------ moving

    @on(OptionList.OptionHighlighted, "#items")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#detail", VerticalScroll).scroll_home(animate=False)
        self._show_detail()
        self._remember_cursor()

    def _remember_cursor(self) -> None:
        ind = self.current
        if ind is None or self.readonly or ind.id == self._cursor_written:
            return
        self._cursor_written = ind.id
        future = self.db.submit(inspections.move_cursor, self.inspection_id, ind.id)
        self.await_write(future, lambda _: self.CursorSaved(ind.id), "cursor")

    def action_move(self, step: int) -> None:
        items = self.query_one("#items", OptionList)
        if step > 0:
            items.action_cursor_down()
        else:
            items.action_cursor_up()

    def action_aspect(self, step: int) -> None:
        """Jump to the first indicator of the next (or previous) aspect."""
        items = self.query_one("#items", OptionList)
        if items.highlighted is None or self.sheet is None:
            return
        heads = [i for i, option in enumerate(items.options) if option.disabled]
        here = items.highlighted
        if step > 0:
            later = [h for h in heads if h > here]
            if later:
                items.highlighted = later[0] + 1
        else:
            earlier = [h for h in heads if h < here]
            # the previous aspect: skip the one the cursor is in
            if len(earlier) >= 2:
                items.highlighted = earlier[-2] + 1
            elif earlier:
                items.highlighted = earlier[-1] + 1

    def action_next_unanswered(self) -> None:
        if self.sheet is None:
            return
        items = self.query_one("#items", OptionList)
        order = [i.id for i in self.sheet.indicators]
        current = self.current
        start = order.index(current.id) + 1 if current else 0
        for ind_id in order[start:] + order[:start]:
            if ind_id not in self.answers:
                items.highlighted = items.get_option_index(ind_id)
                return

    def jump_to(self, indicator_id: str) -> None:
        if indicator_id in self._indicators:
            items = self.query_one("#items", OptionList)
            items.highlighted = items.get_option_index(indicator_id)

    # ------------------------------------------------------------------ answering

    def action_answer(self, result_name: str) -> None:
        ind = self.current
        if ind is None or self.readonly:
            return
        result = Result(result_name)
        if needs_value(ind.rule, result):
            current = self.answers.get(ind.id)
            preset = current.value if current and current.result is result else None

            def entered(value: float | None) -> None:
                if value is not None:
                    self._record(ind, result, value)

            self.app.push_screen(ValueDialog(ind, result, preset), entered)
            return
        try:
            score_answer(ind.rule, ind.max_score, result, None, code=ind.code)
        except InspectError as error:
            self.notify(error.message, severity="warning")
            return
        self._record(ind, result, None)

    def _record(self, ind: Indicator, result: Result, value: float | None) -> None:
        future = self.db.submit(record, self.inspection_id, ind.id, result, value)
        self.await_write(future, self.AnswerRecorded, "answer")
        if result in ADVANCE:
            self._advance_from(ind)

    def _advance_from(self, ind: Indicator) -> None:
        items = self.query_one("#items", OptionList)
        current = self.current
        if current is not None and current.id == ind.id:
            items.action_cursor_down()

    @on(AnswerRecorded)
    def _answer_recorded(self, message: AnswerRecorded) -> None:
        answer = message.recorded.answer
        self.answers[answer.indicator_id] = answer
        self.score = message.recorded.score
        self._refresh_prompt(answer.indicator_id)
        ind = self._indicators[answer.indicator_id]
        note = None
        if answer.result not in ADVANCE and not self.readonly:
            note = t("sheet.answer_stays", code=ind.code, result=label(answer.result))
        self._show_progress(note)
        current = self.current
        if current is not None and current.id == answer.indicator_id:
            self._show_detail()

    def on_save_failed(self, message: SaveFailed) -> None:
        if message.what == "cursor":
            self._cursor_written = None
        self.report(message.error)
        if message.what in ("answer", "remark"):
            self.reload()  # show what is really saved

    def action_remark(self) -> None:
        ind = self.current
        if ind is None or self.readonly:
            return
        answer = self.answers.get(ind.id)
        if answer is None:
            self.notify(t("sheet.remark_needs_answer", code=ind.code), severity="warning")
            return

        def entered(text: str | None) -> None:
            if text is not None:
                future = self.db.submit(remark, self.inspection_id, ind.id, text)
                self.await_write(future, self.AnswerRecorded, "remark")

        self.app.push_screen(RemarkDialog(ind, answer.remark), entered)

    # ------------------------------------------------------------------ problems, review, amend

    def action_problem(self) -> None:
        if self.sheet is None or self.readonly:
            return
        ind = self.current

        def added(problem: Problem | None) -> None:
            if problem is None:
                return
            self.problems.append(problem)
            if problem.indicator_id:
                self._refresh_prompt(problem.indicator_id)
                code = self._indicators[problem.indicator_id].code
                note = t("sheet.problem_added", code=code, deadline=date(problem.deadline))
            else:
                note = t("sheet.problem_added_general", deadline=date(problem.deadline))
            self._show_progress(note)
            self._show_detail()

        self.app.push_screen(ProblemDialog(self.sheet.inspection, self.sheet.unit, ind), added)

    def action_review(self) -> None:
        def back(indicator_id: str | None) -> None:
            self.reload(keep=indicator_id)

        self.app.push_screen(ReviewScreen(self.inspection_id), back)

    def action_amend(self) -> None:
        ind = self.current
        if ind is None or self.sheet is None:
            return
        answer = self.answers.get(ind.id)
        if answer is None:
            self.notify(t("amend.not_answered", code=ind.code), severity="warning")
            return

        def amended(recorded: Recorded | None) -> None:
            if recorded is not None:
                self.post_message(self.AnswerRecorded(recorded))
                self.notify(t("sheet.amended", code=ind.code), timeout=3)

        self.app.push_screen(AmendDialog(self.inspection_id, ind, answer), amended)

    # ------------------------------------------------------------------ evidence, re-inspection

    def action_attach(self) -> None:
        """Attach evidence files to the current answer."""
        from .attach import AttachDialog, Target

        ind = self.current
        if ind is None or self.readonly:
            return
        answer = self.answers.get(ind.id)
        if answer is None:
            self.notify(t("sheet.attach_needs_answer", code=ind.code), severity="warning")
            return

        def attached(files: list[Attachment] | None) -> None:
            if files:
                self.notify(t("sheet.attached", code=ind.code, count=len(files)), timeout=3)
                self._load_evidence()

        target = Target("answer", answer.id, t("attach.to_answer", code=ind.code, title=ind.title))
        self.app.push_screen(AttachDialog([target]), attached)

    def action_verify_problems(self) -> None:
        """A re-inspection: the unit's problems not yet closed, to verify one by one."""
        if self.sheet is not None:
            self.inspect_app.open_reinspection(self.sheet.unit.id, self.inspection_id)
