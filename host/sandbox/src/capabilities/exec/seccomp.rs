//! The system calls a granted program may not make: the few that would let
//! it escape kiln's control of its processes or of the terminal. Built with
//! seccompiler (rust-vmm's BPF compiler), once per process, applied in the
//! child right before `exec` and inherited by everything it starts.
//!
//! - `setsid` and `setpgid` fail with `EPERM`: the child and its
//!   descendants stay in the process group kiln kills when the action
//!   ends, times out, is cancelled, or (through the recorded group, see
//!   [`children`](super::children)) when kiln itself died.
//! - `ioctl(TIOCSTI)` and `ioctl(TIOCLINUX)` fail with `EPERM`: a program
//!   cannot type into the terminal kiln runs in.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// The filter for this machine's architecture, or `None` where seccompiler
/// has no backend for it (the child then runs without it, and kiln says so
/// in the confinement it logs).
pub fn child_filter() -> Option<&'static BpfProgram> {
    static FILTER: OnceLock<Option<BpfProgram>> = OnceLock::new();
    FILTER
        .get_or_init(|| match build() {
            Ok(program) => Some(program),
            Err(error) => {
                tracing::warn!("no seccomp filter for exec'd programs: {error}");
                None
            }
        })
        .as_ref()
}

fn build() -> Result<BpfProgram, String> {
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|e| e.to_string())?;
    let ioctl_on = |request: libc::c_ulong| -> Result<SeccompRule, String> {
        let condition =
            SeccompCondition::new(1, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, request)
                .map_err(|e| e.to_string())?;
        SeccompRule::new(vec![condition]).map_err(|e| e.to_string())
    };
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    rules.insert(libc::SYS_setsid, Vec::new());
    rules.insert(libc::SYS_setpgid, Vec::new());
    rules.insert(
        libc::SYS_ioctl,
        vec![ioctl_on(libc::TIOCSTI)?, ioctl_on(libc::TIOCLINUX)?],
    );
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| e.to_string())?;
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| e.to_string())
}

/// Install `filter` in the calling process (the child, between `fork` and
/// `exec`): `prctl` and one `seccomp` call, no allocation.
pub fn apply(filter: &BpfProgram) -> std::io::Result<()> {
    seccompiler::apply_filter(filter).map_err(|_| std::io::Error::last_os_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_builds_on_this_machine() {
        if matches!(std::env::consts::ARCH, "x86_64" | "aarch64") {
            assert!(child_filter().is_some());
        }
    }
}
