//! Walking a commit's tree into the flat list of tracked paths.

use kiln_sdk::Error;

use crate::object::{EntryKind, Kind, check_entry_name, parse_tree};
use crate::odb::ObjectDatabase;
use crate::oid::ObjectId;

/// A tracked path: a file, a symlink or a submodule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedPath {
    /// Relative and `/`-separated; every component passed
    /// [`check_entry_name`].
    pub path: String,
    pub kind: EntryKind,
    pub id: ObjectId,
}

enum Work {
    Expand { dir: String, tree: ObjectId },
    Emit(TrackedPath),
}

/// Every non-tree entry under `tree`, in the order `git ls-tree -r` prints
/// them: each tree's entries in stored order, subtrees expanded in place.
///
/// An explicit stack rather than recursion, because a hostile repository
/// could nest trees deep enough to overflow the WebAssembly stack.
pub fn list_tree(odb: &ObjectDatabase, tree: ObjectId) -> Result<Vec<TrackedPath>, Error> {
    let mut files = Vec::new();
    let mut stack = vec![Work::Expand {
        dir: String::new(),
        tree,
    }];
    while let Some(work) = stack.pop() {
        let (dir, tree) = match work {
            Work::Emit(file) => {
                files.push(file);
                continue;
            }
            Work::Expand { dir, tree } => (dir, tree),
        };
        let data = odb
            .read_kind(&tree, Kind::Tree)
            .map_err(|error| error.context(format!("reading {}", describe_dir(&dir))))?;
        let entries = parse_tree(&data).map_err(|error| {
            Error::new(format!("tree {tree} ({}): {error}", describe_dir(&dir)))
        })?;
        let first_new = stack.len();
        for entry in entries {
            let name = check_entry_name(entry.name).map_err(|error| {
                Error::new(format!(
                    "refusing an entry of {}: {error}",
                    describe_dir(&dir)
                ))
            })?;
            let path = if dir.is_empty() {
                name.to_owned()
            } else {
                format!("{dir}/{name}")
            };
            let kind = EntryKind::from_mode(entry.mode).ok_or_else(|| {
                Error::new(format!("{path}: unknown tree entry mode {:o}", entry.mode))
            })?;
            stack.push(match kind {
                EntryKind::Tree => Work::Expand {
                    dir: path,
                    tree: entry.id,
                },
                kind => Work::Emit(TrackedPath {
                    path,
                    kind,
                    id: entry.id,
                }),
            });
        }
        // Popped from the end: reverse this tree's entries to keep its order.
        stack[first_new..].reverse();
    }
    Ok(files)
}

fn describe_dir(dir: &str) -> String {
    if dir.is_empty() {
        "the root tree".to_owned()
    } else {
        format!("directory {dir}")
    }
}
