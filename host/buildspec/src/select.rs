//! Which files an artifact, a report group or a cache path holds: pure
//! functions over a directory tree.
//!
//! The tree is abstract ([`Tree`]): [`FsTree`] reads a real directory,
//! [`MemTree`] is a tree in memory (for tests, or for a caller that lists
//! files another way).
//!
//! # Matching rules (CodeBuild's, with the judgment calls marked)
//!
//! - `base-directory` is relative to the source directory; `./` and a
//!   final `/` are ignored. It may be a glob (`my-dir*`): every directory
//!   it matches is a base, and the files of each are taken relative to it.
//!   No matching directory is an error ([`SelectError::NoBaseDirectory`]).
//! - `files` patterns are relative to the base directory. `*` and `?`
//!   match within one path component, `**` matches any number of
//!   components (`**/*` is every file, `dir/**` and `dir/**/*` every file
//!   under `dir`), `[abc]` and `{a,b}` work as in shells. A leading `./`
//!   is ignored. Patterns match files (and, with `enable-symlinks`, links),
//!   never directories: a pattern naming a directory matches nothing
//!   (judgment call; [`Unmatched::directory`] tells the caller so it can
//!   suggest `dir/**/*`).
//! - A pattern that matches nothing is skipped and listed in
//!   [`Selection::unmatched`] (CodeBuild logs "Skipping invalid file
//!   path"); when no pattern matches anything the selection fails with
//!   [`SelectError::NoFiles`] (CodeBuild's "no matching artifact paths
//!   found").
//! - `exclude-paths` patterns, relative to the base directory, remove
//!   matching files.
//! - `discard-paths: yes` keeps file names only; when two files get the
//!   same name the later one (in path order) replaces the earlier, which
//!   is listed in [`Selection::replaced`].
//! - Symbolic links: with `enable-symlinks: yes` a link is kept as a link
//!   (its target is in [`Selected::link`]); without it a link to a file
//!   stands for the file. Links to directories are never followed (judgment
//!   call: CodeBuild's zip follows them, kiln refuses to risk cycles and
//!   escapes from the tree); they are listed in [`Selection::skipped`], as
//!   are dangling links.
//! - Absolute patterns (`/tmp/report.xml`) are matched against the `root`
//!   tree if the caller gives one (paths in the artifact lose their leading
//!   `/`); otherwise they are listed in [`Selection::outside`]. Patterns
//!   starting with `~` always are.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::diag::Located;
use crate::model::{Cache, FileSet};

/// What a directory entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link, with its target as written and what it points to
    /// (`None` when dangling).
    Symlink {
        /// The link's target, as stored in the link.
        target: String,
        /// What the target is, following links.
        points_to: Option<Box<EntryKind>>,
    },
    /// Anything else (socket, fifo, device): never selected.
    Other,
}

/// One entry of a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's name.
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
}

/// A directory tree to select files from. Paths are relative to the
/// tree's root, `/`-separated, `""` for the root itself.
pub trait Tree {
    /// The entries of a directory (in any order).
    fn read_dir(&self, dir: &str) -> io::Result<Vec<Entry>>;

    /// What `path` is, without following a final symbolic link; `None`
    /// when it does not exist.
    fn kind(&self, path: &str) -> Option<EntryKind> {
        let (parent, name) = match path.rsplit_once('/') {
            Some((p, n)) => (p, n),
            None => ("", path),
        };
        if path.is_empty() {
            return Some(EntryKind::Dir);
        }
        self.read_dir(parent)
            .ok()?
            .into_iter()
            .find(|e| e.name == name)
            .map(|e| e.kind)
    }
}

/// A real directory.
#[derive(Debug, Clone)]
pub struct FsTree {
    root: PathBuf,
}

impl FsTree {
    /// The tree rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl Tree for FsTree {
    fn read_dir(&self, dir: &str) -> io::Result<Vec<Entry>> {
        let path = if dir.is_empty() {
            self.root.clone()
        } else {
            self.root.join(dir)
        };
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&path)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(entry.path())?;
            let kind = if meta.file_type().is_symlink() {
                let target = std::fs::read_link(entry.path())
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let points_to = std::fs::metadata(entry.path()).ok().map(|m| {
                    Box::new(if m.is_dir() {
                        EntryKind::Dir
                    } else if m.is_file() {
                        EntryKind::File
                    } else {
                        EntryKind::Other
                    })
                });
                EntryKind::Symlink { target, points_to }
            } else if meta.is_dir() {
                EntryKind::Dir
            } else if meta.is_file() {
                EntryKind::File
            } else {
                EntryKind::Other
            };
            out.push(Entry { name, kind });
        }
        Ok(out)
    }
}

/// A tree in memory: a set of files, directories and links.
#[derive(Debug, Clone, Default)]
pub struct MemTree {
    entries: BTreeMap<String, EntryKind>,
}

impl MemTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file (and its parent directories).
    pub fn file(mut self, path: &str) -> Self {
        self.add(path, EntryKind::File);
        self
    }

    /// Adds a directory (and its parents).
    pub fn dir(mut self, path: &str) -> Self {
        self.add(path, EntryKind::Dir);
        self
    }

    /// Adds a symbolic link to `target` (relative to the link's directory,
    /// or absolute within this tree).
    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let base = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        let resolved = if let Some(abs) = target.strip_prefix('/') {
            abs.to_owned()
        } else if base.is_empty() {
            target.to_owned()
        } else {
            format!("{base}/{target}")
        };
        let points_to = self
            .entries
            .get(&normalize(&resolved))
            .cloned()
            .map(Box::new);
        self.add(
            path,
            EntryKind::Symlink {
                target: target.to_owned(),
                points_to,
            },
        );
        self
    }

    fn add(&mut self, path: &str, kind: EntryKind) {
        let path = normalize(path);
        let mut prefix = String::new();
        for part in path
            .split('/')
            .collect::<Vec<_>>()
            .iter()
            .rev()
            .skip(1)
            .rev()
        {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            self.entries.insert(prefix.clone(), EntryKind::Dir);
        }
        self.entries.insert(path, kind);
    }
}

impl Tree for MemTree {
    fn read_dir(&self, dir: &str) -> io::Result<Vec<Entry>> {
        let dir = normalize(dir);
        if !dir.is_empty() && self.entries.get(&dir) != Some(&EntryKind::Dir) {
            return Err(io::Error::new(io::ErrorKind::NotFound, dir));
        }
        Ok(self
            .entries
            .iter()
            .filter_map(|(path, kind)| {
                let rest = if dir.is_empty() {
                    path.as_str()
                } else {
                    path.strip_prefix(&dir)?.strip_prefix('/')?
                };
                (!rest.contains('/')).then(|| Entry {
                    name: rest.to_owned(),
                    kind: kind.clone(),
                })
            })
            .collect())
    }
}

/// Removes `./` components, empty components and a final `/`.
fn normalize(path: &str) -> String {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("not a valid path pattern: {}", e.kind()))
}

/// Whether a `files`/`exclude-paths`/`base-directory`/`cache.paths`
/// pattern can be matched; the message says why not.
pub(crate) fn check_pattern(pattern: &str) -> Result<(), String> {
    if pattern.trim().is_empty() {
        return Err("an empty path".into());
    }
    glob(&normalize(pattern)).map(|_| ())
}

fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// One selected file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// Where it is: relative to the source tree, or (for an absolute
    /// pattern) an absolute path.
    pub source: String,
    /// Its path inside the artifact or report.
    pub path: String,
    /// `Some(target)` when it is kept as a symbolic link.
    pub link: Option<String>,
}

/// A pattern that matched nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// The pattern.
    pub pattern: Located<String>,
    /// Whether it names an existing directory (write `dir/**/*` to take
    /// its files).
    pub directory: bool,
}

/// The files of an artifact or report group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// The files, sorted by [`Selected::path`].
    pub files: Vec<Selected>,
    /// Patterns that matched nothing (skipped, as CodeBuild skips them).
    pub unmatched: Vec<Unmatched>,
    /// Files left out because another file took their path
    /// (`discard-paths`, or two base directories).
    pub replaced: Vec<String>,
    /// Entries that matched but cannot be taken, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Patterns outside the source tree that were not matched (absolute
    /// without a `root` tree, or starting with `~`).
    pub outside: Vec<Located<String>>,
}

/// Why nothing could be selected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// `base-directory` matches no directory.
    #[error(
        "base-directory `{0}` matches no directory (CodeBuild: no matching base directory path found)"
    )]
    NoBaseDirectory(String),
    /// No pattern matched a file.
    #[error("no file matches `files` (CodeBuild: no matching artifact paths found)")]
    NoFiles,
    /// A pattern cannot be matched.
    #[error("`{pattern}`: {message}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
    /// An absolute `base-directory`.
    #[error("base-directory `{0}` is absolute: it must be relative to the source directory")]
    AbsoluteBase(String),
    /// Reading the tree failed.
    #[error("reading `{path}`: {message}")]
    Io {
        /// The directory being read.
        path: String,
        /// The error.
        message: String,
    },
}

/// A file found by the walk.
struct Found {
    rel: String,
    kind: EntryKind,
}

/// Every non-directory entry under `dir`, paths relative to `dir`.
/// Directories are entered; links to directories are not.
fn walk(tree: &dyn Tree, dir: &str, out: &mut Vec<Found>) -> Result<(), SelectError> {
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let full = join_path(dir, &rel);
        let entries = tree.read_dir(&full).map_err(|e| SelectError::Io {
            path: full.clone(),
            message: e.to_string(),
        })?;
        for entry in entries {
            let path = join_path(&rel, &entry.name);
            match entry.kind {
                EntryKind::Dir => stack.push(path),
                kind => out.push(Found { rel: path, kind }),
            }
        }
    }
    Ok(())
}

fn join_path(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}/{b}"),
    }
}

/// The directories a `base-directory` names.
fn base_dirs(tree: &dyn Tree, base: &str) -> Result<Vec<String>, SelectError> {
    let base = normalize(base);
    if !has_meta(&base) {
        return Ok(match tree.kind(&base) {
            Some(EntryKind::Dir) => vec![base],
            _ => Vec::new(),
        });
    }
    let mut current = vec![String::new()];
    for part in base.split('/') {
        let matcher = glob(part)
            .map_err(|message| SelectError::Pattern {
                pattern: base.clone(),
                message,
            })?
            .compile_matcher();
        let mut next = Vec::new();
        for dir in &current {
            let Ok(entries) = tree.read_dir(dir) else {
                continue;
            };
            for e in entries {
                if e.kind == EntryKind::Dir && matcher.is_match(&e.name) {
                    next.push(join_path(dir, &e.name));
                }
            }
        }
        current = next;
    }
    current.sort();
    Ok(current)
}

fn globset<'a>(patterns: impl Iterator<Item = &'a str>) -> Result<GlobSet, SelectError> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        builder.add(glob(p).map_err(|message| SelectError::Pattern {
            pattern: p.to_owned(),
            message,
        })?);
    }
    builder.build().map_err(|e| SelectError::Pattern {
        pattern: String::new(),
        message: e.to_string(),
    })
}

/// Selects the files of an artifact or report group from `source` (the
/// build's source directory after the build); `root`, if given, is the
/// file system root, for absolute patterns. See the module documentation
/// for the rules. The set's fields must already be expanded (see
/// [`crate::Buildspec::with_resolved`]).
pub fn select(
    set: &FileSet,
    source: &dyn Tree,
    root: Option<&dyn Tree>,
) -> Result<Selection, SelectError> {
    let mut selection = Selection::default();
    // Indices into `set.files`.
    let mut relative: Vec<usize> = Vec::new();
    let mut absolute: Vec<usize> = Vec::new();
    for (i, p) in set.files.iter().enumerate() {
        if p.starts_with('~') || (p.starts_with('/') && root.is_none()) {
            selection.outside.push(p.clone());
        } else if p.starts_with('/') {
            absolute.push(i);
        } else {
            relative.push(i);
        }
    }
    let mut by_path: BTreeMap<String, Selected> = BTreeMap::new();
    let excludes: Vec<String> = set.exclude_paths.iter().map(|p| normalize(p)).collect();
    let excludes = globset(excludes.iter().map(String::as_str))?;

    if !relative.is_empty() {
        let bases = match &set.base_directory {
            None => vec![String::new()],
            Some(b) if b.starts_with('/') => {
                return Err(SelectError::AbsoluteBase(b.value.clone()));
            }
            Some(b) => {
                let dirs = base_dirs(source, b)?;
                if dirs.is_empty() {
                    return Err(SelectError::NoBaseDirectory(b.value.clone()));
                }
                dirs
            }
        };
        let patterns: Vec<String> = relative.iter().map(|i| normalize(&set.files[*i])).collect();
        let includes = globset(patterns.iter().map(String::as_str))?;
        let mut matched = vec![false; relative.len()];
        for base in &bases {
            let mut found = Vec::new();
            walk(source, base, &mut found)?;
            found.sort_by(|a, b| a.rel.cmp(&b.rel));
            for f in found {
                let hits = includes.matches(&f.rel);
                if hits.is_empty() || excludes.is_match(&f.rel) {
                    continue;
                }
                for h in hits {
                    matched[h] = true;
                }
                take(
                    set,
                    join_path(base, &f.rel),
                    &f.rel,
                    f.kind,
                    &mut by_path,
                    &mut selection,
                );
            }
        }
        for (k, i) in relative.iter().enumerate() {
            if matched[k] {
                continue;
            }
            let lit = &patterns[k];
            let directory = !has_meta(lit)
                && bases
                    .iter()
                    .any(|b| source.kind(&join_path(b, lit)) == Some(EntryKind::Dir));
            selection.unmatched.push(Unmatched {
                pattern: set.files[*i].clone(),
                directory,
            });
        }
    }

    if let Some(root) = root {
        for i in absolute {
            let p = &set.files[i];
            let pattern = normalize(p);
            let matcher = globset(std::iter::once(pattern.as_str()))?;
            // Walk only below the pattern's literal prefix.
            let prefix: Vec<&str> = pattern.split('/').take_while(|c| !has_meta(c)).collect();
            let (start, single) = if prefix.len() == pattern.split('/').count() {
                (prefix[..prefix.len() - 1].join("/"), true)
            } else {
                (prefix.join("/"), false)
            };
            let mut found = Vec::new();
            if single {
                if let Some(kind) = root.kind(&pattern)
                    && kind != EntryKind::Dir
                {
                    found.push(Found {
                        rel: pattern.clone(),
                        kind,
                    });
                }
            } else if root.kind(&start) == Some(EntryKind::Dir) {
                walk(root, &start, &mut found)?;
                for f in &mut found {
                    f.rel = join_path(&start, &f.rel);
                }
            }
            let mut any = false;
            for f in found {
                if !matcher.is_match(&f.rel) || excludes.is_match(&f.rel) {
                    continue;
                }
                any = true;
                let source_path = format!("/{}", f.rel);
                take(
                    set,
                    source_path,
                    &f.rel,
                    f.kind,
                    &mut by_path,
                    &mut selection,
                );
            }
            if !any {
                selection.unmatched.push(Unmatched {
                    pattern: p.clone(),
                    directory: root.kind(&pattern) == Some(EntryKind::Dir),
                });
            }
        }
    }

    selection.files = by_path.into_values().collect();
    if selection.files.is_empty() && selection.outside.is_empty() {
        return Err(SelectError::NoFiles);
    }
    Ok(selection)
}

/// Adds one matched entry to the selection.
fn take(
    set: &FileSet,
    source: String,
    rel: &str,
    kind: EntryKind,
    by_path: &mut BTreeMap<String, Selected>,
    selection: &mut Selection,
) {
    let link = match kind {
        EntryKind::File => None,
        EntryKind::Symlink { target, points_to } => {
            if set.enable_symlinks {
                Some(target)
            } else {
                match points_to.as_deref() {
                    Some(EntryKind::File) => None,
                    Some(EntryKind::Dir) => {
                        selection.skipped.push((
                            source,
                            "a link to a directory: kiln does not follow those (enable-symlinks keeps it as a link)"
                                .into(),
                        ));
                        return;
                    }
                    _ => {
                        selection
                            .skipped
                            .push((source, "a dangling symbolic link".into()));
                        return;
                    }
                }
            }
        }
        EntryKind::Dir => return,
        EntryKind::Other => {
            selection
                .skipped
                .push((source, "not a regular file".into()));
            return;
        }
    };
    let path = if set.discard_paths {
        rel.rsplit('/').next().unwrap_or(rel).to_owned()
    } else {
        rel.to_owned()
    };
    if let Some(old) = by_path.insert(path.clone(), Selected { source, path, link }) {
        selection.replaced.push(old.source);
    }
}

/// Where a cache path lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheRoot {
    /// Relative to the source directory.
    Source,
    /// Relative to the home directory (`~/...`).
    Home,
    /// An absolute path.
    Absolute,
}

/// A directory to keep between builds, from one `cache.paths` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheDir {
    /// The entry as written.
    pub pattern: Located<String>,
    /// What [`CacheDir::dir`] is relative to.
    pub root: CacheRoot,
    /// The directory: the entry's components before the first glob
    /// (`.gradle/caches` for `.gradle/caches/**/*`; `/root/.m2` for
    /// `/root/.m2/**/*`, with its leading `/`). For an entry without a
    /// glob, the path itself (a file or a directory).
    pub dir: String,
    /// The rest of the entry, matched below `dir` (`**/*`), if any.
    pub glob: Option<String>,
}

/// The directories `cache.paths` names, one per entry.
pub fn cache_dirs(cache: &Cache) -> Vec<CacheDir> {
    cache
        .paths
        .iter()
        .map(|p| {
            let (root, rest) = if let Some(r) = p.strip_prefix("~/") {
                (CacheRoot::Home, r.to_owned())
            } else if p.as_str() == "~" {
                (CacheRoot::Home, String::new())
            } else if p.starts_with('/') {
                (CacheRoot::Absolute, p.value.clone())
            } else {
                (CacheRoot::Source, p.value.clone())
            };
            let parts: Vec<&str> = rest.split('/').collect();
            let literal = parts.iter().take_while(|c| !has_meta(c)).count();
            let mut dir = normalize(&parts[..literal].join("/"));
            if root == CacheRoot::Absolute {
                dir.insert(0, '/');
            }
            let glob = (literal < parts.len()).then(|| parts[literal..].join("/"));
            CacheDir {
                pattern: p.clone(),
                root,
                dir,
                glob,
            }
        })
        .collect()
}

/// The files of one cache entry in `tree` (a tree rooted where
/// [`CacheDir::root`] says), paths relative to that tree.
pub fn select_cache(entry: &CacheDir, tree: &dyn Tree) -> Result<Vec<String>, SelectError> {
    let dir = normalize(&entry.dir);
    let mut found = Vec::new();
    match tree.kind(&dir) {
        Some(EntryKind::Dir) => walk(tree, &dir, &mut found)?,
        Some(EntryKind::File) if entry.glob.is_none() => return Ok(vec![dir]),
        _ => return Ok(Vec::new()),
    }
    let matcher = match &entry.glob {
        Some(g) => Some(globset(std::iter::once(normalize(g).as_str()))?),
        None => None,
    };
    let mut out: Vec<String> = found
        .into_iter()
        .filter(|f| matcher.as_ref().is_none_or(|m| m.is_match(&f.rel)))
        .map(|f| join_path(&dir, &f.rel))
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Pos;

    fn l(s: &str) -> Located<String> {
        Located::new(s.to_owned(), Pos::new(1, 1))
    }

    fn set(files: &[&str]) -> FileSet {
        FileSet {
            files: files.iter().map(|f| l(f)).collect(),
            ..FileSet::default()
        }
    }

    fn paths(s: &Selection) -> Vec<&str> {
        s.files.iter().map(|f| f.path.as_str()).collect()
    }

    fn tree() -> MemTree {
        MemTree::new()
            .file("README.md")
            .file(".git/HEAD")
            .file("src/main.rs")
            .file("src/lib/util.rs")
            .file("build/app.jar")
            .file("build/lib/dep.jar")
            .file("build/reports/test.xml")
            .file("frontend/build/index.html")
            .file("frontend/build/static/app.js")
            .dir("empty")
    }

    #[test]
    fn everything() {
        let s = select(&set(&["**/*"]), &tree(), None).expect("selection");
        assert_eq!(s.files.len(), 9);
        assert!(paths(&s).contains(&".git/HEAD"));
    }

    #[test]
    fn one_level_and_recursive() {
        let s = select(&set(&["build/*"]), &tree(), None).expect("selection");
        assert_eq!(paths(&s), ["build/app.jar"]);
        let s = select(&set(&["build/**/*"]), &tree(), None).expect("selection");
        assert_eq!(
            paths(&s),
            [
                "build/app.jar",
                "build/lib/dep.jar",
                "build/reports/test.xml"
            ]
        );
        let s = select(&set(&["build/**"]), &tree(), None).expect("selection");
        assert_eq!(s.files.len(), 3);
        let s = select(&set(&["**/*.jar"]), &tree(), None).expect("selection");
        assert_eq!(paths(&s), ["build/app.jar", "build/lib/dep.jar"]);
    }

    #[test]
    fn base_directory_and_discard_paths() {
        let mut fs = set(&["./**/*"]);
        fs.base_directory = Some(l("frontend/build"));
        let s = select(&fs, &tree(), None).expect("selection");
        assert_eq!(paths(&s), ["index.html", "static/app.js"]);
        assert_eq!(s.files[1].source, "frontend/build/static/app.js");
        fs.discard_paths = true;
        let s = select(&fs, &tree(), None).expect("selection");
        assert_eq!(paths(&s), ["app.js", "index.html"]);
    }

    #[test]
    fn discard_paths_collisions_keep_the_last() {
        let t = MemTree::new().file("a/x.txt").file("b/x.txt");
        let mut fs = set(&["**/*.txt"]);
        fs.discard_paths = true;
        let s = select(&fs, &t, None).expect("selection");
        assert_eq!(s.files.len(), 1);
        assert_eq!(s.files[0].source, "b/x.txt");
        assert_eq!(s.replaced, ["a/x.txt"]);
    }

    #[test]
    fn glob_base_directories() {
        let t = MemTree::new()
            .file("out-a/one.txt")
            .file("out-b/two.txt")
            .file("other/three.txt");
        let mut fs = set(&["*"]);
        fs.base_directory = Some(l("out-*"));
        let s = select(&fs, &t, None).expect("selection");
        assert_eq!(paths(&s), ["one.txt", "two.txt"]);
        fs.base_directory = Some(l("missing"));
        assert_eq!(
            select(&fs, &t, None),
            Err(SelectError::NoBaseDirectory("missing".into()))
        );
    }

    #[test]
    fn excludes() {
        let mut fs = set(&["**/*"]);
        fs.base_directory = Some(l("build"));
        fs.exclude_paths = vec![l("lib/**/*"), l("**/*.xml")];
        let s = select(&fs, &tree(), None).expect("selection");
        assert_eq!(paths(&s), ["app.jar"]);
    }

    #[test]
    fn unmatched_and_nothing() {
        let s = select(&set(&["README.md", "nope.txt", "src"]), &tree(), None).expect("selection");
        assert_eq!(paths(&s), ["README.md"]);
        assert_eq!(s.unmatched.len(), 2);
        assert!(!s.unmatched[0].directory);
        assert!(s.unmatched[1].directory);
        assert_eq!(
            select(&set(&["nope"]), &tree(), None),
            Err(SelectError::NoFiles)
        );
    }

    #[test]
    fn symlinks() {
        let t = MemTree::new()
            .file("dist/app.js")
            .symlink("dist/current.js", "app.js")
            .dir("real")
            .symlink("dist/dirlink", "../real")
            .symlink("dist/dangling", "nowhere");
        let s = select(&set(&["dist/*"]), &t, None).expect("selection");
        assert_eq!(paths(&s), ["dist/app.js", "dist/current.js"]);
        assert_eq!(s.files[1].link, None);
        assert_eq!(s.skipped.len(), 2);
        let mut fs = set(&["dist/*"]);
        fs.enable_symlinks = true;
        let s = select(&fs, &t, None).expect("selection");
        assert_eq!(s.files.len(), 4);
        assert_eq!(s.files[1].link.as_deref(), Some("app.js"));
    }

    #[test]
    fn absolute_patterns() {
        let root = MemTree::new().file("tmp/test_result.xml").file("tmp/other");
        let mut fs = set(&["/tmp/test_result.xml"]);
        fs.discard_paths = true;
        let s = select(&fs, &tree(), None).expect("selection");
        assert!(s.files.is_empty());
        assert_eq!(s.outside.len(), 1);
        let s = select(&fs, &tree(), Some(&root)).expect("selection");
        assert_eq!(paths(&s), ["test_result.xml"]);
        assert_eq!(s.files[0].source, "/tmp/test_result.xml");
        fs.discard_paths = false;
        let s = select(&fs, &tree(), Some(&root)).expect("selection");
        assert_eq!(paths(&s), ["tmp/test_result.xml"]);
    }

    #[test]
    fn caches() {
        let cache = Cache {
            paths: vec![
                l(".gradle/caches/**/*"),
                l("/root/.m2/**/*"),
                l("~/.nuget/packages/**/*"),
                l("node_modules"),
            ],
        };
        let dirs = cache_dirs(&cache);
        let got: Vec<(CacheRoot, &str, Option<&str>)> = dirs
            .iter()
            .map(|d| (d.root, d.dir.as_str(), d.glob.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (CacheRoot::Source, ".gradle/caches", Some("**/*")),
                (CacheRoot::Absolute, "/root/.m2", Some("**/*")),
                (CacheRoot::Home, ".nuget/packages", Some("**/*")),
                (CacheRoot::Source, "node_modules", None),
            ]
        );
        let t = MemTree::new()
            .file(".gradle/caches/a/b.bin")
            .file(".gradle/caches/c.bin")
            .file("node_modules/x/index.js");
        assert_eq!(
            select_cache(&dirs[0], &t).expect("files"),
            [".gradle/caches/a/b.bin", ".gradle/caches/c.bin"]
        );
        assert_eq!(
            select_cache(&dirs[3], &t).expect("files"),
            ["node_modules/x/index.js"]
        );
    }

    #[test]
    fn fs_tree_reads_a_directory() {
        let dir =
            std::env::temp_dir().join(format!("kiln-buildspec-select-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("out/sub")).expect("mkdir");
        std::fs::write(dir.join("out/a.txt"), "a").expect("write");
        std::fs::write(dir.join("out/sub/b.txt"), "b").expect("write");
        let mut fs = set(&["**/*.txt"]);
        fs.base_directory = Some(l("out"));
        let s = select(&fs, &FsTree::new(&dir), None).expect("selection");
        assert_eq!(paths(&s), ["a.txt", "sub/b.txt"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
