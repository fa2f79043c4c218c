//! What goes into an action's cache key, and how two keys differ.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// Whether and how an action is cached (`cache:` in kiln.yaml).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CachePolicy {
    /// Cached when the action cannot reach outside its sandbox.
    #[default]
    Auto,
    /// Never cached.
    Off,
    /// Cached even with exec or network grants; the author vouches that the
    /// key covers what the action depends on.
    On,
    /// Cached, keyed by these workspace files (globs) instead of the whole
    /// workspace.
    Inputs(Vec<String>),
}

/// Everything an action's result depends on, part by part, so that a miss
/// can be explained by the part that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyParts {
    pub kiln_version: String,
    pub plugin: Digest,
    pub params: BTreeMap<String, String>,
    pub inputs: BTreeMap<String, Digest>,
    pub env: BTreeMap<String, String>,
    /// Workspace files read (relative path to digest), and git's refs.
    pub workspace: BTreeMap<String, Digest>,
    /// Host paths granted, by name: the path, the access, and a
    /// fingerprint of what is in it (see
    /// [`tree_fingerprint`](super::tree_fingerprint)).
    pub paths: BTreeMap<String, String>,
    /// The output artifacts the action declares, in order: the same
    /// plugin and parameters writing other outputs is another result.
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Where the action runs: `pipeline/stage/action`, which the plugin
    /// is told and may act on.
    #[serde(default)]
    pub site: String,
    /// Each granted secret's value, as a keyed digest (the key is private
    /// to the data directory; see
    /// [`ActionCache::secret_digest`](super::ActionCache::secret_digest)):
    /// a rotated secret is a miss, and no value is ever stored.
    #[serde(default)]
    pub secrets: BTreeMap<String, Digest>,
    /// The variables the action exports: a result recorded without them
    /// cannot stand in for one that must give them. (Absent when empty,
    /// so the keys of actions without exports are unchanged.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<String>,
}

impl KeyParts {
    /// The key: SHA-256 of the parts' canonical JSON (maps are sorted).
    pub fn key(&self) -> Digest {
        Digest::of(&serde_json::to_vec(self).expect("key parts always serialize"))
    }

    /// What changed from `before` to `self`, most significant first.
    pub fn differences(&self, before: &KeyParts) -> Vec<Difference> {
        let mut found = Vec::new();
        if self.kiln_version != before.kiln_version {
            found.push(Difference::new(
                "kiln version",
                &before.kiln_version,
                &self.kiln_version,
            ));
        }
        if self.plugin != before.plugin {
            found.push(Difference::new(
                "plugin component",
                before.plugin,
                self.plugin,
            ));
        }
        compare_maps("parameter", &before.params, &self.params, &mut found);
        compare_maps("input artifact", &before.inputs, &self.inputs, &mut found);
        compare_maps("environment variable", &before.env, &self.env, &mut found);
        compare_maps(
            "workspace file",
            &before.workspace,
            &self.workspace,
            &mut found,
        );
        compare_maps("granted path", &before.paths, &self.paths, &mut found);
        compare_maps("secret value", &before.secrets, &self.secrets, &mut found);
        if self.outputs != before.outputs {
            found.push(Difference::new(
                "outputs",
                before.outputs.join(", "),
                self.outputs.join(", "),
            ));
        }
        if self.site != before.site {
            found.push(Difference::new("action", &before.site, &self.site));
        }
        if self.exports != before.exports {
            found.push(Difference::new(
                "exports",
                before.exports.join(", "),
                self.exports.join(", "),
            ));
        }
        found
    }
}

fn compare_maps<V: fmt::Display + PartialEq>(
    what: &str,
    before: &BTreeMap<String, V>,
    after: &BTreeMap<String, V>,
    found: &mut Vec<Difference>,
) {
    for (name, value) in after {
        match before.get(name) {
            None => found.push(Difference::new(
                &format!("{what} `{name}`"),
                "(absent)",
                value,
            )),
            Some(old) if old != value => {
                found.push(Difference::new(&format!("{what} `{name}`"), old, value))
            }
            Some(_) => {}
        }
    }
    for (name, old) in before {
        if !after.contains_key(name) {
            found.push(Difference::new(
                &format!("{what} `{name}`"),
                old,
                "(absent)",
            ));
        }
    }
}

/// One part of a key that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub part: String,
    pub before: String,
    pub after: String,
}

impl Difference {
    fn new(part: &str, before: impl fmt::Display, after: impl fmt::Display) -> Self {
        Self {
            part: part.to_owned(),
            before: before.to_string(),
            after: after.to_string(),
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} changed: {} -> {}",
            self.part, self.before, self.after
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> KeyParts {
        KeyParts {
            kiln_version: "0.1.0".into(),
            plugin: Digest::of(b"plugin"),
            params: BTreeMap::from([("ref".into(), "main".into())]),
            inputs: BTreeMap::from([("source".into(), Digest::of(b"src"))]),
            env: BTreeMap::new(),
            workspace: BTreeMap::from([("a.txt".into(), Digest::of(b"a"))]),
            paths: BTreeMap::new(),
            outputs: vec!["out".into()],
            site: "p/s/a".into(),
            secrets: BTreeMap::new(),
            exports: Vec::new(),
        }
    }

    #[test]
    fn every_part_changes_the_key_and_is_named() {
        let base = parts();
        let mut changed = Vec::new();
        let mut p = parts();
        p.plugin = Digest::of(b"other");
        changed.push((p, "plugin component"));
        let mut p = parts();
        p.params.insert("ref".into(), "dev".into());
        changed.push((p, "parameter `ref`"));
        let mut p = parts();
        p.inputs.insert("source".into(), Digest::of(b"new"));
        changed.push((p, "input artifact `source`"));
        let mut p = parts();
        p.env.insert("MODE".into(), "release".into());
        changed.push((p, "environment variable `MODE`"));
        let mut p = parts();
        p.workspace.insert("a.txt".into(), Digest::of(b"b"));
        changed.push((p, "workspace file `a.txt`"));
        let mut p = parts();
        p.kiln_version = "0.2.0".into();
        changed.push((p, "kiln version"));
        let mut p = parts();
        p.outputs = vec!["other".into()];
        changed.push((p, "outputs"));
        let mut p = parts();
        p.paths
            .insert("gate".into(), "/etc/gate (read-only) sha256:1".into());
        changed.push((p, "granted path `gate`"));
        let mut p = parts();
        p.secrets.insert("TOKEN".into(), Digest::of(b"rotated"));
        changed.push((p, "secret value `TOKEN`"));
        for (parts, part) in changed {
            assert_ne!(parts.key(), base.key(), "{part}");
            let differences = parts.differences(&base);
            assert_eq!(differences.len(), 1, "{part}: {differences:?}");
            assert_eq!(differences[0].part, part);
        }
        assert_eq!(parts().key(), base.key(), "equal parts, equal keys");
    }
}
