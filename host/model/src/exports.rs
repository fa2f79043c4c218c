//! Exported variables: small named values an action leaves for later
//! actions, declared (`exports: [NAME]`) and read (`${exports.<action>.<NAME>}`
//! in `env:` and `with:`) as artifacts are declared and read.
//!
//! A plugin writes the value of `NAME` into the file
//! [`MOUNT`]`/NAME` of its sandbox: a file, not an API call or an env-file
//! to parse, so any language can export anything (a value may hold
//! newlines, `=` or quotes) and kiln reads exactly the declared names.

use std::fmt;

/// Where the sandbox has the writable exports directory.
pub const MOUNT: &str = "/kiln/exports";

/// The largest value kiln keeps (it is recorded with the run and
/// interpolated into later actions' variables and parameters).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

const OPEN: &str = "${exports.";

/// Whether `name` is an exported variable's name: a shell variable name
/// (CodeBuild's exported variables are shell variables).
pub fn is_export_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One `${exports.<action>.<NAME>}` in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRef {
    pub action: String,
    pub name: String,
    /// Byte range of the whole reference in the text.
    pub span: std::ops::Range<usize>,
}

impl fmt::Display for ExportRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${{exports.{}.{}}}", self.action, self.name)
    }
}

/// A reference that cannot be read: `${exports.` without its end, or
/// without an action and a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}`: {message}")]
pub struct RefError {
    pub text: String,
    pub message: String,
    /// Byte offset of the reference in the text.
    pub offset: usize,
}

/// Every reference in `text`, in order. The name is what follows the last
/// `.` (action names may contain dots, variable names may not).
pub fn references(text: &str) -> Result<Vec<ExportRef>, RefError> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find(OPEN).map(|i| from + i) {
        let body_start = start + OPEN.len();
        let Some(end) = text[body_start..].find('}').map(|i| body_start + i) else {
            return Err(RefError {
                text: text[start..].to_owned(),
                message: "no closing `}`".into(),
                offset: start,
            });
        };
        let body = &text[body_start..end];
        let whole = &text[start..=end];
        let (action, name) = body.rsplit_once('.').ok_or_else(|| RefError {
            text: whole.to_owned(),
            message: "write `${exports.<action>.<NAME>}`".into(),
            offset: start,
        })?;
        if action.is_empty() || !is_export_name(name) {
            return Err(RefError {
                text: whole.to_owned(),
                message: "write `${exports.<action>.<NAME>}`, NAME letters, digits and `_`".into(),
                offset: start,
            });
        }
        found.push(ExportRef {
            action: action.to_owned(),
            name: name.to_owned(),
            span: start..end + 1,
        });
        from = end + 1;
    }
    Ok(found)
}

/// `text` with each reference replaced by its value from `lookup`. With
/// `json`, the text is a JSON document (a list or map parameter) whose
/// strings hold the references: values are escaped as JSON string content.
/// The first reference `lookup` has no value for is the error.
pub fn substitute(
    text: &str,
    json: bool,
    lookup: impl Fn(&ExportRef) -> Option<String>,
) -> Result<String, ExportRef> {
    let refs = references(text).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for reference in refs {
        let value = lookup(&reference).ok_or_else(|| reference.clone())?;
        out.push_str(&text[at..reference.span.start]);
        if json {
            let quoted = serde_json::to_string(&value).expect("strings serialize");
            out.push_str(&quoted[1..quoted.len() - 1]);
        } else {
            out.push_str(&value);
        }
        at = reference.span.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_the_action_and_the_variable() {
        let refs = references("v=${exports.build.step.TAG}-${exports.b.X_1}").unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(
            (refs[0].action.as_str(), refs[0].name.as_str()),
            ("build.step", "TAG")
        );
        assert_eq!(refs[0].span, 2..27);
        assert_eq!(
            (refs[1].action.as_str(), refs[1].name.as_str()),
            ("b", "X_1")
        );
        assert!(references("${HOME} and $exports.a.B").unwrap().is_empty());
        assert!(references("${exports.a.B").is_err());
        assert!(references("${exports.TAG}").is_err());
        assert!(references("${exports.a.1X}").is_err());
    }

    #[test]
    fn substitution_escapes_json_strings() {
        let value = |_: &ExportRef| Some("a \"b\"\nc".to_owned());
        assert_eq!(
            substitute("x=${exports.a.B}!", false, value).unwrap(),
            "x=a \"b\"\nc!"
        );
        let json = r#"["--tag", "${exports.a.B}"]"#;
        let out = substitute(json, true, value).unwrap();
        let parsed: Vec<String> = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, ["--tag", "a \"b\"\nc"]);
        let missing = substitute("${exports.a.B}", false, |_| None).unwrap_err();
        assert_eq!(missing.to_string(), "${exports.a.B}");
    }
}
