//! A project's repository as the server sees it: a bare mirror in the data
//! directory, kept up to date with `git fetch` only when a ref moved
//! (`git ls-remote` is the cheap check), and a fresh clone of the mirror
//! per run with the run's commit checked out — a real `.git` directory,
//! because the `checkout` plugin reads git's object database from the
//! workspace. The server's own working copy is never used.
//!
//! Every git command runs with no terminal prompt, stdin closed, a
//! deadline, and arguments from the network (refs, commits) checked first
//! so none can be taken for an option.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// How long a fetch or a clone may take.
const SLOW_DEADLINE: Duration = Duration::from_secs(600);
/// How long `ls-remote` and local queries may take.
const QUICK_DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, thiserror::Error)]
#[error("git {command}: {message}")]
pub struct GitError {
    pub command: String,
    pub message: String,
}

/// A bare mirror of a project's repository.
#[derive(Debug)]
pub struct Mirror {
    dir: PathBuf,
    url: String,
    /// One git operation at a time on the mirror.
    lock: tokio::sync::Mutex<()>,
}

impl Mirror {
    pub fn new(dir: PathBuf, url: String) -> Self {
        Self {
            dir,
            url,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The tips of the remote's branches and tags (tags peeled to their
    /// commits), without fetching anything.
    pub async fn ls_remote(&self) -> Result<BTreeMap<String, String>, GitError> {
        let output = git(
            None,
            &[
                "ls-remote",
                "--heads",
                "--tags",
                "--end-of-options",
                &self.url,
            ],
            QUICK_DEADLINE,
        )
        .await?;
        Ok(parse_ls_remote(&output))
    }

    /// Make sure the mirror has `commit`, fetching when it does not; the
    /// commit's id (an annotated tag's id, as a tag push names it, is
    /// peeled to its commit).
    pub async fn ensure_commit(&self, commit: &str) -> Result<String, GitError> {
        check_commit(commit)?;
        let _guard = self.lock.lock().await;
        if let Some(peeled) = self.peel(commit).await {
            return Ok(peeled);
        }
        self.fetch_locked().await?;
        self.peel(commit).await.ok_or_else(|| GitError {
            command: "fetch".into(),
            message: format!("{} has no commit {commit}", self.url),
        })
    }

    /// Fetch, then the commit `git_ref` (a full ref name) points to.
    pub async fn fetch_ref(&self, git_ref: &str) -> Result<String, GitError> {
        check_ref(git_ref)?;
        let _guard = self.lock.lock().await;
        self.fetch_locked().await?;
        self.peel(git_ref).await.ok_or_else(|| GitError {
            command: "rev-parse".into(),
            message: format!("{} has no ref {git_ref}", self.url),
        })
    }

    /// The committer time (Unix seconds) of a commit the mirror has.
    pub async fn commit_time(&self, commit: &str) -> Result<i64, GitError> {
        check_commit(commit)?;
        let output = git(
            Some(&self.dir),
            &["log", "-1", "--format=%ct", "--end-of-options", commit],
            QUICK_DEADLINE,
        )
        .await?;
        output.trim().parse().map_err(|_| GitError {
            command: "log".into(),
            message: format!("no committer time for {commit}: {output:?}"),
        })
    }

    /// A fresh clone of the mirror at `dest` with `commit` checked out,
    /// detached.
    pub async fn checkout(&self, commit: &str, dest: &Path) -> Result<(), GitError> {
        check_commit(commit)?;
        let _guard = self.lock.lock().await;
        let mirror = self.dir.to_string_lossy().into_owned();
        let dest_text = dest.to_string_lossy().into_owned();
        // No hard links: the run's workspace must not share files with the
        // mirror, whatever an action does to it.
        git(
            None,
            &[
                "clone",
                "--quiet",
                "--no-hardlinks",
                "--no-checkout",
                "--end-of-options",
                &mirror,
                &dest_text,
            ],
            SLOW_DEADLINE,
        )
        .await?;
        git(
            Some(dest),
            &["checkout", "--quiet", "--detach", commit],
            SLOW_DEADLINE,
        )
        .await?;
        Ok(())
    }

    /// The commit `object` (a commit id, a tag, a ref) is or points to, if
    /// the mirror has it.
    async fn peel(&self, object: &str) -> Option<String> {
        if !self.dir.exists() {
            return None;
        }
        let spec = format!("{object}^{{commit}}");
        git(
            Some(&self.dir),
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
            QUICK_DEADLINE,
        )
        .await
        .ok()
        .map(|output| output.trim().to_owned())
    }

    async fn fetch_locked(&self) -> Result<(), GitError> {
        if !self.dir.join("HEAD").exists() {
            std::fs::create_dir_all(&self.dir).map_err(|e| GitError {
                command: "init".into(),
                message: format!("{}: {e}", self.dir.display()),
            })?;
            git(
                Some(&self.dir),
                &["init", "--quiet", "--bare"],
                QUICK_DEADLINE,
            )
            .await?;
        }
        git(
            Some(&self.dir),
            &[
                "fetch",
                "--quiet",
                "--prune",
                "--no-tags",
                "--end-of-options",
                &self.url,
                "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*",
            ],
            SLOW_DEADLINE,
        )
        .await
        .map(drop)
    }
}

/// `ls-remote` lines: `<sha>\t<ref>`; an annotated tag's `<ref>^{}` line
/// gives the commit it points to.
fn parse_ls_remote(output: &str) -> BTreeMap<String, String> {
    let mut tips = BTreeMap::new();
    let mut peeled = BTreeMap::new();
    for line in output.lines() {
        let Some((sha, name)) = line.split_once('\t') else {
            continue;
        };
        match name.strip_suffix("^{}") {
            Some(tag) => peeled.insert(tag.to_owned(), sha.to_owned()),
            None => tips.insert(name.to_owned(), sha.to_owned()),
        };
    }
    tips.extend(peeled);
    tips
}

/// A commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_commit(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_commit(commit: &str) -> Result<(), GitError> {
    if is_commit(commit) {
        Ok(())
    } else {
        Err(GitError {
            command: "checkout".into(),
            message: format!("`{commit}` is not a commit id"),
        })
    }
}

/// A full ref name git itself would accept, never an option.
pub fn check_ref(git_ref: &str) -> Result<(), GitError> {
    let valid = git_ref.starts_with("refs/")
        && !git_ref.contains("..")
        && !git_ref.ends_with('/')
        && !git_ref.ends_with(".lock")
        && git_ref
            .bytes()
            .all(|b| b > b' ' && !b"~^:?*[\\\x7f".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(GitError {
            command: "rev-parse".into(),
            message: format!("`{git_ref}` is not a ref name"),
        })
    }
}

/// Run git; its standard output, or its standard error as the error.
async fn git(dir: Option<&Path>, args: &[&str], deadline: Duration) -> Result<String, GitError> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    command
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let name = args.first().copied().unwrap_or("").to_owned();
    let error = |message: String| GitError {
        command: name.clone(),
        message,
    };
    let output = tokio::time::timeout(deadline, command.output())
        .await
        .map_err(|_| error(format!("did not finish within {}s", deadline.as_secs())))?
        .map_err(|e| error(format!("cannot run git: {e}")))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.trim();
        Err(error(if message.is_empty() {
            format!("exited with {}", output.status)
        } else {
            message.lines().take(5).collect::<Vec<_>>().join("; ")
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_remote_output_peels_annotated_tags() {
        let tips = parse_ls_remote(
            "aaa\trefs/heads/main\nbbb\trefs/tags/v1\nccc\trefs/tags/v1^{}\nddd\trefs/tags/light\n",
        );
        assert_eq!(tips["refs/heads/main"], "aaa");
        assert_eq!(tips["refs/tags/v1"], "ccc");
        assert_eq!(tips["refs/tags/light"], "ddd");
    }

    #[test]
    fn refs_and_commits_from_the_network_are_checked() {
        assert!(check_ref("refs/heads/feature/x").is_ok());
        for bad in [
            "--upload-pack=x",
            "main",
            "refs/heads/a..b",
            "refs/heads/a b",
            "refs/heads/x^",
        ] {
            assert!(check_ref(bad).is_err(), "{bad}");
        }
        assert!(is_commit(&"a".repeat(40)));
        assert!(!is_commit("--all"));
        assert!(!is_commit(&"g".repeat(40)));
    }
}
