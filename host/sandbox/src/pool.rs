//! Instance slots: wasmtime's pooling allocator, and a semaphore in front
//! of it so that a full pool makes an attempt wait instead of fail.
//!
//! Without a pool every attempt maps a fresh 4 GiB reservation for each
//! linear memory and a fiber stack, takes a page fault on every page it
//! touches, and unmaps it all at the end (with a TLB shootdown to every
//! other core): about a quarter of a no-op action's cost. The pool
//! reserves its memories, tables and stacks once per engine; a slot
//! freed by one attempt is reset to the module's initial image and kept
//! resident up to [`KEEP_RESIDENT`], so the next attempt of the same
//! plugin starts on warm pages.
//!
//! The pool has a fixed number of each resource. Each store takes
//! [`Slots::take`] permits for what its component will create before it is
//! instantiated, so the pool is never asked for more than it has. kiln's
//! own limits ([`crate::budget`]) are unchanged: the budget is counted
//! first, and per-store counts ([`MAX_MEMORIES`] ...) stay below what a
//! store's permits reserve.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::component::Component;
use wasmtime::{Config, Enabled, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::budget::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};

/// Stores of one engine alive at once: attempts running plus plugins being
/// described. More wait for a slot.
pub const SLOTS: u32 = 128;
/// Linear memories the pool holds per slot: a component has one or two
/// (its program's and, for some, an adapter's); one that has more takes
/// more than one slot.
const MEMORIES_PER_SLOT: u32 = 2;
/// Tables the pool holds per slot (a component's modules have one each).
const TABLES_PER_SLOT: u32 = 8;
/// Elements of one pooled table: an interpreter's function table has tens
/// of thousands. A growth past it fails as a growth past the table's own
/// maximum would, after the memory budget (which counts every element).
const TABLE_ELEMENTS: usize = 1 << 18;
/// Bytes of each linear memory reset by writing zeros (only the pages the
/// attempt touched, found with `PAGEMAP_SCAN` where the kernel has it)
/// instead of being given back to the kernel: the next attempt does not
/// fault them in again.
const KEEP_RESIDENT: usize = 1 << 20;

/// How an engine allocates its instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// From the pool (the default), or on demand where it cannot be
    /// reserved.
    Pooled,
    /// A fresh mapping for every memory and stack, given back after the
    /// attempt (`KILN_INSTANCE_POOL=off`): for a process limited in
    /// address space, and for the bench's comparison.
    OnDemand,
}

/// `config` with the pooling allocator, sized as this module says.
pub(crate) fn pooled(config: &Config) -> Config {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(SLOTS)
        .total_stacks(SLOTS)
        .total_memories(SLOTS * MEMORIES_PER_SLOT)
        .total_tables(SLOTS * TABLES_PER_SLOT)
        // Counted, not reserved: a core instance's context is allocated
        // when it is made.
        .total_core_instances(SLOTS * MAX_INSTANCES as u32)
        .max_memories_per_module(MAX_MEMORIES as u32)
        .max_tables_per_module(MAX_TABLES as u32)
        .table_elements(TABLE_ELEMENTS)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(64 << 10)
        .pagemap_scan(Enabled::Auto);
    let mut config = config.clone();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// The permits of one engine's pool; `None` when the engine allocates on
/// demand (its pool could not be reserved).
#[derive(Debug, Clone)]
pub(crate) struct Slots(Option<Arc<Semaphore>>);

impl Slots {
    pub fn pooled() -> Self {
        Self(Some(Arc::new(Semaphore::new(SLOTS as usize))))
    }

    pub fn on_demand() -> Self {
        Self(None)
    }

    /// What a store of `component` takes from this pool.
    pub fn for_component(&self, component: &Component) -> PluginSlots {
        PluginSlots {
            slots: self.clone(),
            weight: weight(component),
        }
    }
}

/// The slots one store of a plugin takes.
#[derive(Debug, Clone)]
pub(crate) struct PluginSlots {
    slots: Slots,
    weight: u32,
}

impl PluginSlots {
    /// Wait until the pool has room for one more store of this plugin; the
    /// room is given back when the permit is dropped (after the store).
    pub async fn take(&self) -> Option<OwnedSemaphorePermit> {
        let semaphore = self.slots.0.clone()?;
        // The semaphore is never closed.
        semaphore.acquire_many_owned(self.weight).await.ok()
    }
}

/// Slots for one store of `component`: enough for its memories and tables
/// (which wasmtime reports for a component that imports no modules), at
/// least one, at most the whole pool (a component past the per-store
/// counts is refused by the budget before the pool is asked).
fn weight(component: &Component) -> u32 {
    let needed = match component.resources_required() {
        Some(resources) => resources
            .num_memories
            .div_ceil(MEMORIES_PER_SLOT)
            .max(resources.num_tables.div_ceil(TABLES_PER_SLOT)),
        None => (MAX_MEMORIES as u32).div_ceil(MEMORIES_PER_SLOT),
    };
    needed.clamp(1, SLOTS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::Engine;

    fn component(engine: &Engine, memories: usize, tables: usize) -> Component {
        let fields: String = (0..memories)
            .map(|i| format!("(memory $m{i} 1)"))
            .chain((0..tables).map(|i| format!("(table $t{i} 1 funcref)")))
            .collect();
        let wat = format!("(component (core module {fields}) (core instance (instantiate 0)))");
        Component::new(engine, wat::parse_str(wat).unwrap()).unwrap()
    }

    #[test]
    fn a_store_takes_slots_for_every_memory_and_table_of_its_component() {
        let mut config = Config::new();
        config.wasm_component_model(true).wasm_multi_memory(true);
        let engine = Engine::new(&pooled(&config)).unwrap();
        assert_eq!(weight(&component(&engine, 1, 1)), 1);
        assert_eq!(weight(&component(&engine, 2, 0)), 1);
        assert_eq!(weight(&component(&engine, 5, 0)), 3);
        assert_eq!(weight(&component(&engine, 1, 9)), 2);
        assert_eq!(weight(&component(&engine, 0, 0)), 1);
    }

    #[tokio::test]
    async fn a_full_pool_makes_the_next_store_wait_until_one_is_dropped() {
        let slots = Slots::pooled();
        let whole = PluginSlots {
            slots: slots.clone(),
            weight: SLOTS,
        };
        let one = PluginSlots { slots, weight: 1 };
        let held = whole.take().await.unwrap();
        let waited = tokio::time::timeout(std::time::Duration::from_millis(50), one.take()).await;
        assert!(waited.is_err(), "a store got a slot of a full pool");
        drop(held);
        assert!(one.take().await.is_some());
    }
}
