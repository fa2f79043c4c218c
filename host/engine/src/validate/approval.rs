//! `uses: approval`: the one action kiln runs itself instead of a plugin.
//! It holds its stage until a person approves or rejects it (`kiln
//! approve`, the server's API, or a prompt at the terminal of `kiln run`),
//! or until `timeout` passes, which fails it.
//!
//! ```yaml
//! - name: go-live
//!   uses: approval
//!   with: { timeout: 2d, approvers: [alice, bob] }
//! ```

use std::path::PathBuf;
use std::time::Duration;

use kiln_model::approval::ApprovalSpec;
use kiln_model::digest::Digest;
use kiln_model::plan::PluginRef;
use kiln_model::plugin::{ParamSpec, PluginInfo};
use kiln_pipeline::file::ActionFile;

use super::report::{Report, Site};

/// What `uses:` says for an approval.
pub const USES: &str = "approval";
/// Waiting longer than CodePipeline's seven days is refused.
const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 24 * 3600);

/// How an approval describes itself, as a plugin's `describe()` would.
pub fn info() -> PluginInfo {
    PluginInfo {
        name: USES.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        summary: "Waits for a person to approve or reject the stage".into(),
        params: vec![
            ParamSpec {
                name: "timeout".into(),
                description: "How long to wait for a decision before failing (`7d`, `4h`)".into(),
                required: false,
                default: Some("7d".into()),
            },
            ParamSpec {
                name: "approvers".into(),
                description: "Who may decide (a list of names); anyone when empty".into(),
                required: false,
                default: Some("[]".into()),
            },
        ],
        grants: Vec::new(),
    }
}

/// The plan's name for the built-in: no component, a digest of what it is.
pub fn reference() -> PluginRef {
    PluginRef {
        digest: Digest::of(format!("kiln built-in action: {USES}").as_bytes()),
        path: PathBuf::new(),
        info: info(),
    }
}

/// The approval's settings from its parameters (after defaults), every
/// problem reported at its field; and what an approval cannot have.
pub fn spec(
    action: &ActionFile,
    site: Site,
    params: &[(String, String)],
    report: &mut Report<'_>,
) -> Option<ApprovalSpec> {
    refuse_plugin_settings(action, site, report);
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    };
    let at = |name: &str| {
        action
            .with
            .iter()
            .find(|(key, _)| key.value == name)
            .map_or(action.uses.at, |(_, value)| value.at)
    };
    let timeout = match humantime::parse_duration(param("timeout")) {
        Ok(timeout) if !timeout.is_zero() && timeout <= MAX_TIMEOUT => Some(timeout),
        Ok(_) => {
            report.add(
                at("timeout"),
                site.field("with.timeout"),
                "an approval's timeout must be more than zero and at most 30 days".to_owned(),
            );
            None
        }
        Err(error) => {
            report.add(
                at("timeout"),
                site.field("with.timeout"),
                format!(
                    "`{}` is not a duration ({error}); e.g. `7d`, `4h`",
                    param("timeout")
                ),
            );
            None
        }
    };
    let approvers = match approvers(param("approvers")) {
        Ok(approvers) => Some(approvers),
        Err(message) => {
            report.add(at("approvers"), site.field("with.approvers"), message);
            None
        }
    };
    Some(ApprovalSpec {
        timeout: timeout?,
        approvers: approvers?,
    })
}

/// A list of names (`[alice, bob]`, rendered as JSON), or one name.
fn approvers(text: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text)
            .map_err(|_| format!("`{text}` is not a list of names, e.g. `[alice, bob]`"))?
    } else if text.trim().is_empty() {
        Vec::new()
    } else {
        vec![text.trim().to_owned()]
    };
    match names.iter().find(|name| !plain_name(name)) {
        Some(bad) => Err(format!(
            "`{bad}` is not a name: letters, digits, `.`, `_`, `-` and `@`"
        )),
        None => Ok(names),
    }
}

fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
}

/// An approval runs no code: it has no artifacts, grants, cache or
/// reports, and saying otherwise is a mistake worth a message.
fn refuse_plugin_settings(action: &ActionFile, site: Site, report: &mut Report<'_>) {
    let mut refuse = |at, field: &str| {
        report.add(
            at,
            site.field(field),
            format!("an approval action runs no plugin: it takes no `{field}`"),
        );
    };
    if let Some(output) = action.outputs.first() {
        refuse(output.at, "outputs");
    }
    if let Some(input) = action.inputs.first() {
        refuse(input.at, "inputs");
    }
    if let Some(grants) = &action.grants {
        refuse(grants.at, "grants");
    }
    if let Some(reports) = &action.reports {
        refuse(reports.at, "reports");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvers_are_a_list_or_one_name() {
        assert_eq!(approvers(r#"["alice","bob"]"#).unwrap(), ["alice", "bob"]);
        assert_eq!(approvers("alice").unwrap(), ["alice"]);
        assert!(approvers("[]").unwrap().is_empty());
        assert!(
            approvers(r#"["al ice"]"#)
                .unwrap_err()
                .contains("not a name")
        );
        assert!(approvers(r#"[1, 2]"#).unwrap_err().contains("not a list"));
    }
}
