//! Glob patterns over `/`-separated relative paths: `*` and `?` match
//! within one path component, `**` matches any number of components
//! (including none). Unlike a shell, `*` also matches names that start
//! with a dot.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    AnyDirectories,
    Component(Vec<char>),
}

impl Glob {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let trimmed = pattern.trim();
        if trimmed.starts_with('/') {
            return Err("must be relative to the input's root".into());
        }
        let mut parts = Vec::new();
        for component in trimmed.split('/') {
            match component {
                "" | "." => {}
                ".." => return Err("must not contain `..`".into()),
                "**" => {
                    // `**/**` is the same as `**`.
                    if parts.last() != Some(&Part::AnyDirectories) {
                        parts.push(Part::AnyDirectories);
                    }
                }
                text => parts.push(Part::Component(text.chars().collect())),
            }
        }
        if parts.is_empty() {
            return Err("is empty".into());
        }
        Ok(Self { parts })
    }

    pub fn matches(&self, path: &str) -> bool {
        let components: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
        match_parts(&self.parts, &components)
    }
}

fn match_parts(parts: &[Part], components: &[&str]) -> bool {
    match parts.split_first() {
        None => components.is_empty(),
        Some((Part::AnyDirectories, rest)) => {
            (0..=components.len()).any(|skip| match_parts(rest, &components[skip..]))
        }
        Some((Part::Component(pattern), rest)) => match components.split_first() {
            Some((first, others)) => {
                let text: Vec<char> = first.chars().collect();
                match_component(pattern, &text) && match_parts(rest, others)
            }
            None => false,
        },
    }
}

/// Wildcard match of one component, linear time: on a mismatch, retry
/// from the last `*` with one more character swallowed.
fn match_component(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                last_star = Some((p, t));
                p += 1;
            }
            Some('?') => {
                p += 1;
                t += 1;
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match last_star {
                Some((star, swallowed)) => {
                    p = star + 1;
                    t = swallowed + 1;
                    last_star = Some((star, swallowed + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn matches(pattern: &str, path: &str) -> bool {
        Glob::parse(pattern).unwrap().matches(path)
    }

    #[test]
    fn double_star_spans_directories() {
        assert!(matches("**/*.xml", "report.xml"));
        assert!(matches("**/*.xml", "a/b/c/TEST-x.xml"));
        assert!(!matches("**/*.xml", "a/b/report.json"));
        assert!(matches("target/**/TEST-*.xml", "target/TEST-a.xml"));
        assert!(matches(
            "target/**/TEST-*.xml",
            "target/surefire/TEST-a.xml"
        ));
        assert!(!matches("target/**/TEST-*.xml", "other/TEST-a.xml"));
        assert!(matches("**", "anything/at/all"));
        assert!(matches("a/**/**/b", "a/b"));
    }

    #[test]
    fn star_and_question_mark_stay_in_one_component() {
        assert!(matches("*.xml", "junit.xml"));
        assert!(!matches("*.xml", "dir/junit.xml"));
        assert!(matches("TEST-?.xml", "TEST-a.xml"));
        assert!(!matches("TEST-?.xml", "TEST-ab.xml"));
        assert!(matches("*", ".hidden"));
        assert!(matches("a*b*c", "aXXbYYbZc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("./reports/*.xml", "reports/x.xml"));
        assert!(matches("ünï*.xml", "ünïcode.xml"));
    }

    #[test]
    fn rejects_patterns_that_leave_the_input() {
        assert!(Glob::parse("/abs/*.xml").is_err());
        assert!(Glob::parse("../*.xml").is_err());
        assert!(Glob::parse("").is_err());
    }
}
