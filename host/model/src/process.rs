//! The programs an action starts on the host, as the rest of kiln sees
//! them: process groups to record while they run, so that they can be
//! ended even if the kiln that started them dies.

/// Where the running process groups of a run are recorded. The sandbox
/// records each program it starts and forgets it once the group is killed;
/// the store keeps the records (and reaps what a dead kiln left).
pub trait ProcessLedger: Send + Sync + std::fmt::Debug {
    /// A group led by `pgid` has started.
    fn record(&self, pgid: i32);
    /// The group led by `pgid` is gone.
    fn forget(&self, pgid: i32);
}
