//! The checks themselves: plain functions over a directory tree.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use kiln_sdk::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Checksums,
    Json,
    NonEmpty,
}

impl Check {
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "checksums" => Some(Check::Checksums),
            "json" => Some(Check::Json),
            "non-empty" => Some(Check::NonEmpty),
            _ => None,
        }
    }
}

/// One test case of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The test suite: `<input>.<check>`.
    pub suite: String,
    /// What was checked, usually a file path inside the input.
    pub name: String,
    pub failure: Option<String>,
}

/// All files under `root`, as sorted relative paths.
fn files(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(relative) = stack.pop() {
        let dir = root.join(&relative);
        let entries = fs::read_dir(&dir)
            .map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?;
            let path = relative.join(entry.file_name());
            let kind = entry
                .file_type()
                .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

pub fn run_checks(input: &str, root: &Path, checks: &[Check]) -> Result<Vec<CheckResult>, Error> {
    let all = files(root)?;
    let mut results = Vec::new();
    for check in checks {
        match check {
            Check::NonEmpty => results.push(CheckResult {
                suite: format!("{input}.non-empty"),
                name: input.to_owned(),
                failure: all
                    .is_empty()
                    .then(|| format!("artifact `{input}` holds no files")),
            }),
            Check::Json => {
                for file in all
                    .iter()
                    .filter(|f| f.extension().is_some_and(|e| e == "json"))
                {
                    let failure = match fs::read(root.join(file)) {
                        Err(e) => Some(format!("cannot read: {e}")),
                        Ok(bytes) => serde_json::from_slice::<serde_json::Value>(&bytes)
                            .err()
                            .map(|e| format!("invalid JSON: {e}")),
                    };
                    results.push(CheckResult {
                        suite: format!("{input}.json"),
                        name: file.display().to_string(),
                        failure,
                    });
                }
            }
            Check::Checksums => {
                for file in all
                    .iter()
                    .filter(|f| f.extension().is_some_and(|e| e == "sha256"))
                {
                    let base = file.parent().unwrap_or(Path::new(""));
                    let text = fs::read_to_string(root.join(file))
                        .map_err(|e| Error::new(format!("reading {}: {e}", file.display())))?;
                    for (line_number, line) in text
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| !l.trim().is_empty())
                    {
                        let name = format!("{}:{}", file.display(), line_number + 1);
                        results.push(CheckResult {
                            suite: format!("{input}.checksums"),
                            name,
                            failure: verify_line(root, base, line).err(),
                        });
                    }
                }
            }
        }
    }
    Ok(results)
}

/// Check one `<hex>  <file>` line of a sha256sum file.
fn verify_line(root: &Path, base: &Path, line: &str) -> Result<(), String> {
    let (expected, name) = line
        .split_once("  ")
        .or_else(|| line.split_once(" *"))
        .ok_or_else(|| format!("not a sha256sum line: {line:?}"))?;
    if expected.len() != 64 || !expected.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("not a SHA-256 digest: {expected:?}"));
    }
    if name.split('/').any(|part| part == "..") || name.starts_with('/') {
        return Err(format!("refusing a path outside the artifact: {name:?}"));
    }
    let path = root.join(base).join(name);
    let bytes = fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(format!(
            "{name}: SHA-256 is {actual}, the checksum file says {expected}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_json_and_emptiness_are_checked() {
        let dir = std::env::temp_dir().join(format!("verify-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("sub/a.txt"), "hello").unwrap();
        let good = hex::encode(Sha256::digest(b"hello"));
        fs::write(
            dir.join("sub/a.txt.sha256"),
            format!("{good}  a.txt\n{}  a.txt\n", "0".repeat(64)),
        )
        .unwrap();
        fs::write(dir.join("ok.json"), r#"{"a": 1}"#).unwrap();
        fs::write(dir.join("bad.json"), "{nope").unwrap();

        let results = run_checks(
            "pkg",
            &dir,
            &[Check::Checksums, Check::Json, Check::NonEmpty],
        )
        .unwrap();
        let failed: Vec<&str> = results
            .iter()
            .filter(|r| r.failure.is_some())
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(failed, ["sub/a.txt.sha256:2", "bad.json"]);
        assert_eq!(results.len(), 5);
        fs::remove_dir_all(&dir).unwrap();
    }
}
