//! `artifacts` and `reports`: the files CodeBuild uploads after the
//! build, copied from the workspace into the action's outputs with
//! `kiln-buildspec`'s selection (CodeBuild's rules for `files`,
//! `base-directory`, `discard-paths`, `exclude-paths`,
//! `enable-symlinks`).
//!
//! kiln keeps the outputs of a succeeded action only: after a failed build
//! (which CodeBuild still uploads from, once past pre_build) the files are
//! collected and counted in the log, and kiln discards them with the rest
//! of the attempt. Reports are the exception, as for every kiln action:
//! the declared report files are read whether the action passed or failed.

use std::path::Path;

use kiln_buildspec::{Artifact, Buildspec, FileSet, FsTree, Report, SelectError, select};
use kiln_sdk::Error;

use crate::files::copy_entry;
use crate::layout::{Layout, Target};

/// What was collected: files per artifact output, report files.
#[derive(Debug, Default)]
pub struct Collected {
    pub artifacts: Vec<(String, usize)>,
    pub reports: usize,
}

pub fn collect(spec: &Buildspec, layout: &Layout, succeeded: bool) -> Result<Collected, Error> {
    let tree = FsTree::new("/workspace");
    let mut collected = Collected::default();
    if let Some(artifacts) = &spec.artifacts {
        let primary = artifacts.primary.as_ref().zip(layout.primary.as_ref());
        let secondary = artifacts.secondary.iter().filter_map(|a| {
            let id = a.identifier.as_ref()?;
            let target = layout.secondary.iter().find(|(i, _)| *i == id.value)?;
            Some((a, &target.1))
        });
        for (artifact, target) in primary.into_iter().chain(secondary) {
            match copy_artifact(spec, artifact, target, &tree) {
                Ok(files) => collected.artifacts.push((target.name.clone(), files)),
                Err(error) if succeeded => return Err(error),
                Err(error) => kiln_sdk::warn!("{error}"),
            }
        }
    }
    if let Some(target) = &layout.reports {
        for report in &spec.reports {
            collected.reports += copy_report(spec, report, target, &tree)?;
        }
    }
    if !succeeded && !collected.artifacts.is_empty() {
        kiln_sdk::warn!(
            "kiln: the build failed: CodeBuild would upload these artifacts; kiln keeps no outputs of a failed action"
        );
    }
    Ok(collected)
}

/// Where a field is, for messages: `buildspec.yml:30:3: artifacts`.
fn site(spec: &Buildspec, artifact: &Artifact) -> String {
    let key = match &artifact.identifier {
        Some(id) => format!("artifacts.secondary-artifacts.{}", id.value),
        None => "artifacts".to_owned(),
    };
    format!(
        "{}:{}:{}: {key}",
        spec.file, artifact.at.line, artifact.at.column
    )
}

fn copy_artifact(
    spec: &Buildspec,
    artifact: &Artifact,
    target: &Target,
    tree: &FsTree,
) -> Result<usize, Error> {
    let site = site(spec, artifact);
    if let Some(name) = &artifact.name {
        kiln_sdk::info!(
            "[codebuild] Artifact name {} (kept as kiln artifact `{}`)",
            name.value,
            target.name
        );
    }
    let files = copy_set(&artifact.files, &target.path, tree)
        .map_err(|error| Error::new(format!("{site}: {error}")))?;
    kiln_sdk::info!("[codebuild] Artifact `{}`: {files} files", target.name);
    Ok(files)
}

/// One report group into `<reports>/<group>/`; a group whose files are
/// missing is warned about, as CodeBuild reports it without failing the
/// build.
fn copy_report(
    spec: &Buildspec,
    report: &Report,
    target: &Target,
    tree: &FsTree,
) -> Result<usize, Error> {
    let dir = report.dir();
    match copy_set(&report.files, &target.path.join(&dir), tree) {
        Ok(files) => {
            kiln_sdk::info!(
                "[codebuild] Report group {} ({}): {files} files in `{}/{dir}`",
                report.group.value,
                report.format,
                target.name
            );
            Ok(files)
        }
        Err(error) => {
            kiln_sdk::warn!(
                "warning: {}:{}:{}: reports.{}: {error}",
                spec.file,
                report.group.at.line,
                report.group.at.column,
                report.group.value
            );
            Ok(0)
        }
    }
}

/// Selects a file set from the workspace and copies it under `dest`;
/// patterns that match nothing are logged as CodeBuild logs them.
fn copy_set(set: &FileSet, dest: &Path, tree: &FsTree) -> Result<usize, SelectErrorText> {
    let selection = select(set, tree, None).map_err(SelectErrorText::Select)?;
    for unmatched in &selection.unmatched {
        let hint = if unmatched.directory {
            format!(
                " (a directory: write `{}/**/*` for its files)",
                unmatched.pattern.value.trim_end_matches('/')
            )
        } else {
            String::new()
        };
        kiln_sdk::warn!(
            "[codebuild] Skipping invalid file path {}{hint}",
            unmatched.pattern.value
        );
    }
    for pattern in &selection.outside {
        kiln_sdk::warn!(
            "warning: {}:{}: `{}` is outside the source directory: not collected",
            pattern.at.line,
            pattern.at.column,
            pattern.value
        );
    }
    for (path, why) in &selection.skipped {
        kiln_sdk::warn!("[codebuild] Skipping {path}: {why}");
    }
    for replaced in &selection.replaced {
        kiln_sdk::warn!(
            "[codebuild] {replaced} is replaced by a later file of the same name (discard-paths)"
        );
    }
    std::fs::create_dir_all(dest)
        .map_err(|e| SelectErrorText::Io(format!("{}: {e}", dest.display())))?;
    for file in &selection.files {
        let from = Path::new("/workspace").join(&file.source);
        let to = dest.join(&file.path);
        let copied = match &file.link {
            Some(target) => {
                if let Some(parent) = to.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                kiln_sdk::fs::symlink(target, &to)
            }
            None => copy_entry(&from, &to),
        };
        copied.map_err(|e| SelectErrorText::Io(format!("copying {}: {e}", file.source)))?;
    }
    Ok(selection.files.len())
}

/// A selection that failed, in words.
enum SelectErrorText {
    Select(SelectError),
    Io(String),
}

impl std::fmt::Display for SelectErrorText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SelectErrorText::Select(error) => write!(f, "{error}"),
            SelectErrorText::Io(error) => f.write_str(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use kiln_buildspec::report_group_dir as group_dir;

    #[test]
    fn report_groups_become_directory_names() {
        assert_eq!(group_dir("unit-tests"), "unit-tests");
        assert_eq!(
            group_dir("arn:aws:codebuild:us-east-1:123:report-group/my group"),
            "my_group"
        );
        assert_eq!(group_dir(".."), "report");
    }
}
