//! The policy of one action: what it may run, where programs are found, and
//! which sandbox directories map to which host directories.
//!
//! Everything here is decided before anything is spawned, so that a denied
//! request never creates a process.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

pub use super::denied::ExecDenied;
use super::environment::BaseEnv;
use kiln_model::grants::{ExecGrant, Runs};

/// The working directory of a child when the request names none.
pub const DEFAULT_WORKING_DIR: &str = "/workspace";

/// A sandbox directory and the host directory behind it, as the action's
/// filesystem grants mount it (`/workspace`, `/inputs/<name>`,
/// `/outputs/<name>`, `/mnt/<name>`, `/tmp`).
///
/// The exec capability needs the mapping because children run on the host
/// and see host paths: it translates the working directory, answers
/// `host-path`, and gives Landlock the same directories the plugin sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecMount {
    /// The absolute sandbox path, e.g. `/workspace` or `/outputs/pkg`.
    pub guest: String,
    /// The host directory mounted there.
    pub host: PathBuf,
    /// Whether the child may write under `host` (Landlock enforces it).
    pub writable: bool,
}

/// Everything the exec capability needs to know about one action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecPolicy {
    /// The action's `grants.exec`. Several grants of one program add up.
    pub grants: Vec<ExecGrant>,
    /// The host's `PATH` directories, in order. Relative entries and
    /// entries containing `:` are ignored: a relative entry would make the
    /// lookup depend on the working directory (the classic `.` in `PATH`
    /// trap), and `:` cannot be written back into the child's `PATH`.
    pub search_path: Vec<PathBuf>,
    /// The action's mounts, in any order; the longest guest prefix wins.
    pub mounts: Vec<ExecMount>,
    /// What kiln puts into every child's environment.
    pub env: BaseEnv,
}

/// A request that passed [`ExecPolicy::check`]: the file to execute and
/// the grants that admitted it (several grants of one program add up).
#[derive(Debug, Clone)]
pub struct Permit<'a> {
    pub program_path: PathBuf,
    pub grants: Vec<&'a ExecGrant>,
}

impl Permit<'_> {
    /// What the child may execute: the widest of the admitting grants.
    pub fn runs(&self) -> Runs {
        let mut programs: Vec<String> = Vec::new();
        for grant in &self.grants {
            match &grant.runs {
                Runs::Any => return Runs::Any,
                Runs::Programs(names) => programs.extend(names.iter().cloned()),
                Runs::Itself => {}
            }
        }
        if programs.is_empty() {
            Runs::Itself
        } else {
            Runs::Programs(programs)
        }
    }

    /// Whether any admitting grant gives the network.
    pub fn network(&self) -> bool {
        self.grants.iter().any(|grant| grant.network)
    }
}

impl ExecPolicy {
    /// The search path of the current host process (`PATH`), for building
    /// a policy.
    pub fn host_search_path() -> Vec<PathBuf> {
        std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect())
            .unwrap_or_default()
    }

    /// Checks that `program` may run with `args` and returns the host file
    /// to execute.
    ///
    /// The order matters: the grant is checked before the host is
    /// searched, so an ungranted request learns nothing about the host.
    pub fn check(&self, program: &str, args: &[String]) -> Result<Permit<'_>, ExecDenied> {
        if program.is_empty() || program.contains('/') || program == "." || program == ".." {
            return Err(ExecDenied::NotBareName {
                program: program.to_owned(),
            });
        }
        let grants: Vec<&ExecGrant> = self
            .grants
            .iter()
            .filter(|grant| grant.program == program)
            .collect();
        if grants.is_empty() {
            let mut granted: Vec<String> = Vec::new();
            for grant in &self.grants {
                if !granted.contains(&grant.program) {
                    granted.push(grant.program.clone());
                }
            }
            return Err(ExecDenied::ProgramNotGranted {
                program: program.to_owned(),
                granted,
            });
        }
        let admitting: Vec<&ExecGrant> = grants
            .iter()
            .copied()
            .filter(|grant| grant.admits(args))
            .collect();
        if admitting.is_empty() {
            let patterns = grants
                .iter()
                .flat_map(|grant| grant.args.iter().flatten())
                .map(|pattern| pattern.to_string())
                .collect();
            return Err(ExecDenied::ArgsNotGranted {
                program: program.to_owned(),
                args: args.to_vec(),
                patterns,
            });
        }
        let program_path = self.find(program).ok_or_else(|| ExecDenied::NotFound {
            program: program.to_owned(),
            search_path: self.search_dirs().map(Path::to_path_buf).collect(),
        })?;
        Ok(Permit {
            program_path,
            grants: admitting,
        })
    }

    /// `program` on the search path, as an executable file.
    pub fn find(&self, program: &str) -> Option<PathBuf> {
        self.search_dirs()
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable_file(candidate))
    }

    /// The search path entries that are used, in order (see
    /// [`ExecPolicy::search_path`]).
    pub fn search_dirs(&self) -> impl Iterator<Item = &Path> {
        self.search_path
            .iter()
            .map(PathBuf::as_path)
            .filter(|dir| dir.is_absolute() && !dir.as_os_str().as_encoded_bytes().contains(&b':'))
    }

    /// The host path of sandbox path `guest`, through the mount with the
    /// longest matching prefix; `None` outside every mount.
    ///
    /// The translation is lexical: a `..` component is refused outright
    /// rather than resolved, since resolving it lexically could differ from
    /// what the kernel does with symlinks. Symlinks are not followed here;
    /// [`ExecPolicy::working_dir`] checks where they lead where it matters.
    pub fn host_path(&self, guest: &str) -> Option<PathBuf> {
        self.resolve(guest).map(|(_, host)| host)
    }

    /// The mount containing `guest` and the translated host path.
    fn resolve(&self, guest: &str) -> Option<(&ExecMount, PathBuf)> {
        let guest = guest_components(guest)?;
        let (mount, mount_len) = self
            .mounts
            .iter()
            .filter_map(|mount| {
                let prefix = guest_components(&mount.guest)?;
                guest.starts_with(&prefix).then_some((mount, prefix.len()))
            })
            .max_by_key(|(_, len)| *len)?;
        let mut host = mount.host.clone();
        for component in &guest[mount_len..] {
            host.push(component);
        }
        Some((mount, host))
    }

    /// The host directory a child starts in: sandbox path `guest`, or
    /// [`DEFAULT_WORKING_DIR`].
    ///
    /// The path is canonicalized and must still lie inside its mount's
    /// (canonical) host directory, so a symlink a plugin planted in a
    /// writable mount cannot start the child somewhere else. The canonical
    /// path is returned so the child's `chdir` follows no symlink.
    pub fn working_dir(&self, guest: Option<&str>) -> Result<PathBuf, ExecDenied> {
        let guest = guest.unwrap_or(DEFAULT_WORKING_DIR);
        let (mount, host) =
            self.resolve(guest)
                .ok_or_else(|| ExecDenied::WorkingDirOutsideMounts {
                    guest: guest.to_owned(),
                })?;
        let unavailable = |source| ExecDenied::WorkingDirUnavailable {
            guest: guest.to_owned(),
            source,
        };
        let mount_root = mount.host.canonicalize().map_err(unavailable)?;
        let resolved = host.canonicalize().map_err(unavailable)?;
        if !resolved.starts_with(&mount_root) {
            return Err(ExecDenied::WorkingDirEscapes {
                guest: guest.to_owned(),
                mount: mount.guest.clone(),
                resolved,
            });
        }
        if !resolved.is_dir() {
            return Err(unavailable(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            )));
        }
        Ok(resolved)
    }
}

/// The normal components of an absolute sandbox path, or `None` if it is
/// relative or contains `..`.
fn guest_components(guest: &str) -> Option<Vec<&OsStr>> {
    let mut components = Path::new(guest).components();
    if components.next() != Some(Component::RootDir) {
        return None;
    }
    let mut normal = Vec::new();
    for component in components {
        match component {
            Component::Normal(name) => normal.push(name),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(normal)
}

fn is_executable_file(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_model::grants::ArgPattern;
    use std::os::unix::fs::symlink;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn policy_with(grants: Vec<ExecGrant>) -> ExecPolicy {
        ExecPolicy {
            grants,
            search_path: vec![PathBuf::from("/usr/bin"), PathBuf::from("/bin")],
            ..ExecPolicy::default()
        }
    }

    fn git_grant() -> ExecGrant {
        ExecGrant::with_patterns(
            "git",
            vec![
                ArgPattern::parse("status").unwrap(),
                ArgPattern::parse("log **").unwrap(),
            ],
        )
    }

    #[test]
    fn a_granted_program_resolves_through_the_search_path() {
        let policy = policy_with(vec![ExecGrant::any_args("sh")]);
        let path = policy
            .check("sh", &strings(&["-c", "true"]))
            .unwrap()
            .program_path;
        assert!(path.is_absolute() && path.ends_with("sh"), "{path:?}");
    }

    #[test]
    fn an_ungranted_program_is_refused_with_the_granted_list() {
        let policy = policy_with(vec![ExecGrant::any_args("cargo"), git_grant(), git_grant()]);
        let denied = policy.check("curl", &[]).unwrap_err();
        assert_eq!(
            denied.to_string(),
            "exec of `curl` is not granted; granted programs: cargo, git"
        );
        let denied = policy_with(Vec::new()).check("curl", &[]).unwrap_err();
        assert_eq!(
            denied.to_string(),
            "exec of `curl` is not granted; granted programs: none"
        );
    }

    #[test]
    fn arguments_outside_every_pattern_are_refused_with_the_patterns() {
        let policy = policy_with(vec![git_grant()]);
        let denied = policy
            .check("git", &strings(&["push", "origin", "main"]))
            .unwrap_err();
        assert_eq!(
            denied.to_string(),
            "arguments `push origin main` to `git` match no granted pattern (granted: `status`, `log **`)"
        );
        let denied = policy.check("git", &[]).unwrap_err();
        assert_eq!(
            denied.to_string(),
            "an empty argument list to `git` matches no granted pattern (granted: `status`, `log **`)"
        );
        let denied = policy
            .check("git", &strings(&["commit", "-m", "two words"]))
            .unwrap_err();
        assert!(
            denied.to_string().contains("`commit -m \"two words\"`"),
            "{denied}"
        );
    }

    #[test]
    fn grants_of_the_same_program_add_up() {
        let policy = policy_with(vec![
            ExecGrant::with_patterns("sh", vec![ArgPattern::parse("-c true").unwrap()]),
            ExecGrant::with_patterns("sh", vec![ArgPattern::parse("-c false").unwrap()]),
        ]);
        assert!(policy.check("sh", &strings(&["-c", "true"])).is_ok());
        assert!(policy.check("sh", &strings(&["-c", "false"])).is_ok());
        assert!(policy.check("sh", &strings(&["-c", "id"])).is_err());
        let open = policy_with(vec![
            ExecGrant::with_patterns("sh", vec![ArgPattern::parse("-c true").unwrap()]),
            ExecGrant::any_args("sh"),
        ]);
        assert!(open.check("sh", &strings(&["-c", "id"])).is_ok());
    }

    #[test]
    fn paths_are_refused_even_when_the_name_is_granted() {
        let policy = policy_with(vec![
            ExecGrant::any_args("sh"),
            ExecGrant::any_args("/bin/sh"),
        ]);
        for program in ["/bin/sh", "./sh", "bin/sh", "", ".", ".."] {
            let denied = policy.check(program, &[]).unwrap_err();
            assert!(
                matches!(denied, ExecDenied::NotBareName { .. }),
                "{program:?}: {denied}"
            );
        }
    }

    #[test]
    fn a_granted_but_missing_program_is_not_found() {
        let policy = policy_with(vec![ExecGrant::any_args("kiln-no-such-program")]);
        let denied = policy.check("kiln-no-such-program", &[]).unwrap_err();
        assert_eq!(
            denied.to_string(),
            "`kiln-no-such-program` is granted but was not found on the host's PATH (/usr/bin:/bin)"
        );
    }

    #[test]
    fn lookup_skips_relative_entries_and_non_executable_files() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("tool");
        std::fs::write(&plain, "#!/bin/sh\n").unwrap();
        let relative = PathBuf::from(".");
        let policy = ExecPolicy {
            grants: vec![ExecGrant::any_args("tool")],
            search_path: vec![relative, dir.path().to_path_buf()],
            ..ExecPolicy::default()
        };
        assert!(matches!(
            policy.check("tool", &[]),
            Err(ExecDenied::NotFound { .. })
        ));
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(policy.check("tool", &[]).unwrap().program_path, plain);
    }

    fn mounts_policy() -> ExecPolicy {
        ExecPolicy {
            mounts: vec![
                ExecMount {
                    guest: "/workspace".into(),
                    host: "/home/ci/project".into(),
                    writable: false,
                },
                ExecMount {
                    guest: "/workspace/target".into(),
                    host: "/cache/target".into(),
                    writable: true,
                },
                ExecMount {
                    guest: "/tmp".into(),
                    host: "/var/kiln/tmp/1".into(),
                    writable: true,
                },
            ],
            ..ExecPolicy::default()
        }
    }

    #[test]
    fn host_path_uses_the_longest_mount_prefix() {
        let policy = mounts_policy();
        let host = |guest| policy.host_path(guest);
        assert_eq!(host("/workspace"), Some("/home/ci/project".into()));
        assert_eq!(
            host("/workspace/src/lib.rs"),
            Some("/home/ci/project/src/lib.rs".into())
        );
        assert_eq!(
            host("/workspace/target/debug"),
            Some("/cache/target/debug".into())
        );
        assert_eq!(
            host("/workspace/./src//x"),
            Some("/home/ci/project/src/x".into())
        );
        assert_eq!(host("/tmp/a"), Some("/var/kiln/tmp/1/a".into()));
    }

    #[test]
    fn host_path_refuses_paths_outside_mounts_and_dot_dot() {
        let policy = mounts_policy();
        for guest in [
            "/workspace/../etc/passwd",
            "/workspace/src/../../x",
            "/workspace2",
            "/etc",
            "/",
            "workspace",
            "",
        ] {
            assert_eq!(policy.host_path(guest), None, "{guest}");
        }
    }

    fn real_mount(dir: &Path) -> ExecPolicy {
        ExecPolicy {
            mounts: vec![ExecMount {
                guest: "/workspace".into(),
                host: dir.to_path_buf(),
                writable: true,
            }],
            ..ExecPolicy::default()
        }
    }

    #[test]
    fn working_dir_defaults_to_the_workspace_and_translates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let policy = real_mount(dir.path());
        let root = dir.path().canonicalize().unwrap();
        assert_eq!(policy.working_dir(None).unwrap(), root);
        assert_eq!(
            policy.working_dir(Some("/workspace/sub")).unwrap(),
            root.join("sub")
        );
        assert!(matches!(
            policy.working_dir(Some("/etc")),
            Err(ExecDenied::WorkingDirOutsideMounts { .. })
        ));
        assert!(matches!(
            policy.working_dir(Some("/workspace/missing")),
            Err(ExecDenied::WorkingDirUnavailable { .. })
        ));
    }

    #[test]
    fn working_dir_refuses_a_symlink_out_of_its_mount() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        symlink(outside.path(), dir.path().join("escape")).unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        symlink("real", dir.path().join("inside")).unwrap();
        let policy = real_mount(dir.path());
        let denied = policy.working_dir(Some("/workspace/escape")).unwrap_err();
        assert!(
            matches!(denied, ExecDenied::WorkingDirEscapes { .. }),
            "{denied}"
        );
        let message = denied.to_string();
        assert!(
            message.starts_with("working directory `/workspace/escape` resolves to")
                && message.ends_with("outside its mount `/workspace`"),
            "{message}"
        );
        // A symlink that stays inside the mount is fine.
        assert_eq!(
            policy.working_dir(Some("/workspace/inside")).unwrap(),
            dir.path().canonicalize().unwrap().join("real")
        );
    }
}
