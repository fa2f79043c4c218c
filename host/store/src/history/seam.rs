//! What a running run needs of its history: the seam between the engine
//! and where history lives. [`RunStore`] (SQLite and log files in the data
//! directory) is today's; a shared database for many servers, and logs
//! streamed from remote workers, stand behind the same calls.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use kiln_model::approval::ApprovalDecision;
use kiln_model::event::LogAddress;
use kiln_model::process::ProcessLedger;
use kiln_model::run::RunDetail;

use super::{RunStore, RunStoreError};
use crate::children::ChildLedger;

/// A run's history as the engine uses it while the run goes on (the
/// events themselves reach the history through the run's event sink).
pub trait RunHistory: Send + Sync {
    /// The run so far, as `kiln show --json` prints it.
    fn show(&self, run_id: &str) -> Result<RunDetail, RunStoreError>;

    /// A new, empty log for one attempt; `where` names it in messages.
    fn create_log(&self, log: &LogAddress) -> io::Result<(Box<dyn Write + Send>, PathBuf)>;

    /// The text of one attempt's log.
    fn read_log(&self, log: &LogAddress) -> io::Result<Vec<u8>>;

    /// The decision on an approval, once someone made it.
    fn approval_decision(
        &self,
        run_id: &str,
        action: &str,
    ) -> Result<Option<ApprovalDecision>, RunStoreError>;

    /// Where the programs a run's attempts start are recorded while they
    /// run, so that the next kiln ends them should this one die.
    fn process_ledger(&self, run_id: &str) -> Arc<dyn ProcessLedger>;
}

impl RunHistory for RunStore {
    fn show(&self, run_id: &str) -> Result<RunDetail, RunStoreError> {
        RunStore::show(self, run_id)
    }

    fn create_log(&self, log: &LogAddress) -> io::Result<(Box<dyn Write + Send>, PathBuf)> {
        let path = self.new_log_path(&log.run_id, &log.action, log.attempt);
        let file = match std::fs::File::create(&path) {
            Ok(file) => file,
            // The run's first log: its directory is made once.
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::File::create(&path)?
            }
            Err(error) => return Err(error),
        };
        Ok((Box::new(file), path))
    }

    fn read_log(&self, log: &LogAddress) -> io::Result<Vec<u8>> {
        std::fs::read(self.log_path(&log.run_id, &log.action, log.attempt))
    }

    fn approval_decision(
        &self,
        run_id: &str,
        action: &str,
    ) -> Result<Option<ApprovalDecision>, RunStoreError> {
        RunStore::approval_decision(self, run_id, action)
    }

    fn process_ledger(&self, run_id: &str) -> Arc<dyn ProcessLedger> {
        Arc::new(ChildLedger::new(self.run_dir(run_id).join("children")))
    }
}
