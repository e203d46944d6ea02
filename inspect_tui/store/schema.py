"""The SQLite schema, its forward migrations and the audit triggers.

Every table has a text ``id`` (random 128-bit, unique across laptops), ``created_at``,
``updated_at``, ``updated_by`` and ``device_id``. Changes to every table are copied into
``audit_log`` by triggers, so a write cannot bypass the log, whatever tool made it.
The trigger reads who and when from the one-row ``_actor`` table, which the store sets
at the start of each write transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

APPLICATION_ID = 0x49545549  # "ITUI": marks a file as an inspect_tui database
SCHEMA_VERSION = 2

_ROW = """
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    device_id TEXT NOT NULL
"""

V1 = f"""
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE _actor (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    user TEXT,
    device_id TEXT,
    at TEXT,
    audit INTEGER NOT NULL DEFAULT 1
);
INSERT INTO _actor (one, audit) VALUES (1, 1);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch', 'group')),
    parent_id TEXT REFERENCES units(id),
    secretary TEXT NOT NULL DEFAULT '',
    members INTEGER NOT NULL DEFAULT 0 CHECK (members >= 0),
    contact TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL DEFAULT '',
    {_ROW}
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE checklists (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    title TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    {_ROW},
    UNIQUE (code, version)
);

CREATE TABLE aspects (
    id TEXT PRIMARY KEY,
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    position INTEGER NOT NULL,
    {_ROW},
    UNIQUE (checklist_id, code)
);

CREATE TABLE indicators (
    id TEXT PRIMARY KEY,
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    aspect_id TEXT NOT NULL REFERENCES aspects(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    standard TEXT NOT NULL,
    guidance TEXT NOT NULL,
    max_score REAL NOT NULL CHECK (max_score > 0),
    weight REAL NOT NULL DEFAULT 1 CHECK (weight > 0),
    kind TEXT NOT NULL CHECK (kind IN ('regular', 'bonus', 'self_chosen')),
    rule TEXT NOT NULL,
    position INTEGER NOT NULL,
    {_ROW},
    UNIQUE (checklist_id, code)
);
CREATE INDEX indicators_checklist ON indicators(checklist_id, position);

CREATE TABLE inspections (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    kind TEXT NOT NULL CHECK (kind IN ('spot', 'supervisory', 'reinspection')),
    date TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'in_progress' CHECK (state IN ('in_progress', 'signed_off')),
    signed_by TEXT,
    signed_at TEXT,
    content_hash TEXT,
    {_ROW}
);
CREATE INDEX inspections_unit_date ON inspections(unit_id, date);
CREATE INDEX inspections_state ON inspections(state, date);

CREATE TABLE answers (
    id TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections(id),
    indicator_id TEXT NOT NULL REFERENCES indicators(id),
    result TEXT NOT NULL
        CHECK (result IN ('conforms', 'partly', 'does_not', 'not_applicable')),
    value REAL,
    score REAL,
    remark TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '[]',
    answered_by TEXT NOT NULL DEFAULT '',
    {_ROW},
    UNIQUE (inspection_id, indicator_id)
);
CREATE INDEX answers_indicator ON answers(indicator_id);

CREATE TABLE amendments (
    id TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections(id),
    answer_id TEXT NOT NULL REFERENCES answers(id),
    reason TEXT NOT NULL,
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    {_ROW}
);
CREATE INDEX amendments_inspection ON amendments(inspection_id);

CREATE TABLE problems (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    inspection_id TEXT REFERENCES inspections(id),
    indicator_id TEXT REFERENCES indicators(id),
    description TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('general', 'major', 'serious')),
    requirement TEXT NOT NULL DEFAULT '',
    responsible TEXT NOT NULL DEFAULT '',
    found_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    original_deadline TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'rectifying', 'submitted', 'closed')),
    closed_on TEXT,
    reopened INTEGER NOT NULL DEFAULT 0,
    {_ROW}
);
CREATE INDEX problems_unit_state ON problems(unit_id, state, deadline);
CREATE INDEX problems_pending_deadline ON problems(deadline) WHERE state != 'closed';
CREATE INDEX problems_state_deadline ON problems(state, deadline);
CREATE INDEX problems_inspection ON problems(inspection_id);
CREATE INDEX problems_indicator ON problems(indicator_id, state, deadline);

CREATE TABLE problem_events (
    id TEXT PRIMARY KEY,
    problem_id TEXT NOT NULL REFERENCES problems(id),
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    note TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{{}}',
    {_ROW}
);
CREATE INDEX problem_events_problem ON problem_events(problem_id, at);

CREATE TABLE rectifications (
    id TEXT PRIMARY KEY,
    problem_id TEXT NOT NULL REFERENCES problems(id),
    description TEXT NOT NULL,
    done_on TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '[]',
    recorded_by TEXT NOT NULL DEFAULT '',
    {_ROW}
);
CREATE INDEX rectifications_problem ON rectifications(problem_id);

CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    organ TEXT NOT NULL,
    year INTEGER NOT NULL,
    serial INTEGER NOT NULL,
    issued_on TEXT NOT NULL,
    sha256 TEXT,
    path TEXT,
    received_on TEXT,
    replaces_id TEXT REFERENCES notices(id),
    {_ROW}
);
-- Not UNIQUE: issuing allocates max + 1 inside its write transaction, but two laptops
-- that issued the same serial offline must both survive a merge (as a listed conflict).
CREATE INDEX notices_serial ON notices(organ, year, serial);
CREATE INDEX notices_unit ON notices(unit_id);

CREATE TABLE notice_problems (
    notice_id TEXT NOT NULL REFERENCES notices(id),
    problem_id TEXT NOT NULL REFERENCES problems(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (notice_id, problem_id)
);
CREATE INDEX notice_problems_problem ON notice_problems(problem_id);

CREATE TABLE monthly_results (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    month TEXT NOT NULL,
    score REAL,
    rank INTEGER,
    benchmark INTEGER NOT NULL DEFAULT 0,
    lagging INTEGER NOT NULL DEFAULT 0,
    {_ROW},
    UNIQUE (unit_id, month)
);
CREATE INDEX monthly_results_month ON monthly_results(month, rank);

-- Evidence files, content-addressed: the same bytes are stored once, whatever they are
-- attached to. Kept apart from every other table so hot queries never read them.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    owner_table TEXT NOT NULL CHECK (owner_table IN ('problems', 'answers', 'rectifications')),
    owner_id TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    attached_by TEXT NOT NULL DEFAULT '',
    {_ROW}
);
CREATE INDEX attachments_owner ON attachments(owner_table, owner_id);

-- Where each device's inspector left an inspection: local to this file's device, never
-- merged, not audited (moving through a checklist is not a change to the inspection).
CREATE TABLE cursors (
    inspection_id TEXT NOT NULL REFERENCES inspections(id),
    device_id TEXT NOT NULL,
    indicator_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (inspection_id, device_id)
);

-- Devices that wrote to this file (merged as a set): names for the device ids on rows.
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    user TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);

-- A deleted row leaves a tombstone so the deletion travels in a merge.
CREATE TABLE tombstones (
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    deleted_at TEXT,
    user TEXT,
    device_id TEXT,
    PRIMARY KEY (table_name, row_id)
);

-- Changes made apart that a merge could not reconcile silently; a person resolves them.
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('concurrent_update', 'delete_vs_update', 'duplicate_serial')),
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    kept TEXT,
    other TEXT,
    detected_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution TEXT NOT NULL DEFAULT '',
    {_ROW}
);
CREATE INDEX conflicts_open ON conflicts(resolved_at, detected_at);

-- Tamper evidence: each sign-off (and each published month) seals a hash of its content,
-- chained to the previous seal of the same device.
CREATE TABLE seals (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('inspection', 'month')),
    ref_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    prev_id TEXT,
    chain_hash TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    device_id TEXT NOT NULL
);
CREATE INDEX seals_ref ON seals(kind, ref_id, at);
CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals
BEGIN SELECT RAISE(ABORT, 'seals are append-only'); END;
CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals
BEGIN SELECT RAISE(ABORT, 'seals are append-only'); END;
CREATE INDEX seals_device ON seals(device_id, at);

-- Local record of merges into this file.
CREATE TABLE merges (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    source TEXT NOT NULL,
    summary TEXT NOT NULL
);

-- Monthly benchmarking (月度對標). Units at the bottom of a month, with how many ranked
-- months running they have been there and which months those were (comma-separated),
-- written by the month's computation for units at the bottom; a recomputation that takes
-- a unit off the bottom sets streak 0 (never deletes, so merges stay quiet).
-- id = key_id("bottom", unit, month).
CREATE TABLE bottom_streaks (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    month TEXT NOT NULL,
    streak INTEGER NOT NULL CHECK (streak >= 0),
    months TEXT NOT NULL,
    lagging INTEGER NOT NULL DEFAULT 0,
    {_ROW},
    UNIQUE (unit_id, month)
);
CREATE INDEX bottom_streaks_month ON bottom_streaks(month, lagging);
-- The ranked scores of a span of months, read without touching the table: lagging
-- detection over years of history, and the look-back of each month's computation.
CREATE INDEX monthly_results_ranked ON monthly_results(month, unit_id, score)
    WHERE rank IS NOT NULL;

-- The four-level review of a month's results (支部上報 → 管理部門審查 → 專責匯總 →
-- 領導審核發布): one row per month, id = key_id("month_review", month). No row: draft.
CREATE TABLE month_reviews (
    id TEXT PRIMARY KEY,
    month TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN
        ('submitted', 'reviewed', 'consolidated', 'published', 'returned', 'reopened')),
    round INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1),
    submitted_by TEXT,
    submitted_at TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT,
    consolidated_by TEXT,
    consolidated_at TEXT,
    published_by TEXT,
    published_at TEXT,
    content_hash TEXT,
    note TEXT NOT NULL DEFAULT '',
    {_ROW}
);

-- Every step of a month's review, send-backs and reopenings with their reasons.
CREATE TABLE month_review_events (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES month_reviews(id),
    month TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN
        ('submit', 'review', 'consolidate', 'approve', 'send_back', 'reopen')),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    content_hash TEXT,
    {_ROW}
);
CREATE INDEX month_review_events_month ON month_review_events(month, at);

-- What units report themselves each month (支部上報), checked against spot checks.
-- id = key_id("self_report", month, unit, indicator).
CREATE TABLE self_reports (
    id TEXT PRIMARY KEY,
    month TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    indicator_id TEXT NOT NULL REFERENCES indicators(id),
    indicator_code TEXT NOT NULL,
    score REAL CHECK (score IS NULL OR score >= 0),
    remark TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    imported_by TEXT NOT NULL DEFAULT '',
    {_ROW},
    UNIQUE (month, unit_id, indicator_id)
);
CREATE INDEX self_reports_unit ON self_reports(unit_id, month);

-- Good practices (亮點 / 典型經驗) marked during inspections: the practice library (對標實踐庫).
CREATE TABLE practices (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES units(id),
    indicator_id TEXT NOT NULL REFERENCES indicators(id),
    indicator_code TEXT NOT NULL,
    inspection_id TEXT REFERENCES inspections(id),
    month TEXT NOT NULL,
    description TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_on TEXT NOT NULL,
    {_ROW}
);
CREATE INDEX practices_indicator ON practices(indicator_code, unit_id);
CREATE INDEX practices_unit ON practices(unit_id, month);
CREATE INDEX practices_inspection ON practices(inspection_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TEXT,
    user TEXT,
    device_id TEXT,
    action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    table_name TEXT NOT NULL,
    row_id TEXT,
    old TEXT,
    new TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_row ON audit_log(table_name, row_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""

# Schema 2: the problems screen's free-text search and its unindexed filters, fast on
# 200,000 problems (issue 4).
#
# ``problem_search`` is an FTS5 trigram index of each problem's texts and its unit's name,
# with the problem's state, severity and deadline beside them, so a search is counted and
# (when it finds few) sorted without reading ``problems``. Trigrams match any substring
# of three characters or more exactly as ``instr()`` does (case-sensitive); shorter
# strings are looked up among the indexed trigrams that start with them, which is why every
# text ends with two U+001F: each character then starts a trigram. Its rowid comes from
# ``problem_search_rows`` (an INTEGER PRIMARY KEY, which VACUUM keeps), not from
# ``problems``' own rowid (which VACUUM may renumber). It is kept in step by triggers in
# plain SQL, so a write from the sqlite3 shell updates it too, and only when an indexed
# value changes (a merge rewrites whole rows); it is derived, so it is not audited and a
# merge never copies it.
#
# ``problems_pending_cover`` holds the texts of the problems not yet closed (about a tenth
# of them) so the figures of the filter bar read them from one index, in deadline order.
SEARCH_END = "char(31, 31)"
SEARCH_VALUES = f"""p.description || {SEARCH_END}, p.requirement || {SEARCH_END},
           p.responsible || {SEARCH_END}, u.name || {SEARCH_END}, p.state, p.severity,
           p.id, p.deadline"""

# Fills an empty search index from every problem (schema 2, and ``check --rebuild-search``).
FILL_SEARCH = f"""
INSERT INTO problem_search_rows (problem_id) SELECT id FROM problems ORDER BY rowid;
INSERT INTO problem_search (
    rowid, description, requirement, responsible, unit_name, state, severity,
    problem_id, deadline)
SELECT r.n, {SEARCH_VALUES}
FROM problem_search_rows r JOIN problems p ON p.id = r.problem_id JOIN units u ON u.id = p.unit_id;
"""

SEARCH_TRIGGER_NAMES = (
    "problem_search_insert",
    "problem_search_update",
    "problem_search_delete",
    "problem_search_unit_name",
)
SEARCH_TRIGGERS = f"""
CREATE TRIGGER problem_search_insert AFTER INSERT ON problems
BEGIN
    INSERT INTO problem_search_rows (problem_id) VALUES (NEW.id);
    INSERT INTO problem_search (
        rowid, description, requirement, responsible, unit_name, state, severity,
        problem_id, deadline)
    SELECT r.n, {SEARCH_VALUES}
    FROM problem_search_rows r JOIN problems p ON p.id = r.problem_id
    JOIN units u ON u.id = p.unit_id
    WHERE r.problem_id = NEW.id;
END;

CREATE TRIGGER problem_search_update AFTER UPDATE OF
    id, unit_id, description, requirement, responsible, state, severity, deadline
ON problems
WHEN (OLD.id, OLD.unit_id, OLD.description, OLD.requirement, OLD.responsible, OLD.state,
      OLD.severity, OLD.deadline)
  IS NOT (NEW.id, NEW.unit_id, NEW.description, NEW.requirement, NEW.responsible, NEW.state,
          NEW.severity, NEW.deadline)
BEGIN
    UPDATE problem_search_rows SET problem_id = NEW.id WHERE problem_id = OLD.id;
    UPDATE problem_search SET
        (description, requirement, responsible, unit_name, state, severity,
         problem_id, deadline) = (
            SELECT {SEARCH_VALUES} FROM problems p JOIN units u ON u.id = p.unit_id
            WHERE p.id = NEW.id)
    WHERE rowid = (SELECT n FROM problem_search_rows WHERE problem_id = NEW.id);
END;

CREATE TRIGGER problem_search_delete AFTER DELETE ON problems
BEGIN
    DELETE FROM problem_search
    WHERE rowid = (SELECT n FROM problem_search_rows WHERE problem_id = OLD.id);
    DELETE FROM problem_search_rows WHERE problem_id = OLD.id;
END;

CREATE TRIGGER problem_search_unit_name AFTER UPDATE OF name ON units
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE problem_search SET unit_name = NEW.name || {SEARCH_END}
    WHERE rowid IN (SELECT r.n FROM problems p
                    JOIN problem_search_rows r ON r.problem_id = p.id
                    WHERE p.unit_id = NEW.id);
END;
"""

V2 = f"""
CREATE INDEX problems_severity ON problems(severity, state, deadline);
CREATE INDEX problems_pending_cover ON problems(
    state, deadline, severity, unit_id, description, requirement, responsible, id
) WHERE state != 'closed';

CREATE TABLE problem_search_rows (
    n INTEGER PRIMARY KEY,
    problem_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE problem_search USING fts5(
    description, requirement, responsible, unit_name, state, severity,
    problem_id UNINDEXED, deadline UNINDEXED,
    tokenize = 'trigram case_sensitive 1'
);
CREATE VIRTUAL TABLE problem_search_terms USING fts5vocab(problem_search, 'row');

{FILL_SEARCH}
{SEARCH_TRIGGERS}"""

# Tables whose changes are logged; ``notice_problems`` has no id of its own.
AUDITED = (
    "conflicts",
    "attachments",
    "units",
    "checklists",
    "aspects",
    "indicators",
    "inspections",
    "answers",
    "amendments",
    "problems",
    "problem_events",
    "rectifications",
    "notices",
    "notice_problems",
    "monthly_results",
    "bottom_streaks",
    "month_reviews",
    "month_review_events",
    "self_reports",
    "practices",
)

# Tables a merge brings over, parents before children (foreign keys are deferred anyway).
MERGED = (
    "units",
    "attachments",
    "checklists",
    "aspects",
    "indicators",
    "inspections",
    "answers",
    "amendments",
    "problems",
    "problem_events",
    "rectifications",
    "notices",
    "notice_problems",
    "monthly_results",
    "bottom_streaks",
    "month_reviews",
    "month_review_events",
    "self_reports",
    "practices",
)

# Columns too large or too derived to copy into every audit entry.
_NOT_LOGGED = {("checklists", "source"), ("units", "search")}


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: ``executescript`` would commit the open transaction,
    and migrations must stay inside it."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            conn.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending[:80]!r}")


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    run_script(conn, V1)


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    run_script(conn, V2)


# version → the step that brings a database from version - 1 to it
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
}


def install_audit_triggers(conn: sqlite3.Connection) -> None:
    """(Re)create the audit triggers from the tables' current columns."""
    for table in AUDITED:
        columns = [
            row[1]
            for row in conn.execute(f"PRAGMA table_info({table})")
            if (table, row[1]) not in _NOT_LOGGED
        ]
        has_id = "id" in columns

        def obj(alias: str, columns: list[str] = columns) -> str:
            pairs = ", ".join(f"'{c}', {alias}.{c}" for c in columns)
            return f"json_object({pairs})"

        if has_id:
            conn.execute(f"DROP TRIGGER IF EXISTS tombstone_{table}")
            conn.execute(
                f"""
                CREATE TRIGGER tombstone_{table} AFTER DELETE ON {table}
                WHEN (SELECT audit FROM _actor WHERE one = 1)
                BEGIN
                    INSERT OR REPLACE INTO tombstones (table_name, row_id, deleted_at, user, device_id)
                    SELECT '{table}', OLD.id, a.at, a.user, a.device_id FROM _actor AS a WHERE a.one = 1;
                END
                """
            )
        for action, old, new, ref in (
            ("insert", "NULL", obj("NEW"), "NEW"),
            ("update", obj("OLD"), obj("NEW"), "NEW"),
            ("delete", obj("OLD"), "NULL", "OLD"),
        ):
            name = f"audit_{table}_{action}"
            rid = f"{ref}.id" if has_id else f"{ref}.notice_id || ':' || {ref}.problem_id"
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            conn.execute(
                f"""
                CREATE TRIGGER {name} AFTER {action.upper()} ON {table}
                WHEN (SELECT audit FROM _actor WHERE one = 1)
                BEGIN
                    INSERT INTO audit_log (id, at, user, device_id, action, table_name, row_id, old, new)
                    SELECT lower(hex(randomblob(16))), a.at, a.user, a.device_id,
                           '{action}', '{table}', {rid}, {old}, {new}
                    FROM _actor AS a WHERE a.one = 1;
                END
                """
            )
