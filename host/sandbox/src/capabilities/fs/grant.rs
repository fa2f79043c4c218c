//! The filesystem grants: `workspace: read-write`, `paths:` (host
//! directories mounted at `/mnt/<name>`), and `run-status: true` (the run
//! so far at `/kiln/run.json`).

use std::path::{Path, PathBuf};

use kiln_model::grants::{Access, Grants, PathGrant};
use kiln_model::names::is_plain_name;
use kiln_model::plugin::GrantRequest;
use kiln_pipeline::file::{AccessText, GrantsFile};

use crate::capabilities::grant::{Capability, GrantSite, Missing, Report};

/// Files: the workspace's access, granted host paths, the run status.
pub struct Files;

impl Capability for Files {
    fn read(
        &self,
        grants: Option<&GrantsFile>,
        site: &GrantSite<'_>,
        into: &mut Grants,
        report: &mut Report<'_>,
    ) {
        let Some(grants) = grants else { return };
        into.fs.workspace_access = access(grants.workspace.as_ref().map(|w| w.value));
        into.run_status = grants.run_status.as_ref().is_some_and(|r| r.value);
        for (name, grant) in &grants.paths {
            let field =
                |suffix: &str| (site.field)(&format!("grants.paths.{}{suffix}", name.value));
            if !is_plain_name(name) {
                report(
                    name.at,
                    field(""),
                    "a path grant's name must be letters, digits, `-`, `_` or `.`".into(),
                );
                continue;
            }
            let access = access(grant.access.as_ref().map(|a| a.value));
            let host_path = expand_home(&grant.path.value, site.home)
                .unwrap_or_else(|| site.workspace.join(&grant.path.value));
            if access == Access::ReadOnly && !host_path.is_dir() {
                report(
                    grant.path.at,
                    field(".path"),
                    format!("{} is not a directory", host_path.display()),
                );
            }
            let env = grant.env.as_ref().and_then(|env| {
                let valid = is_variable_name(env);
                if !valid {
                    report(
                        env.at,
                        field(".env"),
                        format!(
                            "`{}` is not a variable name (letters, digits, `_`)",
                            env.value
                        ),
                    );
                }
                valid.then(|| env.value.clone())
            });
            into.fs.paths.push(PathGrant {
                name: name.value.clone(),
                host_path,
                access,
                env,
            });
        }
    }

    fn missing(&self, request: &GrantRequest, grants: &Grants) -> Option<Missing> {
        match request {
            GrantRequest::WorkspaceWrite if grants.fs.workspace_access != Access::ReadWrite => {
                Some(Missing {
                    field: "grants.workspace".into(),
                    grant: "`workspace: read-write` grant".into(),
                })
            }
            GrantRequest::Path { name, access } => {
                match grants.fs.paths.iter().find(|p| &p.name == name) {
                    None => Some(Missing {
                        field: "grants.paths".into(),
                        grant: format!("path `{name}` ({access}) grant"),
                    }),
                    Some(given)
                        if *access == Access::ReadWrite && given.access != Access::ReadWrite =>
                    {
                        Some(Missing {
                            field: format!("grants.paths.{name}.access"),
                            grant: format!("read-write access to path `{name}`"),
                        })
                    }
                    Some(_) => None,
                }
            }
            _ => None,
        }
    }
}

fn access(text: Option<AccessText>) -> Access {
    match text {
        Some(AccessText::ReadWrite) => Access::ReadWrite,
        _ => Access::ReadOnly,
    }
}

/// `~/x` under `home`; `None` for other paths (or without a home).
fn expand_home(path: &str, home: Option<&Path>) -> Option<PathBuf> {
    let rest = path
        .strip_prefix("~/")
        .or(if path == "~" { Some("") } else { None })?;
    home.map(|home| home.join(rest))
}

/// Letters, digits and `_`, not starting with a digit.
pub(crate) fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::grant::none;

    fn read(yaml: &str, workspace: &Path, home: Option<&Path>) -> (Grants, Vec<String>) {
        let file: GrantsFile = serde_saphyr::from_str(yaml).unwrap();
        let mut grants = none(workspace);
        let mut problems = Vec::new();
        let site = GrantSite {
            field: &|name: &str| format!("stages[0].actions[0].{name}"),
            workspace,
            home,
        };
        Files.read(Some(&file), &site, &mut grants, &mut |_, field, message| {
            problems.push(format!("{field}: {message}"))
        });
        (grants, problems)
    }

    #[test]
    fn paths_resolve_against_the_workspace_and_home() {
        let workspace = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(workspace.path().join("site")).unwrap();
        std::fs::create_dir(home.path().join(".cargo")).unwrap();
        let (grants, problems) = read(
            "paths:\n  site: { path: site }\n  cargo: { path: \"~/.cargo\", env: CARGO_HOME }\n  out: { path: dist, access: read-write }\nworkspace: read-write\n",
            workspace.path(),
            Some(home.path()),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(grants.fs.workspace_access, Access::ReadWrite);
        let paths: Vec<(&str, PathBuf, Option<&str>)> = grants
            .fs
            .paths
            .iter()
            .map(|p| (p.name.as_str(), p.host_path.clone(), p.env.as_deref()))
            .collect();
        assert_eq!(
            paths,
            [
                ("site", workspace.path().join("site"), None),
                ("cargo", home.path().join(".cargo"), Some("CARGO_HOME")),
                ("out", workspace.path().join("dist"), None),
            ]
        );
    }

    #[test]
    fn bad_names_missing_directories_and_bad_variables_are_named() {
        let workspace = tempfile::tempdir().unwrap();
        let (_, problems) = read(
            "paths:\n  \"../x\": { path: a }\n  gone: { path: missing }\n  v: { path: ., env: \"1BAD\" }\n",
            workspace.path(),
            None,
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0].starts_with("stages[0].actions[0].grants.paths.../x: a path grant's name")
        );
        assert!(
            problems[1].contains("grants.paths.gone.path")
                && problems[1].contains("is not a directory")
        );
        assert!(
            problems[2].contains("grants.paths.v.env")
                && problems[2].contains("`1BAD` is not a variable name")
        );
    }

    #[test]
    fn requests_are_checked_against_the_grants() {
        let workspace = tempfile::tempdir().unwrap();
        let (grants, _) = read(
            "paths:\n  target: { path: t, access: read-only }\n",
            workspace.path(),
            None,
        );
        let missing = Files.missing(
            &GrantRequest::Path {
                name: "target".into(),
                access: Access::ReadWrite,
            },
            &grants,
        );
        assert_eq!(missing.unwrap().field, "grants.paths.target.access");
        assert!(
            Files
                .missing(&GrantRequest::WorkspaceWrite, &grants)
                .is_some()
        );
        assert!(
            Files.missing(&GrantRequest::Network, &grants).is_none(),
            "not ours"
        );
    }
}
