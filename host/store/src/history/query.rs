//! Reading the history: run listings, one run's whole tree, and lookups by
//! id prefix. These types are what `--json` prints, so their field names
//! are a public interface.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::{OptionalExtension, Row, params};

use super::recorder::{log_location, status_of};
use super::{RunStore, RunStoreError, Status, rfc3339};
pub use kiln_model::artifact::ArtifactRecord;
use kiln_model::digest::Digest;
use kiln_model::report::Coverage;
pub use kiln_model::report::{FailedTest, TestReport as ReportRecord};
pub use kiln_model::run::{ActionDetail, AttemptDetail, RunDetail, RunSummary, StageDetail};

const SUMMARY_COLUMNS: &str = "id, pipeline, status, trigger, started_at, finished_at,
     duration_ms, commit_sha, commit_time, resumes, project, git_ref, delivery, error";

/// How many columns [`SUMMARY_COLUMNS`] has: the columns a query selects
/// after them start here.
const SUMMARY_WIDTH: usize = 14;

/// Which runs [`RunStore::find_runs`] lists.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub pipeline: Option<String>,
    pub project: Option<String>,
    /// A branch: its short name (`main`) or its ref (`refs/heads/main`).
    pub branch: Option<String>,
    pub status: Option<Status>,
    /// Only runs older than this run (the id the previous page ended
    /// with): a cursor that stays right while new runs arrive.
    pub after: Option<String>,
    pub limit: usize,
}

fn summary_of(row: &Row<'_>) -> rusqlite::Result<RunSummary> {
    Ok(RunSummary {
        id: row.get(0)?,
        pipeline: row.get(1)?,
        status: status_of(&row.get::<_, String>(2)?),
        trigger: row.get(3)?,
        started_at: rfc3339(row.get(4)?),
        finished_at: row.get::<_, Option<i64>>(5)?.map(rfc3339),
        duration_ms: row.get::<_, Option<i64>>(6)?.map(|d| d.max(0) as u64),
        commit: row.get(7)?,
        commit_time: row.get::<_, Option<i64>>(8)?.map(rfc3339),
        resumes: row.get(9)?,
        project: row.get(10)?,
        git_ref: row.get(11)?,
        delivery: row.get(12)?,
        error: row.get(13)?,
    })
}

/// A non-negative integer column (SQLite integers are signed).
fn count(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    Ok(row.get::<_, i64>(index)?.max(0) as u64)
}

fn time_of(value: Option<i64>) -> Option<String> {
    value.map(rfc3339)
}

impl RunStore {
    /// The newest runs first, at most `limit`, of one pipeline or all.
    pub fn list_runs(
        &self,
        pipeline: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunSummary>, RunStoreError> {
        self.find_runs(&RunFilter {
            pipeline: pipeline.map(str::to_owned),
            limit,
            ..RunFilter::default()
        })
    }

    /// The newest runs first that pass `filter`, at most `filter.limit`.
    pub fn find_runs(&self, filter: &RunFilter) -> Result<Vec<RunSummary>, RunStoreError> {
        let connection = self.lock();
        // A branch is matched by its short name or its full ref name.
        let branch_ref = filter.branch.as_ref().map(|b| format!("refs/heads/{b}"));
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM runs
                 WHERE (?1 IS NULL OR pipeline = ?1)
                   AND (?2 IS NULL OR project = ?2)
                   AND (?3 IS NULL OR git_ref = ?3 OR git_ref = ?4)
                   AND (?5 IS NULL OR status = ?5)
                   AND (?6 IS NULL OR (started_at, id) <
                        (SELECT started_at, id FROM runs WHERE id = ?6))
                 ORDER BY started_at DESC, id DESC LIMIT ?7"
            ))
            .map_err(|e| self.sqlite(e))?;
        statement
            .query_map(
                params![
                    filter.pipeline,
                    filter.project,
                    filter.branch,
                    branch_ref,
                    filter.status.map(Status::as_str),
                    filter.after,
                    filter.limit as i64
                ],
                summary_of,
            )
            .and_then(Iterator::collect)
            .map_err(|e| self.sqlite(e))
    }

    /// The full id of the run `reference` names: a unique prefix of an
    /// id, or `last` for the newest run.
    pub fn resolve(&self, reference: &str) -> Result<String, RunStoreError> {
        let connection = self.lock();
        if reference == "last" {
            return connection
                .query_row(
                    "SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1",
                    [],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| self.sqlite(e))?
                .ok_or_else(|| RunStoreError::NoSuchRun(reference.to_owned()));
        }
        // Ids are lowercase hex: anything else matches nothing, and LIKE's
        // wildcards cannot sneak in.
        if reference.is_empty() || !reference.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(RunStoreError::NoSuchRun(reference.to_owned()));
        }
        let mut statement = connection
            .prepare_cached("SELECT id FROM runs WHERE id LIKE ?1 || '%' LIMIT 2")
            .map_err(|e| self.sqlite(e))?;
        let ids: Vec<String> = statement
            .query_map(params![reference.to_ascii_lowercase()], |row| row.get(0))
            .and_then(Iterator::collect)
            .map_err(|e| self.sqlite(e))?;
        match ids.len() {
            0 => Err(RunStoreError::NoSuchRun(reference.to_owned())),
            1 => Ok(ids.into_iter().next().expect("one id")),
            count => Err(RunStoreError::AmbiguousRun {
                prefix: reference.to_owned(),
                count,
            }),
        }
    }

    /// One run's whole record.
    pub fn show(&self, run_id: &str) -> Result<RunDetail, RunStoreError> {
        let connection = self.lock();
        let sqlite = |e| self.sqlite(e);
        let Some((summary, file, file_digest, workspace)) = connection
            .query_row(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, file, file_digest, workspace FROM runs WHERE id = ?1"
                ),
                params![run_id],
                |row| {
                    Ok((
                        summary_of(row)?,
                        row.get::<_, String>(SUMMARY_WIDTH)?,
                        row.get::<_, String>(SUMMARY_WIDTH + 1)?,
                        row.get::<_, String>(SUMMARY_WIDTH + 2)?,
                    ))
                },
            )
            .optional()
            .map_err(sqlite)?
        else {
            return Err(RunStoreError::NoSuchRun(run_id.to_owned()));
        };

        let mut outputs: HashMap<String, Vec<ArtifactRecord>> = HashMap::new();
        let mut statement = connection
            .prepare_cached(
                "SELECT action, name, digest, files, bytes FROM artifacts
                 WHERE run_id = ?1 ORDER BY rowid",
            )
            .map_err(sqlite)?;
        let rows = statement
            .query_map(params![run_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })
            .map_err(sqlite)?;
        for row in rows {
            let (action, name, digest, files, bytes) = row.map_err(sqlite)?;
            let Ok(digest) = digest.parse::<Digest>() else {
                continue;
            };
            outputs.entry(action).or_default().push(ArtifactRecord {
                name,
                digest,
                files: files.max(0) as u64,
                bytes: bytes.max(0) as u64,
            });
        }

        let mut reports: HashMap<String, Vec<ReportRecord>> = HashMap::new();
        let mut statement = connection
            .prepare_cached(
                "SELECT action, path, format, tests, passed, failed, errored, skipped,
                        duration_ms, failures, lines_covered, lines_total
                 FROM reports WHERE run_id = ?1 ORDER BY rowid",
            )
            .map_err(sqlite)?;
        let rows = statement
            .query_map(params![run_id], |row| {
                let failures: String = row.get(9)?;
                Ok((
                    row.get::<_, String>(0)?,
                    ReportRecord {
                        path: row.get(1)?,
                        format: row.get(2)?,
                        tests: count(row, 3)?,
                        passed: count(row, 4)?,
                        failed: count(row, 5)?,
                        errored: count(row, 6)?,
                        skipped: count(row, 7)?,
                        duration_ms: count(row, 8)?,
                        failures: serde_json::from_str(&failures).unwrap_or_default(),
                        coverage: match (
                            row.get::<_, Option<i64>>(10)?,
                            row.get::<_, Option<i64>>(11)?,
                        ) {
                            (Some(covered), Some(total)) => Some(Coverage {
                                covered: covered.max(0) as u64,
                                total: total.max(0) as u64,
                            }),
                            _ => None,
                        },
                    },
                ))
            })
            .map_err(sqlite)?;
        for row in rows {
            let (action, report) = row.map_err(sqlite)?;
            reports.entry(action).or_default().push(report);
        }

        let mut history: HashMap<String, Vec<AttemptDetail>> = HashMap::new();
        let mut statement = connection
            .prepare_cached(
                "SELECT action, number, status, started_at, finished_at, error, log
                 FROM attempts WHERE run_id = ?1 ORDER BY action, number",
            )
            .map_err(sqlite)?;
        let rows = statement
            .query_map(params![run_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    AttemptDetail {
                        number: row.get(1)?,
                        status: status_of(&row.get::<_, String>(2)?),
                        started_at: rfc3339(row.get(3)?),
                        finished_at: time_of(row.get(4)?),
                        error: row.get(5)?,
                        log: log_location(self, &row.get::<_, String>(6)?),
                    },
                ))
            })
            .map_err(sqlite)?;
        for row in rows {
            let (action, attempt) = row.map_err(sqlite)?;
            history.entry(action).or_default().push(attempt);
        }

        let mut stages: Vec<StageDetail> = Vec::new();
        let mut statement = connection
            .prepare_cached(
                "SELECT name, status, deploy, started_at, finished_at FROM stages
                 WHERE run_id = ?1 ORDER BY position",
            )
            .map_err(sqlite)?;
        let rows = statement
            .query_map(params![run_id], |row| {
                Ok(StageDetail {
                    name: row.get(0)?,
                    status: status_of(&row.get::<_, String>(1)?),
                    deploy: row.get(2)?,
                    started_at: time_of(row.get(3)?),
                    finished_at: time_of(row.get(4)?),
                    actions: Vec::new(),
                })
            })
            .map_err(sqlite)?;
        for row in rows {
            stages.push(row.map_err(sqlite)?);
        }
        let mut statement = connection
            .prepare_cached(
                "SELECT name, stage_position, plugin, plugin_digest, status, attempts,
                        started_at, finished_at, duration_ms, summary, error, cached
                 FROM actions WHERE run_id = ?1 ORDER BY stage_position, position",
            )
            .map_err(sqlite)?;
        let rows = statement
            .query_map(params![run_id], |row| {
                Ok((
                    row.get::<_, i64>(1)? as usize,
                    ActionDetail {
                        name: row.get(0)?,
                        plugin: row.get(2)?,
                        plugin_digest: row.get(3)?,
                        status: status_of(&row.get::<_, String>(4)?),
                        attempts: row.get(5)?,
                        started_at: time_of(row.get(6)?),
                        finished_at: time_of(row.get(7)?),
                        duration_ms: row.get::<_, Option<i64>>(8)?.map(|d| d.max(0) as u64),
                        summary: row.get(9)?,
                        error: row.get(10)?,
                        cached: row.get(11)?,
                        outputs: Vec::new(),
                        reports: Vec::new(),
                        history: Vec::new(),
                        approval: None,
                        exports: Default::default(),
                    },
                ))
            })
            .map_err(sqlite)?;
        let mut approvals = RunStore::approvals_of(&connection, run_id).map_err(sqlite)?;
        let mut exports = exports_of(&connection, run_id).map_err(sqlite)?;
        for row in rows {
            let (stage, mut action) = row.map_err(sqlite)?;
            action.approval = approvals.remove(&action.name);
            action.exports = exports.remove(&action.name).unwrap_or_default();
            action.outputs = outputs.remove(&action.name).unwrap_or_default();
            action.reports = reports.remove(&action.name).unwrap_or_default();
            action.history = history.remove(&action.name).unwrap_or_default();
            if let Some(stage) = stages.get_mut(stage) {
                stage.actions.push(action);
            }
        }
        Ok(RunDetail {
            summary,
            file: PathBuf::from(file),
            file_digest,
            workspace: PathBuf::from(workspace),
            stages,
        })
    }

    /// The number of a run among its pipeline's runs, counted in the
    /// order they started (1 for the first): CodeBuild's build number.
    /// Counted, not stored: the same on a resume, and no column to keep.
    pub fn run_number(&self, run_id: &str) -> Result<u64, RunStoreError> {
        let connection = self.lock();
        connection
            .query_row(
                "SELECT COUNT(*) FROM runs AS other, runs AS this
                 WHERE this.id = ?1 AND other.pipeline = this.pipeline
                   AND (other.started_at < this.started_at
                        OR (other.started_at = this.started_at AND other.id <= this.id))",
                params![run_id],
                |row| row.get::<_, i64>(0),
            )
            .map(|count| count.max(0) as u64)
            .map_err(|e| self.sqlite(e))
    }

    /// The committer time recorded with an earlier run of commit `sha`
    /// (commits never change, so it is the time `git` would print).
    pub fn commit_time(&self, sha: &str) -> Result<Option<i64>, RunStoreError> {
        let connection = self.lock();
        connection
            .query_row(
                "SELECT commit_time FROM runs
                 WHERE commit_sha = ?1 AND commit_time IS NOT NULL LIMIT 1",
                params![sha],
                |row| row.get::<_, i64>(0),
            )
            .optional()
            .map_err(|e| self.sqlite(e))
    }

    /// The digest of artifact `name` of a run.
    pub fn artifact(&self, run_id: &str, name: &str) -> Result<ArtifactRecord, RunStoreError> {
        let detail = self.show(run_id)?;
        let mut known = Vec::new();
        for action in detail.stages.into_iter().flat_map(|s| s.actions) {
            for artifact in action.outputs {
                if artifact.name == name {
                    return Ok(artifact);
                }
                known.push(artifact.name);
            }
        }
        Err(RunStoreError::NoSuchArtifact {
            run: run_id.to_owned(),
            name: name.to_owned(),
            known,
        })
    }

    /// A run's status, cheaply (for `kiln logs --follow`).
    pub fn status(&self, run_id: &str) -> Result<Status, RunStoreError> {
        let connection = self.lock();
        connection
            .query_row(
                "SELECT status FROM runs WHERE id = ?1",
                params![run_id],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?
            .map(|text| status_of(&text))
            .ok_or_else(|| RunStoreError::NoSuchRun(run_id.to_owned()))
    }
}

/// Each action's exported variables, by action and name.
fn exports_of(
    connection: &rusqlite::Connection,
    run_id: &str,
) -> rusqlite::Result<HashMap<String, std::collections::BTreeMap<String, String>>> {
    let mut statement =
        connection.prepare_cached("SELECT action, name, value FROM exports WHERE run_id = ?1")?;
    let rows = statement.query_map(params![run_id], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut exports: HashMap<String, std::collections::BTreeMap<String, String>> = HashMap::new();
    for row in rows {
        let (action, name, value) = row?;
        exports.entry(action).or_default().insert(name, value);
    }
    Ok(exports)
}
