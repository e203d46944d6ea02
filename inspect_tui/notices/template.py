"""The notice template (整改通知書模板): who issues, the wording, the signature block.

Users copy ``data/templates/notice.yaml``, edit it and pass it with ``--template``. Every
wording field is a Python format string; the placeholders each may use are listed in
``PLACEHOLDERS`` and checked when the file is read, so a typo is reported with the file,
line and field instead of failing halfway through a batch.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..datafiles import load_model
from ..paths import shipped_data

_Line = Annotated[str, Field(min_length=1, max_length=200)]
_Text = Annotated[str, Field(min_length=1, max_length=2000)]

# Placeholders the wording may use; the service fills them for each notice.
PLACEHOLDERS: dict[str, str] = {
    "unit": "the unit's name, e.g. 機關第一黨支部",
    "you": "how the unit is addressed: 你支部 / 你總支 / 你黨委 / 你小組",
    "checklist": "the indicator system(s) of the inspections, e.g. 黨支部創一流對標指標體系（第3版）",
    "inspections": "the inspections the problems come from, e.g. 2026年11月12日，檢查組（張明遠、李文靜）對你支部開展了督導檢查",
    "count": "how many problems the notice lists",
    "days": "report_back_days",
    "office": "contact.office",
    "person": "contact.person",
    "phone": "contact.phone",
    "serial": "the notice's serial number, e.g. 渭供黨〔2026〕第12號",
}
SERIAL_PLACEHOLDERS = ("short", "year", "number")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Contact(_Model):
    person: _Line = Field(description="聯繫人, e.g. 周慧敏.")
    phone: _Line = Field(description="聯繫電話, e.g. 0913-2101002.")
    office: _Line = Field(
        description="Where reports and receipt slips go (報送部門), e.g. 局黨委組織部（黨建工作部）."
    )


class InspectionKinds(_Model):
    spot: _Line = "抽查"
    supervisory: _Line = "督導檢查"
    reinspection: _Line = "復查"


class TableHeaders(_Model):
    number: _Line = "序號"
    indicator: _Line = "對標指標"
    description: _Line = "存在問題"
    requirement: _Line = "整改要求"
    responsible: _Line = "責任人"
    deadline: _Line = "整改期限"


class Receipt(_Model):
    """The detachable receipt slip (回執); it carries the notice's serial number."""

    title: _Line = "回　執"
    cut_line: _Line = "沿此線剪下"
    attachment_label: _Line = Field("附件", description="Printed top left of the slip's page.")
    statement: _Text = Field(
        "我單位已收到《{title}》（{serial}），將按要求抓好整改落實，並按期報送書面整改報告。",
        description="What the unit confirms; placeholders as in the wording plus {title}.",
    )
    serial_label: _Line = "通知書文號"
    unit_label: _Line = "接收單位"
    note: _Text = Field(
        description="Printed under the slip. Placeholders as in the notice wording."
    )
    fields: list[_Line] = Field(
        default_factory=lambda: ["簽收人", "職　務", "簽收日期", "聯繫電話", "備　註"],
        min_length=1,
        max_length=12,
        description="Rows the unit fills in by hand.",
    )


class NoticeTemplate(_Model):
    """A notice template as users write it (data/templates/notice.yaml)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
        json_schema_extra={"$id": "https://inspect-tui.example/schemas/notice-template.json"},
    )

    organ: _Line = Field(description="發文機關 (full name), e.g. 中共渭南供電局委員會.")
    organ_short: Annotated[str, Field(min_length=1, max_length=20)] = Field(
        description="發文機關代字 for the serial number, e.g. 渭供黨. Serial numbers count "
        "from 1 each year for each organ_short."
    )
    serial_format: _Line = Field(
        "{short}〔{year}〕第{number}號",
        description="How the serial number prints; placeholders {short}, {year}, {number}.",
    )
    masthead: str = Field(
        "",
        max_length=60,
        description="版頭: the issuing organ's mark printed in red at the top; empty for none.",
    )
    title: _Line = Field(description="標題; placeholders as in the wording, e.g. {unit}.")
    addressee: _Line = Field("{unit}", description="主送.")
    opening: _Text = Field(description="The basis paragraph (which check, when, by whom).")
    inspection_phrase: _Text = Field(
        "{date}，{team}對{you}開展了{kind}",
        description="One inspection inside {inspections}; placeholders {date}, {team}, {kind}, {you}, {unit}.",
    )
    team_phrase: _Line = Field(
        "檢查組（{members}）", description="The team inside an inspection phrase; {members}."
    )
    inspections_summary: _Text = Field(
        "{first}至{last}，檢查組先後{times}次對{you}開展了{kinds}",
        description="{inspections} when the problems come from more than "
        "max_listed_inspections inspections; {first}, {last}, {times}, {kinds}, {you}, {unit}.",
    )
    max_listed_inspections: int = Field(
        3, ge=1, le=20, description="Up to this many inspections are named one by one."
    )
    overdue_mark: str = Field(
        "（已逾期）",
        max_length=20,
        description="Printed under a deadline already past on the date of issue; empty for none.",
    )
    no_inspection: _Line = Field(
        "日常監督中發現{you}存在有關問題",
        description="{inspections} when no listed problem comes from an inspection.",
    )
    inspection_kinds: InspectionKinds = InspectionKinds()
    problems_heading: _Line = "存在的問題及整改要求"
    problems_intro: _Text = Field(
        "{you}存在的問題共{count}項，逐項列明如下，請按要求和期限完成整改：",
        description="The line above the problem table.",
    )
    table_headers: TableHeaders = TableHeaders()
    requirements_heading: _Line = "整改工作要求"
    requirements: list[_Text] = Field(
        min_length=1,
        max_length=20,
        description="General requirements, numbered （一）（二）…; include 舉一反三.",
    )
    report_heading: _Line = "報告方式和時限"
    report_back: _Text = Field(description="How and by when to report back; {days}, {office}.")
    report_back_days: int = Field(ge=1, le=90, description="Working days to report back.")
    contact: Contact
    contact_line: _Line = "聯繫人：{person}　　聯繫電話：{phone}"
    attachment_line: _Line = "附件：整改通知書回執"
    cc: list[_Line] = Field(default_factory=list, max_length=20, description="抄送, e.g. [局紀委].")
    signature: _Line = Field(description="署名 above the date, usually the organ's full name.")
    printer: _Line = Field(description="印發機關 in the 版記, e.g. 中共渭南供電局委員會辦公室.")
    replaces_note: _Text = Field(
        "本通知書替代{replaced}，原通知書作廢。",
        description="Printed when a notice re-issues an earlier one; {replaced}.",
    )
    receipt: Receipt

    @model_validator(mode="after")
    def _placeholders(self) -> NoticeTemplate:
        allowed = set(PLACEHOLDERS)
        checks: list[tuple[str, str, set[str]]] = [
            ("serial_format", self.serial_format, set(SERIAL_PLACEHOLDERS)),
            ("title", self.title, allowed),
            ("addressee", self.addressee, allowed),
            ("opening", self.opening, allowed),
            ("inspection_phrase", self.inspection_phrase, {"date", "team", "kind", "you", "unit"}),
            ("team_phrase", self.team_phrase, {"members"}),
            (
                "inspections_summary",
                self.inspections_summary,
                {"first", "last", "times", "kinds", "you", "unit"},
            ),
            ("no_inspection", self.no_inspection, allowed),
            ("problems_intro", self.problems_intro, allowed),
            ("report_back", self.report_back, allowed),
            ("contact_line", self.contact_line, allowed),
            ("attachment_line", self.attachment_line, allowed),
            ("replaces_note", self.replaces_note, {"replaced"}),
            ("receipt.note", self.receipt.note, allowed),
            ("receipt.statement", self.receipt.statement, allowed | {"title"}),
        ]
        checks += [
            (f"requirements[{i}]", text, allowed) for i, text in enumerate(self.requirements)
        ]
        for name, text, names in checks:
            check_format(name, text, names)
        if "{number}" not in self.serial_format:
            raise ValueError("serial_format must contain {number}")
        return self

    def serial_text(self, year: int, number: int) -> str:
        return self.serial_format.format(short=self.organ_short, year=year, number=number)


def check_format(name: str, text: str, allowed: set[str]) -> None:
    """A format string may only use ``allowed`` placeholders, written plainly."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"{name}: {exc} (write a literal brace as {{{{ or }}}})") from exc
    for _literal, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        if field_name not in allowed or spec or conversion:
            raise ValueError(
                f"{name}: unknown placeholder {{{field_name}}}; use one of "
                + ", ".join(f"{{{n}}}" for n in sorted(allowed))
            )


def shipped_template() -> Path:
    return shipped_data() / "templates" / "notice.yaml"


def load_template(path: Path | None = None) -> NoticeTemplate:
    """Read and validate a template (default: the shipped one). Errors name file, line, field."""
    return load_model(path or shipped_template(), NoticeTemplate)
