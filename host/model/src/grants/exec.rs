//! The grant: one program an action may run, with which arguments, which
//! variables the plugin may set for it, what it may execute in turn, and
//! whether it may use the network.

use std::fmt;

use super::pattern::ArgPattern;

/// One entry of an action's `grants.exec`.
///
/// Plain data: validation builds it from the pipeline file and the exec
/// capability of the sandbox checks requests against it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExecGrant {
    /// A bare program name (`cargo`), compared exactly with the requested
    /// name and looked up on the host's search path only after the check.
    pub program: String,
    /// `None` grants any arguments; `Some` grants argument lists matching
    /// at least one pattern (so `Some(vec![])` grants none).
    pub args: Option<Vec<ArgPattern>>,
    /// Variables the plugin may set for the program (`env:`): names, or
    /// prefixes ending in `*`. Variables that make programs run other code
    /// are refused whatever this says (see the exec capability's
    /// `environment` module).
    pub env: Vec<EnvPattern>,
    /// What the program may execute in turn (`runs:`).
    pub runs: Runs,
    /// Whether the program may open TCP connections and listen (`network:
    /// true`); where the kernel can enforce it, it may not by default.
    pub network: bool,
}

/// What a granted program may execute, enforced by Landlock's execute
/// right: a program that may run only itself cannot be talked into
/// starting a shell by a configuration file (git's `core.fsmonitor`, a
/// hook, a filter driver), because the shell cannot be executed.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runs {
    /// The program itself (and the dynamic loader and script interpreter
    /// it needs to start). The default.
    #[default]
    Itself,
    /// The program and these programs, looked up on the host's `PATH`.
    Programs(Vec<String>),
    /// Anything in the system directories and the action's mounts (build
    /// tools: cargo runs rustc, build scripts and tests).
    Any,
}

impl fmt::Display for Runs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Runs::Itself => f.write_str("itself only"),
            Runs::Programs(names) => write!(f, "itself and {}", names.join(", ")),
            Runs::Any => f.write_str("any program"),
        }
    }
}

/// A variable name the plugin may set, or a prefix (`NPM_CONFIG_*`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EnvPattern(String);

impl TryFrom<String> for EnvPattern {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        EnvPattern::parse(&text)
    }
}

impl From<EnvPattern> for String {
    fn from(pattern: EnvPattern) -> String {
        pattern.0
    }
}

impl EnvPattern {
    /// `NAME` or `PREFIX*`: letters, digits and `_`, an optional trailing
    /// `*`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let name = text.strip_suffix('*').unwrap_or(text);
        let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid || (name.is_empty() && !text.ends_with('*')) {
            return Err(format!(
                "`{text}` is not a variable name (letters, digits, `_`), or a prefix ending in `*`"
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn matches(&self, name: &str) -> bool {
        match self.0.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => self.0 == name,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ExecGrant {
    /// A grant of `program` with any arguments, running only itself.
    pub fn any_args(program: impl Into<String>) -> ExecGrant {
        ExecGrant {
            program: program.into(),
            args: None,
            env: Vec::new(),
            runs: Runs::Itself,
            network: false,
        }
    }

    /// A grant of `program` with arguments matching one of `patterns`.
    pub fn with_patterns(program: impl Into<String>, patterns: Vec<ArgPattern>) -> ExecGrant {
        ExecGrant {
            args: Some(patterns),
            ..ExecGrant::any_args(program)
        }
    }

    /// The same grant, with what the program may execute.
    pub fn runs(mut self, runs: Runs) -> ExecGrant {
        self.runs = runs;
        self
    }

    /// Whether this grant admits `args` for its program.
    pub fn admits<S: AsRef<str>>(&self, args: &[S]) -> bool {
        match &self.args {
            None => true,
            Some(patterns) => patterns.iter().any(|pattern| pattern.matches(args)),
        }
    }

    /// Whether this grant lets the plugin set variable `name`.
    pub fn allows_env(&self, name: &str) -> bool {
        self.env.iter().any(|pattern| pattern.matches(name))
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

    #[test]
    fn env_patterns_are_names_or_prefixes() {
        let mut grant = ExecGrant::any_args("npm");
        grant.env = vec![
            EnvPattern::parse("NODE_ENV").unwrap(),
            EnvPattern::parse("MY_APP_*").unwrap(),
        ];
        assert!(grant.allows_env("NODE_ENV"));
        assert!(grant.allows_env("MY_APP_MODE"));
        assert!(!grant.allows_env("NODE_OPTIONS"));
        assert!(!ExecGrant::any_args("git").allows_env("ANYTHING"));
        for bad in ["", "A-B", "1X", "A*B", "a b"] {
            assert!(EnvPattern::parse(bad).is_err(), "{bad:?}");
        }
        assert!(EnvPattern::parse("*").is_ok());
    }
}
