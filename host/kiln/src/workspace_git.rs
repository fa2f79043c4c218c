//! The workspace's git commit and its committer time, recorded with a run:
//! lead time for changes is measured from it.
//!
//! Asking `git` costs a process (5 to 15 ms, most of a cached run), and
//! every `kiln run` asks, repository or not. So: no `.git` above the
//! workspace, no question; HEAD is read from the repository's files (a
//! branch, a packed branch, or a detached commit); and a commit's time is
//! taken from an earlier run of the same commit, since commits never
//! change. Only a commit seen for the first time, or a repository laid out
//! otherwise (a worktree, a `.git` file, a symbolic ref we do not follow),
//! costs `git log`.

use std::path::{Path, PathBuf};

/// The commit checked out in `workspace` and its committer time, or `None`
/// outside a git repository. `known_time` answers the time of a commit
/// recorded before.
pub fn workspace_commit(
    workspace: &Path,
    known_time: impl Fn(&str) -> Option<i64>,
) -> Option<(String, i64)> {
    let repository = find_repository(workspace)?;
    if let Repository::Plain(git_dir) = &repository
        && let Some(sha) = head_commit(git_dir)
        && let Some(time) = known_time(&sha)
    {
        return Some((sha, time));
    }
    ask_git(workspace)
}

enum Repository {
    /// `<dir>/.git` is a directory: its files can be read.
    Plain(PathBuf),
    /// A `.git` file (a worktree, a submodule): git knows where it points.
    Other,
}

/// The nearest `.git` at or above `workspace`.
fn find_repository(workspace: &Path) -> Option<Repository> {
    workspace.ancestors().find_map(|dir| {
        let dot_git = dir.join(".git");
        let metadata = std::fs::symlink_metadata(&dot_git).ok()?;
        Some(if metadata.is_dir() {
            Repository::Plain(dot_git)
        } else {
            Repository::Other
        })
    })
}

/// The commit HEAD names: detached, a loose branch, or a packed one.
fn head_commit(git_dir: &Path) -> Option<String> {
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim_end();
    let Some(name) = head.strip_prefix("ref: ") else {
        return is_object_name(head).then(|| head.to_owned());
    };
    // Only names under refs/, never a path out of the repository.
    if !name.starts_with("refs/") || name.split('/').any(|part| part == ".." || part.is_empty()) {
        return None;
    }
    if let Ok(loose) = std::fs::read_to_string(git_dir.join(name)) {
        let loose = loose.trim_end();
        return is_object_name(loose).then(|| loose.to_owned());
    }
    let packed = std::fs::read_to_string(git_dir.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (sha, packed_name) = line.split_once(' ')?;
        (packed_name == name && is_object_name(sha)).then(|| sha.to_owned())
    })
}

/// A SHA-1 or SHA-256 object name in lowercase hex.
fn is_object_name(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn ask_git(workspace: &Path) -> Option<(String, i64)> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(workspace)
        .args(["log", "-1", "--format=%H %ct"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let (sha, time) = text.trim().split_once(' ')?;
    Some((sha.to_owned(), time.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    #[test]
    fn head_is_read_from_loose_packed_and_detached_refs_as_git_reads_it() {
        let repo = tempfile::tempdir().unwrap();
        let dir = repo.path();
        git(dir, &["init", "-q", "-b", "main"]);
        std::fs::write(dir.join("f"), "1").unwrap();
        git(dir, &["add", "f"]);
        git(dir, &["commit", "-q", "-m", "one"]);
        let first = git(dir, &["rev-parse", "HEAD"]);
        assert_eq!(head_commit(&dir.join(".git")), Some(first.clone()));

        git(dir, &["pack-refs", "--all"]);
        assert!(!dir.join(".git/refs/heads/main").exists());
        assert_eq!(head_commit(&dir.join(".git")), Some(first.clone()));

        std::fs::write(dir.join("f"), "2").unwrap();
        git(dir, &["commit", "-q", "-am", "two"]);
        git(dir, &["checkout", "-q", "--detach", &first]);
        assert_eq!(head_commit(&dir.join(".git")), Some(first.clone()));

        // A known commit needs no git; an unknown one asks git, for both.
        let sub = dir.join("deep/er");
        std::fs::create_dir_all(&sub).unwrap();
        let time: i64 = git(dir, &["log", "-1", "--format=%ct"]).parse().unwrap();
        assert_eq!(
            workspace_commit(&sub, |_| Some(42)),
            Some((first.clone(), 42))
        );
        assert_eq!(workspace_commit(&sub, |_| None), Some((first, time)));
    }

    #[test]
    fn outside_a_repository_there_is_no_commit_and_no_git() {
        let dir = tempfile::tempdir().unwrap();
        // (The temporary directory is under no repository here.)
        if find_repository(dir.path()).is_none() {
            assert_eq!(workspace_commit(dir.path(), |_| Some(1)), None);
        }
        assert!(!is_object_name("ref: refs/heads/main"));
        assert!(!is_object_name(&"A".repeat(40)));
    }
}
