//! Pass: plugins. Each distinct `uses:` resolved to a component, and its
//! digest and `describe()` answer found once, all concurrently: from the
//! answer an earlier load recorded, or by loading it (compiled, linked,
//! `describe()` called). A run loads a plugin when it runs an action of it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use futures::future::join_all;
use kiln_model::plan::PluginRef;
use kiln_pipeline::PipelineFile;
use kiln_sandbox::Runtime;

use super::report::{Report, sites};
use crate::plugins::PluginResolver;

/// The plugins found, by the `uses:` text that named them.
pub struct Loaded(HashMap<String, PluginRef>);

impl Loaded {
    pub fn get(&self, uses: &str) -> Option<&PluginRef> {
        self.0.get(uses)
    }
}

pub async fn load(
    pipeline: &PipelineFile,
    workspace: &Path,
    runtime: &Runtime,
    resolver: &PluginResolver,
    report: &mut Report<'_>,
) -> Loaded {
    let mut wanted: Vec<(&kiln_pipeline::Located<String>, String, PathBuf)> = Vec::new();
    let mut seen = HashSet::new();
    for (site, action) in sites(pipeline) {
        // An approval is kiln's own: no component to find.
        if action.uses.value == super::approval::USES || !seen.insert(action.uses.value.clone()) {
            continue;
        }
        match resolver.resolve(&action.uses, workspace) {
            Ok(path) => wanted.push((&action.uses, site.field("uses"), path)),
            Err(error) => report.add(action.uses.at, site.field("uses"), error.to_string()),
        }
    }
    let results = join_all(wanted.iter().map(|(_, _, path)| runtime.reference(path))).await;
    let mut loaded = HashMap::new();
    for ((uses, field, _), result) in wanted.iter().zip(results) {
        match result {
            Ok(plugin) => {
                loaded.insert(uses.value.clone(), plugin);
            }
            Err(error) => report.add(
                uses.at,
                field.clone(),
                format!("plugin `{}`: {error:#}", uses.value),
            ),
        }
    }
    Loaded(loaded)
}
