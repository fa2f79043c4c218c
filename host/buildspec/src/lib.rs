//! AWS CodeBuild `buildspec.yml` files for kiln: parsing with positions, the
//! model of CodeBuild's build specification reference, a shell script that
//! runs a buildspec as CodeBuild does, and the selection of its artifacts,
//! reports and cache paths from a directory tree.
//!
//! Pure Rust, no I/O but reading a directory in [`FsTree`]: it builds for
//! the kiln host and for plugins (`wasm32-wasip2`) alike.
//!
//! ```
//! let spec = kiln_buildspec::parse(
//!     "buildspec.yml",
//!     "version: 0.2\nphases:\n  build:\n    commands:\n      - make test\n",
//! )
//! .expect("a valid buildspec");
//! let script = spec.script(&kiln_buildspec::ScriptOptions::default());
//! assert!(script.starts_with("#!/bin/sh"));
//! ```
//!
//! # Parsing
//!
//! [`parse`] reads the YAML with serde-saphyr into a tree whose every key
//! and value has its line and column ([`serde_saphyr::Spanned`]), then
//! builds the model from it by hand, so that it reports every problem at
//! once, each as `file:line:col: key.path: message`:
//!
//! ```text
//! buildspec.yml:12:3: phases.biuld: unknown phase `biuld` (did you mean `build`?)
//! buildspec.yml:7:9: phases.build.commands[1]: this command is a YAML mapping, not a string: ...
//! ```
//!
//! Scalars keep the text they were written as (`python: 3.10` asks for
//! 3.10, not 3.1; `- yes` is the command `yes`). A tab in the indentation,
//! a command that YAML read as a mapping (`- echo foo: bar`), a misspelled
//! or nested phase, an unknown key at any level, an unknown report
//! `file-format`, runtime or `on-failure` value, a version other than 0.1
//! and 0.2, a wrong type and a duplicate key are errors.
//!
//! ## Refused, warned about, accepted: the judgment calls
//!
//! Nothing is silently ignored. What kiln cannot do as CodeBuild does is
//! refused when running without it would give a different build, and
//! warned about ([`Buildspec::warnings`]) when the build itself is the same:
//!
//! - **Refused** (errors):
//!   - `env.shell` set to a Windows shell (`powershell.exe`, `pwsh.exe`,
//!     `cmd.exe`): those commands do not mean the same in bash.
//!   - `env.git-credential-helper: yes`: git would lack the credentials the
//!     commands count on.
//!   - `run-as` (top level or per phase): kiln cannot switch users, and
//!     ownership and permissions would differ.
//!   - `on-failure: RETRY`, `RETRY-<n>`, `RETRY-<regex>`,
//!     `RETRY-<n>-<regex>`: CodeBuild restarts the whole build; kiln's
//!     action `retries:` does that, a buildspec cannot.
//!   - `commands` (or `finally`) given as a string rather than a list:
//!     CodeBuild reads commands as a list; a string, above all one that
//!     YAML folded from several lines (corpus file 27), is a mistake.
//!   - Duplicate keys: which one YAML keeps differs between parsers.
//!   - Lists and mappings nested more than 16 levels deep (a buildspec
//!     needs 7): the located tree is built by recursion, which must stay
//!     far from any thread's stack limit.
//!   - Variable names that are not shell names.
//! - **Warned about**:
//!   - `batch`: CodeBuild itself ignores it when a build is started with
//!     StartBuild; kiln runs the buildspec as that one build, and the
//!     warning says the batch's builds are not run.
//!   - `proxy`: it only tells CodeBuild how to reach S3 and CloudWatch Logs.
//!   - `cache.key`, `cache.fallback-keys`, `cache.action`: kiln keys its
//!     caches itself; `cache.paths` is honoured.
//!   - `env.shell: sh`, `/bin/bash`...: not CodeBuild's documented
//!     spellings (`bash`, `/bin/sh`), read as the shell they name.
//!   - A variable both in `env.variables` and a secret store (the secret
//!     wins), and variables named `CODEBUILD_*` (reserved).
//!   - An empty phase.
//! - **Accepted** as CodeBuild's Go YAML decoder reads them: a null
//!   `commands:`, `finally:` or variable value (empty); `yes`/`no`/`true`/
//!   `false` in any case for booleans; a single string where a list of
//!   paths is expected (`artifacts.files`, `cache.paths`, as in corpus
//!   file 06). `finally` and `on-failure` are read in version 0.1 too
//!   (corpus file 02 uses `finally` with 0.1).
//! - **Case**: phase names, keys and `on-failure` values are exact
//!   (`PRE_BUILD` is refused with a suggestion, as the corpus marks it a
//!   defect); report `file-format` names too (`junitxml` is refused with
//!   `did you mean JUNITXML`), since the reference spells them in capitals.
//! - **Positions**: a command's position is its first character; for a
//!   block scalar (`- |`) that is the first line of its text.
//!
//! # The model
//!
//! [`Buildspec`] follows the build specification reference: `version` 0.1
//! or 0.2; `env` ([`Env`]: `shell`, `variables`, `parameter-store`,
//! `secrets-manager`, `exported-variables`); `phases` install (with
//! `runtime-versions`), pre_build, build and post_build ([`Phase`]: each
//! with `on-failure`, `commands`, `finally`); `reports` ([`Report`], with the
//! test formats JUNITXML, CUCUMBERJSON, TESTNGXML, NUNITXML, NUNIT3XML,
//! VISUALSTUDIOTRX and the coverage formats CLOVERXML, COBERTURAXML,
//! JACOCOXML, SIMPLECOV, LCOVINFO; JUNITXML by default); `artifacts`
//! ([`Artifacts`]: `files`, `name`, `discard-paths`, `base-directory`,
//! `exclude-paths`, `enable-symlinks`, `s3-prefix`, `secondary-artifacts`);
//! `cache.paths` ([`Cache`]).
//!
//! Secrets are resolved by the caller: [`Buildspec::secrets`] lists them
//! (variable, store, name); the script reads each value from the variable
//! `<prefix><VARIABLE>` ([`ScriptOptions::secret_prefix`], default
//! `KILN_SECRET_`), unsets the carrier, and fails the build before install
//! if one is missing, as CodeBuild fails a build whose parameter it cannot
//! read. A reference containing `$` (corpus file 16) is handed over as
//! written ([`Secret::has_variables`]).
//!
//! # Execution: the script
//!
//! [`Buildspec::script`] writes one POSIX shell script (run it with `bash`
//! or `sh`) that runs the buildspec as CodeBuild's agent does. Its exit
//! status is 0 when the build succeeded, 1 when it failed; it logs in
//! CodeBuild's words on stdout (`[codebuild] Running command make`,
//! `Command did not exit successfully make exit status 2`, `Phase
//! complete: BUILD State: FAILED`), and writes machine-readable records
//! ([`Record`]) to a file descriptor or a file ([`RecordsTarget`]), which
//! [`parse_records`] and [`Outcome::new`] read back: "phase build, command
//! `make test`, exit code 2".
//!
//! - **Commands and shells.** Every command runs in a new process of the
//!   shell `env.shell` names (`/bin/sh` by default, as on CodeBuild;
//!   `bash`), from a small script the driver writes with `printf` (so a
//!   command costs one process: its shell), with stdin from `/dev/null`.
//! - **Version 0.2: state carries.** CodeBuild's documentation says the
//!   commands run "in the same instance of the shell"; its agent does it by
//!   saving and restoring state around each command: it writes each command
//!   into a script that starts with `cd "$(cat dir.txt)"`, `set -a`,
//!   `. env.sh`, and ends with `CODEBUILD_LAST_EXIT=$?`, `export -p >
//!   env.sh`, `pwd > dir.txt`, `exit $CODEBUILD_LAST_EXIT`. kiln's script
//!   does the same (judgment call, on the evidence of CodeBuild's own
//!   logs: `CODEBUILD_LAST_EXIT` in the environment of real builds,
//!   "/codebuild/output/tmp/script.sh: line 4" in error messages, a
//!   `declare -A` array lost between commands; and of AWS's CodeCatalyst
//!   runner, which does the same). So, as on CodeBuild: `cd` and every
//!   variable assignment carry to the next command and across phases
//!   (`set -a` exports plain `X=1` too), and so does `CODEBUILD_LAST_EXIT`;
//!   shell functions, arrays, options (`set -e`), traps and the `pushd`
//!   stack do not; a command that calls `exit` ends before the state is
//!   saved, so its changes are lost; processes started in the background
//!   keep running.
//! - **Version 0.1: nothing carries.** Each command starts in
//!   `CODEBUILD_SRC_DIR` with the build's initial environment.
//! - **Environment.** The `CODEBUILD_*` values come from
//!   [`ScriptOptions::build`] ([`BuildInfo`], webhook ones included), then
//!   `env.variables` (literally: CodeBuild does not expand `$X` in them),
//!   then the secrets, then [`ScriptOptions::environment`] (the project's
//!   and start-build variables, which take precedence, as on CodeBuild).
//!   `CODEBUILD_SRC_DIR` is [`ScriptOptions::src_dir`] or the directory the
//!   script starts in. Variables of the caller's environment pass through.
//! - **Phases and failures.** Phases run in the order install, pre_build,
//!   build, post_build. In a phase, `commands` run until one fails; then
//!   `finally` runs (whether or not `commands` failed), until one of its
//!   commands fails. The phase fails if any command failed. Then, per
//!   [`OnFailure`]: without `on-failure`, a failed install or pre_build ends
//!   the build (later phases are skipped, artifacts are not uploaded), a
//!   failed build still runs post_build, a failed post_build still uploads
//!   artifacts; `ABORT` ends the build in every phase (judgment call);
//!   `CONTINUE` goes on as if the phase had succeeded. A skipped phase's
//!   `finally` does not run; a started phase's always does.
//! - **`CODEBUILD_BUILD_SUCCEEDING`** is `1` until a command fails, `0`
//!   from the next command on, including that phase's `finally` (judgment
//!   call: CodeBuild's reference only says it tells whether the build is
//!   failing). The script sets it in each command's environment after the
//!   saved state is restored, so a stale saved value never wins.
//! - **Multi-line commands** (YAML block scalars, or folded scalars with
//!   more-indented lines) run as one script whose status is its last
//!   line's, as on CodeBuild, which therefore hides the failure of an
//!   earlier line. kiln sees it: the command runs with an `ERR` trap that
//!   records each line that fails where `set -e` would stop (not inside
//!   conditions, `&&`/`||` lists or `!`), with its line number, without
//!   changing what the command does. When the command still exits 0 the
//!   log and [`Outcome::masked`] say so. dash (`/bin/sh` on Debian and
//!   Ubuntu) has no `ERR` trap: then [`Outcome::masking_unchecked`] is set
//!   and the log says that such failures cannot be seen.
//! - **`runtime-versions`**: kiln installs nothing. At the start of install
//!   it runs each runtime's version command (`node --version`,
//!   `python3 --version`, `java -version`, `go version`, `ruby --version`,
//!   `dotnet --version`, `php --version`, `docker --version`,
//!   `sdkmanager --version`) and records the first line; a missing runtime
//!   fails the install phase with a message saying which. A version other
//!   than the one asked for is reported ([`RuntimeCheck::matches`]), not a
//!   failure: the machine's runtime is the one that runs.
//! - **At the end**, in the build's final state (a last shell started like
//!   a command's): `env.exported-variables` are recorded (CodeBuild fixes
//!   their values after post_build; kiln records them whether the build
//!   succeeded or not, and leaves to the caller whether a failed build
//!   publishes them), and the artifact and report fields
//!   containing `$` or a backquote ([`Buildspec::dynamic_fields`]: `name:
//!   release-$(date +%Y%m%d)`, `base-directory: $DIR`) are expanded as
//!   inside double quotes; [`Buildspec::with_resolved`] puts them back.
//!   Then processes the commands left running in the background are
//!   stopped (each command runs in its own process group: `set -m` when
//!   bash runs the script, `setsid` otherwise), as CodeBuild discards its
//!   build container; [`ScriptOptions::stop_background`] turns that off.
//! - **Smaller judgment calls.** The saved directory is restored quoted
//!   (CodeBuild's agent runs `cd $(cat dir.txt)`, unquoted, so a directory
//!   with a space in its name is lost there; kiln keeps it).
//!   The runtime checks run before install's commands, in the build's
//!   initial environment. `CODEBUILD_LAST_EXIT` is not set before the
//!   first command (it comes from the saved state, as on CodeBuild).
//!   The `ERR` trap is not inherited by functions, subshells and command
//!   substitutions (no `errtrace`), so a failure inside those counts only
//!   through the status of the line that ran them.
//!   Only multi-line commands are traced: `false; true` on one line is the
//!   author's explicit choice.
//! - **What the script needs**: a POSIX `sh` (or bash) to run it, the
//!   shell of `env.shell` for the commands, and `od`, `tr`, `sed`,
//!   `mktemp`, `mkdir`, `rm`, `cat` (coreutils); `setsid` (util-linux) when
//!   not run by bash, for stopping background processes.
//!
//! # Selection of files
//!
//! [`select()`] picks the files of an artifact or a report group from a
//! directory tree ([`Tree`]: [`FsTree`] for a real directory, [`MemTree`] in
//! memory), with CodeBuild's rules for `base-directory` (a glob may name
//! several), `files` (`*`, `**`), `exclude-paths`, `discard-paths` and
//! `enable-symlinks`; [`cache_dirs`] turns `cache.paths` into the
//! directories to keep, [`select_cache`] lists their files. The rules and
//! their judgment calls are in the [`select`](mod@select) module.
//!
//! # What differs from CodeBuild, on purpose
//!
//! kiln installs no runtime (it checks and reports), runs no batch, cannot
//! switch users, and does not follow links to directories when selecting
//! files; each is refused, warned about or reported as described above.
//! Everything else that the reference and CodeBuild's observed behaviour
//! define is reproduced, including behaviour a naive port would get
//! "wrong" in the user's favour: a `pushd` in one command and a `popd` in
//! a later one fail on CodeBuild and in kiln (corpus file 25; see
//! `tests/corpus.rs`).
//!
//! # Not done here
//!
//! Running the script, resolving secrets, masking their values in logs,
//! uploading artifacts, parsing report files, and mapping the outcome to
//! kiln's run records are the caller's (kiln's `codebuild` plugin and
//! host).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod diag;
mod model;
mod parse;
mod records;
mod script;
pub mod select;
mod yaml;

pub use diag::{Diagnostic, Diagnostics, Located, Pos, Severity};
pub use model::*;
pub use parse::parse;
pub use records::{
    CommandFailure, MaskedFailure, Outcome, PhaseStatus, Record, RecordError, RuntimeCheck,
    parse_records,
};
pub use script::{BuildInfo, RecordsTarget, ScriptOptions, Webhook, sh_quote};
pub use select::{
    CacheDir, CacheRoot, Entry, EntryKind, FsTree, MemTree, SelectError, Selected, Selection, Tree,
    Unmatched, cache_dirs, select, select_cache,
};

/// A field expanded at the end of the build (see
/// [`Buildspec::dynamic_fields`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicField {
    /// Its key path, such as `artifacts.name`.
    pub path: String,
    /// The text as written.
    pub text: Located<String>,
}

/// A command of the buildspec, for listing or for a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRef<'a> {
    /// Its phase.
    pub phase: PhaseName,
    /// `commands` or `finally`.
    pub section: Section,
    /// Its index in the section.
    pub index: usize,
    /// The command.
    pub command: &'a Command,
}

impl Buildspec {
    /// The variables to resolve from secret stores, in file order.
    pub fn secrets(&self) -> &[Secret] {
        &self.env.secrets
    }

    /// Every command, in the order they would run if all succeeded.
    pub fn commands(&self) -> Vec<CommandRef<'_>> {
        let mut out = Vec::new();
        for phase in &self.phases {
            for section in [Section::Commands, Section::Finally] {
                for (index, command) in phase.section(section).iter().enumerate() {
                    out.push(CommandRef {
                        phase: phase.name,
                        section,
                        index,
                        command,
                    });
                }
            }
        }
        out
    }

    /// The phase of a name, if the buildspec has it.
    pub fn phase(&self, name: PhaseName) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }

    /// Visits every artifact and report field the script expands at the end
    /// of the build, in a fixed order (the indices of
    /// [`Record::Resolved`]).
    fn visit_dynamic(&mut self, mut f: impl FnMut(String, &mut Located<String>)) {
        fn dynamic(s: &str) -> bool {
            s.contains('$') || s.contains('`')
        }
        let visit_set =
            |prefix: &str, set: &mut FileSet, f: &mut dyn FnMut(String, &mut Located<String>)| {
                if let Some(b) = &mut set.base_directory
                    && dynamic(b)
                {
                    f(format!("{prefix}.base-directory"), b);
                }
                for (i, p) in set.files.iter_mut().enumerate() {
                    if dynamic(p) {
                        f(format!("{prefix}.files[{i}]"), p);
                    }
                }
                for (i, p) in set.exclude_paths.iter_mut().enumerate() {
                    if dynamic(p) {
                        f(format!("{prefix}.exclude-paths[{i}]"), p);
                    }
                }
            };
        if let Some(artifacts) = &mut self.artifacts {
            let primary = artifacts
                .primary
                .iter_mut()
                .map(|a| ("artifacts".to_owned(), a));
            let secondary = artifacts.secondary.iter_mut().map(|a| {
                let id = a
                    .identifier
                    .as_ref()
                    .map(|i| i.value.clone())
                    .unwrap_or_default();
                (format!("artifacts.secondary-artifacts.{id}"), a)
            });
            for (prefix, a) in primary.chain(secondary) {
                if let Some(n) = &mut a.name
                    && dynamic(n)
                {
                    f(format!("{prefix}.name"), n);
                }
                if let Some(n) = &mut a.s3_prefix
                    && dynamic(n)
                {
                    f(format!("{prefix}.s3-prefix"), n);
                }
                visit_set(&prefix, &mut a.files, &mut f);
            }
        }
        for r in &mut self.reports {
            let prefix = format!("reports.{}", r.group.value);
            visit_set(&prefix, &mut r.files, &mut f);
        }
    }

    /// The artifact and report fields that contain `$` or a backquote: the
    /// script expands them at the end of the build, in the build's final
    /// state, as the shell expands a double-quoted string (running any
    /// `$(command)` in them, as CodeBuild does for artifact names).
    pub fn dynamic_fields(&self) -> Vec<DynamicField> {
        let mut copy = self.clone();
        let mut out = Vec::new();
        copy.visit_dynamic(|path, text| {
            out.push(DynamicField {
                path,
                text: text.clone(),
            })
        });
        out
    }

    /// This buildspec with the fields of [`Buildspec::dynamic_fields`]
    /// replaced by their values at the end of a run; fields the outcome
    /// does not have keep their text.
    pub fn with_resolved(&self, outcome: &Outcome) -> Buildspec {
        let mut copy = self.clone();
        let mut index = 0;
        copy.visit_dynamic(|_, text| {
            if let Some((_, v)) = outcome.resolved.iter().find(|(i, _)| *i == index) {
                text.value = v.clone();
            }
            index += 1;
        });
        copy
    }
}
