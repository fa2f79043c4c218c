//! The buildspec as one shell script that runs it as CodeBuild does.
//!
//! See the crate documentation for the execution model; this module is its
//! implementation. The script is POSIX `sh` (it runs under `bash` and
//! `dash` alike); each command runs in the shell `env.shell` names.

use std::fmt::Write as _;

use crate::model::*;

/// Where the script writes its machine-readable records (see
/// [`crate::Record`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordsTarget {
    /// A file descriptor the caller opened for the script (default 3).
    Fd(u32),
    /// A file, appended to (created if missing).
    File(String),
}

impl Default for RecordsTarget {
    fn default() -> Self {
        RecordsTarget::Fd(3)
    }
}

/// The webhook variables, set when a webhook started the build.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Webhook {
    /// `CODEBUILD_WEBHOOK_EVENT` (`PUSH`, `PULL_REQUEST_CREATED`...).
    pub event: Option<String>,
    /// `CODEBUILD_WEBHOOK_HEAD_REF`.
    pub head_ref: Option<String>,
    /// `CODEBUILD_WEBHOOK_BASE_REF`.
    pub base_ref: Option<String>,
    /// `CODEBUILD_WEBHOOK_TRIGGER` (`branch/main`, `pr/12`, `tag/v1`).
    pub trigger: Option<String>,
    /// `CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID`.
    pub actor_account_id: Option<String>,
    /// `CODEBUILD_WEBHOOK_PREV_COMMIT`.
    pub prev_commit: Option<String>,
    /// `CODEBUILD_WEBHOOK_MERGE_COMMIT`.
    pub merge_commit: Option<String>,
}

/// The `CODEBUILD_*` values of this build, supplied by the caller. A `None`
/// leaves the variable unset.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    /// `CODEBUILD_BUILD_ID` (`project:uuid` on CodeBuild).
    pub build_id: Option<String>,
    /// `CODEBUILD_BUILD_NUMBER`.
    pub build_number: Option<String>,
    /// `CODEBUILD_BUILD_ARN`.
    pub build_arn: Option<String>,
    /// `CODEBUILD_RESOLVED_SOURCE_VERSION`: the commit built.
    pub resolved_source_version: Option<String>,
    /// `CODEBUILD_SOURCE_VERSION`: the version asked for (branch, tag,
    /// commit, `pr/N`).
    pub source_version: Option<String>,
    /// `CODEBUILD_SOURCE_REPO_URL`.
    pub source_repo_url: Option<String>,
    /// `CODEBUILD_START_TIME`: milliseconds since the Unix epoch.
    pub start_time: Option<String>,
    /// `CODEBUILD_INITIATOR`.
    pub initiator: Option<String>,
    /// The webhook variables, when a webhook started the build.
    pub webhook: Option<Webhook>,
    /// Other variables the build environment sets (`AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, `CODEBUILD_BUILD_IMAGE`, `CODEBUILD_CI`...):
    /// set with the `CODEBUILD_*` values, so `env.variables` override them.
    /// Names that are not shell names are left out.
    pub extra: Vec<(String, String)>,
}

impl BuildInfo {
    /// The variables to set, in a fixed order.
    pub fn variables(&self) -> Vec<(&'static str, &str)> {
        let w = self.webhook.as_ref();
        let all: [(&'static str, Option<&String>); 15] = [
            ("CODEBUILD_BUILD_ID", self.build_id.as_ref()),
            ("CODEBUILD_BUILD_NUMBER", self.build_number.as_ref()),
            ("CODEBUILD_BUILD_ARN", self.build_arn.as_ref()),
            (
                "CODEBUILD_RESOLVED_SOURCE_VERSION",
                self.resolved_source_version.as_ref(),
            ),
            ("CODEBUILD_SOURCE_VERSION", self.source_version.as_ref()),
            ("CODEBUILD_SOURCE_REPO_URL", self.source_repo_url.as_ref()),
            ("CODEBUILD_START_TIME", self.start_time.as_ref()),
            ("CODEBUILD_INITIATOR", self.initiator.as_ref()),
            ("CODEBUILD_WEBHOOK_EVENT", w.and_then(|w| w.event.as_ref())),
            (
                "CODEBUILD_WEBHOOK_HEAD_REF",
                w.and_then(|w| w.head_ref.as_ref()),
            ),
            (
                "CODEBUILD_WEBHOOK_BASE_REF",
                w.and_then(|w| w.base_ref.as_ref()),
            ),
            (
                "CODEBUILD_WEBHOOK_TRIGGER",
                w.and_then(|w| w.trigger.as_ref()),
            ),
            (
                "CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID",
                w.and_then(|w| w.actor_account_id.as_ref()),
            ),
            (
                "CODEBUILD_WEBHOOK_PREV_COMMIT",
                w.and_then(|w| w.prev_commit.as_ref()),
            ),
            (
                "CODEBUILD_WEBHOOK_MERGE_COMMIT",
                w.and_then(|w| w.merge_commit.as_ref()),
            ),
        ];
        all.into_iter()
            .filter_map(|(n, v)| v.map(|v| (n, v.as_str())))
            .collect()
    }
}

/// How to generate the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptOptions {
    /// `CODEBUILD_SRC_DIR`, where the build starts; `None`: the directory
    /// the script is started in.
    pub src_dir: Option<String>,
    /// Where records go (default: file descriptor 3).
    pub records: RecordsTarget,
    /// A directory for the state kept between commands (the exported
    /// variables and working directory of version 0.2, the command being
    /// run); `None`: a fresh `mktemp -d`, removed at the end. It holds the
    /// variables' values, secrets included, as CodeBuild's `env.sh` does:
    /// keep it private to the build.
    pub state_dir: Option<String>,
    /// The `CODEBUILD_*` values.
    pub build: BuildInfo,
    /// Variables of the project or of this start of the build: they take
    /// precedence over `env.variables` and the secrets, as on CodeBuild.
    pub environment: Vec<(String, String)>,
    /// Prefix of the variables that carry secret values to the script:
    /// `env.parameter-store` variable `TOKEN` is read from
    /// `<prefix>TOKEN` (default `KILN_SECRET_`), which is then unset.
    pub secret_prefix: String,
    /// The program commands run in, instead of `bash` or `/bin/sh` as
    /// `env.shell` says (for a bash that is not on `PATH`, say).
    pub shell_program: Option<String>,
    /// Stop the processes commands left running in the background when the
    /// build ends, as CodeBuild does when it discards the build container
    /// (default `true`).
    pub stop_background: bool,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        Self {
            src_dir: None,
            records: RecordsTarget::default(),
            state_dir: None,
            build: BuildInfo::default(),
            environment: Vec::new(),
            secret_prefix: "KILN_SECRET_".into(),
            shell_program: None,
            stop_background: true,
        }
    }
}

/// Quotes a string for `sh`: `'it'\''s'`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A here-document delimiter that is no line of `text`.
fn delimiter(base: &str, text: &str) -> String {
    let mut d = base.to_owned();
    while text.lines().any(|l| l == d) {
        d.push('_');
    }
    d
}

const PRELUDE: &str = r#"
__kiln_log() { printf '[codebuild] %s\n' "$*"; }
__kiln_hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
__kiln_q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
__kiln_fail_setup() { __kiln_log "$*"; __kiln_rec "build-end FAILED skip"; exit 1; }

if [ -n "$__kiln_state" ]; then
  mkdir -p "$__kiln_state" || __kiln_fail_setup "cannot create the state directory $__kiln_state"
  __kiln_tmp=0
else
  __kiln_state=$(mktemp -d) || __kiln_fail_setup "cannot create a state directory (mktemp -d)"
  __kiln_tmp=1
fi
__kiln_cleanup() { [ "$__kiln_tmp" = 1 ] && rm -rf "$__kiln_state"; }
trap '__kiln_cleanup; exit 143' TERM
trap '__kiln_cleanup; exit 130' INT
: > "$__kiln_state/env.sh"
: > "$__kiln_state/pgids"
__kiln_qs=$(__kiln_q "$__kiln_state")

if [ -n "$__kiln_src" ]; then
  cd -- "$__kiln_src" || __kiln_fail_setup "cannot enter the source directory $__kiln_src"
fi
__kiln_src=$(pwd)
pwd > "$__kiln_state/dir"
__kiln_qsrc=$(__kiln_q "$__kiln_src")

# Each command runs in its own process group, so that what it leaves
# running in the background can be stopped when the build ends.
__kiln_pg=
if [ "$__kiln_stop_background" = 1 ]; then
  if [ -n "${BASH_VERSION-}" ] && set -m 2>/dev/null; then
    __kiln_pg=monitor
  elif command -v setsid >/dev/null 2>&1; then
    __kiln_pg=setsid
  fi
fi

__kiln_succeeding=1
__kiln_upload=1
__kiln_stop=0
__kiln_ok=1
__kiln_fin=1
__kiln_errtrap=0
"#;

const PRELUDE_STEPS: &str = r#"
# The head of every command's script: for version 0.2 it restores the state
# the previous command saved (CodeBuild's agent does the same with its
# env.sh and dir.txt), for version 0.1 it starts afresh in the source
# directory. Then the agent's own variable. The scripts are written with
# printf, so that a command costs one process: its shell.
__kiln_nl='
'
__kiln_head=
__kiln_head_lines=0
if [ -n "$__kiln_pg" ]; then
  __kiln_head="${__kiln_head}echo \$\$ >> $__kiln_qs/pgids$__kiln_nl"
  __kiln_head_lines=$((__kiln_head_lines + 1))
fi
if [ "$__kiln_version" = 0.2 ]; then
  __kiln_head="${__kiln_head}IFS= read -r __kiln_dir < $__kiln_qs/dir; cd -- \"\$__kiln_dir\"; unset __kiln_dir$__kiln_nl"
  __kiln_head="${__kiln_head}set -a$__kiln_nl"
  __kiln_head="${__kiln_head}. $__kiln_qs/env.sh$__kiln_nl"
  __kiln_head_lines=$((__kiln_head_lines + 3))
  __kiln_tail="CODEBUILD_LAST_EXIT=\$?${__kiln_nl}export -p > $__kiln_qs/env.sh${__kiln_nl}pwd > $__kiln_qs/dir${__kiln_nl}exit \$CODEBUILD_LAST_EXIT$__kiln_nl"
else
  __kiln_head="${__kiln_head}cd -- $__kiln_qsrc$__kiln_nl"
  __kiln_head_lines=$((__kiln_head_lines + 1))
  __kiln_tail=
fi
# The ERR trap of multi-line commands (two lines).
__kiln_trap="__kiln_line_failed() { printf '%s %s\\n' \"\$2\" \"\$1\" >> $__kiln_qs/lines; }${__kiln_nl}trap '__kiln_line_failed \$? \$LINENO' ERR$__kiln_nl"

__kiln_run_shell() {
  case "$__kiln_pg" in
    setsid) setsid "$__kiln_shell" "$@" < /dev/null ;;
    *) "$__kiln_shell" "$@" < /dev/null ;;
  esac
}

# One command: $1 phase, $2 section, $3 index, $4 multi-line (1/0), $5 its
# number of lines, $6 the command.
__kiln_step() {
  __kiln_log "Running command $6"
  __kiln_rec "step-start $1 $2 $3"
  if [ "$4" = 1 ] && [ "$__kiln_errtrap" = 1 ]; then
    __kiln_t=$__kiln_trap
    __kiln_off=$((__kiln_head_lines + 3))
    : > "$__kiln_state/lines"
  else
    __kiln_t=
    __kiln_off=$((__kiln_head_lines + 1))
  fi
  printf '%sexport CODEBUILD_BUILD_SUCCEEDING=%s\n%s%s\n%s' "$__kiln_head" "$__kiln_succeeding" \
    "$__kiln_t" "$6" "$__kiln_tail" > "$__kiln_state/step.sh"
  __kiln_run_shell "$__kiln_state/step.sh"
  __kiln_rc=$?
  if [ -n "$__kiln_t" ]; then
    while read -r __kiln_l __kiln_c; do
      __kiln_l=$((__kiln_l - __kiln_off))
      if [ "$__kiln_l" -ge 1 ] && [ "$__kiln_l" -le "$5" ]; then
        __kiln_rec "line-failed $1 $2 $3 $__kiln_l $__kiln_c"
        if [ "$__kiln_rc" = 0 ]; then
          __kiln_log "kiln: line $__kiln_l of this command exited with status $__kiln_c, but its last line succeeded: CodeBuild counts the command as succeeded (so does kiln); start the command with 'set -e' to fail on it"
        fi
      fi
    done < "$__kiln_state/lines"
  fi
  __kiln_rec "step-end $1 $2 $3 $__kiln_rc"
  if [ "$__kiln_rc" != 0 ]; then
    __kiln_log "Command did not exit successfully $6 exit status $__kiln_rc"
    __kiln_succeeding=0
    return 1
  fi
  return 0
}

# The last shell, after the build: $1 its script.
__kiln_collect() {
  printf '%sexport CODEBUILD_BUILD_SUCCEEDING=%s\n%s\n' "$__kiln_head" "$__kiln_succeeding" "$1" > "$__kiln_state/collect.sh"
  __kiln_run_shell "$__kiln_state/collect.sh" || __kiln_log 'kiln: collecting exported variables failed'
}

__kiln_probe() {
  command -v "$1" >/dev/null 2>&1 || return 127
  "$@" 2>&1 < /dev/null | sed -n '1p'
}

# $1 runtime, $2 version asked for, $3 program, $4... probe command.
__kiln_runtime() {
  __kiln_rt=$1 __kiln_rv=$2 __kiln_rp=$3
  shift 3
  if __kiln_found=$(__kiln_probe "$@") && [ -n "$__kiln_found" ]; then
    __kiln_rec "runtime $__kiln_rt found x$(__kiln_hex "$__kiln_found")"
    __kiln_log "Runtime $__kiln_rt $__kiln_rv asked for: kiln uses the one on this machine: $__kiln_found"
    return 0
  fi
  __kiln_rec "runtime $__kiln_rt missing"
  __kiln_log "Runtime $__kiln_rt $__kiln_rv asked for, but this machine has no $__kiln_rp: the install phase fails"
  __kiln_succeeding=0
  return 1
}

__kiln_phase_start() {
  __kiln_rec "phase-start $1"
  __kiln_log "Entering phase $2"
  __kiln_ok=1
  __kiln_fin=1
}

# $1 phase, $2 log name, $3 stop|continue: what a failure does.
__kiln_phase_end() {
  if [ "$__kiln_ok" = 1 ] && [ "$__kiln_fin" = 1 ]; then
    __kiln_rec "phase-end $1 SUCCEEDED"
    __kiln_log "Phase complete: $2 State: SUCCEEDED"
  else
    __kiln_rec "phase-end $1 FAILED"
    __kiln_log "Phase complete: $2 State: FAILED"
    if [ "$3" = stop ]; then
      __kiln_stop=1
      __kiln_upload=0
    fi
  fi
}

__kiln_phase_skipped() {
  __kiln_rec "phase-skipped $1"
  __kiln_log "Skipping phase $2: an earlier phase failed"
}
"#;

const EPILOGUE: &str = r#"
if [ "$__kiln_succeeding" = 1 ]; then __kiln_result=SUCCEEDED; else __kiln_result=FAILED; fi
if [ "$__kiln_upload" = 1 ]; then __kiln_up=upload; else __kiln_up=skip; fi
__kiln_rec "build-end $__kiln_result $__kiln_up"
__kiln_log "Build complete: $__kiln_result"
if [ -n "$__kiln_pg" ]; then
  while read -r __kiln_g; do
    if kill -0 -"$__kiln_g" 2>/dev/null; then
      __kiln_log "Stopping what a command left running in the background (process group $__kiln_g)"
      kill -TERM -"$__kiln_g" 2>/dev/null
    fi
  done < "$__kiln_state/pgids"
fi
__kiln_cleanup
[ "$__kiln_result" = SUCCEEDED ]
"#;

impl Buildspec {
    /// The shell program commands run in.
    pub fn shell_program(&self, options: &ScriptOptions) -> String {
        options
            .shell_program
            .clone()
            .unwrap_or_else(|| self.env.shell.program().to_owned())
    }

    /// The script that runs this buildspec. Run it with `bash` or `sh`
    /// (it is POSIX); it exits 0 when the build succeeded, 1 when it
    /// failed, and writes its records to `options.records`. See the crate
    /// documentation for what it does and the records it writes.
    pub fn script(&self, options: &ScriptOptions) -> String {
        let mut s = String::new();
        let interpreter = match self.env.shell {
            Shell::Bash => "#!/usr/bin/env bash",
            Shell::Sh => "#!/bin/sh",
        };
        let _ = writeln!(s, "{interpreter}");
        let _ = writeln!(
            s,
            "# Generated by kiln-buildspec from {} (buildspec version {}).",
            self.file.replace(['\n', '\r'], " "),
            self.version.value
        );
        s.push_str(
            "# It runs the buildspec as AWS CodeBuild does: see the kiln-buildspec crate docs.\n",
        );
        let _ = writeln!(s, "__kiln_shell={}", sh_quote(&self.shell_program(options)));
        let _ = writeln!(
            s,
            "__kiln_version={}",
            match self.version.value {
                Version::V0_1 => "0.1",
                Version::V0_2 => "0.2",
            }
        );
        let _ = writeln!(
            s,
            "__kiln_state={}",
            sh_quote(options.state_dir.as_deref().unwrap_or(""))
        );
        let _ = writeln!(
            s,
            "__kiln_src={}",
            sh_quote(options.src_dir.as_deref().unwrap_or(""))
        );
        let _ = writeln!(
            s,
            "__kiln_stop_background={}",
            u8::from(options.stop_background)
        );
        let records = match &options.records {
            RecordsTarget::Fd(fd) => format!(">&{fd}"),
            RecordsTarget::File(path) => format!(">> {}", sh_quote(path)),
        };
        let _ = writeln!(s, "__kiln_rec() {{ printf '%s\\n' \"$*\" {records}; }}");
        s.push_str("__kiln_rec 'kiln-codebuild 1'\n");
        s.push_str(PRELUDE);

        // The environment: CODEBUILD_* first, then env.variables (literal),
        // then secrets, then the project's variables.
        s.push_str("\nexport CODEBUILD_SRC_DIR=\"$__kiln_src\"\n");
        for (name, value) in options.build.variables() {
            let _ = writeln!(s, "export {name}={}", sh_quote(value));
        }
        for (name, value) in &options.build.extra {
            if is_name(name) {
                let _ = writeln!(s, "export {name}={}", sh_quote(value));
            }
        }
        for (name, value) in &self.env.variables {
            let _ = writeln!(s, "export {}={}", name.value, sh_quote(value));
        }
        if !self.env.secrets.is_empty() {
            s.push_str("__kiln_missing=0\n");
        }
        for secret in &self.env.secrets {
            let var = &secret.variable.value;
            let carrier = secret.carrier(&options.secret_prefix);
            let message = format!(
                "Secret {var} from {} {} was not resolved: the build fails before it starts",
                secret.source, secret.reference.value
            );
            let _ = writeln!(
                s,
                "if [ -n \"${{{carrier}+set}}\" ]; then {var}=${carrier}; export {var}; else \
                 __kiln_log {}; __kiln_rec 'secret-missing {var}'; __kiln_missing=1; fi; unset {carrier}",
                sh_quote(&message)
            );
        }
        for (name, value) in &options.environment {
            if is_name(name) {
                let _ = writeln!(s, "export {name}={}", sh_quote(value));
            }
        }
        if !self.env.secrets.is_empty() {
            s.push_str(
                "if [ \"$__kiln_missing\" = 1 ]; then __kiln_cleanup; __kiln_rec 'build-end FAILED skip'; \
                 __kiln_log 'Build complete: FAILED'; exit 1; fi\n",
            );
        }

        let multiline = self
            .phases
            .iter()
            .flat_map(|p| p.commands.iter().chain(&p.finally))
            .any(Command::is_multiline);
        if multiline {
            s.push_str(
                "\n# Multi-line commands: their failing lines are traced with an ERR trap, where the\n\
                 # shell has one (bash has, dash has not).\n\
                 if \"$__kiln_shell\" -c 'trap \"exit 3\" ERR; false' >/dev/null 2>&1; [ $? = 3 ]; then\n  \
                 __kiln_errtrap=1\n\
                 else\n  \
                 __kiln_rec masking-unchecked\n  \
                 __kiln_log \"kiln: $__kiln_shell has no ERR trap: a multi-line command whose early lines fail but whose last line succeeds cannot be told apart\"\n\
                 fi\n",
            );
        }
        s.push_str(PRELUDE_STEPS);

        for phase in &self.phases {
            self.phase_script(&mut s, phase);
        }

        self.collect_script(&mut s, &records);
        s.push_str(EPILOGUE);
        s
    }

    fn phase_script(&self, s: &mut String, phase: &Phase) {
        let key = phase.name.key();
        let log = phase.name.log_name();
        let policy = match (phase.on_failure, phase.name) {
            (OnFailure::Abort, _) => "stop",
            (OnFailure::Continue, _) => "continue",
            (OnFailure::Transitions, PhaseName::Install | PhaseName::PreBuild) => "stop",
            (OnFailure::Transitions, PhaseName::Build | PhaseName::PostBuild) => "continue",
        };
        let _ = writeln!(s, "\n# ---- phase {key} (on failure: {policy})");
        let _ = writeln!(s, "if [ \"$__kiln_stop\" = 0 ]; then");
        let _ = writeln!(s, "__kiln_phase_start {key} {log}");
        for rt in &phase.runtime_versions {
            let probe = rt.probe();
            let program = probe.split(' ').next().unwrap_or(probe);
            let _ = writeln!(
                s,
                "__kiln_runtime {} {} {program} {probe} || __kiln_ok=0",
                sh_quote(&rt.name),
                sh_quote(&rt.version),
            );
        }
        for section in [Section::Commands, Section::Finally] {
            let flag = match section {
                Section::Commands => "__kiln_ok",
                Section::Finally => "__kiln_fin",
            };
            for (i, command) in phase.section(section).iter().enumerate() {
                let _ = writeln!(
                    s,
                    "if [ \"${flag}\" = 1 ]; then __kiln_step {key} {} {i} {} {} {} || {flag}=0; fi",
                    section.key(),
                    u8::from(command.is_multiline()),
                    command.text.lines().count(),
                    sh_quote(&command.text),
                );
            }
        }
        let _ = writeln!(s, "__kiln_phase_end {key} {log} {policy}");
        let _ = writeln!(s, "else\n__kiln_phase_skipped {key} {log}\nfi");
    }

    /// The end of the build: exported variables and the fields expanded in
    /// the build's final state, written by a last shell like a command's.
    fn collect_script(&self, s: &mut String, records: &str) {
        let fields = self.dynamic_fields();
        if self.env.exported_variables.is_empty() && fields.is_empty() {
            return;
        }
        let mut body = String::new();
        body.push_str("__kiln_hex() { printf '%s' \"$1\" | od -An -v -tx1 | tr -d ' \\n'; }\n");
        for name in &self.env.exported_variables {
            let n = &name.value;
            let _ = writeln!(
                body,
                "if [ -n \"${{{n}+set}}\" ]; then printf 'exported {n} x%s\\n' \"$(__kiln_hex \"${n}\")\" {records}; \
                 else printf 'exported {n} -\\n' {records}; fi"
            );
        }
        for (i, field) in fields.iter().enumerate() {
            // An unquoted here-document expands `$X`, `$(...)` and
            // backquotes as double quotes do, but leaves `"` alone, so a
            // `$(cmd "arg")` in the field works.
            let end = delimiter("__KILN_FIELD_END__", &field.text);
            let _ = writeln!(
                body,
                "__kiln_v=$(cat <<{end}\n{}\n{end}\n)\nprintf 'resolved {i} x%s\\n' \"$(__kiln_hex \"$__kiln_v\")\" {records}",
                field.text.value
            );
        }
        let _ = writeln!(
            s,
            "\n# ---- after the build: exported variables, expanded artifact and report fields\n\
             __kiln_collect {}",
            sh_quote(&body)
        );
    }
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(
            delimiter("__KILN_CMD_END__", "x\n__KILN_CMD_END__\n"),
            "__KILN_CMD_END___"
        );
    }

    #[test]
    fn build_info_variables() {
        let info = BuildInfo {
            build_id: Some("p:1".into()),
            webhook: Some(Webhook {
                event: Some("PUSH".into()),
                ..Webhook::default()
            }),
            ..BuildInfo::default()
        };
        assert_eq!(
            info.variables(),
            [
                ("CODEBUILD_BUILD_ID", "p:1"),
                ("CODEBUILD_WEBHOOK_EVENT", "PUSH")
            ]
        );
    }
}
