//! The grant: one program an action may run, and with which arguments.

use super::pattern::ArgPattern;

/// One entry of an action's `grants.exec`.
///
/// Plain data: the pipeline parser builds it from YAML and the
/// [`ExecPolicy`](super::ExecPolicy) checks requests against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecGrant {
    /// A bare program name (`cargo`), compared exactly with the requested
    /// name and looked up on the host's search path only after the check.
    pub program: String,
    /// `None` grants any arguments; `Some` grants argument lists matching
    /// at least one pattern (so `Some(vec![])` grants none).
    pub args: Option<Vec<ArgPattern>>,
}

impl ExecGrant {
    /// A grant of `program` with any arguments.
    pub fn any_args(program: impl Into<String>) -> ExecGrant {
        ExecGrant {
            program: program.into(),
            args: None,
        }
    }

    /// A grant of `program` with arguments matching one of `patterns`.
    pub fn with_patterns(program: impl Into<String>, patterns: Vec<ArgPattern>) -> ExecGrant {
        ExecGrant {
            program: program.into(),
            args: Some(patterns),
        }
    }

    /// Whether this grant admits `args` for its program.
    pub fn admits<S: AsRef<str>>(&self, args: &[S]) -> bool {
        match &self.args {
            None => true,
            Some(patterns) => patterns.iter().any(|pattern| pattern.matches(args)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(texts: &[&str]) -> Vec<ArgPattern> {
        texts
            .iter()
            .map(|t| ArgPattern::parse(t).unwrap())
            .collect()
    }

    #[test]
    fn a_grant_without_patterns_admits_any_arguments() {
        let grant = ExecGrant::any_args("cargo");
        assert!(grant.admits::<&str>(&[]));
        assert!(grant.admits(&["build", "--release"]));
    }

    #[test]
    fn a_grant_with_patterns_admits_what_one_of_them_matches() {
        let grant = ExecGrant::with_patterns("git", patterns(&["status", "log **"]));
        assert!(grant.admits(&["status"]));
        assert!(grant.admits(&["log", "-n", "3"]));
        assert!(!grant.admits(&["push", "origin", "main"]));
    }

    #[test]
    fn an_empty_pattern_list_admits_nothing() {
        let grant = ExecGrant::with_patterns("git", Vec::new());
        assert!(!grant.admits::<&str>(&[]));
        assert!(!grant.admits(&["status"]));
    }
}
