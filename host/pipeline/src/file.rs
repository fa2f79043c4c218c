//! `kiln.yaml` as written: the serde model of the pipeline file. Every
//! field a user can get wrong is [`Located`], so that validation can name
//! its line and column. Unknown fields are errors.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::located::Located;

/// A pipeline: ordered stages of actions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "kiln pipeline", description = "A kiln.yaml pipeline file")]
pub struct PipelineFile {
    /// The pipeline's name, shown in run history.
    pub name: Located<String>,
    /// Environment variables every action sees. Actions see nothing of the
    /// host's environment.
    #[serde(default)]
    pub env: IndexMap<Located<String>, Located<ScalarValue>>,
    /// What plugins this pipeline accepts to run.
    #[serde(default)]
    pub plugins: Option<Located<PluginPolicyFile>>,
    /// Stages run in order; a failed stage stops the pipeline.
    pub stages: Vec<Located<StageFile>>,
}

/// The plugin policy of a pipeline.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PluginPolicyFile {
    /// Public keys (ed25519: PEM files relative to the pipeline file, or
    /// `ed25519:<base64>`). Every registry plugin must carry a valid
    /// signature by one of them (`kiln plugin sign`); a plugin given as a
    /// local `.wasm` path is refused, as it carries none. kiln's
    /// first-party plugins, named without a path, ship with kiln and run.
    #[serde(default)]
    pub require_signed_by: Vec<Located<String>>,
}

/// A stage: actions that run concurrently as their `needs` allow.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageFile {
    pub name: Located<String>,
    /// Whether this stage deploys: its runs count in the DORA metrics
    /// (`kiln metrics`). By default, a stage whose name starts with
    /// `deploy` does.
    #[serde(default)]
    pub deploy: Option<Located<bool>>,
    pub actions: Vec<Located<ActionFile>>,
}

/// One step: a plugin component run in its own sandbox.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionFile {
    /// Unique in the pipeline.
    pub name: Located<String>,
    /// A path to a `.wasm` component (relative to the pipeline file), the
    /// name of a first-party plugin such as `checkout`, or a plugin in an
    /// OCI registry: `oci://host[:port]/repository:tag[@sha256:...]`
    /// (pinned in kiln.lock on first use). `approval` is kiln's own: the
    /// stage waits for a person (`with: { timeout: 7d, approvers: [...] }`).
    pub uses: Located<String>,
    /// Parameters, as declared by the plugin's `describe()`.
    #[serde(default)]
    pub with: IndexMap<Located<String>, Located<serde_json::Value>>,
    /// Artifacts this action reads; each must be an output of an earlier
    /// stage, or of an action of this stage listed in `needs`.
    #[serde(default)]
    pub inputs: Vec<Located<String>>,
    /// Artifacts this action writes; names are unique in the pipeline.
    #[serde(default)]
    pub outputs: Vec<Located<String>>,
    /// Actions of the same stage that must succeed before this one starts.
    #[serde(default)]
    pub needs: Vec<Located<String>>,
    /// When the action runs: `success` (the default: nothing before it
    /// failed), `failure` (something before it failed) or `always`.
    #[serde(default, rename = "if")]
    pub condition: Option<Located<ConditionText>>,
    /// Wall-time limit per attempt: `30s`, `5m`, `1h 30m`, or seconds as a number.
    #[serde(default)]
    pub timeout: Option<Located<DurationText>>,
    /// How many times a failed attempt is retried, with exponential backoff.
    #[serde(default)]
    pub retries: Option<Located<u32>>,
    /// Environment variables for this action, over the pipeline's.
    #[serde(default)]
    pub env: IndexMap<Located<String>, Located<ScalarValue>>,
    /// What the sandbox may reach beyond its defaults.
    #[serde(default)]
    pub grants: Option<Located<GrantsFile>>,
    /// Resource limits of each attempt, over the defaults.
    #[serde(default)]
    pub limits: Option<Located<LimitsFile>>,
    /// The action cache: `false`, `true`, or `{ inputs: [globs] }` to key
    /// the action by those workspace files. By default an action is cached
    /// unless it has exec, network or write grants.
    #[serde(default)]
    pub cache: Option<Located<CacheFile>>,
    /// Test reports the action writes into its outputs, parsed and kept
    /// with the run (`kiln show`).
    #[serde(default)]
    pub reports: Option<Located<ReportsFile>>,
    /// Variables this action exports: the plugin writes each into
    /// `/kiln/exports/<NAME>`; later actions (a later stage, or this stage
    /// with `needs`) read `${exports.<action>.<NAME>}` in `env:` and `with:`.
    #[serde(default)]
    pub exports: Vec<Located<String>>,
}

/// `reports:` of an action: per format, files `<output>/<glob>`, where
/// `<output>` is one of the action's outputs, e.g. `results/**/*.xml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportsFile {
    /// JUnit XML test reports.
    #[serde(default)]
    pub junit: Vec<Located<String>>,
    /// TestNG's `testng-results.xml`.
    #[serde(default)]
    pub testng: Vec<Located<String>>,
    /// NUnit 2 XML test results.
    #[serde(default)]
    pub nunit: Vec<Located<String>>,
    /// NUnit 3 XML test results.
    #[serde(default)]
    pub nunit3: Vec<Located<String>>,
    /// Visual Studio `.trx` test results.
    #[serde(default)]
    pub trx: Vec<Located<String>>,
    /// Cucumber JSON reports.
    #[serde(default)]
    pub cucumber: Vec<Located<String>>,
    /// Cobertura XML coverage.
    #[serde(default)]
    pub cobertura: Vec<Located<String>>,
    /// JaCoCo XML coverage.
    #[serde(default)]
    pub jacoco: Vec<Located<String>>,
    /// Clover XML coverage.
    #[serde(default)]
    pub clover: Vec<Located<String>>,
    /// SimpleCov JSON coverage.
    #[serde(default)]
    pub simplecov: Vec<Located<String>>,
    /// lcov tracefiles (`lcov.info`).
    #[serde(default)]
    pub lcov: Vec<Located<String>>,
}

impl ReportsFile {
    /// The patterns of each format, by the format's key.
    pub fn by_format(&self) -> [(&'static str, &[Located<String>]); 11] {
        [
            ("junit", &self.junit),
            ("testng", &self.testng),
            ("nunit", &self.nunit),
            ("nunit3", &self.nunit3),
            ("trx", &self.trx),
            ("cucumber", &self.cucumber),
            ("cobertura", &self.cobertura),
            ("jacoco", &self.jacoco),
            ("clover", &self.clover),
            ("simplecov", &self.simplecov),
            ("lcov", &self.lcov),
        ]
    }
}

/// `cache:` of an action.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(with = "CacheSchema")]
pub enum CacheFile {
    Enabled(bool),
    Settings {
        /// Key by these workspace files instead of the whole workspace.
        inputs: Option<Vec<String>>,
        /// Persistent directories, mounted at `/cache/<name>`, kept from one
        /// run of the action to the next.
        dirs: Vec<String>,
    },
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum CacheSchema {
    /// Force caching on or off.
    Enabled(bool),
    /// Cache settings.
    Settings {
        /// Key by these workspace files (globs) instead of the whole workspace.
        inputs: Option<Vec<String>>,
        /// Persistent directories, mounted at `/cache/<name>` and kept from
        /// one run of the action to the next (tool caches, incremental builds).
        dirs: Option<Vec<String>>,
    },
}

impl<'de> Deserialize<'de> for CacheFile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CacheVisitor;
        impl<'de> serde::de::Visitor<'de> for CacheVisitor {
            type Value = CacheFile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false, or { inputs: [GLOBS], dirs: [NAMES] }")
            }
            fn visit_bool<E>(self, v: bool) -> Result<CacheFile, E> {
                Ok(CacheFile::Enabled(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<CacheFile, A::Error> {
                let mut inputs = None;
                let mut dirs = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "inputs" => inputs = Some(map.next_value::<Vec<String>>()?),
                        "dirs" => dirs = map.next_value::<Vec<String>>()?,
                        other => {
                            return Err(serde::de::Error::unknown_field(
                                other,
                                &["inputs", "dirs"],
                            ));
                        }
                    }
                }
                Ok(CacheFile::Settings { inputs, dirs })
            }
        }
        deserializer.deserialize_any(CacheVisitor)
    }
}

/// Per-action resource limits.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// Linear memories and tables of the plugin, all together (default 2 GiB).
    #[serde(default)]
    pub memory: Option<Located<SizeText>>,
    /// Log volume per attempt (default 16 MiB).
    #[serde(default)]
    pub log: Option<Located<SizeText>>,
    /// Size of each output artifact (default 4 GiB).
    #[serde(default)]
    pub output: Option<Located<SizeText>>,
    /// Time spent executing WebAssembly (default: no limit beyond `timeout`).
    #[serde(default)]
    pub cpu: Option<Located<DurationText>>,
    /// Handles (files, directories, streams) open at once, and the open-file
    /// limit of each program the plugin runs (default 1024).
    #[serde(default)]
    pub files: Option<Located<u32>>,
}

/// A size: `512 MiB`, `1GiB`, `100 MB`, or a number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(with = "SizeSchema")]
pub struct SizeText(pub u64);

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum SizeSchema {
    /// With a unit: `512 MiB`, `1 GiB`, `100 MB`.
    Text(String),
    /// Bytes.
    Bytes(u64),
}

impl<'de> Deserialize<'de> for SizeText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl serde::de::Visitor<'_> for SizeVisitor {
            type Value = SizeText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a size such as `512 MiB` or `1 GiB`, or a number of bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SizeText, E> {
                v.parse::<bytesize::ByteSize>()
                    .map(|size| SizeText(size.as_u64()))
                    .map_err(|error| E::custom(format!("`{v}` is not a size: {error}")))
            }
            fn visit_u64<E>(self, v: u64) -> Result<SizeText, E> {
                Ok(SizeText(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SizeText, E> {
                u64::try_from(v)
                    .map(SizeText)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

/// `success`, `failure` or `always`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConditionText {
    Success,
    Failure,
    Always,
}

/// The capabilities an action grants its plugin.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantsFile {
    /// `read-only` (the default) or `read-write`.
    #[serde(default)]
    pub workspace: Option<Located<AccessText>>,
    /// Host directories by the name the plugin asks for; each is mounted at
    /// `/mnt/<name>`. Relative paths are relative to the pipeline file.
    #[serde(default)]
    pub paths: IndexMap<Located<String>, Located<PathGrantFile>>,
    /// Origins the plugin may send HTTP requests to:
    /// `https://api.example.com`, `http://127.0.0.1:8080`.
    #[serde(default)]
    pub network: Vec<Located<String>>,
    /// Host programs the plugin may run: a name (any arguments), or a
    /// program with argument patterns (`*` one argument, `**` the rest).
    #[serde(default)]
    pub exec: Vec<Located<ExecGrantFile>>,
    /// Secret names the plugin may read.
    #[serde(default)]
    pub secrets: Vec<Located<String>>,
    /// Mount the run so far, as `kiln show --json` prints it, read-only at
    /// `/kiln/run.json` (for notifications and reports about the run).
    #[serde(default, rename = "run-status")]
    pub run_status: Option<Located<bool>>,
}

/// `cargo`, or `{ program: git, args: ["status", "log **"], env: [...],
/// runs: any | [programs], network: true }`.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(with = "ExecGrantSchema")]
pub struct ExecGrantFile {
    pub program: String,
    /// `None`: any arguments.
    pub args: Option<Vec<String>>,
    /// Variables the plugin may set for the program.
    pub env: Vec<String>,
    /// What the program may execute: `None` itself only.
    pub runs: Option<RunsText>,
    /// TCP for the program.
    pub network: bool,
}

/// `any`, or program names (or absolute paths).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RunsText {
    /// `any`: whatever is in the system directories and the mounts.
    Keyword(String),
    /// Programs on the host's PATH, or absolute paths.
    Programs(Vec<String>),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum ExecGrantSchema {
    /// A program, with any arguments, running only itself.
    Program(String),
    /// A program with the argument patterns it may be run with.
    Detailed {
        program: String,
        /// Argument patterns: `*` one argument, `**` the rest.
        args: Option<Vec<String>>,
        /// Variables the plugin may set for the program (names, or
        /// prefixes ending in `*`). Variables that make programs run other
        /// code are refused whatever this says.
        env: Option<Vec<String>>,
        /// What the program may execute in turn: `any`, or a list of
        /// programs (default: only itself).
        runs: Option<RunsText>,
        /// Whether the program may open TCP connections (default: no).
        network: Option<bool>,
    },
}

impl<'de> Deserialize<'de> for ExecGrantFile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExecVisitor;
        const FIELDS: &[&str] = &["program", "args", "env", "runs", "network"];
        impl<'de> serde::de::Visitor<'de> for ExecVisitor {
            type Value = ExecGrantFile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a program name, or { program: NAME, args: [PATTERNS], env: [NAMES], runs: any | [PROGRAMS], network: BOOL }",
                )
            }
            fn visit_str<E>(self, v: &str) -> Result<ExecGrantFile, E> {
                Ok(ExecGrantFile {
                    program: v.to_owned(),
                    args: None,
                    env: Vec::new(),
                    runs: None,
                    network: false,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ExecGrantFile, A::Error> {
                let mut grant = self.visit_str::<A::Error>("")?;
                let mut program = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "program" => program = Some(map.next_value::<String>()?),
                        "args" => grant.args = Some(map.next_value::<Vec<String>>()?),
                        "env" => grant.env = map.next_value::<Vec<String>>()?,
                        "runs" => grant.runs = Some(map.next_value::<RunsText>()?),
                        "network" => grant.network = map.next_value::<bool>()?,
                        other => return Err(serde::de::Error::unknown_field(other, FIELDS)),
                    }
                }
                grant.program =
                    program.ok_or_else(|| serde::de::Error::missing_field("program"))?;
                Ok(grant)
            }
        }
        deserializer.deserialize_any(ExecVisitor)
    }
}

/// A host directory granted to an action.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathGrantFile {
    pub path: Located<String>,
    /// `read-only` (the default) or `read-write`.
    #[serde(default)]
    pub access: Option<Located<AccessText>>,
    /// A variable through which programs the action runs get this
    /// directory's host path (`CARGO_HOME`, `RUSTUP_HOME`, `npm_config_cache`).
    #[serde(default)]
    pub env: Option<Located<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AccessText {
    ReadOnly,
    ReadWrite,
}

/// A scalar (string, number or boolean) used as text, as in environment
/// variables: `DEBUG: 1` means `"1"`.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(with = "ScalarSchema")]
pub struct ScalarValue(pub String);

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum ScalarSchema {
    Text(String),
    Number(f64),
    Flag(bool),
}

impl<'de> Deserialize<'de> for ScalarValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl serde::de::Visitor<'_> for ScalarVisitor {
            type Value = ScalarValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E>(self, v: &str) -> Result<ScalarValue, E> {
                Ok(ScalarValue(v.to_owned()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ScalarValue, E> {
                Ok(ScalarValue(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ScalarValue, E> {
                Ok(ScalarValue(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ScalarValue, E> {
                Ok(ScalarValue(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ScalarValue, E> {
                Ok(ScalarValue(v.to_string()))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// A duration: `30s`, `5m`, `1h 30m`, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(with = "DurationSchema")]
pub struct DurationText(pub std::time::Duration);

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
enum DurationSchema {
    /// humantime syntax: `90s`, `5m`, `1h 30m`.
    Text(String),
    /// Seconds.
    Seconds(u64),
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl serde::de::Visitor<'_> for DurationVisitor {
            type Value = DurationText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration such as `30s`, `5m` or `1h 30m`, or a number of seconds")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DurationText, E> {
                humantime::parse_duration(v)
                    .map(DurationText)
                    .map_err(|error| E::custom(format!("`{v}` is not a duration: {error}")))
            }
            fn visit_u64<E>(self, v: u64) -> Result<DurationText, E> {
                Ok(DurationText(std::time::Duration::from_secs(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DurationText, E> {
                u64::try_from(v)
                    .map(|secs| DurationText(std::time::Duration::from_secs(secs)))
                    .map_err(|_| E::custom("a duration cannot be negative"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DurationText, E> {
                std::time::Duration::try_from_secs_f64(v)
                    .map(DurationText)
                    .map_err(|error| E::custom(error.to_string()))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}
