//! Positions and diagnostics: every problem names file, line, column and key path.

use std::fmt;

/// A 1-based line and column in the buildspec file. `0:0` means "the whole
/// file" (used only when the YAML parser gives no position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl Pos {
    /// A position from a 1-based line and column.
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written (the value's first character).
    pub at: Pos,
}

impl<T> Located<T> {
    /// A value at a position.
    pub fn new(value: T, at: Pos) -> Self {
        Self { value, at }
    }
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Whether a diagnostic refuses the file or only warns about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The file is refused: [`crate::parse`] returns `Err`.
    Error,
    /// The file is accepted, but something in it is not honoured as
    /// CodeBuild would honour it; the caller must show it.
    Warning,
}

/// One problem in a buildspec: `file:line:col: key.path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file name given to [`crate::parse`].
    pub file: String,
    /// Where the offending key or value is.
    pub at: Pos,
    /// The key path, such as `phases.build.commands[2]` (empty for the
    /// document itself).
    pub path: String,
    /// What is wrong, and where it helps, how to fix it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.at.line, self.at.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem [`crate::parse`] found, errors first in file order, then
/// warnings. Display prints one per line, warnings prefixed `warning: `.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The errors (what made the file refused).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Warning)
    }

    pub(crate) fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (a.severity, a.at, &a.path, &a.message).cmp(&(b.severity, b.at, &b.path, &b.message))
        });
        self.0.dedup();
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            if d.severity == Severity::Warning {
                f.write_str("warning: ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics while the parser walks the document.
pub(crate) struct Sink {
    pub file: String,
    pub list: Vec<Diagnostic>,
}

impl Sink {
    pub fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            list: Vec::new(),
        }
    }

    pub fn error(&mut self, at: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, at, path, message.into());
    }

    pub fn warn(&mut self, at: Pos, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, at, path, message.into());
    }

    fn push(&mut self, severity: Severity, at: Pos, path: &str, message: String) {
        self.list.push(Diagnostic {
            severity,
            file: self.file.clone(),
            at,
            path: path.to_owned(),
            message,
        });
    }
}

/// The closest candidate to a misspelled name, if it is close enough to be
/// a plausible typo: same name ignoring case and `-`/`_`, the start of a
/// name (`node` for `nodejs`), or at most two edits away (one for names of
/// four characters or fewer).
pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let w = norm(word);
    if let Some(c) = candidates.iter().find(|c| norm(c) == w) {
        return Some(c);
    }
    if w.chars().count() >= 3
        && let Some(c) = candidates.iter().find(|c| norm(c).starts_with(&w))
    {
        return Some(c);
    }
    let limit = if w.chars().count() <= 4 { 1 } else { 2 };
    candidates
        .iter()
        .map(|c| (edit_distance(&w, &norm(c)), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps), so
/// `biuld` is one edit from `build`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let phases = ["install", "pre_build", "build", "post_build"];
        assert_eq!(did_you_mean("biuld", &phases), Some("build"));
        assert_eq!(did_you_mean("PRE_BUILD", &phases), Some("pre_build"));
        assert_eq!(did_you_mean("pre-build", &phases), Some("pre_build"));
        assert_eq!(did_you_mean("postbuild", &phases), Some("post_build"));
        assert_eq!(did_you_mean("deploy", &phases), None);
        assert_eq!(
            did_you_mean("on_failure", &["on-failure"]),
            Some("on-failure")
        );
    }

    #[test]
    fn display() {
        let d = Diagnostic {
            severity: Severity::Error,
            file: "buildspec.yml".into(),
            at: Pos::new(12, 7),
            path: "phases.biuld".into(),
            message: "unknown phase `biuld` (did you mean `build`?)".into(),
        };
        assert_eq!(
            d.to_string(),
            "buildspec.yml:12:7: phases.biuld: unknown phase `biuld` (did you mean `build`?)"
        );
        let mut w = d.clone();
        w.severity = Severity::Warning;
        assert!(
            Diagnostics(vec![d, w])
                .to_string()
                .contains("\nwarning: buildspec.yml:12:7")
        );
    }
}
