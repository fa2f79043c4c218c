//! What an action grants its plugin beyond the default sandbox, one module
//! per capability. Plain data that travels with an action's unit of work;
//! each capability of the sandbox checks requests against its part.

pub mod exec;
pub mod fs;
pub mod network;
pub mod pattern;

use serde::{Deserialize, Serialize};

pub use exec::{EnvPattern, ExecGrant, Runs};
pub use fs::{Access, FsGrants, PathGrant};
pub use network::{NetworkGrant, Origin};
pub use pattern::{ArgPattern, PatternError};

/// Everything an action grants its plugin beyond the default sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    pub fs: FsGrants,
    pub network: NetworkGrant,
    /// Programs and their argument patterns (`None`: any arguments).
    pub exec: Vec<ExecGrant>,
    /// Secret names.
    pub secrets: Vec<String>,
    /// The run so far is mounted at `/kiln/run.json`.
    pub run_status: bool,
}

impl Grants {
    /// Whether the plugin can reach, or change, anything its cache key
    /// does not cover: programs, the network, writable host paths or a
    /// writable workspace.
    pub fn reaches_outside(&self) -> bool {
        !self.exec.is_empty()
            || self.run_status
            || !self.network.origins.is_empty()
            || self.fs.workspace_access == Access::ReadWrite
            || self.fs.paths.iter().any(|p| p.access == Access::ReadWrite)
    }
}
