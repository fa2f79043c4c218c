//! CodeBuild `buildspec.yml` files as kiln pipelines: telling one from a
//! `kiln.yaml`, and writing the `kiln.yaml` that runs it (`kiln run
//! buildspec.yml` runs that text; `kiln import` writes it, commented).
//!
//! The pipeline is one action `uses: codebuild` over the buildspec, not
//! one action per phase: in version 0.2 the phases share one shell's state
//! (`cd`, `export`), `on-failure` and `finally` move between phases, and a
//! failed build still runs post_build; separate sandboxes could keep none
//! of that. The action gets what the buildspec needs: the workspace
//! writable, the shell granted with `runs: any` and the network (a
//! CodeBuild build has both), its secrets, an output per artifact, the
//! reports output and its files, a persistent cache directory, exports,
//! and CodeBuild's default timeout of an hour.

use std::fmt::Write as _;
use std::path::Path;

use kiln_buildspec::{Buildspec, ReportFormat, Severity, Shell};
use kiln_engine::validate::{ValidateError, workspace_of};
use kiln_pipeline::{Diagnostic, Diagnostics, Position};

/// The output the primary artifact goes to.
pub const ARTIFACT_OUTPUT: &str = "artifact";
/// The output report groups go to (the plugin's default).
pub const REPORTS_OUTPUT: &str = "reports";
/// The persistent directory `cache.paths` are kept in (the plugin's default).
pub const CACHE_DIR: &str = "codebuild";

/// Whether `text` is a buildspec rather than a kiln pipeline: a mapping
/// with `version` and `phases` at its top level (a kiln.yaml has `name`
/// and `stages`). Top-level keys of a block mapping start their line.
pub fn is_buildspec(text: &str) -> bool {
    let top = |key: &str| {
        text.lines().any(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    };
    top("version") && top("phases")
}

/// The kiln.yaml text that runs the buildspec `file` (holding `text`)
/// over `workspace` (default: the file's directory), which must hold it.
/// A buildspec kiln cannot run is refused with every error at its line
/// and column, as a kiln.yaml is.
pub fn pipeline_for(
    file: &Path,
    text: &str,
    workspace: Option<&Path>,
) -> Result<String, ValidateError> {
    let workspace = workspace_of(file, workspace)?;
    let invalid = |message: String| {
        ValidateError::Invalid(Diagnostics(vec![Diagnostic::new(
            file,
            Position::default(),
            "",
            message,
        )]))
    };
    let absolute = file.canonicalize().map_err(|source| ValidateError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let relative = absolute.strip_prefix(&workspace).map_err(|_| {
        invalid(format!(
            "the buildspec is outside the workspace {}: its commands run in the workspace, which must hold it",
            workspace.display()
        ))
    })?;
    let relative = relative
        .to_string_lossy()
        .replace(std::path::MAIN_SEPARATOR, "/");
    let spec = kiln_buildspec::parse(&relative, text).map_err(|diagnostics| {
        ValidateError::Invalid(Diagnostics(
            diagnostics
                .0
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| {
                    let at = Position {
                        line: d.at.line.into(),
                        column: d.at.column.into(),
                    };
                    Diagnostic::new(file, at, d.path.clone(), d.message.clone())
                })
                .collect(),
        ))
    })?;
    Ok(pipeline_yaml(&spec, &relative, &pipeline_name(&workspace)))
}

/// A pipeline name from the buildspec's directory (or `buildspec`).
pub fn pipeline_name(workspace: &Path) -> String {
    let name: String = workspace
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches(['-', '.']).to_owned();
    if name.is_empty() {
        "buildspec".into()
    } else {
        name
    }
}

/// The kiln.yaml that runs `spec`, found at `buildspec` (relative to the
/// workspace, `/`-separated), as pipeline `name`; commented for people.
pub fn pipeline_yaml(spec: &Buildspec, buildspec: &str, name: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("strings serialize");
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# Runs the AWS CodeBuild buildspec {buildspec} (version {}) as CodeBuild does.",
        spec.version.value
    );
    y.push_str(
        "# One action runs the whole buildspec: its phases share one shell's state\n\
         # (`cd`, `export`), and on-failure/finally move between them, which separate\n\
         # actions could not keep. Written by `kiln import`; edit freely.\n",
    );
    let _ = writeln!(y, "name: {}", q(name));
    y.push_str(
        "stages:\n  - name: build\n    actions:\n      - name: build\n        uses: codebuild\n",
    );
    let _ = writeln!(y, "        with:\n          buildspec: {}", q(buildspec));
    y.push_str("        # CodeBuild's default build timeout.\n        timeout: 1h\n");
    outputs(spec, &mut y);
    reports(spec, &mut y);
    if let Some(cache) = &spec.cache {
        let paths: Vec<&str> = cache.paths.iter().map(|p| p.value.as_str()).collect();
        let _ = writeln!(
            y,
            "        # cache.paths ({}), kept from one run to the next.\n        cache:\n          dirs: [{CACHE_DIR}]",
            paths.join(", ")
        );
    }
    if !spec.env.exported_variables.is_empty() {
        let names: Vec<&str> = spec
            .env
            .exported_variables
            .iter()
            .map(|n| n.value.as_str())
            .collect();
        let _ = writeln!(
            y,
            "        # env.exported-variables: later actions read ${{exports.build.<NAME>}}.\n        exports: [{}]",
            names.join(", ")
        );
    }
    grants(spec, &mut y);
    y
}

fn outputs(spec: &Buildspec, y: &mut String) {
    let mut outputs = Vec::new();
    let mut notes = Vec::new();
    if let Some(artifacts) = &spec.artifacts {
        if artifacts.primary.is_some() {
            outputs.push(ARTIFACT_OUTPUT.to_owned());
            notes.push(format!("{ARTIFACT_OUTPUT}: artifacts.files"));
        }
        for secondary in &artifacts.secondary {
            if let Some(id) = &secondary.identifier {
                outputs.push(id.value.clone());
                notes.push(format!("{}: secondary-artifacts.{}", id.value, id.value));
            }
        }
    }
    if !spec.reports.is_empty() {
        outputs.push(REPORTS_OUTPUT.to_owned());
        notes.push(format!(
            "{REPORTS_OUTPUT}: report groups, one directory each"
        ));
    }
    if outputs.is_empty() {
        return;
    }
    let _ = writeln!(
        y,
        "        # {}\n        outputs: [{}]",
        notes.join("; "),
        outputs.join(", ")
    );
}

fn reports(spec: &Buildspec, y: &mut String) {
    // Per kiln format key, the globs of the groups of that format.
    let mut by_key: Vec<(&'static str, Vec<String>)> = Vec::new();
    for report in &spec.reports {
        let dir = format!("{REPORTS_OUTPUT}/{}/**/*", report.dir());
        let key = report_key(report.format);
        match by_key.iter_mut().find(|(k, _)| *k == key) {
            Some((_, globs)) => globs.push(dir),
            None => by_key.push((key, vec![dir])),
        }
    }
    if by_key.is_empty() {
        return;
    }
    let _ = writeln!(
        y,
        "        # Test and coverage reports, shown by `kiln show`.\n        reports:"
    );
    for (key, globs) in by_key {
        let globs: Vec<String> = globs
            .iter()
            .map(|g| serde_json::to_string(g).expect("strings serialize"))
            .collect();
        let _ = writeln!(y, "          {key}: [{}]", globs.join(", "));
    }
}

/// The key of kiln's `reports:` that reads a CodeBuild report format.
fn report_key(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::JunitXml => "junit",
        ReportFormat::TestngXml => "testng",
        ReportFormat::NunitXml => "nunit",
        ReportFormat::Nunit3Xml => "nunit3",
        ReportFormat::VisualStudioTrx => "trx",
        ReportFormat::CucumberJson => "cucumber",
        ReportFormat::CoberturaXml => "cobertura",
        ReportFormat::JacocoXml => "jacoco",
        ReportFormat::CloverXml => "clover",
        ReportFormat::SimpleCov => "simplecov",
        ReportFormat::LcovInfo => "lcov",
    }
}

fn grants(spec: &Buildspec, y: &mut String) {
    let shell = match spec.env.shell {
        Shell::Sh => "sh",
        Shell::Bash => "bash",
    };
    y.push_str("        grants:\n          # Builds write into their source directory.\n          workspace: read-write\n");
    let _ = writeln!(
        y,
        "          # The commands run in the host's {shell} (env.shell), which runs what they\n          # name and may reach the network, as a CodeBuild build may.\n          exec:\n            - {{ program: {shell}, runs: any, network: true }}"
    );
    let secrets: Vec<&str> = spec
        .secrets()
        .iter()
        .map(|s| s.variable.value.as_str())
        .collect();
    if !secrets.is_empty() {
        let _ = writeln!(
            y,
            "          # env.parameter-store / env.secrets-manager: kiln secrets named as the\n          # variables (`kiln secret set NAME`, or KILN_SECRET_NAME).\n          secrets: [{}]",
            secrets.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildspecs_are_told_from_pipelines() {
        assert!(is_buildspec(
            "version: 0.2\nphases:\n  build:\n    commands: [make]\n"
        ));
        assert!(is_buildspec("# c\nphases :\n  build: {}\nversion: 0.1\n"));
        assert!(!is_buildspec("name: x\nstages: []\n"));
        assert!(!is_buildspec(
            "name: x\nstages:\n  - name: phases\n    version: 1\n"
        ));
    }

    #[test]
    fn the_pipeline_grants_what_the_buildspec_needs() {
        let spec = kiln_buildspec::parse(
            "ci/buildspec.yml",
            "version: 0.2\nenv:\n  shell: bash\n  parameter-store:\n    TOKEN: /x/token\n  exported-variables: [TAG]\n\
             phases:\n  build:\n    commands: [make]\n\
             reports:\n  unit:\n    files: ['**/*.xml']\n  cov:\n    files: [c.xml]\n    file-format: COBERTURAXML\n\
             artifacts:\n  files: [out/*]\n  secondary-artifacts:\n    docs:\n      files: [docs/*]\n\
             cache:\n  paths: ['.m2/**/*']\n",
        )
        .unwrap();
        let yaml = pipeline_yaml(&spec, "ci/buildspec.yml", "web");
        for wanted in [
            "name: \"web\"",
            "buildspec: \"ci/buildspec.yml\"",
            "outputs: [artifact, docs, reports]",
            "junit: [\"reports/unit/**/*\"]",
            "cobertura: [\"reports/cov/**/*\"]",
            "dirs: [codebuild]",
            "exports: [TAG]",
            "{ program: bash, runs: any, network: true }",
            "secrets: [TOKEN]",
            "timeout: 1h",
        ] {
            assert!(yaml.contains(wanted), "no `{wanted}` in:\n{yaml}");
        }
        assert_eq!(
            kiln_buildspec::report_group_dir("arn:aws:codebuild:r:1:report-group/my g"),
            "my_g"
        );
        assert_eq!(pipeline_name(Path::new("/src/my app")), "my-app");
    }
}
