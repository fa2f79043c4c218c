//! The run store's tables, as migrations: each one runs once, in order, in
//! a transaction, and `PRAGMA user_version` records how far a database is.
//! Add a migration at the end; never edit one that has shipped.

use rusqlite_migration::{M, Migrations};

pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(V1), M::up(V2_APPROVALS), M::up(V3_EXPORTS)])
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
const V3_EXPORTS: &str = r#"
CREATE TABLE exports (
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    action  TEXT NOT NULL,
    name    TEXT NOT NULL,
    -- Already checked to hold no secret; UTF-8, at most 64 KiB.
    value   TEXT NOT NULL,
    PRIMARY KEY (run_id, action, name)
);
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
