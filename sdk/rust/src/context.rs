use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::Error;
use crate::bindings::kiln::plugin::types as wit;

/// Where the source tree is mounted in every sandbox.
pub const WORKSPACE: &str = "/workspace";

/// The action a plugin runs for: its names, parameters and artifacts.
#[derive(Debug, Clone)]
pub struct Context {
    pub run_id: String,
    pub pipeline: String,
    pub stage: String,
    pub action: String,
    /// 1 for the first attempt, 2 for the first retry, and so on.
    pub attempt: u32,
    params: Vec<(String, String)>,
    inputs: Vec<Input>,
    outputs: Vec<Output>,
}

/// An input artifact, verified and mounted read-only.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    /// `sha256:<hex>` of the artifact.
    pub digest: String,
    pub path: PathBuf,
}

/// An output artifact: write its files under `path`.
#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub path: PathBuf,
}

impl Context {
    pub(crate) fn from_wit(ctx: wit::Context) -> Self {
        Self {
            run_id: ctx.run_id,
            pipeline: ctx.pipeline,
            stage: ctx.stage,
            action: ctx.action,
            attempt: ctx.attempt,
            params: ctx.params,
            inputs: ctx
                .inputs
                .into_iter()
                .map(|input| Input {
                    name: input.name,
                    digest: input.digest,
                    path: input.path.into(),
                })
                .collect(),
            outputs: ctx
                .outputs
                .into_iter()
                .map(|output| Output {
                    name: output.name,
                    path: output.path.into(),
                })
                .collect(),
        }
    }

    /// The source tree, read-only unless the action grants `workspace: read-write`.
    pub fn workspace(&self) -> &Path {
        Path::new(WORKSPACE)
    }

    /// A parameter's text, after the host applied declared defaults.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A parameter that must be present.
    pub fn require(&self, name: &str) -> Result<&str, Error> {
        self.param(name)
            .ok_or_else(|| Error::new(format!("parameter `{name}` is required")))
    }

    /// A parameter parsed with `FromStr`, such as a number or a bool.
    pub fn parse<T>(&self, name: &str) -> Result<Option<T>, Error>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        self.param(name)
            .map(|text| {
                text.parse::<T>()
                    .map_err(|error| Error::new(format!("parameter `{name}` = {text:?}: {error}")))
            })
            .transpose()
    }

    /// A list parameter: a YAML list arrives as JSON text; a scalar is a
    /// one-element list; a comma-separated scalar is split on commas.
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.param(name) {
            None => Vec::new(),
            Some(text) => parse_list(text),
        }
    }

    /// All parameters in declaration order.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// The input artifact with this name.
    pub fn input(&self, name: &str) -> Result<&Input, Error> {
        self.inputs
            .iter()
            .find(|input| input.name == name)
            .ok_or_else(|| Error::new(format!("the action has no input artifact `{name}`")))
    }

    /// The output artifact with this name.
    pub fn output(&self, name: &str) -> Result<&Output, Error> {
        self.outputs
            .iter()
            .find(|output| output.name == name)
            .ok_or_else(|| Error::new(format!("the action has no output artifact `{name}`")))
    }

    /// The only output artifact, for plugins that produce exactly one.
    pub fn single_output(&self) -> Result<&Output, Error> {
        match self.outputs.as_slice() {
            [output] => Ok(output),
            [] => Err(Error::new("the action declares no output artifact")),
            many => Err(Error::new(format!(
                "the action declares {} outputs; this plugin writes exactly one",
                many.len()
            ))),
        }
    }
}

fn parse_list(text: &str) -> Vec<String> {
    let trimmed = text.trim();
    if trimmed.starts_with('[') && trimmed.ends_with(']') {
        // JSON array of strings (or scalars) as produced by the host.
        let inner = &trimmed[1..trimmed.len() - 1];
        return split_json_array(inner);
    }
    trimmed
        .split(',')
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// A minimal reader for the flat JSON arrays the host sends, so that the SDK
/// needs no JSON dependency: strings with escapes, numbers, booleans.
fn split_json_array(inner: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        match chars.peek() {
            None => break,
            Some('"') => {
                chars.next();
                let mut item = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('n') => item.push('\n'),
                            Some('t') => item.push('\t'),
                            Some('r') => item.push('\r'),
                            Some('u') => {
                                let code: String = chars.by_ref().take(4).collect();
                                if let Some(ch) =
                                    u32::from_str_radix(&code, 16).ok().and_then(char::from_u32)
                                {
                                    item.push(ch);
                                }
                            }
                            Some(other) => item.push(other),
                            None => break,
                        },
                        other => item.push(other),
                    }
                }
                items.push(item);
            }
            Some(_) => {
                let mut item = String::new();
                while let Some(c) = chars.peek() {
                    if *c == ',' {
                        break;
                    }
                    item.push(*c);
                    chars.next();
                }
                items.push(item.trim().to_owned());
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::parse_list;

    #[test]
    fn lists_arrive_as_json_or_commas() {
        assert_eq!(parse_list(r#"["a", "b\"c", 3]"#), ["a", "b\"c", "3"]);
        assert_eq!(parse_list("x, y"), ["x", "y"]);
        assert_eq!(parse_list("single"), ["single"]);
        assert!(parse_list("[]").is_empty());
    }
}
