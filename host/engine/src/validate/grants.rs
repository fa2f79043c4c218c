//! Pass: grants. Each capability of the sandbox reads its part of the
//! action's `grants:`; then every grant the plugin's `describe()` asks for
//! must be given.

use std::path::Path;

use kiln_model::grants::Grants;
use kiln_model::plugin::PluginInfo;
use kiln_pipeline::file::ActionFile;
use kiln_sandbox::capabilities::ALL as CAPABILITIES;
use kiln_sandbox::capabilities::grant::{self, GrantSite};

use super::report::{Report, Site};

pub fn check(
    action: &ActionFile,
    site: Site,
    info: &PluginInfo,
    workspace: &Path,
    home: Option<&Path>,
    report: &mut Report<'_>,
) -> Grants {
    let file = action.grants.as_ref().map(|g| &g.value);
    let grant_site = GrantSite {
        field: &|name: &str| site.field(name),
        workspace,
        home,
    };
    let mut grants = grant::none(workspace);
    for capability in CAPABILITIES {
        capability.read(file, &grant_site, &mut grants, &mut report.sink());
    }
    let at = action
        .grants
        .as_ref()
        .map(|g| g.at)
        .unwrap_or(action.uses.at);
    for request in &info.grants {
        for capability in CAPABILITIES {
            if let Some(missing) = capability.missing(request, &grants) {
                report.add(
                    at,
                    site.field(&missing.field),
                    format!(
                        "action `{}` does not grant plugin `{}` the {} it needs",
                        *action.name, info.name, missing.grant
                    ),
                );
            }
        }
    }
    grants
}
