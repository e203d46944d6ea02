"""Review and sign off: what is unanswered, the problems found, the score; signing off
is refused while an item is unanswered, records who signed and makes the inspection
read-only. After sign-off the amendments made since are listed here."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Static

from ...i18n import t
from ...models import Inspection, InspectionState
from ...services import inspections, overview
from ..format import date, label, moment, num
from ..text import clip
from ..widgets import Field, Table
from .base import BaseScreen, LoadFailed, SaveFailed, error_text


def _change(old: dict[str, object], new: dict[str, object]) -> str:
    def one(side: dict[str, object]) -> str:
        result = side.get("result")
        text = t(f"result.{result}") if result else "?"
        score = side.get("score")
        return f"{text} {num(score) if isinstance(score, int | float) else '–'}"

    return f"{one(old)} → {one(new)}"


class ReviewScreen(BaseScreen[str | None]):
    """Dismisses with an indicator id when the inspector picks an unanswered item."""

    BINDINGS = [
        Binding("ctrl+s", "sign_off", "key.sign_off", id="review.sign_off"),
    ]

    class ReviewLoaded(Message):
        def __init__(self, review: overview.Review) -> None:
            super().__init__()
            self.review = review

    class InspectionSignedOff(Message):
        def __init__(self, inspection: Inspection) -> None:
            super().__init__()
            self.inspection = inspection

    def __init__(self, inspection_id: str) -> None:
        super().__init__()
        self.inspection_id = inspection_id
        self.review: overview.Review | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="review"):
            yield Static("", id="review-summary")
            yield Static("", id="review-score", classes="review-score")
            yield Label("", id="unanswered-title", classes="section-title")
            yield Table(id="unanswered")
            yield Label("", id="problems-title", classes="section-title")
            yield Table(id="review-problems", cursor_type="none")
            yield Label("", id="amendments-title", classes="section-title")
            yield Table(id="amendments", cursor_type="none")
            with Horizontal(id="sign-row"):
                yield Field(t("review.signer"), Input(id="signer", compact=True), id="signer-field")
                yield Button(t("review.sign"), variant="success", id="sign", compact=True)
            yield Static("", id="review-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("common.loading")
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_off":
            return (
                self.review is not None
                and not self.db.readonly
                and self.review.sheet.inspection.state is InspectionState.IN_PROGRESS
            )
        return super().check_action(action, parameters)

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="review-load")
    def _load(self) -> None:
        try:
            review = self.db.call(overview.review, self.inspection_id)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.ReviewLoaded(review))

    @on(ReviewLoaded)
    def _loaded(self, message: ReviewLoaded) -> None:
        first = self.review is None
        self.review = review = message.review
        sheet = review.sheet
        inspection = sheet.inspection
        self.sub_title = t("review.title", unit=sheet.unit.name)
        self.query_one("#review-summary", Static).update(
            t(
                "review.summary",
                kind=label(inspection.kind),
                unit=sheet.unit.name,
                date=date(inspection.date),
                team="、".join(inspection.team) or "–",
                checklist=f"{sheet.checklist.title} v{sheet.checklist.version}",
            )
        )
        score = sheet.score
        self.query_one("#review-score", Static).update(
            t(
                "review.score",
                answered=score.answered,
                total=score.total,
                earned=num(score.earned),
                possible=num(score.possible),
                percent=num(score.percent),
                bonus=t("sheet.bonus", bonus=num(score.bonus)) if score.bonus else "",
            )
        )
        self.query_one("#unanswered-title", Label).update(
            t("review.unanswered", count=len(review.unanswered))
        )
        table = self.query_one("#unanswered", Table)
        table.set_data(
            [t("col.code"), t("col.title")],
            [(ind.id, [ind.code, ind.title]) for ind in review.unanswered],
        )
        table.display = bool(review.unanswered)

        codes = {i.id: i.code for i in sheet.indicators}
        self.query_one("#problems-title", Label).update(
            t("review.problems", count=len(sheet.problems))
        )
        problems = self.query_one("#review-problems", Table)
        problems.set_data(
            [t("col.indicator"), t("col.problem"), t("col.severity"), t("col.deadline")],
            [
                (
                    p.id,
                    [
                        codes.get(p.indicator_id or "", "–"),
                        clip(p.description, 40),
                        label(p.severity),
                        date(p.deadline),
                    ],
                )
                for p in sheet.problems
            ],
        )
        problems.display = bool(sheet.problems)

        signed = inspection.state is InspectionState.SIGNED_OFF
        self.query_one("#amendments-title", Label).update(
            t("review.amendments", count=len(review.amendments))
        )
        self.query_one("#amendments-title", Label).display = signed
        amendments = self.query_one("#amendments", Table)
        answer_codes = {a.id: codes.get(a.indicator_id, "?") for a in sheet.answers.values()}
        amendments.set_data(
            [t("col.indicator"), t("col.change"), t("col.reason"), t("col.by"), t("col.when")],
            [
                (
                    row["id"],
                    [
                        answer_codes.get(row["answer_id"], "?"),
                        _change(row["old"], row["new"]),
                        clip(row["reason"], 30),
                        row.get("updated_by", ""),
                        moment(row["created_at"]),
                    ],
                )
                for row in review.amendments
            ],
        )
        amendments.display = signed and bool(review.amendments)

        self.query_one("#sign-row").display = not signed
        status = self.query_one("#review-status", Static)
        if signed:
            status.update(
                t("review.signed", by=inspection.signed_by or "", at=moment(inspection.signed_at))
            )
            status.set_classes("ok")
        elif review.unanswered:
            status.update(t("review.refused", count=len(review.unanswered)))
            status.set_classes("warning")
        else:
            status.update(t("review.ready"))
            status.set_classes("")
        if first:
            signer = self.query_one("#signer", Input)
            signer.value = self.db.store.user or (inspection.team[0] if inspection.team else "")
            (table if review.unanswered else signer).focus()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#unanswered")
    def _pick(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    @on(Button.Pressed, "#sign")
    @on(Input.Submitted, "#signer")
    def _sign_pressed(self) -> None:
        self.action_sign_off()

    def action_sign_off(self) -> None:
        review = self.review
        if (
            review is None
            or self._busy
            or review.sheet.inspection.state is not InspectionState.IN_PROGRESS
        ):
            return
        field = self.query_one("#signer-field", Field)
        if review.unanswered:
            field.show_error(t("review.refused", count=len(review.unanswered)))
            return
        signer = self.query_one("#signer", Input).value.strip()
        if not signer:
            field.show_error(t("err.required", field=t("field.signed_by")))
            return
        field.show_error(None)
        self._busy = True
        future = self.db.submit(inspections.sign_off, self.inspection_id, by=signer)
        self.await_write(future, self.InspectionSignedOff, "sign_off")

    @on(InspectionSignedOff)
    def _signed(self, message: InspectionSignedOff) -> None:
        self._busy = False
        self.notify(t("review.done"), timeout=3)
        self.reload()

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        self.query_one("#signer-field", Field).show_error(error_text(message.error))
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
