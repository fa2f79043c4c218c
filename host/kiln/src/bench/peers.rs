//! Peers: other sandboxes doing what a kiln action does, timed here so a
//! row can set kiln beside them as well as beside a bare process.
//!
//! bubblewrap (`bwrap`, Debian's `bubblewrap`, scripts/setup installs it)
//! is what Flatpak and many CI runners sandbox with: a process in fresh
//! namespaces with the host read-only, its own `/dev`, `/proc` and `/tmp`.
//! It needs user namespaces, or root (as in the VMs this bench runs in):
//! where it cannot sandbox, the row it serves says why.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::benchdata::find_on_path;
use super::{median, run};

/// One sandboxed no-op: the host read-only, a fresh `/dev`, `/proc` and
/// `/tmp`, then `true`.
const BWRAP_NOOP: &[&str] = &[
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "true",
];

/// Why bwrap cannot be timed here (not installed, or it cannot sandbox:
/// no user namespaces for this user), or `None` when it can.
fn bwrap_unavailable() -> Option<String> {
    if find_on_path("bwrap").is_none() {
        return Some("bwrap is not installed (scripts/setup installs bubblewrap)".into());
    }
    match Command::new("bwrap")
        .args(BWRAP_NOOP)
        .stdout(Stdio::null())
        .output()
    {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(format!(
            "bwrap cannot sandbox here ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(error) => Some(format!("bwrap does not start: {error}")),
    }
}

/// `steps` sandboxed no-ops (`bwrap --ro-bind / / --dev /dev --proc /proc
/// --tmpfs /tmp true`), one after another: the median of `rounds` rounds'
/// totals, or why bwrap cannot be timed here.
pub(super) fn bwrap_spawns(
    steps: usize,
    rounds: usize,
) -> Result<std::result::Result<Duration, String>> {
    if let Some(why) = bwrap_unavailable() {
        return Ok(Err(why));
    }
    let mut totals = Vec::new();
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        for _ in 0..steps {
            run(Command::new("bwrap").args(BWRAP_NOOP))?;
        }
        totals.push(started.elapsed());
    }
    Ok(Ok(median(&mut totals)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bwrap_is_timed_wherever_it_can_sandbox() {
        match bwrap_spawns(3, 1).unwrap() {
            Ok(total) => {
                assert!(bwrap_unavailable().is_none());
                assert!(total > Duration::ZERO);
            }
            Err(why) => {
                assert_eq!(bwrap_unavailable().as_ref(), Some(&why));
                assert!(why.contains("bwrap"), "{why}");
            }
        }
    }
}
