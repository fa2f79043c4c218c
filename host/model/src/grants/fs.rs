//! The filesystem grant: which host directories an action sees, where, and
//! with what access.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where the source tree is mounted.
pub const WORKSPACE: &str = "/workspace";
/// Private scratch space, empty at every attempt.
pub const TMP: &str = "/tmp";
/// The run so far (`run.json`), when granted `run-status`.
pub const RUN_STATUS: &str = "/kiln";

pub fn input_mount(name: &str) -> String {
    format!("/inputs/{name}")
}

pub fn output_mount(name: &str) -> String {
    format!("/outputs/{name}")
}

pub fn path_mount(name: &str) -> String {
    format!("/mnt/{name}")
}

pub fn cache_mount(name: &str) -> String {
    format!("/cache/{name}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::ReadOnly => "read-only",
            Access::ReadWrite => "read-write",
        })
    }
}

/// A host directory granted to an action under a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathGrant {
    pub name: String,
    pub host_path: PathBuf,
    pub access: Access,
    /// A variable that gives programs the action runs this directory's
    /// host path (`env: CARGO_HOME`).
    pub env: Option<String>,
}

/// The filesystem grants of one action, from its `grants:` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FsGrants {
    pub workspace: PathBuf,
    pub workspace_access: Access,
    pub paths: Vec<PathGrant>,
}
