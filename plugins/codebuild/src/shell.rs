//! Running the build: the script `kiln-buildspec` writes, run by the host
//! shell through the exec grant, and the records it leaves.

use std::path::Path;

use kiln_buildspec::{
    Buildspec, Outcome, RecordsTarget, ScriptOptions, Shell, parse_records, sh_quote,
};
use kiln_sdk::exec::{Command, ExecError, host_path};
use kiln_sdk::{Context, Error};

use crate::WORKDIR;

/// The programs the script runs besides the shell (see the crate docs of
/// `kiln-buildspec`, "What the script needs").
const TOOLS: [&str; 7] = ["od", "tr", "sed", "mktemp", "mkdir", "rm", "cat"];

/// The shell that runs the build, checked to be granted and able to run
/// other programs.
pub struct Runner {
    /// `sh` or `bash`: a bare name, as exec grants name programs.
    program: &'static str,
}

impl Runner {
    /// Checks, before anything runs, that the action grants the shell with
    /// `runs: any` and that the host has what the script needs: a missing
    /// grant is named, not discovered halfway through the build.
    pub fn prepare(spec: &Buildspec) -> Result<Runner, Error> {
        let program = match spec.env.shell {
            Shell::Sh => "sh",
            Shell::Bash => "bash",
        };
        let grant = format!("grants: {{ exec: [{{ program: {program}, runs: any }}] }}");
        // One line, as kiln logs the command: each tool's exit code is
        // 100 + its index; executing another program is what Landlock
        // refuses without `runs`.
        let probe = format!(
            "i=100; for t in {}; do command -v $t >/dev/null || exit $i; i=$((i+1)); done; od </dev/null >/dev/null || exit 126",
            TOOLS.join(" ")
        );
        let status = Command::new(program)
            .args(["-c", probe.as_str()])
            .status()
            .map_err(|error| match error {
                ExecError::Denied(_) => Error::new(format!(
                    "the action does not grant plugin `codebuild` exec of `{program}`, the shell that runs this buildspec (env.shell): add `{grant}`"
                )),
                ExecError::NotFound(_) => Error::new(format!(
                    "this machine has no `{program}` on its PATH, and the buildspec runs its commands with it (env.shell)"
                )),
                other => Error::new(format!("running `{program}`: {other}")),
            })?;
        match status.code {
            Some(0) => Ok(Runner { program }),
            Some(126) => Err(Error::new(format!(
                "`{program}` may not run other programs, and the buildspec's commands are other programs: add `runs: any` to its grant (`{grant}`)"
            ))),
            Some(code @ 100..=106) => Err(Error::new(format!(
                "this machine has no `{}`, which kiln's buildspec script needs",
                TOOLS[(code - 100) as usize]
            ))),
            _ => Err(Error::new(format!(
                "checking `{program}` failed ({status})"
            ))),
        }
    }

    /// Runs the build; what its records say. The action's log has the
    /// commands' output and CodeBuild's phase lines as they happen.
    pub fn run(
        &self,
        ctx: &Context,
        spec: &Buildspec,
        secrets: &[(String, String)],
    ) -> Result<Outcome, Error> {
        let host = |guest: &str| {
            host_path(guest)
                .ok_or_else(|| Error::new(format!("{guest} is not inside a mounted directory")))
        };
        let home = format!("{WORKDIR}/home");
        std::fs::create_dir_all(&home).map_err(|e| Error::new(format!("creating {home}: {e}")))?;
        let dir = host(WORKDIR)?;
        let workspace = ctx.workspace().to_string_lossy().into_owned();
        let mut environment = vec![("HOME".to_owned(), host(&home)?)];
        environment.extend(crate::environment::project_variables());
        let options = ScriptOptions {
            src_dir: Some(host(&workspace)?),
            records: RecordsTarget::File(format!("{dir}/records")),
            state_dir: Some(format!("{dir}/state")),
            build: crate::environment::build_info(ctx),
            environment,
            // Programs granted through exec may not leave their process
            // group (so neither `setsid` nor bash's job control work), and
            // kiln kills the group when the script ends: what commands left
            // running in the background stops then, as on CodeBuild.
            stop_background: false,
            ..ScriptOptions::default()
        };
        let script = with_secrets(&spec.script(&options), secrets, &dir);
        if !secrets.is_empty() {
            write(
                &format!("{WORKDIR}/secrets.sh"),
                &secret_lines(secrets, &options.secret_prefix),
            )?;
        }
        write(&format!("{WORKDIR}/build.sh"), &script)?;
        let status = Command::new(self.program)
            .arg(format!("{dir}/build.sh"))
            .current_dir(workspace.as_str())
            .status()
            .map_err(|error| Error::new(format!("running `{}`: {error}", self.program)))?;
        let records = std::fs::read_to_string(format!("{WORKDIR}/records")).unwrap_or_default();
        let records = parse_records(&records)
            .map_err(|error| Error::new(format!("reading the build's records: {error}")))?;
        let outcome = Outcome::new(spec, &records);
        if !outcome.finished {
            kiln_sdk::warn!("kiln: the build script ended before the build did ({status})");
        }
        Ok(outcome)
    }
}

fn write(path: &str, text: &str) -> Result<(), Error> {
    if let Some(parent) = Path::new(path).parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::new(format!("creating {}: {e}", parent.display())))?;
    }
    std::fs::write(path, text).map_err(|e| Error::new(format!("writing {path}: {e}")))
}

/// `KILN_SECRET_<VAR>='value'` lines: the carriers the script reads each
/// secret from (and unsets). They are in a file of their own, read and
/// removed by the script's first line, so that the script (kept for a
/// failed build's post-mortem in the attempt's `/tmp`) holds no secret;
/// the process environment would not do, as exec lets a plugin set only
/// the variables its grant lists.
fn secret_lines(secrets: &[(String, String)], prefix: &str) -> String {
    secrets
        .iter()
        .map(|(name, value)| {
            format!(
                "{prefix}{name}={}\nexport {prefix}{name}\n",
                sh_quote(value)
            )
        })
        .collect()
}

/// The script with, after its first line, the line that reads the secrets.
fn with_secrets(script: &str, secrets: &[(String, String)], dir: &str) -> String {
    if secrets.is_empty() {
        return script.to_owned();
    }
    let file = sh_quote(&format!("{dir}/secrets.sh"));
    let (first, rest) = script.split_once('\n').unwrap_or((script, ""));
    format!("{first}\n. {file}; rm -f {file}\n{rest}")
}
