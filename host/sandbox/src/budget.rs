//! The memory budget of an attempt's store: wasmtime's side of
//! [`Limits::memory`](kiln_model::limits::Limits).

pub use kiln_model::limits::*;

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

    /// Count a growth of `bytes` whose new size is `desired` of at most
    /// `maximum`. The budget is checked first: a growth past it traps with
    /// kiln's error even when it is also past the maximum (which, with the
    /// pooling allocator, may be the pool's rather than the module's).
    fn grow(
        &mut self,
        bytes: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let total = match self.used.checked_add(bytes) {
            Some(total) if total <= limit => total,
            _ => return Err(wasmtime::Error::new(LimitExceeded::Memory(self.limit))),
        };
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false); // fails on its own, nothing to count
        }
        self.used = total;
        self.pending = bytes;
        Ok(true)
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
        self.grow(desired.saturating_sub(current), desired, maximum)
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
        let elements = desired.saturating_sub(current);
        self.grow(
            elements.saturating_mul(TABLE_ELEMENT_BYTES),
            desired,
            maximum,
        )
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
        // Past the budget is kiln's error, even past the maximum too (the
        // pool's, for a pooled table); past the maximum alone fails the
        // growth without counting it.
        assert!(budget.table_growing(0, 1_000_000, Some(1000)).is_err());
        assert!(!budget.table_growing(0, 2000, Some(1000)).unwrap());
        assert_eq!(budget.used(), 0);
    }
}
