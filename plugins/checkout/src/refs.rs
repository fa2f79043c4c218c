//! Reading refs (loose files and `packed-refs`) and turning what a user
//! writes in `ref:` into an object id, in the order `git rev-parse` uses.

use std::collections::BTreeMap;
use std::path::Path;

use kiln_sdk::{Error, ResultExt};

use crate::oid::{OID_HEX, ObjectId, Prefix};
use crate::repo::Repository;

/// Symbolic refs pointing to symbolic refs: git gives up after 5.
const MAX_SYMREF_DEPTH: usize = 5;

/// The rules git tries, in order, to expand a short name into a ref.
const EXPANSION_RULES: [&str; 6] = [
    "{}",
    "refs/{}",
    "refs/tags/{}",
    "refs/heads/{}",
    "refs/remotes/{}",
    "refs/remotes/{}/HEAD",
];

/// What a ref name resolved to, and how, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub id: ObjectId,
    /// The full ref name the spec matched, after symbolic refs (`HEAD` →
    /// `refs/heads/main`); `None` when the spec was an object id.
    pub ref_name: Option<String>,
}

/// The contents of a loose ref file or a `packed-refs` line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RefValue {
    Direct(ObjectId),
    Symbolic(String),
}

pub struct Refs<'repo> {
    repo: &'repo Repository,
    packed: BTreeMap<String, ObjectId>,
}

impl<'repo> Refs<'repo> {
    pub fn load(repo: &'repo Repository) -> Result<Self, Error> {
        let path = repo.common_dir.join("packed-refs");
        let packed = match std::fs::read_to_string(&path) {
            Ok(text) => parse_packed_refs(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(error) => return Err(Error::new(format!("reading {}: {error}", path.display()))),
        };
        Ok(Self { repo, packed })
    }

    /// Resolve a revision as `git rev-parse` does (without `^`/`~` suffixes):
    /// a full object id, then refs by git's expansion rules, then an
    /// abbreviated object id.
    pub fn resolve(&self, spec: &str) -> Result<Resolved, Error> {
        if spec.len() == OID_HEX
            && let Some(id) = ObjectId::from_hex(spec)
        {
            return Ok(Resolved { id, ref_name: None });
        }
        if is_safe_ref_name(spec) {
            for rule in EXPANSION_RULES {
                let name = rule.replace("{}", spec);
                if rule == "{}" && !is_pseudo_or_full_ref(&name) {
                    continue;
                }
                if let Some(resolved) = self.resolve_ref(&name)? {
                    return Ok(resolved);
                }
            }
        }
        if let Some(prefix) = Prefix::parse(spec) {
            let ids = self.repo.odb.ids_with_prefix(&prefix);
            match ids.len() {
                0 => {}
                1 => {
                    let id = *ids.iter().next().unwrap_or(&prefix.lowest_id());
                    return Ok(Resolved { id, ref_name: None });
                }
                _ => return self.disambiguate(spec, ids.into_iter().collect()),
            }
        }
        Err(Error::new(format!(
            "ref `{spec}` matches no branch, tag, remote branch or object id{}",
            self.known_refs_hint()
        )))
    }

    /// Follow a full ref name through symbolic refs to an object id;
    /// `None` when no such ref exists.
    fn resolve_ref(&self, name: &str) -> Result<Option<Resolved>, Error> {
        let mut current = name.to_owned();
        for _ in 0..=MAX_SYMREF_DEPTH {
            match self.read_ref(&current)? {
                None if current == name => return Ok(None),
                None => {
                    return Err(Error::new(format!(
                        "`{name}` points to {current}, which does not exist \
                         (a branch with no commits yet?)"
                    )));
                }
                Some(RefValue::Direct(id)) => {
                    return Ok(Some(Resolved {
                        id,
                        ref_name: Some(current),
                    }));
                }
                Some(RefValue::Symbolic(target)) => current = target,
            }
        }
        Err(Error::new(format!(
            "`{name}`: symbolic refs nest more than {MAX_SYMREF_DEPTH} deep"
        )))
    }

    /// A loose ref file wins over `packed-refs`, as in git.
    fn read_ref(&self, name: &str) -> Result<Option<RefValue>, Error> {
        if !is_safe_ref_name(name) {
            return Err(Error::new(format!("`{name}` is not a valid ref name")));
        }
        // HEAD is per worktree; the other refs live in the common dir.
        let dir = if name.contains('/') {
            &self.repo.common_dir
        } else {
            &self.repo.git_dir
        };
        let path = dir.join(name);
        if path.is_file() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading ref {}", path.display()))?;
            return parse_loose_ref(&text)
                .map(Some)
                .ok_or_else(|| Error::new(format!("ref {} is malformed", path.display())));
        }
        Ok(self.packed.get(name).copied().map(RefValue::Direct))
    }

    /// Several objects share the abbreviation. Like `git checkout`, prefer
    /// the only commit (or tag) among them.
    fn disambiguate(&self, spec: &str, ids: Vec<ObjectId>) -> Result<Resolved, Error> {
        let mut described = Vec::new();
        let mut commitish = Vec::new();
        for id in &ids {
            let kind = self.repo.odb.read(id).map(|object| object.kind);
            if let Ok(crate::object::Kind::Commit | crate::object::Kind::Tag) = kind {
                commitish.push(*id);
            }
            let kind = kind.map_or_else(|_| "unreadable".to_owned(), |kind| kind.to_string());
            described.push(format!("{} ({kind})", id.short()));
        }
        if let [id] = commitish[..] {
            return Ok(Resolved { id, ref_name: None });
        }
        Err(Error::new(format!(
            "ref `{spec}` is an ambiguous abbreviation: it matches {}; give more digits",
            described.join(", ")
        )))
    }

    /// A few branch and tag names, to help fix a typo in `ref`.
    fn known_refs_hint(&self) -> String {
        let mut names: Vec<String> = self.packed.keys().cloned().collect();
        for kind in ["heads", "tags"] {
            let base = self.repo.common_dir.join("refs").join(kind);
            collect_loose_ref_names(&base, &format!("refs/{kind}"), &mut names);
        }
        let mut short: Vec<&str> = names
            .iter()
            .filter_map(|name| {
                name.strip_prefix("refs/heads/")
                    .or_else(|| name.strip_prefix("refs/tags/"))
            })
            .collect();
        short.sort_unstable();
        short.dedup();
        if short.is_empty() {
            return String::new();
        }
        let more = short.len().saturating_sub(10);
        short.truncate(10);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(" (branches and tags: {}{more})", short.join(", "))
    }
}

fn collect_loose_ref_names(dir: &Path, prefix: &str, names: &mut Vec<String>) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in listing.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let full = format!("{prefix}/{name}");
        if entry.path().is_dir() {
            collect_loose_ref_names(&entry.path(), &full, names);
        } else {
            names.push(full);
        }
    }
}

/// `<hex>` (possibly followed by more, as in `FETCH_HEAD`) or `ref: <name>`.
fn parse_loose_ref(text: &str) -> Option<RefValue> {
    if let Some(target) = text.strip_prefix("ref:") {
        return Some(RefValue::Symbolic(target.trim().to_owned()));
    }
    text.get(..OID_HEX)
        .and_then(ObjectId::from_hex)
        .map(RefValue::Direct)
}

/// `packed-refs` lines are `<hex> <name>`; a `^<hex>` line after a tag
/// gives the object the tag peels to, which objects already tell us.
fn parse_packed_refs(text: &str) -> BTreeMap<String, ObjectId> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with('^'))
        .filter_map(|line| {
            let (hex, name) = line.split_once(' ')?;
            Some((name.trim().to_owned(), ObjectId::from_hex(hex)?))
        })
        .collect()
}

/// Only names that are also safe relative paths inside the git directory:
/// a subset of `git check-ref-format`.
fn is_safe_ref_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name
            .chars()
            .any(|c| c.is_control() || " ~^:?*[\\".contains(c))
        && name.split('/').all(|part| !part.starts_with('.'))
}

/// git tries a name as written only for `refs/...` and for all-caps names
/// such as `HEAD` and `FETCH_HEAD`, so that `config` is never a ref.
fn is_pseudo_or_full_ref(name: &str) -> bool {
    name.starts_with("refs/")
        || (!name.contains('/') && name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

    #[test]
    fn parses_loose_and_packed_refs() {
        let id = ObjectId::from_hex(ID).unwrap();
        assert_eq!(
            parse_loose_ref(&format!("{ID}\n")),
            Some(RefValue::Direct(id))
        );
        assert_eq!(
            parse_loose_ref("ref: refs/heads/main\n"),
            Some(RefValue::Symbolic("refs/heads/main".into()))
        );
        assert_eq!(
            parse_loose_ref(&format!("{ID}\t\tbranch 'main' of origin\n")),
            Some(RefValue::Direct(id))
        );
        assert_eq!(parse_loose_ref("garbage"), None);

        let packed = format!(
            "# pack-refs with: peeled fully-peeled sorted \n{ID} refs/tags/v1\n^{}\n{ID} refs/heads/main\n",
            "0".repeat(40)
        );
        let refs = parse_packed_refs(&packed);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs["refs/tags/v1"], id);
    }

    #[test]
    fn ref_names_cannot_escape_the_git_dir() {
        for bad in [
            "",
            "../config",
            "refs/../../x",
            "/etc/passwd",
            "refs/.hidden",
            "a//b",
            "x.lock",
            "a b",
        ] {
            assert!(!is_safe_ref_name(bad), "{bad}");
        }
        for good in [
            "HEAD",
            "main",
            "refs/heads/feature/x",
            "v1.0",
            "origin/main",
        ] {
            assert!(is_safe_ref_name(good), "{good}");
        }
        assert!(is_pseudo_or_full_ref("HEAD"));
        assert!(is_pseudo_or_full_ref("FETCH_HEAD"));
        assert!(!is_pseudo_or_full_ref("config"));
        assert!(!is_pseudo_or_full_ref("main"));
    }
}
