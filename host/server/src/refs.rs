//! Which refs a project follows: branch and tag names matched by globs, as
//! GitHub Actions' `branches:` filters read: `*` matches within one path
//! segment (not `/`), `**` matches anything, `?` one character.

/// A glob over branch or tag names (without `refs/heads/` or `refs/tags/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefPattern(String);

impl RefPattern {
    /// Every name.
    pub fn any() -> Self {
        Self("**".to_owned())
    }

    pub fn new(pattern: &str) -> Result<Self, String> {
        if pattern.is_empty() {
            return Err("an empty pattern matches nothing".to_owned());
        }
        if pattern.starts_with("refs/") {
            return Err(format!(
                "`{pattern}`: give the branch or tag name, without `refs/heads/` or `refs/tags/`"
            ));
        }
        if pattern.chars().any(|c| c.is_control() || c == ' ') {
            return Err(format!("`{pattern}` has spaces or control characters"));
        }
        Ok(Self(pattern.to_owned()))
    }

    pub fn matches(&self, name: &str) -> bool {
        glob(self.0.as_bytes(), name.as_bytes())
    }
}

impl std::fmt::Display for RefPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern {
        [] => name.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=name.len()).any(|skip| glob(rest, &name[skip..])),
        [b'*', rest @ ..] => {
            let segment = name.iter().position(|&c| c == b'/').unwrap_or(name.len());
            (0..=segment).any(|skip| glob(rest, &name[skip..]))
        }
        [b'?', rest @ ..] => matches!(name, [c, tail @ ..] if *c != b'/' && glob(rest, tail)),
        [c, rest @ ..] => matches!(name, [n, tail @ ..] if n == c && glob(rest, tail)),
    }
}

/// A followed ref: `refs/heads/<branch>` or `refs/tags/<tag>`.
pub fn is_followed(git_ref: &str, branches: &[RefPattern], tags: &[RefPattern]) -> bool {
    if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        branches.iter().any(|p| p.matches(branch))
    } else if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        tags.iter().any(|p| p.matches(tag))
    } else {
        false
    }
}

/// A ref as a person gives it (`main`, `v1.0`, `refs/heads/main`), as a
/// full ref name, given the refs a repository has.
pub fn full_name<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let known: Vec<&str> = known.into_iter().collect();
    [
        given.to_owned(),
        format!("refs/heads/{given}"),
        format!("refs/tags/{given}"),
    ]
    .into_iter()
    .find(|candidate| known.contains(&candidate.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> RefPattern {
        RefPattern::new(text).unwrap()
    }

    #[test]
    fn a_star_stays_within_a_segment_and_two_stars_do_not() {
        assert!(p("release/*").matches("release/1.0"));
        assert!(!p("release/*").matches("release/1.0/hotfix"));
        assert!(p("release/**").matches("release/1.0/hotfix"));
        assert!(p("**").matches("feature/x"));
        assert!(p("main").matches("main"));
        assert!(!p("main").matches("main2"));
        assert!(p("v?.*").matches("v1.2"));
        assert!(!p("*").matches("a/b"));
    }

    #[test]
    fn followed_refs_are_branches_or_tags_that_match() {
        let branches = [p("main")];
        let tags = [p("v*")];
        assert!(is_followed("refs/heads/main", &branches, &tags));
        assert!(is_followed("refs/tags/v1", &branches, &tags));
        assert!(!is_followed("refs/heads/dev", &branches, &tags));
        assert!(!is_followed("refs/pull/1/head", &branches, &tags));
        assert!(RefPattern::new("refs/heads/main").is_err());
    }

    #[test]
    fn a_short_name_finds_its_full_ref() {
        let known = ["refs/heads/main", "refs/tags/v1"];
        assert_eq!(full_name("main", known).as_deref(), Some("refs/heads/main"));
        assert_eq!(full_name("v1", known).as_deref(), Some("refs/tags/v1"));
        assert_eq!(
            full_name("refs/heads/main", known).as_deref(),
            Some("refs/heads/main")
        );
        assert_eq!(full_name("dev", known), None);
    }
}
