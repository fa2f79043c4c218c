//! What starts runs: polling a repository, webhooks from a git host,
//! schedules, and people (the API's trigger, `kiln trigger`). Each queues
//! a run in the durable queue with what started it and the exact commit
//! (or, for schedules and people, the ref whose tip is taken when the run
//! starts).

pub mod poll;
pub mod schedule;
pub mod signature;
pub mod webhook;
