//! The filesystem capability: which host directories an action sees, where,
//! and with what access. Files reach a plugin only through these preopens;
//! wasmtime-wasi resolves every path with cap-std, so `..`, absolute paths
//! and symlinks cannot leave a preopened directory.

use std::fmt;
use std::path::{Path, PathBuf};

use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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

impl From<Access> for FsPerms {
    fn from(access: Access) -> Self {
        match access {
            Access::ReadOnly => FsPerms::ReadOnly,
            Access::ReadWrite => FsPerms::ReadWrite,
        }
    }
}

/// A host directory granted to an action under a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGrant {
    pub name: String,
    pub host_path: PathBuf,
    pub access: Access,
    /// A variable that gives programs the action runs this directory's
    /// host path (`env: CARGO_HOME`).
    pub env: Option<String>,
}

/// The filesystem grants of one action, from its `grants:` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsGrants {
    pub workspace: PathBuf,
    pub workspace_access: Access,
    pub paths: Vec<PathGrant>,
}

/// One preopened directory of an attempt's sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub host: PathBuf,
    pub guest: String,
    pub access: Access,
}

/// Failure to prepare a sandbox directory.
#[derive(Debug, thiserror::Error)]
#[error("cannot mount {} at {guest}: {source}", host.display())]
pub struct MountError {
    pub host: PathBuf,
    pub guest: String,
    #[source]
    pub source: std::io::Error,
}

/// The full set of mounts for one attempt.
#[derive(Debug, Clone, Default)]
pub struct Mounts(pub Vec<Mount>);

impl Mounts {
    /// Build the mounts of an attempt: the workspace and granted paths from
    /// `grants`, verified inputs, fresh outputs and a fresh `/tmp`.
    pub fn for_attempt(
        grants: &FsGrants,
        inputs: &[(String, PathBuf)],
        outputs: &[(String, PathBuf)],
        caches: &[(String, PathBuf)],
        tmp: &Path,
        run_status: Option<&Path>,
    ) -> Self {
        let mut mounts = vec![Mount {
            host: grants.workspace.clone(),
            guest: WORKSPACE.to_owned(),
            access: grants.workspace_access,
        }];
        for (name, host) in inputs {
            mounts.push(Mount {
                host: host.clone(),
                guest: input_mount(name),
                access: Access::ReadOnly,
            });
        }
        for (name, host) in outputs {
            mounts.push(Mount {
                host: host.clone(),
                guest: output_mount(name),
                access: Access::ReadWrite,
            });
        }
        for grant in &grants.paths {
            mounts.push(Mount {
                host: grant.host_path.clone(),
                guest: path_mount(&grant.name),
                access: grant.access,
            });
        }
        for (name, host) in caches {
            mounts.push(Mount {
                host: host.clone(),
                guest: cache_mount(name),
                access: Access::ReadWrite,
            });
        }
        mounts.push(Mount {
            host: tmp.to_path_buf(),
            guest: TMP.to_owned(),
            access: Access::ReadWrite,
        });
        if let Some(dir) = run_status {
            mounts.push(Mount {
                host: dir.to_path_buf(),
                guest: RUN_STATUS.to_owned(),
                access: Access::ReadOnly,
            });
        }
        Self(mounts)
    }

    /// Preopen every mount in a WASI context. A read-write grant of a host
    /// directory that does not exist yet creates it (a deploy target).
    pub fn preopen(&self, wasi: &mut WasiCtxBuilder) -> Result<(), MountError> {
        for mount in &self.0 {
            let fail = |source| MountError {
                host: mount.host.clone(),
                guest: mount.guest.clone(),
                source,
            };
            if mount.access == Access::ReadWrite {
                std::fs::create_dir_all(&mount.host).map_err(fail)?;
            }
            wasi.preopened_dir(&mount.host, &mount.guest, mount.access.into())
                .map_err(|error| fail(std::io::Error::other(format!("{error:#}"))))?;
        }
        Ok(())
    }
}

/// Persistent per-action directories (`cache: { dirs: [...] }`), kept in
/// `<data dir>/caches/<pipeline>/<action>/<name>` between runs. An attempt
/// takes them by rename and gives them back by rename, so neither costs a
/// copy. Two runs of one action at once: the second starts empty, and the
/// last to finish is kept.
#[derive(Debug, Clone)]
pub struct CacheDirs {
    root: PathBuf,
}

impl CacheDirs {
    pub fn new(data_caches: &Path, pipeline: &str) -> Self {
        Self {
            root: data_caches.join(pipeline),
        }
    }

    fn saved(&self, action: &str, name: &str) -> PathBuf {
        self.root.join(action).join(name)
    }

    /// Move the saved directories into `into/<name>` (empty when none was
    /// saved); returns (name, path) pairs to mount.
    pub fn take(
        &self,
        action: &str,
        names: &[String],
        into: &Path,
    ) -> std::io::Result<Vec<(String, PathBuf)>> {
        let mut taken = Vec::new();
        for name in names {
            let target = into.join(name);
            std::fs::create_dir_all(into)?;
            let saved = self.saved(action, name);
            if saved.is_dir() {
                std::fs::rename(&saved, &target)?;
            } else {
                std::fs::create_dir_all(&target)?;
            }
            taken.push((name.clone(), target));
        }
        Ok(taken)
    }

    /// Move directories back to where they are kept.
    pub fn put_back(&self, action: &str, taken: &[(String, PathBuf)]) -> std::io::Result<()> {
        for (name, path) in taken {
            let saved = self.saved(action, name);
            if let Some(parent) = saved.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if saved.exists() {
                // Another run saved meanwhile: the newest result wins.
                std::fs::remove_dir_all(&saved)?;
            }
            std::fs::rename(path, &saved)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_mounts_follow_grants() {
        let grants = FsGrants {
            workspace: "/src".into(),
            workspace_access: Access::ReadOnly,
            paths: vec![PathGrant {
                name: "target".into(),
                host_path: "/deploy".into(),
                access: Access::ReadWrite,
                env: None,
            }],
        };
        let mounts = Mounts::for_attempt(
            &grants,
            &[("site".into(), "/store/site".into())],
            &[("pkg".into(), "/work/pkg".into())],
            &[],
            Path::new("/work/tmp"),
            None,
        );
        let view: Vec<(&str, Access)> = mounts
            .0
            .iter()
            .map(|m| (m.guest.as_str(), m.access))
            .collect();
        assert_eq!(
            view,
            [
                ("/workspace", Access::ReadOnly),
                ("/inputs/site", Access::ReadOnly),
                ("/outputs/pkg", Access::ReadWrite),
                ("/mnt/target", Access::ReadWrite),
                ("/tmp", Access::ReadWrite),
            ]
        );
    }
}
