//! Names that become directory and file names (pipelines, stages,
//! actions, artifacts, path grants, secrets): portable and never a path.

/// Letters, digits, `-`, `_` and `.`, not empty, not `.` or `..`.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_portable_and_never_paths() {
        assert!(is_plain_name("build-1.x_y"));
        for bad in ["", ".", "..", "a/b", "../x", "a b", "é"] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
    }
}
