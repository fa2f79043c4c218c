//! How validation asks each capability for its part of an action's
//! `grants:` block, instead of knowing them all.
//!
//! Every capability implements [`Capability`]: it reads its keys of the
//! pipeline file's `grants:` into the plan's [`Grants`], reporting problems
//! at their line and column, and says whether what the plugin's
//! `describe()` asks for is granted. [`ALL`](super::ALL) lists them; a new
//! capability is its own module plus one line there.

use std::path::Path;

use kiln_model::grants::Grants;
use kiln_model::plugin::GrantRequest;
use kiln_pipeline::file::GrantsFile;
use kiln_pipeline::located::Position;

/// Where the grants being read sit, and what they may refer to.
pub struct GrantSite<'a> {
    /// The action's field path of `name`: `stages[0].actions[1].<name>`.
    pub field: &'a dyn Fn(&str) -> String,
    /// The workspace, against which relative host paths are resolved.
    pub workspace: &'a Path,
    /// The home directory `~` stands for in host paths, if there is one.
    pub home: Option<&'a Path>,
}

/// A problem with a grant: where, the field path, and what is wrong.
pub type Report<'r> = dyn FnMut(Position, String, String) + 'r;

/// What a missing grant is: the field to fix and the grant it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The field under `grants` (`grants.exec`, `grants.paths.target.access`).
    pub field: String,
    /// The grant, as a phrase: "`exec: [cargo]` grant".
    pub grant: String,
}

/// One capability's side of validation.
pub trait Capability: Sync {
    /// Read this capability's keys of `grants` (absent when the action has
    /// no `grants:`) into `into`.
    fn read(
        &self,
        grants: Option<&GrantsFile>,
        site: &GrantSite<'_>,
        into: &mut Grants,
        report: &mut Report<'_>,
    );

    /// What `request` asks of this capability that `grants` does not give;
    /// `None` when granted or when the request is another capability's.
    fn missing(&self, request: &GrantRequest, grants: &Grants) -> Option<Missing>;
}

/// The `Grants` of an action with none: a read-only workspace.
pub fn none(workspace: &Path) -> Grants {
    Grants {
        fs: kiln_model::grants::FsGrants {
            workspace: workspace.to_path_buf(),
            workspace_access: kiln_model::grants::Access::ReadOnly,
            paths: Vec::new(),
        },
        network: kiln_model::grants::NetworkGrant::default(),
        exec: Vec::new(),
        secrets: Vec::new(),
        run_status: false,
    }
}
