//! Making sure no granted program outlives the kiln that started it.
//!
//! Three mechanisms, each covering what the one before cannot:
//!
//! 1. Every child leads its own process group, and cannot leave it: the
//!    seccomp filter [`spawn`](super::spawn) installs refuses `setsid` and
//!    `setpgid`. Killing the group kills everything the child started.
//!    kiln does so when the child exits, times out or is cancelled.
//! 2. The child gets `PR_SET_PDEATHSIG`: if kiln dies (even by `kill -9`),
//!    the kernel kills the group's leader at once.
//! 3. The rest of the group (the leader's children) cannot be signalled by
//!    the kernel on kiln's death, so each group is recorded in a
//!    [`ChildLedger`] (a file per group in the run's directory, naming the
//!    group, the leader's start time and the boot). The next kiln that
//!    finds the run dead ([`reap_recorded`], called before the run is
//!    marked interrupted and before it is resumed) kills every process
//!    still in a recorded group and waits until they are gone.
//!
//! A recorded group is matched by its id *and* by start times no earlier
//! than its leader's, in the same boot, so a process that later reused the
//! id is never killed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long [`reap_recorded`] waits for killed processes to disappear.
const REAP_PATIENCE: Duration = Duration::from_secs(10);

/// Where the running children of one run are recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildLedger {
    dir: PathBuf,
}

/// A process as `/proc/<pid>/stat` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProcStat {
    pgrp: i32,
    start_ticks: u64,
}

impl ChildLedger {
    /// The ledger in `dir` (created when the first child is recorded).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Record the group led by `pgid` (a child just spawned).
    pub fn record_group(&self, pgid: i32) -> std::io::Result<()> {
        let start = proc_stat(pgid).map(|stat| stat.start_ticks).unwrap_or(0);
        std::fs::create_dir_all(&self.dir)?;
        std::fs::write(
            self.dir.join(pgid.to_string()),
            format!("{start} {}\n", boot_id()),
        )
    }

    /// Forget the group led by `pgid` (killed and reaped by this kiln).
    pub fn forget_group(&self, pgid: i32) {
        let _ = std::fs::remove_file(self.dir.join(pgid.to_string()));
    }
}

impl kiln_model::process::ProcessLedger for ChildLedger {
    fn record(&self, pgid: i32) {
        if let Err(error) = self.record_group(pgid) {
            tracing::warn!("recording process group {pgid}: {error}");
        }
    }

    fn forget(&self, pgid: i32) {
        self.forget_group(pgid);
    }
}

/// Kill every process still in a group recorded in `ledger_dir` and wait
/// (a bounded time) until none is left; returns how many were killed.
/// Records are removed once their group is gone.
pub fn reap_recorded(ledger_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(ledger_dir) else {
        return 0;
    };
    let boot = boot_id();
    let mut groups = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let parsed = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<i32>().ok())
            .zip(std::fs::read_to_string(&path).ok());
        match parsed {
            Some((pgid, text)) if pgid > 1 => {
                let mut fields = text.split_whitespace();
                let start = fields.next().and_then(|f| f.parse::<u64>().ok());
                let same_boot = fields.next() == Some(boot.as_str());
                match start {
                    Some(start) if same_boot => groups.push((pgid, start, path)),
                    _ => drop(std::fs::remove_file(&path)),
                }
            }
            _ => drop(std::fs::remove_file(&path)),
        }
    }
    let mut killed = 0;
    let deadline = Instant::now() + REAP_PATIENCE;
    loop {
        let members: Vec<i32> = groups
            .iter()
            .flat_map(|(pgid, start, _)| members_of(*pgid, *start))
            .collect();
        if members.is_empty() || Instant::now() >= deadline {
            break;
        }
        for pid in members {
            // SAFETY: `kill` takes plain integers; a process that is
            // already gone yields ESRCH.
            if unsafe { libc::kill(pid, libc::SIGKILL) } == 0 {
                killed += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for (_, _, path) in groups {
        let _ = std::fs::remove_file(path);
    }
    killed
}

/// The live (not zombie) processes in group `pgid` started no earlier than
/// `start_ticks`.
fn members_of(pgid: i32, start_ticks: u64) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| {
            proc_stat(pid).is_some_and(|stat| stat.pgrp == pgid && stat.start_ticks >= start_ticks)
        })
        .collect()
}

/// Group and start time of `pid`, or `None` if it is gone or a zombie.
fn proc_stat(pid: i32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Fields of `/proc/<pid>/stat` after the command name, which is in
/// parentheses and may itself hold spaces and parentheses.
fn parse_stat(text: &str) -> Option<ProcStat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is the state (field 3 of proc(5)), so field n is n - 3.
    if fields.first() == Some(&"Z") {
        return None;
    }
    Some(ProcStat {
        pgrp: fields.get(2)?.parse().ok()?,
        start_ticks: fields.get(19)?.parse().ok()?,
    })
}

fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|id| id.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_parse() {
        let line = "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0";
        assert_eq!(
            parse_stat(line),
            Some(ProcStat {
                pgrp: 1234,
                start_ticks: 98765
            })
        );
        let zombie = "7 (x) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0";
        assert_eq!(parse_stat(zombie), None);
    }

    #[test]
    fn a_recorded_group_is_killed_with_everything_in_it() {
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let ledger = ChildLedger::new(dir.path().join("children"));
        // A group whose leader starts a grandchild and waits.
        let mut leader = std::process::Command::new("sh")
            .args(["-c", "sleep 60 & wait"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = leader.id() as i32;
        ledger.record_group(pgid).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert!(members_of(pgid, 0).len() >= 2, "leader and sleep run");
        let killed = reap_recorded(&dir.path().join("children"));
        assert!(killed >= 2, "killed {killed}");
        let _ = leader.wait();
        assert!(members_of(pgid, 0).is_empty(), "nothing left in the group");
        assert!(
            std::fs::read_dir(dir.path().join("children"))
                .unwrap()
                .next()
                .is_none(),
            "the record is removed"
        );
    }

    #[test]
    fn a_record_from_another_boot_kills_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("1234567"), "0 another-boot\n").unwrap();
        assert_eq!(reap_recorded(dir.path()), 0);
        assert!(!dir.path().join("1234567").exists());
    }
}
