//! From the located YAML tree to the model, reporting every problem.

use std::collections::HashMap;

use crate::diag::{Diagnostics, Located, Pos, Severity, Sink, did_you_mean};
use crate::model::*;
use crate::yaml::{self, Node, ScalarKind, Value};

const TOP_KEYS: [&str; 9] = [
    "version",
    "run-as",
    "env",
    "proxy",
    "batch",
    "phases",
    "reports",
    "artifacts",
    "cache",
];
const ENV_KEYS: [&str; 6] = [
    "shell",
    "variables",
    "parameter-store",
    "secrets-manager",
    "exported-variables",
    "git-credential-helper",
];
const PHASE_KEYS: [&str; 5] = [
    "run-as",
    "on-failure",
    "runtime-versions",
    "commands",
    "finally",
];
const PHASE_NAMES: [&str; 4] = ["install", "pre_build", "build", "post_build"];
const REPORT_KEYS: [&str; 4] = ["files", "base-directory", "discard-paths", "file-format"];
const ARTIFACT_KEYS: [&str; 8] = [
    "files",
    "name",
    "discard-paths",
    "base-directory",
    "exclude-paths",
    "enable-symlinks",
    "s3-prefix",
    "secondary-artifacts",
];
const CACHE_KEYS: [&str; 4] = ["paths", "key", "fallback-keys", "action"];

/// Parses and checks a buildspec. See the crate documentation for what is
/// refused and what is only warned about.
///
/// On success the warnings are in [`Buildspec::warnings`]; on failure the
/// returned [`Diagnostics`] hold every error found (and the warnings).
pub fn parse(file_name: &str, text: &str) -> Result<Buildspec, Diagnostics> {
    let mut sink = Sink::new(file_name);
    let parsed = yaml::read(text, &mut sink).and_then(|root| {
        let mut p = Parser {
            source: text,
            sink: &mut sink,
        };
        p.buildspec(file_name, &root)
    });
    let mut diagnostics = Diagnostics(sink.list);
    diagnostics.sort();
    match parsed {
        Some(mut spec) if !diagnostics.errors().any(|_| true) => {
            spec.warnings = diagnostics
                .0
                .into_iter()
                .filter(|d| d.severity == Severity::Warning)
                .collect();
            Ok(spec)
        }
        _ => Err(diagnostics),
    }
}

struct Parser<'a> {
    source: &'a str,
    sink: &'a mut Sink,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Parser<'_> {
    /// The entries of a mapping, keys as strings; reports a non-mapping and
    /// duplicate keys.
    fn map<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        what: &str,
    ) -> Option<Vec<(Located<String>, &'n Node)>> {
        let Value::Map(entries) = &node.value else {
            self.sink.error(
                node.at,
                path,
                format!("expected {what}, found {}", node.kind_name()),
            );
            return None;
        };
        let mut seen: HashMap<String, Pos> = HashMap::new();
        let mut out = Vec::new();
        for (k, v) in entries {
            let Some((key, _)) = k.scalar() else {
                self.sink.error(
                    k.at,
                    path,
                    format!("a key must be a plain name, found {}", k.kind_name()),
                );
                continue;
            };
            if let Some(first) = seen.get(key) {
                self.sink.error(
                    k.at,
                    &join(path, key),
                    format!(
                        "duplicate key `{key}` (first at line {}); YAML keeps one of them \
                         and which one differs between parsers: remove or rename one",
                        first.line
                    ),
                );
                continue;
            }
            seen.insert(key.to_owned(), k.at);
            out.push((Located::new(key.to_owned(), k.at), v));
        }
        Some(out)
    }

    fn unknown_key(&mut self, key: &Located<String>, path: &str, known: &[&str], what: &str) {
        let hint = match did_you_mean(key, known) {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => format!("; {what} keys are {}", list(known)),
        };
        self.sink.error(
            key.at,
            &join(path, key),
            format!("unknown key `{}`{hint}", key.value),
        );
    }

    /// A scalar as text. Null is refused unless `null_ok`, where it reads
    /// as the empty string (as CodeBuild's Go YAML decoder reads it).
    fn text(&mut self, node: &Node, path: &str, null_ok: bool) -> Option<Located<String>> {
        match node.scalar() {
            Some((_, ScalarKind::Null)) if null_ok => Some(Located::new(String::new(), node.at)),
            Some((_, ScalarKind::Null)) => {
                self.sink.error(node.at, path, "a value is required here");
                None
            }
            Some((text, _)) => Some(Located::new(text.to_owned(), node.at)),
            None => {
                self.sink.error(
                    node.at,
                    path,
                    format!("expected a string, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// `yes`/`no`/`true`/`false`, in any case.
    fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match node.scalar() {
            Some((_, ScalarKind::Bool(b))) => Some(b),
            Some((text, _)) => match text.to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" => Some(true),
                "no" | "false" | "off" => Some(false),
                _ => {
                    self.sink.error(
                        node.at,
                        path,
                        format!("expected `yes` or `no`, found `{text}`"),
                    );
                    None
                }
            },
            None => {
                self.sink.error(
                    node.at,
                    path,
                    format!("expected `yes` or `no`, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// A list of strings; a single string counts as a list of one (for
    /// paths, where corpus file 06 relies on it).
    fn string_list(&mut self, node: &Node, path: &str) -> Vec<Located<String>> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let p = format!("{path}[{i}]");
                    match item.scalar() {
                        Some((_, ScalarKind::Null)) => {
                            self.sink.error(item.at, &p, "an empty entry");
                            None
                        }
                        Some(_) => self.text(item, &p, false),
                        None => {
                            self.sink.error(
                                item.at,
                                &p,
                                format!("expected a string, found {}", item.kind_name()),
                            );
                            None
                        }
                    }
                })
                .collect(),
            Value::Scalar {
                kind: ScalarKind::Null,
                ..
            } => Vec::new(),
            Value::Scalar { .. } => self.text(node, path, false).into_iter().collect(),
            Value::Map(_) => {
                self.sink.error(
                    node.at,
                    path,
                    format!("expected a list of paths, found {}", node.kind_name()),
                );
                Vec::new()
            }
        }
    }

    fn pattern_list(&mut self, node: &Node, path: &str) -> Vec<Located<String>> {
        let list = self.string_list(node, path);
        for (i, p) in list.iter().enumerate() {
            self.check_pattern(p, &format!("{path}[{i}]"));
        }
        list
    }

    fn check_pattern(&mut self, pattern: &Located<String>, path: &str) {
        if pattern.contains('$') || pattern.contains('`') {
            return; // expanded at the end of the build, checked then
        }
        if let Err(message) = crate::select::check_pattern(pattern) {
            self.sink.error(pattern.at, path, message);
        }
    }

    fn buildspec(&mut self, file: &str, root: &Node) -> Option<Buildspec> {
        let entries = self.map(root, "", "a mapping with `version` and `phases`")?;
        let mut version = None;
        let mut env = Env::default();
        let mut phases = Vec::new();
        let mut reports = Vec::new();
        let mut artifacts = None;
        let mut cache = None;
        let mut saw_phases = false;
        for (key, value) in &entries {
            let path = key.value.as_str();
            match path {
                "version" => version = self.version(value),
                "run-as" => self.run_as(value, path),
                "env" => env = self.env(value),
                "proxy" => self.sink.warn(
                    key.at,
                    path,
                    "`proxy` is not honoured: it tells CodeBuild to reach S3 and CloudWatch Logs \
                     through an explicit proxy server; kiln uploads artifacts and logs itself",
                ),
                "batch" => self.batch(key, value),
                "phases" => {
                    saw_phases = true;
                    phases = self.phases(value);
                }
                "reports" => reports = self.reports(value),
                "artifacts" => artifacts = self.artifacts(value),
                "cache" => cache = self.cache(value),
                other if PHASE_NAMES.contains(&other) => self.sink.error(
                    key.at,
                    path,
                    format!(
                        "`{other}` is a phase: it belongs under `phases` (indent it below `phases:`)"
                    ),
                ),
                _ => self.unknown_key(key, "", &TOP_KEYS, "top-level"),
            }
        }
        if !saw_phases {
            self.sink.error(
                root.at,
                "phases",
                "`phases` is missing: a buildspec runs the commands of its phases",
            );
        }
        let version = match version {
            Some(v) => v,
            None => {
                if !entries.iter().any(|(k, _)| k.value == "version") {
                    self.sink
                        .error(root.at, "version", "`version` is missing (0.1 or 0.2)");
                }
                return None;
            }
        };
        Some(Buildspec {
            file: file.to_owned(),
            version,
            env,
            phases,
            reports,
            artifacts,
            cache,
            warnings: Vec::new(),
        })
    }

    fn version(&mut self, node: &Node) -> Option<Located<Version>> {
        let text = self.text(node, "version", false)?;
        match text.as_str() {
            "0.1" => Some(Located::new(Version::V0_1, node.at)),
            "0.2" => Some(Located::new(Version::V0_2, node.at)),
            other => {
                self.sink.error(
                    node.at,
                    "version",
                    format!(
                        "unknown buildspec version `{other}`: CodeBuild reads versions 0.1 and 0.2"
                    ),
                );
                None
            }
        }
    }

    fn run_as(&mut self, node: &Node, path: &str) {
        let user = node.scalar().map(|(t, _)| t.to_owned()).unwrap_or_default();
        self.sink.error(
            node.at,
            path,
            format!(
                "`run-as: {user}` is refused: kiln runs every command as the user kiln runs as and \
                 cannot switch users, so files would be owned and permissions checked differently \
                 than on CodeBuild; remove `run-as` (and run kiln as that user if it matters)"
            ),
        );
    }

    fn batch(&mut self, key: &Located<String>, node: &Node) {
        let mut builds = String::new();
        if let Value::Map(entries) = &node.value {
            for (k, v) in entries {
                if let (
                    Some(("build-list" | "build-matrix" | "build-graph", _)),
                    Value::Seq(items),
                ) = (k.scalar(), &v.value)
                {
                    builds = format!(
                        " ({} builds in `{}`)",
                        items.len(),
                        k.scalar().map(|s| s.0).unwrap_or("")
                    );
                }
            }
        }
        self.sink.warn(
            key.at,
            "batch",
            format!(
                "`batch` is not honoured: kiln runs this buildspec as one build, as CodeBuild does \
                 when a build is started with StartBuild rather than StartBuildBatch; the batch's \
                 builds{builds} and their variables are not run: make them kiln actions"
            ),
        );
    }

    fn env(&mut self, node: &Node) -> Env {
        let mut env = Env::default();
        let Some(entries) = self.map(node, "env", "a mapping") else {
            return env;
        };
        let mut defined: HashMap<String, (Pos, &'static str)> = HashMap::new();
        for (key, value) in &entries {
            let path = join("env", key);
            match key.as_str() {
                "shell" => {
                    if let Some(shell) = self.shell(value, &path) {
                        env.shell = shell;
                    }
                }
                "variables" => {
                    let Some(vars) =
                        self.map(value, &path, "a mapping of variable names to values")
                    else {
                        continue;
                    };
                    for (name, v) in vars {
                        let p = join(&path, &name);
                        self.variable_name(&name, &p);
                        if name.starts_with("CODEBUILD_") {
                            self.sink.warn(
                                name.at,
                                &p,
                                "names starting with `CODEBUILD_` are reserved by CodeBuild; \
                                 this value replaces the one kiln provides",
                            );
                        }
                        let Some(v) = self.text(v, &p, true) else {
                            continue;
                        };
                        defined.insert(name.value.clone(), (name.at, "variables"));
                        env.variables.push((name, v));
                    }
                }
                "parameter-store" | "secrets-manager" => {
                    let source = if key.value == "parameter-store" {
                        SecretSource::ParameterStore
                    } else {
                        SecretSource::SecretsManager
                    };
                    let Some(vars) = self.map(
                        value,
                        &path,
                        "a mapping of variable names to names in the store",
                    ) else {
                        continue;
                    };
                    for (name, v) in vars {
                        let p = join(&path, &name);
                        self.variable_name(&name, &p);
                        let Some(reference) = self.text(v, &p, false) else {
                            continue;
                        };
                        if reference.trim().is_empty() {
                            self.sink
                                .error(reference.at, &p, "the name in the store is empty");
                            continue;
                        }
                        let section = if source == SecretSource::ParameterStore {
                            "parameter-store"
                        } else {
                            "secrets-manager"
                        };
                        if let Some((first, other)) = defined.get(&name.value) {
                            self.sink.warn(
                                name.at,
                                &p,
                                format!(
                                    "`{}` is also in env.{other} (line {}); the value from {section} wins",
                                    name.value, first.line
                                ),
                            );
                        }
                        defined.insert(name.value.clone(), (name.at, section));
                        env.secrets.push(Secret {
                            variable: name,
                            source,
                            reference,
                        });
                    }
                }
                "exported-variables" => {
                    let names = match &value.value {
                        Value::Seq(_) => self.string_list(value, &path),
                        _ => {
                            self.sink.error(
                                value.at,
                                &path,
                                format!(
                                    "expected a list of variable names, found {}",
                                    value.kind_name()
                                ),
                            );
                            Vec::new()
                        }
                    };
                    for (i, name) in names.iter().enumerate() {
                        self.variable_name(name, &format!("{path}[{i}]"));
                    }
                    env.exported_variables = names;
                }
                "git-credential-helper" => {
                    if self.boolean(value, &path) == Some(true) {
                        self.sink.error(
                            value.at,
                            &path,
                            "`git-credential-helper: yes` is refused: it makes git use the \
                             credentials CodeBuild holds for the build's source, and kiln has no such \
                             credentials to give; remove it and give git credentials through a \
                             kiln secret",
                        );
                    }
                }
                _ => self.unknown_key(key, "env", &ENV_KEYS, "`env`"),
            }
        }
        env
    }

    fn variable_name(&mut self, name: &Located<String>, path: &str) {
        if !is_identifier(name) {
            self.sink.error(
                name.at,
                path,
                format!(
                    "`{}` is not a shell variable name (letters, digits and `_`, not starting with a digit)",
                    name.value
                ),
            );
        }
    }

    fn shell(&mut self, node: &Node, path: &str) -> Option<Shell> {
        let text = self.text(node, path, false)?;
        match text.as_str() {
            "bash" => Some(Shell::Bash),
            "/bin/sh" => Some(Shell::Sh),
            alias @ ("sh" | "/bin/bash" | "/usr/bin/bash" | "/usr/bin/sh") => {
                let (shell, doc) = if alias.ends_with("bash") {
                    (Shell::Bash, "bash")
                } else {
                    (Shell::Sh, "/bin/sh")
                };
                self.sink.warn(
                    node.at,
                    path,
                    format!(
                        "`{alias}` is not one of CodeBuild's documented shells; kiln reads it as `{doc}`"
                    ),
                );
                Some(shell)
            }
            windows
                if ["powershell", "pwsh", "cmd"]
                    .iter()
                    .any(|w| windows.to_ascii_lowercase().trim_end_matches(".exe") == *w) =>
            {
                self.sink.error(
                    node.at,
                    path,
                    format!(
                        "`{windows}` is a Windows shell: kiln runs commands with bash or /bin/sh, \
                         and commands written for {windows} would not mean the same there"
                    ),
                );
                None
            }
            other => {
                self.sink.error(
                    node.at,
                    path,
                    format!(
                        "unknown shell `{other}`: CodeBuild's Linux shells are `bash` and `/bin/sh`"
                    ),
                );
                None
            }
        }
    }

    fn phases(&mut self, node: &Node) -> Vec<Phase> {
        if let Some(("", ScalarKind::Null)) = node.scalar() {
            self.sink.error(node.at, "phases", "`phases` is empty");
            return Vec::new();
        }
        let Some(entries) = self.map(node, "phases", "a mapping of phases") else {
            return Vec::new();
        };
        let mut phases = Vec::new();
        for (key, value) in &entries {
            let path = join("phases", key);
            match PhaseName::from_key(key) {
                Some(name) => {
                    if let Some(phase) = self.phase(name, key.at, value, &path) {
                        phases.push(phase);
                    }
                }
                None => {
                    let hint = match did_you_mean(key, &PHASE_NAMES) {
                        Some(s) if s.eq_ignore_ascii_case(key) => {
                            format!(" (did you mean `{s}`? phase names are lower case)")
                        }
                        Some(s) => format!(" (did you mean `{s}`?)"),
                        None => format!("; the phases are {}", list(&PHASE_NAMES)),
                    };
                    self.sink.error(
                        key.at,
                        &path,
                        format!("unknown phase `{}`{hint}", key.value),
                    );
                }
            }
        }
        phases.sort_by_key(|p| p.name);
        phases
    }

    fn phase(&mut self, name: PhaseName, at: Pos, node: &Node, path: &str) -> Option<Phase> {
        let mut phase = Phase {
            name,
            at,
            on_failure: OnFailure::default(),
            runtime_versions: Vec::new(),
            commands: Vec::new(),
            finally: Vec::new(),
        };
        if let Some((_, ScalarKind::Null)) = node.scalar() {
            self.sink
                .warn(node.at, path, "the phase is empty: it runs nothing");
            return Some(phase);
        }
        let entries = self.map(node, path, "a mapping with `commands`")?;
        for (key, value) in &entries {
            let p = join(path, key);
            match key.as_str() {
                "run-as" => self.run_as(value, &p),
                "on-failure" => {
                    if let Some(f) = self.on_failure(value, &p) {
                        phase.on_failure = f;
                    }
                }
                "runtime-versions" => {
                    if name == PhaseName::Install {
                        phase.runtime_versions = self.runtimes(value, &p);
                    } else {
                        self.sink.error(
                            key.at,
                            &p,
                            "`runtime-versions` belongs to the `install` phase only",
                        );
                    }
                }
                "commands" => phase.commands = self.commands(value, &p),
                "finally" => phase.finally = self.commands(value, &p),
                other => {
                    if let Some(nested) = PhaseName::from_key(other) {
                        self.sink.error(
                            key.at,
                            &p,
                            format!(
                                "`{other}` is a phase nested inside `{}`: phases are siblings under \
                                 `phases`; indent `{other}` like `{}`",
                                name.key(),
                                name.key()
                            ),
                        );
                        // Read it anyway, to report what else is wrong in it.
                        let _ = self.phase(nested, key.at, value, &p);
                    } else {
                        self.unknown_key(key, path, &PHASE_KEYS, "phase");
                    }
                }
            }
        }
        Some(phase)
    }

    fn on_failure(&mut self, node: &Node, path: &str) -> Option<OnFailure> {
        let text = self.text(node, path, false)?;
        match text.as_str() {
            "ABORT" => Some(OnFailure::Abort),
            "CONTINUE" => Some(OnFailure::Continue),
            retry if retry == "RETRY" || retry.starts_with("RETRY-") => {
                self.sink.error(
                    node.at,
                    path,
                    format!(
                        "`on-failure: {retry}` is refused: on CodeBuild it starts the whole build again \
                         (up to a count, when the error matches a pattern); kiln does not restart a \
                         buildspec from inside: remove it and set `retries:` on the kiln action"
                    ),
                );
                None
            }
            other => {
                let hint = match did_you_mean(other, &["ABORT", "CONTINUE"]) {
                    Some(s) => format!(" (did you mean `{s}`?)"),
                    None => String::new(),
                };
                self.sink.error(
                    node.at,
                    path,
                    format!(
                        "unknown `on-failure` value `{other}`{hint}: it is `ABORT`, `CONTINUE` or a `RETRY` form"
                    ),
                );
                None
            }
        }
    }

    fn runtimes(&mut self, node: &Node, path: &str) -> Vec<Runtime> {
        let Some(entries) = self.map(node, path, "a mapping of runtimes to versions") else {
            return Vec::new();
        };
        let names: Vec<&str> = crate::model::RUNTIMES.iter().map(|(n, _)| *n).collect();
        let mut out = Vec::new();
        for (name, value) in entries {
            let p = join(path, &name);
            if runtime_probe(&name).is_none() {
                let hint = match did_you_mean(&name, &names) {
                    Some(s) => format!(" (did you mean `{s}`?)"),
                    None => format!("; CodeBuild's runtimes are {}", list(&names)),
                };
                self.sink.error(
                    name.at,
                    &p,
                    format!("unknown runtime `{}`{hint}", name.value),
                );
                continue;
            }
            let Some(version) = self.text(value, &p, false) else {
                continue;
            };
            out.push(Runtime { name, version });
        }
        out
    }

    fn commands(&mut self, node: &Node, path: &str) -> Vec<Command> {
        let items = match &node.value {
            Value::Seq(items) => items,
            Value::Scalar {
                kind: ScalarKind::Null,
                ..
            } => return Vec::new(),
            Value::Scalar { text, .. } => {
                let mut message = format!(
                    "expected a list of commands, found the string `{}`",
                    one_line(text)
                );
                if node.spans_lines(self.source) {
                    message.push_str(
                        " (YAML folded its lines into one: were they meant as separate commands?)",
                    );
                }
                if text.starts_with('-') {
                    message.push_str("; a list item needs a space after `-`");
                } else {
                    message.push_str("; write each command as a list item: `- command`");
                }
                self.sink.error(node.at, path, message);
                return Vec::new();
            }
            Value::Map(_) => {
                self.sink.error(
                    node.at,
                    path,
                    format!("expected a list of commands, found {}", node.kind_name()),
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            match &item.value {
                Value::Scalar {
                    kind: ScalarKind::Null,
                    ..
                } => self.sink.error(item.at, &p, "an empty command"),
                Value::Scalar { text, .. } => {
                    let text = text.trim_end_matches(['\n', '\r']).to_owned();
                    if text.trim().is_empty() {
                        self.sink.error(item.at, &p, "an empty command");
                    } else {
                        out.push(Command { text, at: item.at });
                    }
                }
                Value::Map(entries) => {
                    let written = self.written_line(item);
                    let hint = if entries.len() == 1 {
                        format!(
                            "YAML read `{written}` as a mapping because of the `: ` in it; \
                             quote the whole command: - '{}'",
                            written.replace('\'', "''")
                        )
                    } else {
                        "YAML read it as a mapping because of `: `; quote the whole command"
                            .to_owned()
                    };
                    self.sink.error(
                        item.at,
                        &p,
                        format!("this command is a YAML mapping, not a string: {hint}"),
                    );
                }
                Value::Seq(_) => self.sink.error(
                    item.at,
                    &p,
                    "this command is a list, not a string (a `- -` or a nested list?)",
                ),
            }
        }
        out
    }

    /// The source line from a node's position to its end, as written.
    fn written_line(&self, node: &Node) -> String {
        let line = self
            .source
            .lines()
            .nth(node.at.line.saturating_sub(1) as usize)
            .unwrap_or("");
        let start: String = line
            .chars()
            .skip(node.at.column.saturating_sub(1) as usize)
            .collect();
        start.trim_end().to_owned()
    }

    fn reports(&mut self, node: &Node) -> Vec<Report> {
        let Some(entries) = self.map(node, "reports", "a mapping of report groups") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (group, value) in entries {
            let path = join("reports", &group);
            let Some(fields) = self.map(value, &path, "a mapping with `files`") else {
                continue;
            };
            let mut files = FileSet::default();
            let mut format = ReportFormat::JunitXml;
            let mut has_files = false;
            for (key, v) in &fields {
                let p = join(&path, key);
                match key.as_str() {
                    "files" => {
                        has_files = true;
                        files.files = self.pattern_list(v, &p);
                    }
                    "base-directory" => files.base_directory = self.base_directory(v, &p),
                    "discard-paths" => files.discard_paths = self.boolean(v, &p).unwrap_or(false),
                    "file-format" => {
                        if let Some(f) = self.file_format(v, &p) {
                            format = f;
                        }
                    }
                    _ => self.unknown_key(key, &path, &REPORT_KEYS, "report"),
                }
            }
            if !has_files {
                self.sink.error(
                    group.at,
                    &path,
                    "`files` is missing: which files hold the report?",
                );
            }
            out.push(Report {
                group,
                files,
                format,
            });
        }
        out
    }

    fn file_format(&mut self, node: &Node, path: &str) -> Option<ReportFormat> {
        let text = self.text(node, path, false)?;
        if let Some(f) = ReportFormat::from_name(&text) {
            return Some(f);
        }
        let names: Vec<&str> = ReportFormat::ALL.iter().map(|f| f.as_str()).collect();
        let hint = match did_you_mean(&text, &names) {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        };
        let of = |kind| {
            ReportFormat::ALL
                .iter()
                .filter(|f| f.kind() == kind)
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.sink.error(
            node.at,
            path,
            format!(
                "unknown report file-format `{}`{hint}; test reports: {}; coverage reports: {}",
                text.value,
                of(ReportKind::Test),
                of(ReportKind::Coverage)
            ),
        );
        None
    }

    fn base_directory(&mut self, node: &Node, path: &str) -> Option<Located<String>> {
        let dir = self.text(node, path, false)?;
        self.check_pattern(&dir, path);
        Some(dir)
    }

    fn artifacts(&mut self, node: &Node) -> Option<Artifacts> {
        let primary = self.artifact(node, "artifacts", None, true)?;
        let secondary = primary.1;
        let primary = primary.0;
        if primary.is_none() && secondary.is_empty() {
            self.sink.error(
                node.at,
                "artifacts",
                "`files` is missing: which files make the artifact?",
            );
        }
        Some(Artifacts { primary, secondary })
    }

    /// An artifact mapping; for the top level, also its secondary artifacts.
    fn artifact(
        &mut self,
        node: &Node,
        path: &str,
        identifier: Option<Located<String>>,
        top: bool,
    ) -> Option<(Option<Artifact>, Vec<Artifact>)> {
        let fields = self.map(node, path, "a mapping with `files`")?;
        let mut artifact = Artifact {
            identifier,
            at: node.at,
            files: FileSet::default(),
            name: None,
            s3_prefix: None,
        };
        let mut has_files = false;
        let mut secondary = Vec::new();
        for (key, v) in &fields {
            let p = join(path, key);
            match key.as_str() {
                "files" => {
                    has_files = true;
                    artifact.files.files = self.pattern_list(v, &p);
                }
                "name" => artifact.name = self.text(v, &p, false),
                "discard-paths" => {
                    artifact.files.discard_paths = self.boolean(v, &p).unwrap_or(false)
                }
                "base-directory" => artifact.files.base_directory = self.base_directory(v, &p),
                "exclude-paths" => artifact.files.exclude_paths = self.pattern_list(v, &p),
                "enable-symlinks" => {
                    artifact.files.enable_symlinks = self.boolean(v, &p).unwrap_or(false)
                }
                "s3-prefix" => artifact.s3_prefix = self.text(v, &p, false),
                "secondary-artifacts" if top => {
                    let Some(entries) = self.map(v, &p, "a mapping of artifact identifiers") else {
                        continue;
                    };
                    for (id, value) in entries {
                        let ip = join(&p, &id);
                        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                            self.sink.error(
                                id.at,
                                &ip,
                                "an artifact identifier is letters, digits and `_`",
                            );
                        }
                        match self.artifact(value, &ip, Some(id.clone()), false) {
                            Some((Some(a), _)) => secondary.push(a),
                            Some((None, _)) => self.sink.error(
                                id.at,
                                &ip,
                                "`files` is missing: which files make the artifact?",
                            ),
                            None => {}
                        }
                    }
                }
                _ => {
                    let known: &[&str] = if top {
                        &ARTIFACT_KEYS
                    } else {
                        &ARTIFACT_KEYS[..ARTIFACT_KEYS.len() - 1]
                    };
                    self.unknown_key(key, path, known, "artifact");
                }
            }
        }
        Some((has_files.then_some(artifact), secondary))
    }

    fn cache(&mut self, node: &Node) -> Option<Cache> {
        let fields = self.map(node, "cache", "a mapping with `paths`")?;
        let mut paths = Vec::new();
        for (key, v) in &fields {
            let p = join("cache", key);
            match key.as_str() {
                "paths" => paths = self.pattern_list(v, &p),
                "key" | "fallback-keys" | "action" => self.sink.warn(
                    key.at,
                    &p,
                    format!(
                        "`cache.{}` is not honoured: kiln keys and restores its caches itself; \
                         only `cache.paths` is used",
                        key.value
                    ),
                ),
                _ => self.unknown_key(key, "cache", &CACHE_KEYS, "`cache`"),
            }
        }
        Some(Cache { paths })
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > 80 || text.contains('\n') {
        let short: String = line.chars().take(77).collect();
        format!("{short}...")
    } else {
        line.to_owned()
    }
}
