//! The tables of `kiln serve` in the run store: the durable queue of runs
//! to start, webhook deliveries, API tokens, and what the triggers remember
//! across restarts (ref tips seen, schedule slots handled). The server
//! keeps no state of its own that a restart would lose.

mod deliveries;
mod queue;
mod tokens;
mod triggers;

pub use deliveries::{Delivery, DeliveryOutcome, DeliveryRecord, Recorded};
pub use queue::{NewQueued, QueueState, Queued};
pub use tokens::{Caller, Scope, TokenRecord};
