//! The limits of one action's attempts. Each has a default and can be set
//! per action in `kiln.yaml` (`limits:`); a violation fails the action with
//! a message that names the limit and its value.

use std::fmt;
use std::time::Duration;

/// Resource limits of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The host's cost of one table element (a pointer), for counting tables
/// against [`Limits::memory`].
const TABLE_ELEMENT_BYTES: usize = 8;

/// The memory budget of one attempt: every linear memory and table of its
/// store, counted together against [`Limits::memory`], from their creation
/// on. A growth past the budget traps with [`LimitExceeded::Memory`].
#[derive(Debug)]
pub struct StoreBudget {
    limit: u64,
    used: usize,
    /// The bytes of the growth last allowed, taken back if it then fails.
    pending: usize,
}

impl StoreBudget {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            used: 0,
            pending: 0,
        }
    }

    /// Bytes of memories and tables counted so far.
    pub fn used(&self) -> usize {
        self.used
    }

    fn grow(&mut self, bytes: usize) -> wasmtime::Result<bool> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        match self.used.checked_add(bytes) {
            Some(total) if total <= limit => {
                self.used = total;
                self.pending = bytes;
                Ok(true)
            }
            _ => Err(wasmtime::Error::new(LimitExceeded::Memory(self.limit))),
        }
    }

    fn grow_failed(&mut self) {
        self.used -= std::mem::take(&mut self.pending);
    }
}

impl wasmtime::ResourceLimiter for StoreBudget {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false); // fails on its own, nothing to count
        }
        self.grow(desired.saturating_sub(current))
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.grow_failed();
        Ok(())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let elements = desired.saturating_sub(current);
        self.grow(elements.saturating_mul(TABLE_ELEMENT_BYTES))
    }

    fn table_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.grow_failed();
        Ok(())
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn memories_and_tables_share_one_budget() {
        let mut budget = StoreBudget::new(1 << 20);
        // Two memories of 512 KiB fit; a third does not.
        assert!(budget.memory_growing(0, 512 << 10, None).unwrap());
        assert!(budget.memory_growing(0, 512 << 10, None).unwrap());
        let error = budget.memory_growing(0, 64 << 10, None).unwrap_err();
        assert_eq!(
            error.downcast_ref::<LimitExceeded>(),
            Some(&LimitExceeded::Memory(1 << 20))
        );
        // A failed growth gives its bytes back.
        let mut budget = StoreBudget::new(1 << 20);
        assert!(budget.table_growing(0, 1000, None).unwrap());
        assert_eq!(budget.used(), 8000);
        budget.table_grow_failed(wasmtime::Error::msg("x")).unwrap();
        assert_eq!(budget.used(), 0);
        // A table of a million elements costs 8 MiB of the budget.
        assert!(budget.table_growing(0, 1_000_000, None).is_err());
    }

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
