//! The environment of a granted program: built by kiln, never chosen by
//! the plugin.
//!
//! Argument patterns mean nothing if the plugin can also pick the child's
//! variables: `GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.fsmonitor` turns
//! `git status` into any command, and so does a `HOME` pointed at a
//! `.gitconfig` the plugin wrote. So the environment is, in this order:
//!
//! 1. `PATH` (the host's search path), `HOME` (an empty directory kiln
//!    creates for the attempt, outside every mount and read-only to the
//!    child, so no tool finds a user configuration the plugin could have
//!    written), `TMPDIR` (the attempt's `/tmp`), and `GIT_TERMINAL_PROMPT=0`;
//! 2. the pipeline's variables (`env:` in kiln.yaml, written by whoever
//!    wrote the pipeline, who is trusted), and the variables path grants
//!    export (`paths: { cargo-home: { path: ~/.cargo, env: CARGO_HOME } }`);
//! 3. the variables the plugin asks for, each only if the grant's `env:`
//!    names it, and never one of [`never_from_a_plugin`], whatever the
//!    grant says: variables that make a program load or run other code,
//!    or read its configuration from somewhere else.
//!
//! What this cannot cover: configuration a program reads from its working
//! directory or the files it is pointed at (a repository's `.git/config`,
//! a project's `.cargo/config.toml`, a `Makefile`). Landlock's execute
//! right ([`Runs`](super::Runs)) is what stops such a file from starting
//! another program; a build tool granted `runs: any` runs what the project
//! tells it to, by design.

use std::path::{Path, PathBuf};

use super::denied::ExecDenied;
use kiln_model::grants::ExecGrant;

/// What kiln puts into every child's environment before the plugin's
/// variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseEnv {
    /// The directory given as `HOME`: empty, created by kiln.
    pub home: PathBuf,
    /// The attempt's `/tmp` on the host, given as `TMPDIR`.
    pub tmpdir: Option<PathBuf>,
    /// The pipeline's variables and those path grants export, in order.
    pub trusted: Vec<(String, String)>,
}

/// Why a variable may never be set by a plugin, or `None`.
pub fn never_from_a_plugin(name: &str) -> Option<&'static str> {
    const LOADS_CODE: &str = "it makes programs load or run other code";
    const CONFIG: &str = "it points programs at configuration or code elsewhere";
    const KILNS: &str = "kiln sets it for every program";
    // Harmless variables of a family refused below.
    const GIT_IDENTITY: &[&str] = &[
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
    ];
    if GIT_IDENTITY.contains(&name) {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    let exact: &[(&[&str], &'static str)] = &[
        (&["PATH", "HOME", "TMPDIR", "TMP", "TEMP"], KILNS),
        (
            &[
                "GCONV_PATH",
                "GETCONF_DIR",
                "LOCPATH",
                "NLSPATH",
                "HOSTALIASES",
                "RESOLV_HOST_CONF",
                "ENV",
                "BASH_ENV",
                "PROMPT_COMMAND",
                "PS4",
                "SHELLOPTS",
                "BASHOPTS",
                "IFS",
                "CDPATH",
                "GLOBIGNORE",
                "SHELL",
                "ZDOTDIR",
                "EDITOR",
                "VISUAL",
                "PAGER",
                "MANPAGER",
                "LESSOPEN",
                "LESSCLOSE",
                "BROWSER",
                "RUSTC",
                "RUSTDOC",
                "RUSTFLAGS",
                "RUSTDOCFLAGS",
                "CC",
                "CXX",
                "CPP",
                "LD",
                "AR",
                "AS",
                "NM",
                "RANLIB",
                "STRIP",
                "OBJCOPY",
                "OBJDUMP",
                "CFLAGS",
                "CXXFLAGS",
                "CPPFLAGS",
                "LDFLAGS",
                "MAKEFLAGS",
                "GNUMAKEFLAGS",
                "MFLAGS",
                "MAKEFILES",
                "COMPILER_PATH",
                "GCC_EXEC_PREFIX",
                "NODE_OPTIONS",
                "NODE_PATH",
                "PERL5OPT",
                "PERL5LIB",
                "PERLLIB",
                "PERL5DB",
                "RUBYOPT",
                "RUBYLIB",
                "JAVA_TOOL_OPTIONS",
                "_JAVA_OPTIONS",
                "JDK_JAVA_OPTIONS",
                "MAVEN_OPTS",
                "MAVEN_ARGS",
                "GRADLE_OPTS",
                "GOFLAGS",
                "GOENV",
                "GOROOT",
                "GOTOOLCHAIN",
                "TAR_OPTIONS",
                "GZIP",
                "XZ_OPT",
                "BZIP",
                "BZIP2",
                "OPENSSL_CONF",
                "OPENSSL_ENGINES",
                "OPENSSL_MODULES",
            ],
            LOADS_CODE,
        ),
        (
            &[
                "CURL_HOME",
                "WGETRC",
                "KUBECONFIG",
                "AWS_CONFIG_FILE",
                "AWS_SHARED_CREDENTIALS_FILE",
                "BOTO_CONFIG",
                "CLOUDSDK_CONFIG",
                "AZURE_CONFIG_DIR",
                "GNUPGHOME",
                "GRADLE_USER_HOME",
                "INPUTRC",
                "TERMINFO",
                "TERMINFO_DIRS",
            ],
            CONFIG,
        ),
    ];
    for (names, reason) in exact {
        if names.contains(&name) {
            return Some(reason);
        }
    }
    // Families: every variable of these tools is refused, since each has
    // some that run code or redirect configuration.
    let prefixes: &[(&str, &'static str)] = &[
        ("LD_", LOADS_CODE),
        ("DYLD_", LOADS_CODE),
        ("BASH_FUNC_", LOADS_CODE),
        ("GIT_", LOADS_CODE),
        ("SSH_", LOADS_CODE),
        ("CARGO_", LOADS_CODE),
        ("RUSTC_", LOADS_CODE),
        ("RUSTUP_", CONFIG),
        ("CCACHE_", LOADS_CODE),
        ("DISTCC_", LOADS_CODE),
        ("PKG_CONFIG", CONFIG),
        ("PYTHON", LOADS_CODE),
        ("PIP_", LOADS_CODE),
        ("NPM_CONFIG_", LOADS_CODE),
        ("YARN_", LOADS_CODE),
        ("COREPACK_", LOADS_CODE),
        ("PERL5", LOADS_CODE),
        ("GEM_", LOADS_CODE),
        ("BUNDLE_", LOADS_CODE),
        ("CGO_", LOADS_CODE),
        ("DOCKER_", CONFIG),
        ("XDG_", CONFIG),
    ];
    // npm reads `npm_config_*` in any case.
    prefixes
        .iter()
        .find(|(prefix, _)| upper.starts_with(prefix))
        .map(|(_, reason)| *reason)
}

/// The child's environment for a request of `program`, admitted by
/// `grants` (the grants of that program whose patterns admitted the
/// arguments), with the plugin's `requested` variables.
pub fn child_env(
    base: &BaseEnv,
    search_path: &[&Path],
    program: &str,
    grants: &[&ExecGrant],
    requested: &[(String, String)],
) -> Result<Vec<(String, String)>, ExecDenied> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |name: &str, value: String| {
        env.retain(|(existing, _)| existing != name);
        env.push((name.to_owned(), value));
    };
    if let Ok(path) = std::env::join_paths(search_path) {
        set("PATH", path.to_string_lossy().into_owned());
    }
    set("HOME", base.home.to_string_lossy().into_owned());
    if let Some(tmp) = &base.tmpdir {
        set("TMPDIR", tmp.to_string_lossy().into_owned());
    }
    set("GIT_TERMINAL_PROMPT", "0".into());
    for (name, value) in &base.trusted {
        set(name, value.clone());
    }
    for (name, value) in requested {
        check_requested(program, grants, name)?;
        set(name, value.clone());
    }
    Ok(env)
}

/// Whether the plugin may set `name` for `program`.
fn check_requested(program: &str, grants: &[&ExecGrant], name: &str) -> Result<(), ExecDenied> {
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return Err(ExecDenied::BadVariable {
            program: program.to_owned(),
            name: name.to_owned(),
        });
    }
    if let Some(reason) = never_from_a_plugin(name) {
        return Err(ExecDenied::VariableRefused {
            program: program.to_owned(),
            name: name.to_owned(),
            reason,
        });
    }
    if !grants.iter().any(|grant| grant.allows_env(name)) {
        return Err(ExecDenied::VariableNotGranted {
            program: program.to_owned(),
            name: name.to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_model::grants::EnvPattern;

    fn grant_with_env(patterns: &[&str]) -> ExecGrant {
        let mut grant = ExecGrant::any_args("git");
        grant.env = patterns
            .iter()
            .map(|p| EnvPattern::parse(p).unwrap())
            .collect();
        grant
    }

    fn build(
        grant: &ExecGrant,
        requested: &[(&str, &str)],
    ) -> Result<Vec<(String, String)>, ExecDenied> {
        let base = BaseEnv {
            home: "/kiln/home".into(),
            tmpdir: Some("/kiln/tmp".into()),
            trusted: vec![("MODE".into(), "ci".into())],
        };
        let requested: Vec<(String, String)> = requested
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        child_env(&base, &[Path::new("/usr/bin")], "git", &[grant], &requested)
    }

    #[test]
    fn code_execution_variables_are_refused_whatever_the_grant() {
        let open = grant_with_env(&["*"]);
        for name in [
            "GIT_CONFIG_COUNT",
            "GIT_CONFIG_KEY_0",
            "GIT_SSH_COMMAND",
            "GIT_EXEC_PATH",
            "HOME",
            "XDG_CONFIG_HOME",
            "LD_PRELOAD",
            "BASH_ENV",
            "RUSTC_WRAPPER",
            "CARGO_HOME",
            "npm_config_script_shell",
            "PYTHONSTARTUP",
            "NODE_OPTIONS",
            "MAKEFLAGS",
            "TAR_OPTIONS",
        ] {
            let denied = build(&open, &[(name, "x")]).unwrap_err();
            assert!(
                matches!(denied, ExecDenied::VariableRefused { .. }),
                "{name}: {denied}"
            );
            assert!(denied.to_string().contains(name), "{denied}");
        }
    }

    #[test]
    fn other_variables_need_the_grant() {
        let closed = grant_with_env(&[]);
        let denied = build(&closed, &[("LANG", "C")]).unwrap_err();
        assert_eq!(
            denied.to_string(),
            "`LANG` may not be set for `git`: its exec grant does not list it (add `env: [LANG]` to the grant)"
        );
        let env = build(
            &grant_with_env(&["LANG", "GIT_AUTHOR_*"]),
            &[("LANG", "C"), ("GIT_AUTHOR_NAME", "A")],
        )
        .unwrap();
        assert!(env.contains(&("LANG".into(), "C".into())));
        assert!(env.contains(&("GIT_AUTHOR_NAME".into(), "A".into())));
    }

    #[test]
    fn kiln_builds_the_base() {
        let env = build(&grant_with_env(&[]), &[]).unwrap();
        let names: Vec<&str> = env.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["PATH", "HOME", "TMPDIR", "GIT_TERMINAL_PROMPT", "MODE"]
        );
        assert!(env.contains(&("HOME".into(), "/kiln/home".into())));
    }
}
