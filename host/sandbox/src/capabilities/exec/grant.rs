//! The exec grant: `exec: [program | { program, args, env, runs, network }]`.

use kiln_model::grants::{ArgPattern, EnvPattern, ExecGrant, Grants, Runs};
use kiln_model::plugin::GrantRequest;
use kiln_pipeline::file::{ExecGrantFile, GrantsFile, RunsText};
use kiln_pipeline::located::Located;

use super::environment::never_from_a_plugin;
use crate::capabilities::grant::{Capability, GrantSite, Missing, Report};

/// Host programs.
pub struct Exec;

impl Capability for Exec {
    fn read(
        &self,
        grants: Option<&GrantsFile>,
        site: &GrantSite<'_>,
        into: &mut Grants,
        report: &mut Report<'_>,
    ) {
        let Some(grants) = grants else { return };
        for (i, entry) in grants.exec.iter().enumerate() {
            let field = (site.field)(&format!("grants.exec[{i}]"));
            if let Some(grant) = read_entry(entry, &field, report) {
                into.exec.push(grant);
            }
        }
    }

    fn missing(&self, request: &GrantRequest, grants: &Grants) -> Option<Missing> {
        match request {
            GrantRequest::Exec(program) if !grants.exec.iter().any(|g| &g.program == program) => {
                Some(Missing {
                    field: "grants.exec".into(),
                    grant: format!("`exec: [{program}]` grant"),
                })
            }
            _ => None,
        }
    }
}

/// One entry of `grants.exec`, or `None` when its program is not a name.
fn read_entry(
    entry: &Located<ExecGrantFile>,
    field: &str,
    report: &mut Report<'_>,
) -> Option<ExecGrant> {
    let mut problem = |message: String| report(entry.at, field.to_owned(), message);
    if entry.program.is_empty() || entry.program.contains('/') {
        problem(format!(
            "`{}` is not a program name: grant a bare name such as `cargo`, found on the host's PATH",
            entry.program
        ));
        return None;
    }
    let mut patterns = Vec::new();
    for text in entry.args.iter().flatten() {
        match ArgPattern::parse(text) {
            Ok(pattern) => patterns.push(pattern),
            Err(error) => problem(format!("argument pattern `{text}`: {error}")),
        }
    }
    let mut env = Vec::new();
    for name in &entry.env {
        match (EnvPattern::parse(name), never_from_a_plugin(name)) {
            (Ok(_), Some(reason)) => problem(format!(
                "`{name}` cannot be granted to a plugin: {reason}; set it in the pipeline's `env:` instead"
            )),
            (Ok(pattern), None) => env.push(pattern),
            (Err(error), _) => problem(error),
        }
    }
    let runs = match &entry.runs {
        None => Runs::Itself,
        Some(RunsText::Keyword(word)) if word == "any" => Runs::Any,
        Some(RunsText::Keyword(word)) => {
            problem(format!(
                "runs: `{word}` is neither `any` nor a list of programs"
            ));
            Runs::Itself
        }
        Some(RunsText::Programs(names)) => {
            for name in names {
                if name.is_empty() || (name.contains('/') && !name.starts_with('/')) {
                    problem(format!(
                        "runs: `{name}` is neither a program name nor an absolute path"
                    ));
                }
            }
            Runs::Programs(names.clone())
        }
    };
    Some(ExecGrant {
        program: entry.program.clone(),
        args: entry.args.as_ref().map(|_| patterns),
        env,
        runs,
        network: entry.network,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::grant::none;

    fn read(yaml: &str) -> (Grants, Vec<String>) {
        let file: GrantsFile = serde_saphyr::from_str(yaml).unwrap();
        let mut grants = none(std::path::Path::new("/w"));
        let mut problems = Vec::new();
        let site = GrantSite {
            field: &|name: &str| name.to_owned(),
            workspace: std::path::Path::new("/w"),
            home: None,
        };
        Exec.read(Some(&file), &site, &mut grants, &mut |_, field, message| {
            problems.push(format!("{field}: {message}"))
        });
        (grants, problems)
    }

    #[test]
    fn every_form_of_an_exec_grant_reads() {
        let (grants, problems) = read(
            "exec:\n  - git\n  - { program: cargo, runs: any, network: true }\n  - { program: make, args: [\"-j *\"], runs: [cc, /usr/lib/gcc], env: [CFLAGS_EXTRA, \"MY_*\"] }\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(grants.exec[0], ExecGrant::any_args("git"));
        assert_eq!(grants.exec[1].runs, Runs::Any);
        assert!(grants.exec[1].network);
        assert_eq!(
            grants.exec[2].runs,
            Runs::Programs(vec!["cc".into(), "/usr/lib/gcc".into()])
        );
        assert!(grants.exec[2].allows_env("MY_FLAG") && !grants.exec[2].allows_env("OTHER"));
        assert!(grants.exec[2].admits(&["-j", "4"]));
    }

    #[test]
    fn grants_that_would_let_code_in_are_refused_by_index() {
        let (_, problems) = read(
            "exec:\n  - /bin/sh\n  - { program: git, env: [GIT_CONFIG_COUNT] }\n  - { program: x, runs: some, args: [\"\"] }\n  - { program: y, runs: [bin/z] }\n",
        );
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].starts_with("grants.exec[0]: `/bin/sh` is not a program name"));
        assert!(problems[1].starts_with("grants.exec[1]: `GIT_CONFIG_COUNT` cannot be granted"));
        assert!(problems[2].starts_with("grants.exec[2]: argument pattern"));
        assert!(problems[3].starts_with("grants.exec[2]: runs: `some`"));
        assert!(problems[4].starts_with("grants.exec[3]: runs: `bin/z`"));
    }

    #[test]
    fn a_request_for_a_program_needs_its_grant() {
        let (grants, _) = read("exec: [git]\n");
        assert!(
            Exec.missing(&GrantRequest::Exec("git".into()), &grants)
                .is_none()
        );
        let missing = Exec
            .missing(&GrantRequest::Exec("cargo".into()), &grants)
            .unwrap();
        assert_eq!(missing.grant, "`exec: [cargo]` grant");
    }
}
