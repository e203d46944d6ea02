"""The four-level review of a month's results before they are published (四級審核:
支部上報 → 管理部門審查 → 專責匯總 → 領導審核發布).

States of a month, and the steps between them::

    draft ──submit──▶ submitted ──review──▶ reviewed ──consolidate──▶ consolidated ──approve──▶ published
      ▲                  │                     │                          │                       │
      │               send back             send back                  send back                reopen
      │                  ▼                     ▼                          ▼                       ▼
      └──────────── returned (compute again if needed, then submit) ◀──────┘                  reopened
                                                                                   (compute, submit again)

- Each step records who and when (columns of ``month_reviews``) and an event in
  ``month_review_events``; a send-back and a reopening need a reason, kept in the event.
- Who may do a step is set per user in the benchmark settings (``roles``); a user without
  the step's role is refused. Sending back is done by whoever holds the role of the step
  that is due (the reviewer sends back a submitted month, and so on); reopening a
  published month needs the ``approve`` role. With ``separate_duties`` (the default) one
  person may not do two steps of the same round.
- A month under review or published is not recomputed; a published month is read-only
  until reopened. Submitting records a hash of the month's results; each later step checks
  that the results are still what was submitted (a merge or an edit outside the app would
  change them), and publishing seals that hash (``seals``), so ``inspect-tui check`` notices
  a published month edited afterwards. A reopened month is no longer under seal: its old
  seal stays in the chain, and the next publication seals the corrected results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..errors import IllegalTransition, InspectError, InvalidInput
from ..rules import clean_text
from ..store import Store
from . import integrity, seals
from .benchmark_settings import FILE_NAME, BenchmarkSettings, Role
from .ranking import parse_month


class NotPermitted(InspectError):
    """A review step by a user who does not hold its role."""


DRAFT = "draft"
SUBMITTED = "submitted"
REVIEWED = "reviewed"
CONSOLIDATED = "consolidated"
PUBLISHED = "published"
RETURNED = "returned"
REOPENED = "reopened"
IN_REVIEW = (SUBMITTED, REVIEWED, CONSOLIDATED)

SEND_BACK = "send_back"
REOPEN = "reopen"

# step → the states it may be taken from, and the state it leads to
STEP_FROM: dict[Role, tuple[str, ...]] = {
    Role.SUBMIT: (DRAFT, RETURNED, REOPENED),
    Role.REVIEW: (SUBMITTED,),
    Role.CONSOLIDATE: (REVIEWED,),
    Role.APPROVE: (CONSOLIDATED,),
}
STEP_TO: dict[Role, str] = {
    Role.SUBMIT: SUBMITTED,
    Role.REVIEW: REVIEWED,
    Role.CONSOLIDATE: CONSOLIDATED,
    Role.APPROVE: PUBLISHED,
}
# the step due in a state under review: its role also sends the month back
DUE: dict[str, Role] = {
    SUBMITTED: Role.REVIEW,
    REVIEWED: Role.CONSOLIDATE,
    CONSOLIDATED: Role.APPROVE,
}
_DONE_BY = {
    Role.SUBMIT: "submitted",
    Role.REVIEW: "reviewed",
    Role.CONSOLIDATE: "consolidated",
    Role.APPROVE: "published",
}
_VERB = {
    Role.SUBMIT: "submit",
    Role.REVIEW: "review",
    Role.CONSOLIDATE: "consolidate",
    Role.APPROVE: "approve and publish",
}


@dataclass(frozen=True)
class ReviewEvent:
    month: str
    action: str  # submit, review, consolidate, approve, send_back, reopen
    from_state: str
    to_state: str
    by: str
    at: dt.datetime
    reason: str
    content_hash: str | None


@dataclass(frozen=True)
class MonthReview:
    """Where a month is in the review flow, and who did each step of the current round."""

    month: str
    state: str
    round: int
    submitted_by: str | None = None
    submitted_at: dt.datetime | None = None
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    consolidated_by: str | None = None
    consolidated_at: dt.datetime | None = None
    published_by: str | None = None
    published_at: dt.datetime | None = None
    content_hash: str | None = None
    note: str = ""  # the reason of the last send-back or reopening

    @property
    def published(self) -> bool:
        return self.state == PUBLISHED

    @property
    def in_review(self) -> bool:
        return self.state in IN_REVIEW

    @property
    def editable(self) -> bool:
        """Whether the month may be computed again (draft, returned or reopened)."""
        return self.state in (DRAFT, RETURNED, REOPENED)

    def done_by(self, step: Role) -> str | None:
        return getattr(self, f"{_DONE_BY[step]}_by")  # type: ignore[no-any-return]


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _review(row: dict[str, Any]) -> MonthReview:
    return MonthReview(
        month=row["month"],
        state=row["state"],
        round=row["round"],
        submitted_by=row["submitted_by"],
        submitted_at=_moment(row["submitted_at"]),
        reviewed_by=row["reviewed_by"],
        reviewed_at=_moment(row["reviewed_at"]),
        consolidated_by=row["consolidated_by"],
        consolidated_at=_moment(row["consolidated_at"]),
        published_by=row["published_by"],
        published_at=_moment(row["published_at"]),
        content_hash=row["content_hash"],
        note=row["note"],
    )


def review_of(store: Store, month: str) -> MonthReview:
    """The review state of ``month`` (``draft`` when no step was taken yet)."""
    parse_month(month)
    row = store.one("SELECT * FROM month_reviews WHERE month = ?", (month.strip(),))
    return _review(row) if row else MonthReview(month=month.strip(), state=DRAFT, round=1)


def reviews(store: Store) -> list[MonthReview]:
    """Every month with results (or a review), newest first, with its review state."""
    rows = {r["month"]: r for r in store.all("SELECT * FROM month_reviews")}
    months = {r["month"] for r in store.all("SELECT DISTINCT month FROM monthly_results")}
    return [
        _review(rows[m]) if m in rows else MonthReview(month=m, state=DRAFT, round=1)
        for m in sorted(months | rows.keys(), reverse=True)
    ]


def history(store: Store, month: str) -> list[ReviewEvent]:
    """Every step, send-back and reopening of ``month``, oldest first."""
    parse_month(month)
    rows = store.all(
        "SELECT * FROM month_review_events WHERE month = ? ORDER BY at, rowid", (month.strip(),)
    )
    return [
        ReviewEvent(
            month=r["month"],
            action=r["action"],
            from_state=r["from_state"],
            to_state=r["to_state"],
            by=r["by"],
            at=dt.datetime.fromisoformat(r["at"]),
            reason=r["reason"],
            content_hash=r["content_hash"],
        )
        for r in rows
    ]


# ---------------------------------------------------------------------- hashing


def hash_results(rows: list[tuple[Any, ...]]) -> str:
    """SHA-256 over (unit id, score, rank, benchmark, lagging) rows sorted by unit id."""
    payload = json.dumps([list(r) for r in sorted(rows, key=lambda r: r[0])], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


_HASHED = "unit_id, score, rank, benchmark, lagging"


def month_hash(store: Store, month: str) -> str:
    """The hash of what publishing ``month`` vouches for: its results."""
    rows = store.conn.execute(
        f"SELECT {_HASHED} FROM monthly_results WHERE month = ?", (month,)
    ).fetchall()
    return hash_results(rows)


def sealed_month_hashes(store: Store) -> dict[str, str]:
    """For ``inspect-tui check``: each sealed month's hash now. A published month's is
    recomputed from its results; a month reopened since (no longer under seal) reports its
    last seal, so the correction is not taken for tampering."""
    latest: dict[str, str] = {}
    for row in store.all(
        "SELECT ref_id, content_hash FROM seals WHERE kind = 'month' ORDER BY at, id"
    ):
        latest[row["ref_id"]] = row["content_hash"]
    if not latest:
        return {}
    states = {r["month"]: r["state"] for r in store.all("SELECT month, state FROM month_reviews")}
    published = sorted(m for m in latest if states.get(m) == PUBLISHED)
    grouped: dict[str, list[tuple[Any, ...]]] = {m: [] for m in published}
    if published:
        marks = ",".join("?" * len(published))
        for row in store.conn.execute(
            f"SELECT month, {_HASHED} FROM monthly_results WHERE month IN ({marks})", published
        ):
            grouped[row[0]].append(tuple(row[1:]))
    return {
        month: hash_results(grouped[month]) if month in grouped else sealed
        for month, sealed in latest.items()
    }


integrity.SEALED["month"] = sealed_month_hashes


# ---------------------------------------------------------------------- steps


def _user(store: Store) -> str:
    user = store.user.strip()
    if not user:
        raise NotPermitted("who is doing this? give your name with --user or in settings.yaml")
    return user


def _require(settings: BenchmarkSettings, user: str, role: Role, what: str) -> None:
    if settings.may(user, role):
        return
    holders = ", ".join(settings.holders(role)) or "nobody yet"
    raise NotPermitted(
        f"{user} may not {what}: that needs the '{role.value}' role (held by {holders}); "
        f"roles are set per user in {FILE_NAME}",
        where="roles",
    )


def _event(
    store: Store,
    review_id: str,
    month: str,
    action: str,
    from_state: str,
    to_state: str,
    *,
    reason: str = "",
    content_hash: str | None = None,
) -> None:
    store.insert(
        "month_review_events",
        {
            "review_id": review_id,
            "month": month,
            "action": action,
            "from_state": from_state,
            "to_state": to_state,
            "by": store.user.strip(),
            "at": store.now_iso(),
            "reason": reason,
            "content_hash": content_hash,
        },
    )


def advance(store: Store, month: str, step: Role | str, settings: BenchmarkSettings) -> MonthReview:
    """Take one step of the flow on ``month`` as ``store.user``: submit, review,
    consolidate or approve (which publishes and seals the month)."""
    parse_month(month)
    month = month.strip()
    try:
        step = Role(step)
    except ValueError:
        raise InvalidInput(
            f"unknown step {step!r}: use submit, review, consolidate or approve", where="step"
        ) from None
    user = _user(store)
    _require(settings, user, step, f"{_VERB[step]} {month}")
    with store.write():
        current = review_of(store, month)
        if current.state not in STEP_FROM[step]:
            raise IllegalTransition(_wrong_state(current, step), where="month")
        if settings.separate_duties and step is not Role.SUBMIT:
            for earlier in (Role.SUBMIT, Role.REVIEW, Role.CONSOLIDATE):
                if current.done_by(earlier) == user:
                    raise NotPermitted(
                        f"{user} already did the '{earlier.value}' step of {month} in this "
                        f"round; another person must {_VERB[step]} it (separate_duties)",
                        where="roles",
                    )
        digest = month_hash(store, month)
        if step is Role.SUBMIT:
            if not store.scalar("SELECT 1 FROM monthly_results WHERE month = ? LIMIT 1", (month,)):
                raise InvalidInput(
                    f"{month} has no results to submit: compute the month first", where="month"
                )
        elif digest != current.content_hash:
            raise IllegalTransition(
                f"the results of {month} changed after they were submitted (a merge, or an edit "
                "outside the app); send the month back and submit it again",
                where="month",
            )
        now = store.now_iso()
        review_id = store.key_id("month_review", month)
        state = STEP_TO[step]
        if step is Role.SUBMIT:
            changes: dict[str, Any] = {
                "state": state,
                "submitted_by": user,
                "submitted_at": now,
                "reviewed_by": None,
                "reviewed_at": None,
                "consolidated_by": None,
                "consolidated_at": None,
                "published_by": None,
                "published_at": None,
                "content_hash": digest,
            }
            if current.state == DRAFT:  # no row yet
                store.insert(
                    "month_reviews", {"id": review_id, "month": month, "round": 1, **changes}
                )
            else:
                store.update("month_reviews", review_id, {**changes, "round": current.round + 1})
        else:
            column = _DONE_BY[step]
            store.update(
                "month_reviews",
                review_id,
                {"state": state, f"{column}_by": user, f"{column}_at": now},
            )
        _event(store, review_id, month, step.value, current.state, state, content_hash=digest)
        if step is Role.APPROVE:
            seals.seal(store, "month", month, digest)
    return review_of(store, month)


def _wrong_state(current: MonthReview, step: Role) -> str:
    if current.state == PUBLISHED:
        return f"{current.month} is already published; a correction reopens it first, with a reason"
    if current.state in IN_REVIEW:
        due = DUE[current.state]
        return (
            f"{current.month} is {current.state}: the next step is '{due.value}', "
            f"not '{step.value}'"
        )
    return f"{current.month} is {current.state}: the next step is 'submit', not '{step.value}'"


def send_back(store: Store, month: str, reason: str, settings: BenchmarkSettings) -> MonthReview:
    """Return a month under review to the office (state ``returned``) with a reason; done
    by whoever holds the role of the step that is due."""
    parse_month(month)
    month = month.strip()
    reason = clean_text("reason", reason.strip(), limit=2000, required=True)
    user = _user(store)
    with store.write():
        current = review_of(store, month)
        if current.state not in IN_REVIEW:
            raise IllegalTransition(
                f"{month} is {current.state}: only a month under review (submitted, reviewed "
                "or consolidated) is sent back",
                where="month",
            )
        _require(settings, user, DUE[current.state], f"send {month} back")
        review_id = store.key_id("month_review", month)
        store.update("month_reviews", review_id, {"state": RETURNED, "note": reason})
        _event(
            store,
            review_id,
            month,
            SEND_BACK,
            current.state,
            RETURNED,
            reason=reason,
            content_hash=current.content_hash,
        )
    return review_of(store, month)


def reopen(store: Store, month: str, reason: str, settings: BenchmarkSettings) -> MonthReview:
    """A correction to a published month: reopen it (state ``reopened``) with a logged
    reason, so it can be computed again and go through the review once more. Needs the
    ``approve`` role."""
    parse_month(month)
    month = month.strip()
    reason = clean_text("reason", reason.strip(), limit=2000, required=True)
    user = _user(store)
    _require(settings, user, Role.APPROVE, f"reopen {month}")
    with store.write():
        current = review_of(store, month)
        if current.state != PUBLISHED:
            raise IllegalTransition(
                f"{month} is {current.state}, not published: there is nothing to reopen",
                where="month",
            )
        review_id = store.key_id("month_review", month)
        store.update("month_reviews", review_id, {"state": REOPENED, "note": reason})
        _event(
            store,
            review_id,
            month,
            REOPEN,
            PUBLISHED,
            REOPENED,
            reason=reason,
            content_hash=month_hash(store, month),
        )
    return review_of(store, month)


def available_actions(
    store: Store, month: str, settings: BenchmarkSettings, user: str | None = None
) -> list[str]:
    """What ``user`` (default: the store's user) may do to ``month`` now: any of submit,
    review, consolidate, approve, send_back, reopen (for the keys a screen enables)."""
    user = (user if user is not None else store.user).strip()
    current = review_of(store, month)
    out: list[str] = []
    for step, states in STEP_FROM.items():
        if current.state not in states or not settings.may(user, step):
            continue
        if step is Role.SUBMIT and not store.scalar(
            "SELECT 1 FROM monthly_results WHERE month = ? LIMIT 1", (current.month,)
        ):
            continue
        if (
            settings.separate_duties
            and step is not Role.SUBMIT
            and any(
                current.done_by(e) == user for e in (Role.SUBMIT, Role.REVIEW, Role.CONSOLIDATE)
            )
        ):
            continue
        out.append(step.value)
    if current.in_review and settings.may(user, DUE[current.state]):
        out.append(SEND_BACK)
    if current.published and settings.may(user, Role.APPROVE):
        out.append(REOPEN)
    return out
