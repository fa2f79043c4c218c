//! Argument patterns: which argument lists a grant admits for one program.
//!
//! A pattern is whitespace-separated tokens matched against the argument
//! list token by token, so that `git log --oneline **` can be granted
//! without granting `git push`. Matching is on whole arguments, never on a
//! joined command line: an argument containing a space stays one argument,
//! and no quoting rules are involved.
//!
//! - `*` matches exactly one argument, whatever it contains;
//! - `**`, only as the last token, matches all remaining arguments (zero
//!   or more);
//! - any other token is a glob over one argument: `*` in it matches any run
//!   of characters (including none), `?` exactly one character, and every
//!   other character stands for itself. There is no escape: a literal `*`
//!   or `?` in an argument is matched by the wildcard itself.
//!
//! Note that `*` admits options too (`log *` admits `log --output=FILE`):
//! patterns narrow what a plugin may ask for, they do not make an arbitrary
//! tool safe.

use std::fmt;

/// Why a pattern text is not a pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// An empty pattern would only admit an empty argument list, which is
    /// almost certainly a mistake in the pipeline file; grant the program
    /// without patterns, or with a real pattern, instead.
    #[error("an argument pattern needs at least one token")]
    Empty,
    /// `**` swallows every remaining argument, so a token after it could
    /// never match anything.
    #[error("token {position} is `**`, which matches all remaining arguments and may only be last")]
    RestNotLast {
        /// 1-based position of the offending `**`.
        position: usize,
    },
}

/// One token of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// `*`: exactly one argument, any content.
    AnyOne,
    /// `**` (last only): the rest of the arguments, possibly none.
    Rest,
    /// A token without wildcards: the argument must equal it.
    Literal(String),
    /// A token with `*` or `?`: the argument must match the glob.
    Glob(String),
}

impl Token {
    fn parse(text: &str) -> Token {
        match text {
            "*" => Token::AnyOne,
            "**" => Token::Rest,
            _ if text.contains(['*', '?']) => Token::Glob(text.to_owned()),
            _ => Token::Literal(text.to_owned()),
        }
    }

    /// Whether this token admits `argument`. [`Token::Rest`] is handled by
    /// the caller because it consumes more than one argument.
    fn matches_one(&self, argument: &str) -> bool {
        match self {
            Token::AnyOne | Token::Rest => true,
            Token::Literal(literal) => literal == argument,
            Token::Glob(glob) => glob_matches(glob, argument),
        }
    }
}

/// A parsed argument pattern such as `test --release *` or
/// `log --oneline **`. Serialized as the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ArgPattern {
    /// The text as written, so that denials and logs quote the pipeline
    /// file rather than a normalized form the author never wrote.
    source: String,
    tokens: Vec<Token>,
}

impl ArgPattern {
    /// Parses a pattern; see the [module documentation](self) for the
    /// syntax.
    pub fn parse(text: &str) -> Result<ArgPattern, PatternError> {
        let tokens: Vec<Token> = text.split_whitespace().map(Token::parse).collect();
        if tokens.is_empty() {
            return Err(PatternError::Empty);
        }
        if let Some(index) = tokens[..tokens.len() - 1]
            .iter()
            .position(|token| *token == Token::Rest)
        {
            return Err(PatternError::RestNotLast {
                position: index + 1,
            });
        }
        Ok(ArgPattern {
            source: text.to_owned(),
            tokens,
        })
    }

    /// The pattern as it was written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `args` match this pattern token by token, with no argument
    /// left over (unless the pattern ends in `**`).
    pub fn matches<S: AsRef<str>>(&self, args: &[S]) -> bool {
        let mut remaining = args.iter();
        for token in &self.tokens {
            if *token == Token::Rest {
                // Parsing guarantees `**` is last: it takes the rest.
                return true;
            }
            match remaining.next() {
                Some(argument) if token.matches_one(argument.as_ref()) => {}
                _ => return false,
            }
        }
        remaining.next().is_none()
    }
}

impl fmt::Display for ArgPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for ArgPattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ArgPattern::parse(text)
    }
}

/// Glob match of one argument, over characters (not bytes) so that `?`
/// stands for one character of a non-ASCII argument.
///
/// The classic greedy algorithm with a single backtrack point: on a
/// mismatch, the last `*` absorbs one more character. It runs in
/// O(glob × text) at worst and never recurses, so a hostile argument cannot
/// make the check slow or overflow the stack.
fn glob_matches(glob: &str, text: &str) -> bool {
    let glob: Vec<char> = glob.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut g, mut t) = (0, 0);
    // Position of the last `*` seen in the glob, and the text position it
    // was matched up to.
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match glob.get(g) {
            Some('*') => {
                backtrack = Some((g, t));
                g += 1;
            }
            Some('?') => {
                g += 1;
                t += 1;
            }
            Some(&c) if c == text[t] => {
                g += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, matched_to)) => {
                    g = star + 1;
                    t = matched_to + 1;
                    backtrack = Some((star, matched_to + 1));
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|&c| c == '*')
}

impl TryFrom<String> for ArgPattern {
    type Error = PatternError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        ArgPattern::parse(&text)
    }
}

impl From<ArgPattern> for String {
    fn from(pattern: ArgPattern) -> String {
        pattern.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admits(pattern: &str, args: &[&str]) -> bool {
        ArgPattern::parse(pattern).unwrap().matches(args)
    }

    #[test]
    fn literal_tokens_match_exactly_and_leave_nothing_over() {
        assert!(admits("status", &["status"]));
        assert!(!admits("status", &["status", "--short"]));
        assert!(!admits("status --short", &["status"]));
        assert!(!admits("status", &["Status"]));
        assert!(!admits("status", &[]));
    }

    #[test]
    fn single_star_matches_exactly_one_argument() {
        assert!(admits("rev-parse *", &["rev-parse", "HEAD"]));
        assert!(admits("rev-parse *", &["rev-parse", ""]));
        assert!(admits("rev-parse *", &["rev-parse", "two words"]));
        assert!(!admits("rev-parse *", &["rev-parse"]));
        assert!(!admits("rev-parse *", &["rev-parse", "HEAD", "--short"]));
        assert!(admits("* *", &["a", "b"]));
        assert!(!admits("* *", &["a"]));
    }

    #[test]
    fn double_star_matches_any_number_of_remaining_arguments() {
        assert!(admits("log --oneline **", &["log", "--oneline"]));
        assert!(admits("log --oneline **", &["log", "--oneline", "-n", "5"]));
        assert!(!admits("log --oneline **", &["log"]));
        assert!(!admits("log --oneline **", &["log", "-p"]));
        assert!(admits("**", &[]));
        assert!(admits("**", &["anything", "at", "all"]));
    }

    #[test]
    fn globs_match_within_one_argument() {
        assert!(admits("test --features=*", &["test", "--features=a,b"]));
        assert!(admits("test --features=*", &["test", "--features="]));
        assert!(!admits("test --features=*", &["test", "--feature=a"]));
        assert!(admits("build -j?", &["build", "-j4"]));
        assert!(!admits("build -j?", &["build", "-j16"]));
        assert!(!admits("build -j?", &["build", "-j"]));
        assert!(admits("v*.*.?", &["v1.22.3"]));
        assert!(!admits("v*.*.?", &["v1.22"]));
        assert!(admits("*.rs", &["src/main.rs"]));
        assert!(!admits("*.rs", &["main.rsx"]));
        assert!(admits("a*b*c", &["aXbYbZc"]));
        assert!(!admits("a*b*c", &["aXbYbZ"]));
        // `?` is one character, not one byte.
        assert!(admits("caf?", &["café"]));
    }

    #[test]
    fn double_star_inside_a_token_is_an_ordinary_glob() {
        assert!(admits("x** y", &["xabc", "y"]));
        assert!(ArgPattern::parse("x** y").is_ok());
    }

    #[test]
    fn glob_matching_stays_fast_on_hostile_input() {
        let glob = format!("{}b", "*a".repeat(50));
        let text = "a".repeat(10_000);
        let started = std::time::Instant::now();
        assert!(!glob_matches(&glob, &text));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn parse_rejects_empty_patterns_and_misplaced_double_star() {
        assert_eq!(ArgPattern::parse(""), Err(PatternError::Empty));
        assert_eq!(ArgPattern::parse("  \t "), Err(PatternError::Empty));
        assert_eq!(
            ArgPattern::parse("log ** --oneline"),
            Err(PatternError::RestNotLast { position: 2 })
        );
        assert_eq!(
            PatternError::RestNotLast { position: 2 }.to_string(),
            "token 2 is `**`, which matches all remaining arguments and may only be last"
        );
    }

    #[test]
    fn display_gives_back_the_source_text() {
        let pattern = ArgPattern::parse("log  --oneline **").unwrap();
        assert_eq!(pattern.to_string(), "log  --oneline **");
        assert_eq!(pattern.as_str(), "log  --oneline **");
        assert_eq!(
            "test *".parse::<ArgPattern>().unwrap().to_string(),
            "test *"
        );
    }
}
