//! Finding a repository's git directory, as `git` does for a work tree,
//! a bare repository, a `.git` file (submodules, worktrees) and `commondir`.

use std::path::{Path, PathBuf};

use kiln_sdk::{Error, ResultExt};

use crate::odb::ObjectDatabase;

pub struct Repository {
    /// Holds `HEAD` (per-worktree state).
    pub git_dir: PathBuf,
    /// Holds `objects`, `refs`, `packed-refs` and `config`; the git dir
    /// itself except for linked worktrees.
    pub common_dir: PathBuf,
    pub odb: ObjectDatabase,
}

impl Repository {
    /// Open the repository whose work tree (or bare directory) is `path`.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let git_dir = find_git_dir(path)?;
        let common_dir = match std::fs::read_to_string(git_dir.join("commondir")) {
            Ok(text) => git_dir.join(text.trim()),
            Err(_) => git_dir.clone(),
        };
        check_config(&common_dir.join("config"))?;
        let odb = ObjectDatabase::open(&common_dir.join("objects"))?;
        Ok(Self {
            git_dir,
            common_dir,
            odb,
        })
    }
}

fn find_git_dir(path: &Path) -> Result<PathBuf, Error> {
    let dot_git = path.join(".git");
    if dot_git.is_dir() {
        return Ok(dot_git);
    }
    if dot_git.is_file() {
        let text = std::fs::read_to_string(&dot_git)
            .with_context(|| format!("reading {}", dot_git.display()))?;
        let target = text
            .lines()
            .find_map(|line| line.strip_prefix("gitdir:"))
            .map(str::trim)
            .ok_or_else(|| Error::new(format!("{} has no `gitdir:` line", dot_git.display())))?;
        let git_dir = path.join(target);
        if !git_dir.is_dir() {
            return Err(Error::new(format!(
                "{} points to {target}, which is not reachable in the sandbox \
                 (an absolute path on the host?)",
                dot_git.display()
            )));
        }
        return Ok(git_dir);
    }
    let looks_bare = ["HEAD", "objects", "refs"]
        .iter()
        .all(|name| path.join(name).exists());
    if looks_bare {
        return Ok(path.to_owned());
    }
    Err(Error::new(format!(
        "{} is not a git repository: it has no .git directory",
        path.display()
    )))
}

/// Refuse repository formats this reader does not understand rather than
/// misread them.
fn check_config(config: &Path) -> Result<(), Error> {
    let Ok(text) = std::fs::read_to_string(config) else {
        return Ok(());
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().to_ascii_lowercase();
        if key == "objectformat" && value != "sha1" {
            return Err(Error::new(format!(
                "{}: object format {value} is not supported (only sha1)",
                config.display()
            )));
        }
        if key == "refstorage" && value != "files" {
            return Err(Error::new(format!(
                "{}: ref storage {value} is not supported (only files)",
                config.display()
            )));
        }
    }
    Ok(())
}
