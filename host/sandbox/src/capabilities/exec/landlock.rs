//! Landlock confinement of an exec'd child: files, execution, TCP,
//! signals.
//!
//! # What the child may reach
//!
//! - read: the system directories [`SYSTEM_DIRS`] that exist, the
//!   directory the program was found in and the directory of its canonical
//!   file (for a symlinked program such as `/usr/local/bin/tool ->
//!   /opt/tool/bin/tool`), the canonical targets of a few `/etc` files
//!   that are often symlinks out of `/etc` ([`SYSTEM_FILE_LINKS`], e.g.
//!   `/etc/resolv.conf` into `/run`), and the empty `HOME` kiln gives it;
//! - `/dev`: listing, and only the harmless character devices in
//!   [`READABLE_DEVICES`]; write on `/dev/null` and `/dev/tty`. Not all of
//!   `/dev`, because a child running as root could otherwise read a raw
//!   disk and with it every file, and ioctls on `/dev/tty` (`TIOCSTI`)
//!   could type into the terminal kiln runs in;
//! - every [`ExecMount`](super::ExecMount): read, and all writes when it is
//!   writable;
//! - execute: what the grant's `runs:` says ([`Runs`]). By default only the
//!   program itself, its dynamic loader and its script interpreter, so a
//!   configuration file the plugin planted (git's `core.fsmonitor`, a hook,
//!   a filter driver) cannot start a shell; with `runs: [names]` those
//!   programs too; with `runs: any` everything readable (a build runs what
//!   it builds: `target/debug/build/*/build-script-build`);
//! - TCP: nothing (no connection, no listening) unless the grant says
//!   `network: true`;
//! - signals and abstract Unix sockets: only those of its own processes
//!   (Landlock scopes), so it cannot signal kiln or other actions.
//!
//! Nothing else: not the host's `HOME`, not the host's `/tmp` (`TMPDIR`
//! points into the `/tmp` mount), not `/var`, not `/run`, not `/dev/shm`
//! (POSIX shared memory fails). Landlock does not restrict walking through
//! directories, only opening, listing and changing them, so parent
//! directories need no rule.
//!
//! # What Landlock does not confine here
//!
//! - **UDP** is not covered by Landlock: a child can send datagrams (DNS
//!   included) whatever `network:` says.
//! - **Pathname Unix sockets** are confined only from Landlock ABI 9
//!   (`LANDLOCK_ACCESS_FS_RESOLVE_UNIX`); below it a child can connect to
//!   any socket file its user may, `/run/docker.sock` included. This is
//!   why a kernel below ABI 9 reports [`Confinement::Partial`].
//! - Other rights the kernel lacks, in the same way: `Refer` (ABI 2,
//!   before which cross-directory renames and links are always refused),
//!   `Truncate` (ABI 3), TCP (ABI 4), `IoctlDev` (ABI 5), scopes (ABI 6).
//! - **Without Landlock** ([`Confinement::None`]: kernel before 5.13, or
//!   Landlock not in the kernel's LSM list) the child can read, write and
//!   execute whatever kiln's user can, and run any program, so an exec
//!   grant then bounds the first program only, not what it runs. What
//!   still holds: the grant, argument and environment checks, the working
//!   directory check, `no_new_privs` (set-user-ID programs do not gain
//!   privileges), the seccomp filter, the timeout and the process-group
//!   kill.
//! - Already-open file descriptors are not re-checked; the child inherits
//!   only its stdio (null, two pipes), kiln's own descriptors being
//!   close-on-exec.
//!
//! # How it is applied
//!
//! The ruleset is built in the parent, before `fork`: the paths are opened
//! and the rules added there, because allocating or opening files between
//! `fork` and `exec` of a multi-threaded process can deadlock. The child
//! only calls `restrict_self` (`prctl` and one Landlock syscall, no
//! allocation), with its parent-death signal, open-file limit and seccomp
//! filter (see [`children`](super::children), [`seccomp`](super::seccomp)),
//! and reports the outcome over a close-on-exec pipe, so that
//! [`run`](super::run) can tell the caller what was achieved for that very
//! child rather than a guess.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ::landlock::{
    ABI, Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, PathBeneath, PathFd,
    PathFdError, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr, RulesetError,
    RulesetStatus, Scope,
};

use super::executables::needed_to_start;
use super::policy::{ExecPolicy, Permit};
use kiln_model::grants::Runs;

/// The newest Landlock ABI this module handles. Best effort downgrades it
/// to what the running kernel supports; a lower kernel ABI then yields
/// [`Confinement::Partial`].
const TARGET_ABI: ABI = ABI::V10;

/// The first ABI with every filesystem right of [`TARGET_ABI`]
/// (`ResolveUnix` came with ABI 9; ABI 10 added no filesystem right).
const FULL_FS_ABI: i64 = 9;

/// System directories a child may read and execute from, where they exist.
pub const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/opt", "/proc", "/sys",
];

/// Character devices a child may read.
pub const READABLE_DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
];

/// Character devices a child may write (no ioctls beyond the basic ones).
pub const WRITABLE_DEVICES: &[&str] = &["/dev/null", "/dev/tty"];

/// `/etc` files that distributions commonly make symlinks to elsewhere
/// (`/etc/resolv.conf` into `/run/systemd/resolve`): their canonical
/// target is made readable, so that name resolution keeps working.
pub const SYSTEM_FILE_LINKS: &[&str] = &["/etc/resolv.conf", "/etc/hosts", "/etc/localtime"];

/// How far a child's filesystem view was confined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Confinement {
    /// Every restriction described in the [module docs](self) is enforced.
    Full,
    /// Landlock is enforced, but the kernel lacks some rights this module
    /// asks for (see the [module docs](self)).
    Partial,
    /// Landlock is not available: the child is not confined.
    None,
}

impl Confinement {
    fn from_status(status: RulesetStatus) -> Confinement {
        match status {
            RulesetStatus::FullyEnforced => Confinement::Full,
            RulesetStatus::PartiallyEnforced => Confinement::Partial,
            RulesetStatus::NotEnforced => Confinement::None,
        }
    }

    /// The byte a child writes to report its confinement.
    fn to_byte(self) -> u8 {
        match self {
            Confinement::Full => b'F',
            Confinement::Partial => b'P',
            Confinement::None => b'N',
        }
    }

    fn from_byte(byte: u8) -> Option<Confinement> {
        match byte {
            b'F' => Some(Confinement::Full),
            b'P' => Some(Confinement::Partial),
            b'N' => Some(Confinement::None),
            _ => None,
        }
    }
}

impl std::fmt::Display for Confinement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Confinement::Full => "full",
            Confinement::Partial => "partial",
            Confinement::None => "none",
        })
    }
}

/// What confinement a child would get on this kernel, probed once.
///
/// For logging at start-up and for tests; [`run`](super::run) reports what
/// each child actually got.
pub fn landlock_support() -> Confinement {
    static SUPPORT: OnceLock<Confinement> = OnceLock::new();
    *SUPPORT.get_or_init(|| match kernel_abi() {
        abi if abi < 1 => Confinement::None,
        abi if abi < FULL_FS_ABI => Confinement::Partial,
        _ => Confinement::Full,
    })
}

/// The kernel's Landlock ABI version, or 0 without Landlock.
fn kernel_abi() -> i64 {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute pointer, size 0 and the VERSION flag,
    // `landlock_create_ruleset` only returns the ABI version (or -1): it
    // reads and writes no memory and creates no descriptor.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    abi.max(0)
}

/// Why the sandbox of a child could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum ConfinementError {
    #[error("cannot open `{}` for a Landlock rule: {source}", .path.display())]
    OpenPath {
        path: PathBuf,
        #[source]
        source: PathFdError,
    },
    #[error("building the Landlock ruleset failed: {0}")]
    Ruleset(#[from] RulesetError),
    #[error("creating the pipe for the confinement report failed: {0}")]
    ReportPipe(#[source] io::Error),
}

/// Everything a child applies to itself between `fork` and `exec`, built
/// before `fork`: the Landlock ruleset, the seccomp filter, its open-file
/// limit, and the parent whose death must kill it.
pub(super) struct ChildSandbox {
    ruleset: RulesetCreated,
    filter: Option<&'static seccompiler::BpfProgram>,
    open_files: libc::rlim_t,
    parent: libc::pid_t,
}

impl ChildSandbox {
    /// Builds the confinement of the program `permit` admitted under
    /// `policy`: files (read the system and the mounts, write the writable
    /// mounts), execution (what [`Runs`] allows), TCP (only with `network:
    /// true`), signals and abstract sockets (its own only), and at most
    /// `open_files` descriptors per process.
    pub(super) fn prepare(
        policy: &ExecPolicy,
        permit: &Permit<'_>,
        open_files: u32,
    ) -> Result<ChildSandbox, ConfinementError> {
        let handled = AccessFs::from_all(TARGET_ABI);
        let runs = permit.runs();
        let may_exec_anything = runs == Runs::Any;
        // Execute comes with read only when the grant runs anything; else
        // it is given file by file below.
        let read = if may_exec_anything {
            AccessFs::from_read(TARGET_ABI)
        } else {
            AccessFs::ReadFile | AccessFs::ReadDir
        };
        let writable = if may_exec_anything {
            handled
        } else {
            handled & !AccessFs::Execute
        };
        let read_write_file = AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::Truncate;

        let mut rules = RuleSet::default();
        for dir in SYSTEM_DIRS {
            rules.add_if_exists(Path::new(dir), read);
        }
        rules.add_if_exists(Path::new("/dev"), AccessFs::ReadDir.into());
        for device in READABLE_DEVICES {
            rules.add_if_exists(Path::new(device), AccessFs::ReadFile.into());
        }
        for device in WRITABLE_DEVICES {
            rules.add_if_exists(Path::new(device), read_write_file);
        }
        for link in SYSTEM_FILE_LINKS {
            if let Ok(target) = Path::new(link).canonicalize() {
                rules.add_if_exists(&target, AccessFs::ReadFile.into());
            }
        }
        let program_path = &permit.program_path;
        if let Some(dir) = program_path.parent() {
            rules.add_if_exists(dir, read);
        }
        if let Some(dir) = program_path
            .canonicalize()
            .ok()
            .and_then(|real| real.parent().map(Path::to_path_buf))
        {
            rules.add_if_exists(&dir, read);
        }
        rules.add_if_exists(&policy.env.home, AccessFs::ReadFile | AccessFs::ReadDir);
        for mount in &policy.mounts {
            let access = if mount.writable { writable } else { read };
            rules.add_required(&mount.host, access);
        }
        if !may_exec_anything {
            for file in executable_files(policy, program_path, &runs) {
                rules.add_if_exists(&file, AccessFs::Execute | AccessFs::ReadFile);
            }
        }

        let mut ruleset = Ruleset::default()
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(handled)?;
        if !permit.network() {
            // Handled with no rule: no TCP connection, no listening.
            ruleset = ruleset.handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)?;
        }
        let mut ruleset = ruleset
            .scope(Scope::AbstractUnixSocket | Scope::Signal)?
            .create()?;
        for (path, access) in rules.paths {
            let fd = match PathFd::new(&path) {
                Ok(fd) => fd,
                // A system path that vanished since it was listed.
                Err(_) if !rules.required.contains(&path) => continue,
                Err(source) => return Err(ConfinementError::OpenPath { path, source }),
            };
            // Directory rights on a file would downgrade the whole ruleset
            // to "partially enforced" for no reason.
            let access = if path.is_dir() {
                access & handled
            } else {
                access & handled & AccessFs::from_file(TARGET_ABI)
            };
            if !access.is_empty() {
                ruleset = ruleset.add_rule(PathBeneath::new(fd, access))?;
            }
        }
        Ok(ChildSandbox {
            ruleset,
            filter: super::seccomp::child_filter(),
            open_files: libc::rlim_t::from(open_files),
            // SAFETY: `getpid` cannot fail.
            parent: unsafe { libc::getpid() },
        })
    }

    /// Arranges for the child of `command` to confine itself right before
    /// `exec`, and returns where to read what it achieved.
    pub(super) fn install(
        self,
        command: &mut tokio::process::Command,
    ) -> Result<ConfinementReport, ConfinementError> {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors `pipe2` writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(ConfinementError::ReportPipe(io::Error::last_os_error()));
        }
        // SAFETY: `pipe2` succeeded, so both descriptors are open and ours.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let report_fd = write_end.as_raw_fd();
        let mut ruleset = Some(self.ruleset);
        let (filter, open_files, parent) = (self.filter, self.open_files, self.parent);
        let confine = move || -> io::Result<()> {
            // Runs in the child between fork and exec: only `prctl`,
            // `getppid`, `setrlimit`, the Landlock and seccomp syscalls and
            // `write` happen here, all async-signal-safe, and nothing
            // allocates (`restrict_self` and `apply_filter` build their
            // results and errors without allocating).
            die_with_parent(parent)?;
            limit_open_files(open_files)?;
            let confinement = match ruleset.take() {
                Some(ruleset) => match ruleset.restrict_self() {
                    Ok(status) => Confinement::from_status(status.ruleset),
                    Err(_) => {
                        let error = io::Error::last_os_error();
                        return Err(match error.raw_os_error() {
                            Some(0) | None => io::Error::from_raw_os_error(libc::EPERM),
                            Some(_) => error,
                        });
                    }
                },
                None => Confinement::None,
            };
            // Without the filter a child could leave its process group:
            // report it as less than fully confined.
            let confinement = match filter {
                Some(filter) => {
                    super::seccomp::apply(filter)?;
                    confinement
                }
                None if confinement == Confinement::Full => Confinement::Partial,
                None => confinement,
            };
            let byte = confinement.to_byte();
            // SAFETY: writes one byte from a live local to the pipe's write
            // end, which the parent keeps open until after the spawn. The
            // pipe is empty, so the write cannot block or be short; should
            // it fail anyway, the parent reports `Confinement::None`.
            unsafe { libc::write(report_fd, (&raw const byte).cast(), 1) };
            Ok(())
        };
        // SAFETY: `confine` is async-signal-safe (see above); it touches
        // only memory the forked child owns a copy of.
        unsafe { command.pre_exec(confine) };
        Ok(ConfinementReport {
            read_end,
            _write_end: write_end,
        })
    }
}

/// Have the kernel kill this child when kiln dies; fail if kiln already
/// did (the child was then adopted by another process).
fn die_with_parent(parent: libc::pid_t) -> io::Result<()> {
    // SAFETY: plain integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `getppid` cannot fail.
    if unsafe { libc::getppid() } != parent {
        return Err(io::Error::from_raw_os_error(libc::ESRCH));
    }
    Ok(())
}

/// Lower the child's open-file limit (soft and hard) to `limit`, or to the
/// current hard limit if that is lower.
fn limit_open_files(limit: libc::rlim_t) -> io::Result<()> {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `current` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut current) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let limit = limit.min(current.rlim_max);
    let new = libc::rlimit {
        rlim_cur: limit,
        rlim_max: limit,
    };
    // SAFETY: `new` is a valid rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The files a child that may not run anything may still execute: the
/// program and the programs `runs` names (bare names on the search path,
/// or absolute paths: a directory grants what is beneath it), each with
/// what it needs to start (its loader, its script interpreter).
fn executable_files(policy: &ExecPolicy, program: &Path, runs: &Runs) -> Vec<PathBuf> {
    let lookup = |name: &str| policy.find(name);
    let mut files = needed_to_start(program, &lookup);
    if let Runs::Programs(names) = runs {
        for name in names {
            let found = if name.starts_with('/') {
                Some(PathBuf::from(name))
            } else {
                policy.find(name)
            };
            match found {
                Some(path) if path.is_dir() => files.push(path),
                Some(path) => files.extend(needed_to_start(&path, &lookup)),
                None => tracing::debug!("runs: `{name}` is not on the host's PATH"),
            }
        }
    }
    files
}

/// The parent's end of a child's confinement report.
pub(super) struct ConfinementReport {
    read_end: OwnedFd,
    /// Kept open until the spawn has returned, so that the child's write
    /// cannot hit a closed pipe.
    _write_end: OwnedFd,
}

impl ConfinementReport {
    /// What the child reported. Call after a successful spawn: by then the
    /// child has run its `pre_exec` and `exec` has succeeded. A missing
    /// report counts as no confinement, the only safe assumption.
    pub(super) fn read(self) -> Confinement {
        let mut byte = 0u8;
        // SAFETY: reads at most one byte into a live local from a
        // descriptor we own; the descriptor is non-blocking.
        let read = unsafe { libc::read(self.read_end.as_raw_fd(), (&raw mut byte).cast(), 1) };
        if read == 1 {
            Confinement::from_byte(byte).unwrap_or(Confinement::None)
        } else {
            Confinement::None
        }
    }
}

/// The paths to add rules for, with their rights, merged per path.
#[derive(Default)]
struct RuleSet {
    paths: Vec<(PathBuf, BitFlags<AccessFs>)>,
    /// Paths whose absence is an error (mounts), not a skip.
    required: Vec<PathBuf>,
}

impl RuleSet {
    fn add_if_exists(&mut self, path: &Path, access: BitFlags<AccessFs>) {
        if path.exists() {
            self.add(path, access);
        }
    }

    fn add_required(&mut self, path: &Path, access: BitFlags<AccessFs>) {
        self.required.push(path.to_path_buf());
        self.add(path, access);
    }

    fn add(&mut self, path: &Path, access: BitFlags<AccessFs>) {
        match self.paths.iter_mut().find(|(known, _)| known == path) {
            Some((_, known_access)) => *known_access |= access,
            None => self.paths.push((path.to_path_buf(), access)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::super::test_support::*;
    use super::super::{ExecGrant, ExecMount, ExecPolicy, Runs, Stream};
    use super::*;

    const PATIENCE: Duration = Duration::from_secs(20);

    /// Whether the kernel enforces Landlock; if not, says so and checks
    /// that a run reports no confinement.
    async fn landlock_enforced(policy: &ExecPolicy) -> bool {
        let support = landlock_support();
        let mut probe = policy.clone();
        probe.grants.push(ExecGrant::any_args("true"));
        let (result, _, _) = run_collecting(&probe, request("true", &[]), PATIENCE).await;
        let reported = result.unwrap().confinement;
        assert_eq!(reported, support);
        if support == Confinement::None {
            println!("Landlock is not supported by this kernel: confinement not tested");
            return false;
        }
        println!(
            "Landlock confinement on this kernel: {support} (ABI {})",
            kernel_abi()
        );
        true
    }

    fn grants() -> Vec<ExecGrant> {
        ["true", "cat", "sh"].into_iter().map(runs_any).collect()
    }

    fn write(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
    }

    #[tokio::test]
    async fn a_child_reads_inside_its_mounts_only() {
        let mounted = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        write(&mounted.path().join("inside.txt"), "inside\n");
        write(&outside.path().join("secret.txt"), "secret\n");
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            mounted.path().join("link.txt"),
        )
        .unwrap();
        let policy = policy(grants(), vec![workspace(mounted.path(), false)]);
        if !landlock_enforced(&policy).await {
            return;
        }

        let inside = mounted.path().join("inside.txt");
        let (result, lines, _) = run_collecting(
            &policy,
            request("cat", &[inside.to_str().unwrap()]),
            PATIENCE,
        )
        .await;
        assert!(result.unwrap().status.success());
        assert_eq!(texts(&lines, Stream::Stdout), ["inside"]);

        // Directly, and through a symlink inside the mount: Landlock checks
        // the file actually opened.
        let secret = outside.path().join("secret.txt");
        let link = mounted.path().join("link.txt");
        for path in [&secret, &link] {
            let (result, lines, _) =
                run_collecting(&policy, request("cat", &[path.to_str().unwrap()]), PATIENCE).await;
            assert!(!result.unwrap().status.success(), "{path:?} was readable");
            assert!(texts(&lines, Stream::Stdout).is_empty());
            let errors = texts(&lines, Stream::Stderr).join("\n");
            assert!(errors.contains("Permission denied"), "{errors}");
        }
    }

    #[tokio::test]
    async fn a_child_writes_inside_writable_mounts_only() {
        let mounted = tempfile::tempdir().unwrap();
        let read_only = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let mut mounts = vec![workspace(mounted.path(), true)];
        mounts.push(ExecMount {
            guest: "/inputs/src".into(),
            host: read_only.path().to_path_buf(),
            writable: false,
        });
        let policy = policy(grants(), mounts);
        if !landlock_enforced(&policy).await {
            return;
        }

        let sh = |target: &Path| {
            let script = format!("echo x > '{}'", target.display());
            request("sh", &["-c", &script])
        };
        let allowed = mounted.path().join("f");
        let (result, _, _) = run_collecting(&policy, sh(&allowed), PATIENCE).await;
        assert!(result.unwrap().status.success());
        assert_eq!(std::fs::read_to_string(&allowed).unwrap(), "x\n");

        for dir in [outside.path(), read_only.path()] {
            let target = dir.join("f");
            let (result, lines, _) = run_collecting(&policy, sh(&target), PATIENCE).await;
            assert!(!result.unwrap().status.success(), "wrote {target:?}");
            assert!(!target.exists(), "wrote {target:?}");
            let errors = texts(&lines, Stream::Stderr).join("\n");
            assert!(errors.contains("Permission denied"), "{errors}");
        }
    }

    #[tokio::test]
    async fn system_directories_and_dev_null_stay_usable() {
        let mounted = tempfile::tempdir().unwrap();
        let policy = policy(grants(), vec![workspace(mounted.path(), false)]);
        if !landlock_enforced(&policy).await {
            return;
        }
        let script = "cat /etc/passwd > /dev/null && echo ok > /dev/null && ls /usr/bin > /dev/null \
                      && echo done";
        let (result, lines, _) =
            run_collecting(&policy, request("sh", &["-c", script]), PATIENCE).await;
        assert!(result.unwrap().status.success(), "{lines:?}");
        assert_eq!(texts(&lines, Stream::Stdout), ["done"]);
    }

    #[tokio::test]
    async fn raw_devices_are_not_readable() {
        let mounted = tempfile::tempdir().unwrap();
        let policy = policy(grants(), vec![workspace(mounted.path(), false)]);
        if !landlock_enforced(&policy).await {
            return;
        }
        let Some(device) = std::fs::read_dir("/dev")
            .unwrap()
            .flatten()
            .map(|entry| entry.path())
            .find(|path| {
                use std::os::unix::fs::FileTypeExt;
                path.metadata()
                    .is_ok_and(|meta| meta.file_type().is_block_device())
                    && std::fs::File::open(path).is_ok()
            })
        else {
            println!("no readable block device here: nothing to check");
            return;
        };
        let script = format!("head -c 1 '{}' > /dev/null", device.display());
        let (result, lines, _) =
            run_collecting(&policy, request("sh", &["-c", &script]), PATIENCE).await;
        assert!(!result.unwrap().status.success(), "{device:?} was readable");
        let errors = texts(&lines, Stream::Stderr).join("\n");
        assert!(errors.contains("Permission denied"), "{errors}");
    }

    #[tokio::test]
    async fn a_program_granted_alone_cannot_start_another() {
        let mounted = tempfile::tempdir().unwrap();
        let strict = policy(
            vec![ExecGrant::any_args("sh")],
            vec![workspace(mounted.path(), true)],
        );
        if !landlock_enforced(&strict).await {
            return;
        }
        // `echo` is built in; `ls` and a planted script are programs.
        let script = format!(
            "echo start; printf '#!/bin/sh\\necho planted\\n' > {dir}/p; chmod +x {dir}/p; \
             ls /usr > /dev/null && echo ls-ran; {dir}/p; echo end",
            dir = mounted.path().display()
        );
        let (result, lines, _) =
            run_collecting(&strict, request("sh", &["-c", &script]), PATIENCE).await;
        result.unwrap();
        let out = texts(&lines, Stream::Stdout);
        assert_eq!(out, ["start", "end"], "{lines:?}");
        let errors = texts(&lines, Stream::Stderr).join("\n");
        assert!(errors.contains("Permission denied"), "{errors}");

        // Named in `runs:`, `ls` may run; the planted script still not.
        let mut grant = ExecGrant::any_args("sh");
        grant.runs = Runs::Programs(vec!["ls".into()]);
        let named = policy(vec![grant], vec![workspace(mounted.path(), true)]);
        let (result, lines, _) =
            run_collecting(&named, request("sh", &["-c", &script]), PATIENCE).await;
        result.unwrap();
        assert_eq!(texts(&lines, Stream::Stdout), ["start", "ls-ran", "end"]);
    }

    #[tokio::test]
    async fn tcp_needs_a_network_grant() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(4) {
                drop(stream);
            }
        });
        let connect = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected");
        let Some(bash) = ["/bin/bash", "/usr/bin/bash"]
            .into_iter()
            .find(|p| Path::new(p).exists())
        else {
            return;
        };
        let _ = bash;
        let closed = policy(vec![runs_any("bash")], Vec::new());
        if !landlock_enforced(&closed).await || kernel_abi() < 4 {
            return;
        }
        let (result, lines, _) =
            run_collecting(&closed, request("bash", &["-c", &connect]), PATIENCE).await;
        assert!(!result.unwrap().status.success(), "{lines:?}");
        assert!(texts(&lines, Stream::Stdout).is_empty());

        let mut grant = runs_any("bash");
        grant.network = true;
        let open = policy(vec![grant], Vec::new());
        let (result, lines, _) =
            run_collecting(&open, request("bash", &["-c", &connect]), PATIENCE).await;
        assert!(result.unwrap().status.success(), "{lines:?}");
        assert_eq!(texts(&lines, Stream::Stdout), ["connected"]);
    }
}
