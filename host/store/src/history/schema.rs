//! The run store's tables, as migrations: each one runs once, in order, in
//! a transaction, and `PRAGMA user_version` records how far a database is.
//! Add a migration at the end; never edit one that has shipped.

use rusqlite_migration::{M, Migrations};

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(V2_APPROVALS),
        M::up(V3_SERVE),
        M::up(V4_EXPORTS),
        M::up(V5_COVERAGE),
    ])
}

/// Times are Unix milliseconds, UTC. Statuses are the lowercase names of
/// [`super::Status`].
const V1: &str = r#"
CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    pipeline      TEXT NOT NULL,
    -- The pipeline file and its SHA-256 when the run started: a resume
    -- refuses a file that changed since.
    file          TEXT NOT NULL,
    file_digest   TEXT NOT NULL,
    workspace     TEXT NOT NULL,
    -- What started the run: `manual`, `ci`, or what --trigger said.
    trigger       TEXT NOT NULL,
    status        TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    -- Time spent running, summed over resumes.
    duration_ms   INTEGER,
    -- The workspace's git commit, when it is a repository: lead time for
    -- changes is measured from commit_time.
    commit_sha    TEXT,
    commit_time   INTEGER,
    resumes       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE stages (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    -- Counts as a deployment in the DORA metrics.
    deploy       INTEGER NOT NULL,
    status       TEXT NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    PRIMARY KEY (run_id, position)
);

CREATE TABLE actions (
    run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    stage          TEXT NOT NULL,
    stage_position INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    plugin         TEXT NOT NULL,
    plugin_digest  TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    started_at     INTEGER,
    finished_at    INTEGER,
    duration_ms    INTEGER,
    summary        TEXT,
    -- Why it failed or was skipped; already masked.
    error          TEXT,
    cached         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, name)
);

CREATE TABLE attempts (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    action       TEXT NOT NULL,
    number       INTEGER NOT NULL,
    status       TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    error        TEXT,
    -- Relative to the data directory's runs/ directory.
    log          TEXT NOT NULL,
    PRIMARY KEY (run_id, action, number)
);

CREATE TABLE artifacts (
    run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    action   TEXT NOT NULL,
    digest   TEXT NOT NULL,
    files    INTEGER NOT NULL,
    bytes    INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
);

CREATE TABLE reports (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    action       TEXT NOT NULL,
    -- `<output>/<path>` of the report file.
    path         TEXT NOT NULL,
    format       TEXT NOT NULL,
    tests        INTEGER NOT NULL,
    passed       INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    errored      INTEGER NOT NULL,
    skipped      INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    -- JSON: [{"name": ..., "message": ...}], the failed and errored tests.
    failures     TEXT NOT NULL,
    PRIMARY KEY (run_id, action, path)
);
"#;

/// `kiln serve`: where a run came from, the durable queue of runs to
/// start, webhook deliveries, API tokens, and what the triggers remember
/// between restarts.
const V3_SERVE: &str = r#"
-- The project (of the server's configuration) a run belongs to, the git
-- ref it was started for, and the webhook delivery that asked for it.
ALTER TABLE runs ADD COLUMN project TEXT;
ALTER TABLE runs ADD COLUMN git_ref TEXT;
ALTER TABLE runs ADD COLUMN delivery TEXT;
-- Why a run failed before any action ran (a pipeline file broken at the
-- commit): the validation errors with their file:line:col.
ALTER TABLE runs ADD COLUMN error TEXT;
CREATE INDEX runs_by_project ON runs (project, started_at);

-- Runs asked for and not yet started, or started (then `run_id` is set).
-- Survives a restart: what was queued starts when the server is back.
CREATE TABLE queue (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    project        TEXT NOT NULL,
    git_ref        TEXT NOT NULL,
    -- NULL: the ref's tip when the run starts (a manual trigger).
    commit_sha     TEXT,
    trigger        TEXT NOT NULL,
    delivery       TEXT,
    -- Runs of one group run one at a time; see `cancel_in_progress`.
    concurrency    TEXT,
    cancel_in_progress INTEGER NOT NULL DEFAULT 0,
    -- queued | starting | started | superseded | failed
    state          TEXT NOT NULL,
    run_id         TEXT,
    enqueued_at    INTEGER NOT NULL,
    -- Not before this time (a retry after an error backs off).
    not_before     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    -- The last error (a repository that could not be fetched).
    error          TEXT,
    updated_at     INTEGER NOT NULL,
    -- A retry: the id of the failed run this entry resumes.
    resume         TEXT
);
CREATE INDEX queue_by_state ON queue (state, id);

-- Every webhook delivery whose signature checked, raw, stored before it is
-- answered; a redelivery (same provider delivery id) is found here.
CREATE TABLE deliveries (
    project      TEXT NOT NULL,
    id           TEXT NOT NULL,
    provider     TEXT NOT NULL,
    event        TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    -- JSON object of the headers kept (never the signature's secret).
    headers      TEXT NOT NULL,
    body         BLOB NOT NULL,
    -- queued | ignored | rejected, and why.
    outcome      TEXT NOT NULL,
    reason       TEXT,
    queue_id     INTEGER,
    PRIMARY KEY (project, id)
);

-- API bearer tokens: only the SHA-256 of each is kept.
CREATE TABLE api_tokens (
    hash          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);

-- The last schedule slot handled per project and schedule: a slot missed
-- while the server was down is found from it.
CREATE TABLE schedule_slots (
    project     TEXT NOT NULL,
    schedule    TEXT NOT NULL,
    last_slot   INTEGER NOT NULL,
    PRIMARY KEY (project, schedule)
);

-- The ref tips a project's triggers have seen: a poll starts runs only for
-- tips that changed, across restarts too.
CREATE TABLE ref_tips (
    project     TEXT NOT NULL,
    git_ref     TEXT NOT NULL,
    commit_sha  TEXT NOT NULL,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (project, git_ref)
);
"#;

/// Approvals (`uses: approval`): one row per approval action of a run,
/// its decision empty until someone decides.
const V2_APPROVALS: &str = r#"
CREATE TABLE approvals (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    action       TEXT NOT NULL,
    -- JSON list of who may decide; empty: anyone.
    approvers    TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    deadline     INTEGER NOT NULL,
    -- `approved` or `rejected`.
    decision     TEXT,
    decided_by   TEXT,
    comment      TEXT,
    decided_at   INTEGER,
    PRIMARY KEY (run_id, action)
);
"#;

/// Exported variables (`exports:`): one row per variable an action
/// exported, written when it succeeds; a resumed run keeps those of the
/// actions it keeps.
const V4_EXPORTS: &str = r#"
CREATE TABLE exports (
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    action  TEXT NOT NULL,
    name    TEXT NOT NULL,
    -- Already checked to hold no secret; UTF-8, at most 64 KiB.
    value   TEXT NOT NULL,
    PRIMARY KEY (run_id, action, name)
);
"#;

/// Coverage reports (`reports: { cobertura: [...] }`...): lines covered of
/// lines that count; both empty for a test report.
const V5_COVERAGE: &str = r#"
ALTER TABLE reports ADD COLUMN lines_covered INTEGER;
ALTER TABLE reports ADD COLUMN lines_total INTEGER;
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
