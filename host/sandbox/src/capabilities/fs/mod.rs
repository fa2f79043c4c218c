//! The filesystem capability: which host directories an action sees, where,
//! and with what access. Files reach a plugin only through these preopens;
//! wasmtime-wasi resolves every path with cap-std, so `..`, absolute paths
//! and symlinks cannot leave a preopened directory.

use std::path::{Path, PathBuf};

use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

pub mod grant;

pub use kiln_model::grants::fs::*;

/// wasmtime-wasi's permissions for an access.
fn perms(access: Access) -> FsPerms {
    match access {
        Access::ReadOnly => FsPerms::ReadOnly,
        Access::ReadWrite => FsPerms::ReadWrite,
    }
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
            wasi.preopened_dir(&mount.host, &mount.guest, perms(mount.access))
                .map_err(|error| fail(std::io::Error::other(format!("{error:#}"))))?;
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
