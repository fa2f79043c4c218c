//! What every request handler shares: the host, the projects, the queue.

use std::collections::BTreeMap;
use std::sync::Arc;

use kiln::Host;
use kiln::store::history::RunStore;

use crate::projects::Project;
use crate::queue::Queue;

pub struct AppState {
    pub host: Arc<Host>,
    pub projects: BTreeMap<String, Arc<Project>>,
    pub queue: Arc<Queue>,
    /// Cancelled when the server shuts down: live streams end with it.
    pub stop: tokio_util::sync::CancellationToken,
}

impl AppState {
    pub fn store(&self) -> &RunStore {
        self.host.history()
    }
}

pub type Shared = Arc<AppState>;
