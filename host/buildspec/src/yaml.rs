//! A located YAML tree, read with serde-saphyr.
//!
//! The buildspec is first read into a generic tree whose every node (keys
//! included) carries its position from [`serde_saphyr::Spanned`]; the model
//! is then built from the tree by hand, so that every problem can be
//! reported with its key path, and several problems at once.
//!
//! Scalars keep the text they were written as: `python: 3.10` is the
//! runtime version `3.10`, not the float `3.1`, and `- yes` is the command
//! `yes`. serde-saphyr infers types for untyped values, so for a plain
//! scalar read as a number or a boolean the text is recovered from the
//! node's byte span in the source.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::diag::{Pos, Sink};

/// What kind of scalar the YAML parser saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarKind {
    /// `~`, `null`, or nothing at all.
    Null,
    /// `true`, `yes`, `off`... (YAML 1.1 spellings included).
    Bool(bool),
    /// An integer or a float.
    Number,
    /// Anything else, quoted or not.
    String,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Scalar { text: String, kind: ScalarKind },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: Value,
    pub at: Pos,
    /// Byte offset and length in the source, when known.
    span: Option<(usize, usize)>,
}

impl Node {
    /// A short name of what this node is, for "expected X, found Y".
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { kind, .. } => match kind {
                ScalarKind::Null => "nothing (null)",
                ScalarKind::Bool(_) => "a boolean",
                ScalarKind::Number => "a number",
                ScalarKind::String => "a string",
            },
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The scalar's text, if this is a scalar.
    pub fn scalar(&self) -> Option<(&str, ScalarKind)> {
        match &self.value {
            Value::Scalar { text, kind } => Some((text, *kind)),
            _ => None,
        }
    }

    /// The source text this node spans, when known.
    pub fn source<'s>(&self, source: &'s str) -> Option<&'s str> {
        let (start, len) = self.span?;
        source.get(start..start.checked_add(len)?)
    }

    /// Whether this scalar was written over several source lines (a plain
    /// or quoted scalar folded into one line, or a block scalar).
    pub fn spans_lines(&self, source: &str) -> bool {
        self.source(source)
            .is_some_and(|s| s.trim_end().contains('\n'))
    }

    fn fix_text(&mut self, source: &str) {
        let span = self.span;
        match &mut self.value {
            Value::Scalar { text, kind } => {
                if matches!(kind, ScalarKind::Bool(_) | ScalarKind::Number)
                    && let Some((start, len)) = span
                    && let Some(raw) = source.get(start..start + len)
                {
                    *text = raw.trim().to_owned();
                }
            }
            Value::Seq(items) => items.iter_mut().for_each(|n| n.fix_text(source)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.fix_text(source);
                v.fix_text(source);
            }),
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Scalar {
            text: v.to_string(),
            kind: ScalarKind::Bool(v),
        })
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(number(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(number(v.to_string()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(number(v.to_string()))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(number(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(number(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Scalar {
            text: v.to_owned(),
            kind: ScalarKind::String,
        })
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Scalar {
            text: v,
            kind: ScalarKind::String,
        })
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Value, E> {
        String::from_utf8(v.to_vec())
            .map(|text| Value::Scalar {
                text,
                kind: ScalarKind::String,
            })
            .map_err(|_| E::custom("binary data is not text"))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Scalar {
            text: String::new(),
            kind: ScalarKind::Null,
        })
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Scalar {
            text: String::new(),
            kind: ScalarKind::Null,
        })
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(node) = seq.next_element::<Node>()? {
            items.push(node);
        }
        Ok(Value::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Node, Node>()? {
            entries.push(entry);
        }
        Ok(Value::Map(entries))
    }
}

fn number(text: String) -> Value {
    Value::Scalar {
        text,
        kind: ScalarKind::Number,
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let spanned = serde_saphyr::Spanned::<Value>::deserialize(d)?;
        let loc = spanned.referenced;
        let span = loc.span();
        let span = match (span.byte_offset(), span.byte_len()) {
            (Some(o), Some(l)) => usize::try_from(o).ok().zip(usize::try_from(l).ok()),
            _ => None,
        };
        Ok(Node {
            value: spanned.value,
            at: Pos::new(clamp(loc.line()), clamp(loc.column())),
            span,
        })
    }
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// How deep lists and mappings may nest. A buildspec needs seven levels
/// (`batch.build-matrix.dynamic.env.variables.NAME: [values]`). The
/// located tree is read, fixed up and dropped by recursion: at
/// serde-saphyr's default limit (64) that overflowed a 2 MiB thread stack
/// in a debug build (found by fuzzing), and a plugin's stack is smaller.
pub(crate) const MAX_DEPTH: usize = 16;

/// Reads YAML text into a located tree, or reports why it is not YAML
/// (with the line, column and, as well as can be told from indentation,
/// the key path).
pub(crate) fn read(source: &str, sink: &mut Sink) -> Option<Node> {
    let mut options = serde_saphyr::Options::default();
    // Duplicates reach the tree; the model reports them with both
    // positions.
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::PassThrough;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    // The scanner counts flow collections (`[[[`) on its own, ahead of the
    // depth above: the same limit, so that both say the same.
    budget.flow_nesting_limit = MAX_DEPTH;
    options.budget = Some(budget);
    match serde_saphyr::from_str_with_options::<Option<Node>>(source, options) {
        Ok(Some(mut node)) => {
            node.fix_text(source);
            Some(node)
        }
        Ok(None) => {
            sink.error(
                Pos::new(1, 1),
                "",
                "the file is empty: a buildspec is a YAML mapping with `version` and `phases`",
            );
            None
        }
        Err(error) => {
            let at = error
                .location()
                .map(|l| Pos::new(clamp(l.line()), clamp(l.column())))
                .unwrap_or_default();
            let message = error.without_snippet().to_string();
            // serde-saphyr appends " at line X, column Y": the position is
            // already in front of the message.
            let message = match message.rfind(" at line ") {
                Some(cut) => message[..cut].to_owned(),
                None => message,
            };
            if is_too_deep(&error) {
                sink.error(
                    at,
                    &path_at(source, at.line),
                    format!(
                        "lists and mappings nested more than {MAX_DEPTH} levels deep; a buildspec needs at most 7"
                    ),
                );
            } else if let Some(tab) = tab_in_indentation(source, at.line) {
                sink.error(
                    tab,
                    &path_at(source, tab.line),
                    "a tab in the indentation: YAML indents with spaces only",
                );
            } else {
                sink.error(
                    at,
                    &path_at(source, at.line),
                    format!("not valid YAML: {message}"),
                );
            }
            None
        }
    }
}

/// Whether `error` is the nesting limit ([`MAX_DEPTH`]), as the
/// deserializer or the scanner found it.
fn is_too_deep(mut error: &serde_saphyr::Error) -> bool {
    use serde_saphyr::budget::BudgetBreach;
    use serde_saphyr::granit_parser::ErrorKind;
    use serde_saphyr::{Error, ExternalMessageSource};
    loop {
        match error {
            Error::WithSnippet { error: inner, .. } | Error::AliasError { error: inner, .. } => {
                error = inner
            }
            Error::Budget {
                breach: BudgetBreach::Depth { .. },
                ..
            } => return true,
            Error::ExternalMessage { source, .. } => {
                return matches!(
                    &**source,
                    ExternalMessageSource::Parser(scan)
                        if matches!(scan.kind(), ErrorKind::RecursionLimitExceeded)
                );
            }
            _ => return false,
        }
    }
}

/// The tab closest before (or just after) a YAML error, if one is in a
/// line's indentation: the parser reports tabs at odd places ("while
/// scanning a plain scalar, found a tab" on the line before).
fn tab_in_indentation(source: &str, error_line: u32) -> Option<Pos> {
    let mut found = None;
    for (i, line) in source.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if error_line != 0 && number > error_line.saturating_add(1) {
            break;
        }
        let indent: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        if let Some(col) = indent.chars().position(|c| c == '\t')
            && line.trim_start().chars().next().is_some_and(|c| c != '#')
        {
            found = Some(Pos::new(number, u32::try_from(col + 1).unwrap_or(u32::MAX)));
        }
    }
    found
}

/// The key path of a line, told from indentation alone (for errors where
/// the YAML could not be read into a tree): `phases.build.commands`.
pub(crate) fn path_at(source: &str, line: u32) -> String {
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (i, text) in source.lines().enumerate() {
        let number = i + 1;
        if number > line as usize {
            break;
        }
        let trimmed = text.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // A tab (a mistake, reported elsewhere) indents to the next
        // multiple of 8, as it looks in an editor.
        let mut indent = text[..text.len() - trimmed.len()]
            .chars()
            .fold(0, |w, c| if c == '\t' { (w / 8 + 1) * 8 } else { w + 1 });
        let mut rest = trimmed;
        while let Some(r) = rest.strip_prefix("- ") {
            indent += 2;
            rest = r.trim_start_matches(' ');
        }
        let key = rest
            .split_once(':')
            .filter(|(k, after)| {
                !k.is_empty()
                    && !k.contains(' ')
                    && !k.starts_with(['"', '\'', '-', '[', '{'])
                    && (after.is_empty() || after.starts_with(' '))
            })
            .map(|(k, _)| k.to_owned());
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        if let Some(key) = key {
            stack.push((indent, key));
        }
    }
    stack
        .into_iter()
        .map(|(_, k)| k)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        let mut sink = Sink::new("t.yml");
        let node = read(text, &mut sink);
        assert!(sink.list.is_empty(), "{:?}", sink.list);
        node.expect("a tree")
    }

    fn entries(node: &Node) -> &[(Node, Node)] {
        match &node.value {
            Value::Map(e) => e,
            _ => panic!("not a map"),
        }
    }

    #[test]
    fn scalars_keep_their_text() {
        let t = tree("a: 3.10\nb: yes\nc: 0.2\nd: \"x\"\ne:\nf: 017\n");
        let got: Vec<(String, ScalarKind)> = entries(&t)
            .iter()
            .map(|(_, v)| {
                let (t, k) = v.scalar().expect("scalar");
                (t.to_owned(), k)
            })
            .collect();
        assert_eq!(got[0], ("3.10".into(), ScalarKind::Number));
        assert_eq!(got[1], ("yes".into(), ScalarKind::Bool(true)));
        assert_eq!(got[2], ("0.2".into(), ScalarKind::Number));
        assert_eq!(got[3], ("x".into(), ScalarKind::String));
        assert_eq!(got[4].1, ScalarKind::Null);
        assert_eq!(got[5].0, "017");
    }

    #[test]
    fn positions_of_keys_and_values() {
        let t = tree("version: 0.2\nphases:\n  build:\n    commands:\n      - make\n");
        let (k, v) = &entries(&t)[1];
        assert_eq!(k.at, Pos::new(2, 1));
        let (k, _) = &entries(v)[0];
        assert_eq!(k.at, Pos::new(3, 3));
    }

    #[test]
    fn tabs_are_named() {
        let mut sink = Sink::new("t.yml");
        assert!(read("phases:\n  build:\n\tcommands: []\n", &mut sink).is_none());
        let d = &sink.list[0];
        assert_eq!(d.at, Pos::new(3, 1), "{d}");
        assert!(d.message.contains("tab"), "{d}");
        assert_eq!(d.path, "phases.build.commands");
    }

    #[test]
    fn nesting_is_refused_past_the_limit_at_its_position() {
        // Found by fuzzing (the `buildspec` target): nested flow lists and
        // mappings overflowed the stack of a debug build's thread before
        // serde-saphyr's own limit (64) was reached.
        for (open, close) in [("[", "]"), ("{a: ", "}")] {
            let deep = |depth: usize| {
                format!(
                    "version: 0.2\nphases:\n  build:\n    commands: {}x{}\n",
                    open.repeat(depth),
                    close.repeat(depth)
                )
            };
            let mut sink = Sink::new("t.yml");
            // The commands list is the fourth level: its lists go down to
            // the limit, and no further.
            assert!(
                read(&deep(MAX_DEPTH - 3), &mut sink).is_some(),
                "{:?}",
                sink.list
            );
            for depth in [MAX_DEPTH - 2, 200, 100_000] {
                let mut sink = Sink::new("t.yml");
                assert!(read(&deep(depth), &mut sink).is_none());
                let d = &sink.list[0];
                assert_eq!(d.at.line, 4, "{d}");
                assert_eq!(d.path, "phases.build.commands", "{d}");
                assert!(d.message.contains("nested more than 16 levels"), "{d}");
            }
        }
        // Block mappings, nested by indentation, too.
        let block: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let mut sink = Sink::new("t.yml");
        assert!(read(&block, &mut sink).is_none());
        assert!(
            sink.list[0].message.contains("nested more than"),
            "{}",
            sink.list[0]
        );
    }

    #[test]
    fn path_from_indentation() {
        let text = "version: 0.2\nphases:\n  build:\n    commands:\n      - a: b\n      - x\n";
        assert_eq!(path_at(text, 6), "phases.build.commands");
        assert_eq!(path_at(text, 3), "phases.build");
    }
}
