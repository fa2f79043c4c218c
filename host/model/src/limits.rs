//! The limits of one action's attempts. Each has a default and can be set
//! per action in `kiln.yaml` (`limits:`); a violation fails the action with
//! a message that names the limit and its value.

use std::fmt;
use std::time::Duration;

/// Resource limits of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Bytes of every linear memory and table of the attempt's instances
    /// together (a component of many memories gets one budget, not one
    /// per memory).
    pub memory: u64,
    /// Log bytes one attempt may write; past it the log is cut with a note
    /// and the action fails.
    pub log: u64,
    /// Total bytes of one output artifact.
    pub output: u64,
    /// Time the plugin may spend executing WebAssembly, counted in epoch
    /// ticks while it runs (time blocked in host calls does not count).
    /// `None`: only the wall-time `timeout` applies.
    pub cpu: Option<Duration>,
    /// Handles the plugin may hold open at once (files, directories,
    /// streams: its WASI resource table), and the open-file limit of every
    /// program it runs, so that one action's descriptors cannot exhaust
    /// the host's for its neighbours.
    pub files: u32,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        memory: 2 << 30,
        log: 16 << 20,
        output: 4 << 30,
        cpu: None,
        files: 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A size in bytes as people write it: `512 MiB`, `1 GiB`.
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", bytesize::ByteSize(self.0).display().iec())
    }
}

/// Which limit an attempt ran into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    #[error("the plugin ran out of memory: limits.memory is {}", Size(*.0))]
    Memory(u64),
    #[error("the plugin wrote more than limits.log ({}) to its log; the log was cut there", Size(*.0))]
    Log(u64),
    #[error("output artifact `{name}` holds more than limits.output ({})", Size(*limit))]
    Output { name: String, limit: u64 },
    #[error("the plugin computed for longer than limits.cpu ({})", humantime::format_duration(*.0))]
    Cpu(Duration),
    #[error("the plugin held more than limits.files ({0}) handles open at once")]
    Files(u32),
    #[error("the plugin instantiated more than {0} {1}; kiln allows no more per action")]
    Count(usize, &'static str),
}

/// How many instances, tables and memories one attempt's store may hold:
/// a component has a few of each; thousands are an attack on the host.
pub const MAX_INSTANCES: usize = 64;
pub const MAX_TABLES: usize = 64;
pub const MAX_MEMORIES: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limit_and_its_value() {
        assert_eq!(
            LimitExceeded::Memory(64 << 20).to_string(),
            "the plugin ran out of memory: limits.memory is 64.0 MiB"
        );
        assert!(
            LimitExceeded::Cpu(Duration::from_secs(2))
                .to_string()
                .contains("limits.cpu (2s)")
        );
    }
}
