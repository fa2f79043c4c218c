//! CodeBuild's execution semantics, each checked by running a small
//! buildspec's script for real with bash or sh on this machine.

mod common;

use common::{Driver, Runner, have, parse, run};
use kiln_buildspec::{BuildInfo, PhaseName, PhaseStatus, Record, ScriptOptions, Section, Webhook};

fn phases(run: &common::Run) -> Vec<(PhaseName, PhaseStatus)> {
    run.outcome.phases.clone()
}

use PhaseName::{Build, Install, PostBuild, PreBuild};
use PhaseStatus::{Failed, Skipped, Succeeded};

#[test]
fn version_0_2_carries_cd_and_variables_across_commands_and_phases() {
    let r = run(r#"version: 0.2
phases:
  install:
    commands:
      - mkdir -p a/b && cd a
      - export EXPORTED=one
      - PLAIN=two
  pre_build:
    commands:
      - cd b
  build:
    commands:
      - pwd > "$CODEBUILD_SRC_DIR/pwd.txt"
      - echo "$EXPORTED $PLAIN" > "$CODEBUILD_SRC_DIR/vars.txt"
      - sh -c 'echo "$PLAIN"' > "$CODEBUILD_SRC_DIR/child.txt"
"#);
    assert_eq!(r.status, 0, "{}", r.log());
    assert_eq!(
        r.file("pwd.txt").trim(),
        r.src().join("a/b").display().to_string()
    );
    assert_eq!(r.file("vars.txt"), "one two\n");
    // `set -a`: a plain assignment is exported too, as on CodeBuild.
    assert_eq!(r.file("child.txt"), "two\n");
    assert!(r.outcome.succeeded && r.outcome.upload_artifacts);
}

#[test]
fn version_0_2_state_is_variables_and_directory_only() {
    let r = run(r#"version: 0.2
env:
  shell: bash
phases:
  build:
    commands:
      - f() { echo hi; }
      - type f > /dev/null 2>&1 && echo function > carried.txt || echo none > carried.txt
      - set -e
      - false; echo "set -e did not carry" > sete.txt
      - ARR=(x y)
      - echo "${#ARR[@]}" > arr.txt
      - sh -c 'exit 4'
      - echo "$CODEBUILD_LAST_EXIT" > last.txt
"#);
    // Functions, options and arrays do not carry (CodeBuild restores state
    // from `export -p`); CODEBUILD_LAST_EXIT is the previous command's.
    assert_eq!(r.file("carried.txt"), "none\n");
    assert_eq!(r.file("sete.txt"), "set -e did not carry\n");
    assert_eq!(r.file("arr.txt"), "0\n");
    // The command that exited 4 failed the build: the rest of the phase
    // did not run.
    assert!(!r.has_file("last.txt"), "{}", r.log());
    let r = run(r#"version: 0.2
phases:
  build:
    commands:
      - sh -c 'exit 4' || true
      - echo "$CODEBUILD_LAST_EXIT" > last.txt
      - (exit 0)
      - echo "$CODEBUILD_LAST_EXIT" > last2.txt
"#);
    assert_eq!(r.file("last.txt"), "0\n");
    assert_eq!(r.file("last2.txt"), "0\n");
}

#[test]
fn a_command_that_calls_exit_loses_its_state_changes() {
    let r = run(r#"version: 0.2
phases:
  build:
    commands:
      - X=before
      - X=changed; cd /; exit 3
    finally:
      - echo "$X $(pwd)" > after.txt
"#);
    assert_eq!(r.status, 1);
    // The state is saved after the command; `exit` skips that, as on
    // CodeBuild.
    assert_eq!(
        r.file("after.txt"),
        format!("before {}\n", r.src().display())
    );
    let f = &r.outcome.failures;
    assert_eq!(f.len(), 1, "{}", r.log());
    assert_eq!(
        f[0].to_string(),
        "phase build, command `X=changed; cd /; exit 3`, exit code 3"
    );
}

#[test]
fn version_0_1_runs_each_command_in_a_fresh_shell() {
    let r = run(r#"version: 0.1
env:
  variables:
    FROM_ENV: visible
phases:
  build:
    commands:
      - mkdir -p sub && cd sub && touch inside.txt
      - export LATER=lost; X=lost
      - pwd > pwd.txt
      - echo "[$LATER][$X][$FROM_ENV]" > vars.txt
"#);
    assert_eq!(r.status, 0, "{}", r.log());
    assert!(r.has_file("sub/inside.txt"));
    assert_eq!(r.file("pwd.txt").trim(), r.src().display().to_string());
    assert_eq!(r.file("vars.txt"), "[][][visible]\n");
}

#[test]
fn the_shell_is_env_shell() {
    let text = |shell: &str| {
        format!(
            "version: 0.2\nenv:\n  shell: {shell}\nphases:\n  build:\n    commands:\n      - echo \"${{BASH_VERSION:+bash}}\" > shell.txt\n"
        )
    };
    let r = run(&text("bash"));
    assert_eq!(r.file("shell.txt"), "bash\n");
    let sh_is_bash =
        std::fs::read_link("/bin/sh").is_ok_and(|t| t.to_string_lossy().contains("bash"));
    let r = run(&text("/bin/sh"));
    assert_eq!(
        r.file("shell.txt"),
        if sh_is_bash { "bash\n" } else { "\n" }
    );
    // The default is /bin/sh.
    let spec = parse("version: 0.2\nphases:\n  build:\n    commands: [ls]\n");
    assert_eq!(spec.shell_program(&ScriptOptions::default()), "/bin/sh");
}

#[test]
fn a_failed_install_skips_the_rest_but_runs_its_finally() {
    let r = run(r#"version: 0.2
phases:
  install:
    commands:
      - touch install1
      - sh -c 'exit 2'
      - touch install3
    finally:
      - touch install-finally
  pre_build:
    commands:
      - touch pre_build
    finally:
      - touch pre_build-finally
  build:
    commands:
      - touch build
  post_build:
    commands:
      - touch post_build
"#);
    assert_eq!(r.status, 1);
    assert!(r.has_file("install1") && r.has_file("install-finally"));
    for f in [
        "install3",
        "pre_build",
        "pre_build-finally",
        "build",
        "post_build",
    ] {
        assert!(!r.has_file(f), "{f} ran\n{}", r.log());
    }
    assert_eq!(
        phases(&r),
        [
            (Install, Failed),
            (PreBuild, Skipped),
            (Build, Skipped),
            (PostBuild, Skipped)
        ]
    );
    assert!(
        !r.outcome.upload_artifacts,
        "no UPLOAD_ARTIFACTS after a failed install"
    );
    assert_eq!(
        r.outcome.failures[0].to_string(),
        "phase install, command `sh -c 'exit 2'`, exit code 2"
    );
    assert!(
        r.stdout
            .contains("[codebuild] Command did not exit successfully sh -c 'exit 2' exit status 2")
    );
    assert!(
        r.stdout
            .contains("[codebuild] Phase complete: INSTALL State: FAILED")
    );
}

#[test]
fn a_failed_pre_build_skips_build_and_post_build() {
    let r = run(r#"version: 0.2
phases:
  pre_build:
    commands:
      - "false"
    finally:
      - touch pre-finally
  build:
    commands:
      - touch build
  post_build:
    commands:
      - touch post
"#);
    assert_eq!(r.status, 1);
    assert!(r.has_file("pre-finally"));
    assert!(!r.has_file("build") && !r.has_file("post"));
    assert_eq!(
        phases(&r),
        [(PreBuild, Failed), (Build, Skipped), (PostBuild, Skipped)]
    );
    assert!(!r.outcome.upload_artifacts);
}

#[test]
fn a_failed_build_still_runs_post_build_and_uploads() {
    let r = run(r#"version: 0.2
phases:
  build:
    commands:
      - echo "$CODEBUILD_BUILD_SUCCEEDING" > build-succeeding
      - make -f /nonexistent/Makefile test
      - touch not-reached
    finally:
      - echo "$CODEBUILD_BUILD_SUCCEEDING" > finally-succeeding
  post_build:
    commands:
      - echo "$CODEBUILD_BUILD_SUCCEEDING" > post-succeeding
"#);
    assert_eq!(r.status, 1);
    assert_eq!(r.file("build-succeeding"), "1\n");
    assert_eq!(r.file("finally-succeeding"), "0\n");
    assert_eq!(r.file("post-succeeding"), "0\n");
    assert!(!r.has_file("not-reached"));
    assert_eq!(phases(&r), [(Build, Failed), (PostBuild, Succeeded)]);
    assert!(
        r.outcome.upload_artifacts,
        "artifacts are uploaded after a failed build"
    );
    assert!(!r.outcome.succeeded);
    let f = &r.outcome.failures[0];
    assert_eq!(
        (f.phase, f.section, f.index, f.exit_code),
        (Build, Section::Commands, 1, 2)
    );
    assert_eq!(
        f.to_string(),
        "phase build, command `make -f /nonexistent/Makefile test`, exit code 2"
    );
}

#[test]
fn a_failed_post_build_still_uploads() {
    let r = run(
        "version: 0.2\nphases:\n  build:\n    commands: [\"true\"]\n  post_build:\n    commands: [\"false\"]\n",
    );
    assert_eq!(r.status, 1);
    assert_eq!(phases(&r), [(Build, Succeeded), (PostBuild, Failed)]);
    assert!(r.outcome.upload_artifacts);
}

#[test]
fn on_failure_continue_and_abort() {
    let r = run(r#"version: 0.2
phases:
  install:
    on-failure: CONTINUE
    commands:
      - "false"
  pre_build:
    commands:
      - echo "$CODEBUILD_BUILD_SUCCEEDING" > pre-succeeding
  build:
    on-failure: ABORT
    commands:
      - "false"
  post_build:
    commands:
      - touch post
"#);
    assert_eq!(r.status, 1);
    assert_eq!(
        r.file("pre-succeeding"),
        "0\n",
        "the build is failed although it continues"
    );
    assert!(!r.has_file("post"), "ABORT on build skips post_build");
    assert_eq!(
        phases(&r),
        [
            (Install, Failed),
            (PreBuild, Succeeded),
            (Build, Failed),
            (PostBuild, Skipped)
        ]
    );
    assert!(
        !r.outcome.upload_artifacts,
        "ABORT ends the build before UPLOAD_ARTIFACTS"
    );
}

#[test]
fn finally_runs_after_success_and_stops_at_its_first_failure() {
    let r = run(r#"version: 0.2
phases:
  build:
    commands:
      - touch one
    finally:
      - touch fin1
      - sh -c 'exit 5'
      - touch fin3
  post_build:
    commands:
      - touch post
"#);
    assert_eq!(r.status, 1);
    assert!(r.has_file("one") && r.has_file("fin1") && !r.has_file("fin3"));
    assert!(r.has_file("post"));
    assert_eq!(
        r.outcome.failures[0].to_string(),
        "phase build, finally command `sh -c 'exit 5'`, exit code 5"
    );
}

#[test]
fn succeeding_is_1_while_nothing_failed() {
    let r = run(r#"version: 0.2
phases:
  install:
    commands:
      - echo "$CODEBUILD_BUILD_SUCCEEDING" >> s
  build:
    commands:
      - echo "$CODEBUILD_BUILD_SUCCEEDING" >> s
      - CODEBUILD_BUILD_SUCCEEDING=7
      - echo "$CODEBUILD_BUILD_SUCCEEDING" >> s
"#);
    // The agent's value wins over a saved one.
    assert_eq!(r.file("s"), "1\n1\n1\n");
    assert_eq!(r.status, 0);
}

#[test]
fn multi_line_commands_masking_failures_are_flagged() {
    let text = |shell: &str| {
        format!(
            r#"version: 0.2
env:
  shell: {shell}
phases:
  build:
    commands:
      - |
        echo first
        ls /nonexistent-kiln-path
        if false; then echo never; fi
        false || true
        echo last
      - |
        echo ok
        exit 0
"#
        )
    };
    let r = run(&text("bash"));
    assert_eq!(
        r.status,
        0,
        "CodeBuild counts the command as succeeded: {}",
        r.log()
    );
    assert!(r.outcome.failures.is_empty());
    let m = &r.outcome.masked;
    assert_eq!(m.len(), 1, "{}", r.log());
    // Only the line `set -e` would have stopped at: not the `if`
    // condition, not the `||` list.
    assert_eq!(m[0].lines, [(2, "ls /nonexistent-kiln-path".to_owned(), 2)]);
    assert_eq!(
        m[0].to_string(),
        "phase build, command `echo first ...` (line 8): its line 2 `ls /nonexistent-kiln-path` \
         exited 2, but its last line succeeded: CodeBuild counts the command as succeeded"
    );
    assert!(r.stdout.contains(
        "kiln: line 2 of this command exited with status 2, but its last line succeeded"
    ));
    assert!(!r.outcome.masking_unchecked);

    // A multi-line command whose last line fails is a failure, with the
    // line named.
    let r = run(
        "version: 0.2\nenv:\n  shell: bash\nphases:\n  build:\n    commands:\n      - |\n        true\n        sh -c 'exit 9'\n",
    );
    assert_eq!(r.outcome.failures[0].exit_code, 9);
    assert_eq!(r.outcome.failures[0].failed_lines, [(2, 9)]);

    // dash has no ERR trap: kiln says it cannot tell.
    let sh_is_dash =
        std::fs::read_link("/bin/sh").is_ok_and(|t| t.to_string_lossy().contains("dash"));
    if sh_is_dash {
        let r = run(&text("/bin/sh"));
        assert_eq!(r.status, 0);
        assert!(r.outcome.masked.is_empty());
        assert!(r.outcome.masking_unchecked);
        assert!(r.records.contains(&Record::MaskingUnchecked));
        assert!(r.stdout.contains("has no ERR trap"));
    }
}

#[test]
fn folded_commands_with_continuations() {
    let r = run(r#"version: 0.2
env:
  shell: bash
phases:
  build:
    commands:
      - >
        printf '%s-%s\n' one \
            two > folded.txt
"#);
    assert_eq!(r.status, 0, "{}", r.log());
    assert_eq!(r.file("folded.txt"), "one-two\n");
}

#[test]
fn variables_are_literal_and_the_project_overrides_them() {
    let spec = parse(
        r#"version: 0.2
env:
  variables:
    LITERAL: "$HOME and `date` and 'quotes'"
    OVERRIDDEN: from-buildspec
    NUMBER: 3.10
phases:
  build:
    commands:
      - printf '%s|%s|%s' "$LITERAL" "$OVERRIDDEN" "$NUMBER" > vars.txt
"#,
    );
    let runner = Runner {
        options: ScriptOptions {
            environment: vec![("OVERRIDDEN".into(), "from-project".into())],
            build: BuildInfo {
                extra: vec![("NUMBER".into(), "from-the-image".into())],
                ..BuildInfo::default()
            },
            ..ScriptOptions::default()
        },
        ..Runner::default()
    };
    let r = runner.run(&spec);
    // env.variables override the build environment's variables; the
    // project's override env.variables.
    assert_eq!(
        r.file("vars.txt"),
        "$HOME and `date` and 'quotes'|from-project|3.10"
    );
}

#[test]
fn exported_variables_are_collected_at_the_end() {
    let r = run(r#"version: 0.2
env:
  variables:
    FROM_ENV: static
  exported-variables:
    - IMAGE_TAG
    - MULTI
    - NEVER_SET
    - FROM_ENV
phases:
  pre_build:
    commands:
      - IMAGE_TAG=v1
  build:
    commands:
      - MULTI="$(printf 'a b\nc\t"d"')"
  post_build:
    commands:
      - IMAGE_TAG="$IMAGE_TAG-final"
"#);
    assert_eq!(
        r.outcome.exported,
        [
            ("IMAGE_TAG".to_owned(), Some("v1-final".to_owned())),
            ("MULTI".into(), Some("a b\nc\t\"d\"".into())),
            ("NEVER_SET".into(), None),
            ("FROM_ENV".into(), Some("static".into())),
        ]
    );
}

#[test]
fn codebuild_variables_come_from_the_options() {
    let spec = parse(
        r#"version: 0.2
phases:
  build:
    commands:
      - env | grep '^CODEBUILD_' | grep -v '^CODEBUILD_LAST_EXIT' | sort > vars.txt
"#,
    );
    let runner = Runner {
        options: ScriptOptions {
            build: BuildInfo {
                build_id: Some("proj:1234".into()),
                build_number: Some("42".into()),
                resolved_source_version: Some("0123abcd".into()),
                source_version: Some("refs/heads/main".into()),
                start_time: Some("1700000000000".into()),
                initiator: Some("kiln".into()),
                webhook: Some(Webhook {
                    event: Some("PULL_REQUEST_CREATED".into()),
                    head_ref: Some("refs/heads/feature".into()),
                    base_ref: Some("refs/heads/main".into()),
                    trigger: Some("pr/7".into()),
                    ..Webhook::default()
                }),
                extra: vec![
                    ("CODEBUILD_CI".into(), "true".into()),
                    ("AWS_REGION".into(), "eu-west-1".into()),
                ],
                ..BuildInfo::default()
            },
            ..ScriptOptions::default()
        },
        ..Runner::default()
    };
    let r = runner.run(&spec);
    let src = r.src().display().to_string();
    assert_eq!(
        r.file("vars.txt"),
        format!(
            "CODEBUILD_BUILD_ID=proj:1234\nCODEBUILD_BUILD_NUMBER=42\nCODEBUILD_BUILD_SUCCEEDING=1\n\
             CODEBUILD_CI=true\nCODEBUILD_INITIATOR=kiln\nCODEBUILD_RESOLVED_SOURCE_VERSION=0123abcd\n\
             CODEBUILD_SOURCE_VERSION=refs/heads/main\nCODEBUILD_SRC_DIR={src}\n\
             CODEBUILD_START_TIME=1700000000000\nCODEBUILD_WEBHOOK_BASE_REF=refs/heads/main\n\
             CODEBUILD_WEBHOOK_EVENT=PULL_REQUEST_CREATED\nCODEBUILD_WEBHOOK_HEAD_REF=refs/heads/feature\n\
             CODEBUILD_WEBHOOK_TRIGGER=pr/7\n"
        )
    );
}

#[test]
fn secrets_come_from_carrier_variables() {
    let spec = parse(
        r#"version: 0.2
env:
  parameter-store:
    DB_PASSWORD: /prod/db/password
  secrets-manager:
    TOKEN: github:token
phases:
  build:
    commands:
      - printf '%s|%s|%s' "$DB_PASSWORD" "$TOKEN" "${KILN_SECRET_TOKEN-unset}" > secrets.txt
"#,
    );
    let names: Vec<&str> = spec
        .secrets()
        .iter()
        .map(|s| s.variable.value.as_str())
        .collect();
    assert_eq!(names, ["DB_PASSWORD", "TOKEN"]);
    let runner = Runner {
        env: vec![
            ("KILN_SECRET_DB_PASSWORD".into(), "p@ss 'word'".into()),
            ("KILN_SECRET_TOKEN".into(), "t0ken".into()),
        ],
        ..Runner::default()
    };
    let r = runner.run(&spec);
    assert_eq!(r.status, 0, "{}", r.log());
    assert_eq!(r.file("secrets.txt"), "p@ss 'word'|t0ken|unset");

    // A secret the caller did not resolve fails the build before install.
    let runner = Runner {
        env: vec![("KILN_SECRET_TOKEN".into(), "t0ken".into())],
        ..Runner::default()
    };
    let r = runner.run(&spec);
    assert_eq!(r.status, 1);
    assert!(!r.has_file("secrets.txt"));
    assert_eq!(r.outcome.missing_secrets, ["DB_PASSWORD"]);
    assert!(r.outcome.phases.is_empty());
    assert!(!r.outcome.upload_artifacts);
    assert!(
        r.stdout
            .contains("Secret DB_PASSWORD from parameter-store /prod/db/password was not resolved")
    );
}

#[test]
fn runtime_versions_are_checked_on_this_machine() {
    if !have("python3") {
        eprintln!("note: no python3 on this machine: runtime check not run");
        return;
    }
    let r = run(
        "version: 0.2\nphases:\n  install:\n    runtime-versions:\n      python: 3\n    commands:\n      - touch installed\n",
    );
    assert_eq!(r.status, 0, "{}", r.log());
    assert!(r.has_file("installed"));
    let check = &r.outcome.runtimes[0];
    assert!(
        check
            .found
            .as_deref()
            .is_some_and(|f| f.starts_with("Python 3")),
        "{check:?}"
    );
    assert_eq!(check.matches, Some(true));

    // A runtime this machine lacks fails install, with a message naming it.
    let missing = ["dotnet", "php", "ruby", "golang", "android"]
        .into_iter()
        .find(|rt| {
            let program = match *rt {
                "golang" => "go",
                "android" => "sdkmanager",
                p => p,
            };
            !have(program)
        });
    let Some(missing) = missing else {
        eprintln!("note: every runtime is installed here: the missing-runtime case is not run");
        return;
    };
    let r = run(&format!(
        "version: 0.2\nphases:\n  install:\n    runtime-versions:\n      {missing}: 8\n    commands:\n      - touch installed\n    finally:\n      - touch finally\n  build:\n    commands:\n      - touch built\n"
    ));
    assert_eq!(r.status, 1);
    assert!(!r.has_file("installed") && !r.has_file("built"));
    assert!(r.has_file("finally"));
    assert_eq!(r.outcome.runtimes[0].found, None);
    assert_eq!(phases(&r), [(Install, Failed), (Build, Skipped)]);
    assert!(
        r.stdout.contains(&format!(
            "Runtime {missing} 8 asked for, but this machine has no"
        )),
        "{}",
        r.log()
    );
    assert!(
        r.outcome
            .to_string()
            .contains(&format!("runtime {missing} 8: not on this machine"))
    );
}

#[test]
fn artifact_fields_are_expanded_in_the_final_state() {
    let spec = parse(
        r#"version: 0.2
phases:
  build:
    commands:
      - OUT_DIR=out-$CODEBUILD_BUILD_NUMBER
      - mkdir -p "$OUT_DIR/site" && echo hi > "$OUT_DIR/site/index.html"
artifacts:
  files: ['**/*']
  base-directory: $OUT_DIR
  name: site-$(echo "$CODEBUILD_BUILD_NUMBER")-`echo x`
"#,
    );
    let fields: Vec<String> = spec.dynamic_fields().into_iter().map(|f| f.path).collect();
    assert_eq!(fields, ["artifacts.name", "artifacts.base-directory"]);
    let runner = Runner {
        options: ScriptOptions {
            build: BuildInfo {
                build_number: Some("9".into()),
                ..BuildInfo::default()
            },
            ..ScriptOptions::default()
        },
        ..Runner::default()
    };
    let r = runner.run(&spec);
    assert_eq!(r.status, 0, "{}", r.log());
    let resolved = spec.with_resolved(&r.outcome);
    let artifact = resolved
        .artifacts
        .as_ref()
        .and_then(|a| a.primary.as_ref())
        .expect("primary artifact");
    assert_eq!(
        artifact.name.as_ref().map(|n| n.value.as_str()),
        Some("site-9-x")
    );
    let selection =
        kiln_buildspec::select(&artifact.files, &kiln_buildspec::FsTree::new(r.src()), None)
            .expect("files");
    let paths: Vec<&str> = selection.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["site/index.html"]);
}

#[test]
fn background_processes_are_stopped_when_the_build_ends() {
    for driver in [Driver::Bash, Driver::Sh] {
        let runner = Runner {
            driver,
            ..Runner::default()
        };
        let r = runner.run(&parse(
            r#"version: 0.2
phases:
  pre_build:
    commands:
      - sleep 120 & echo $! > pid
  build:
    commands:
      - kill -0 "$(cat pid)" && touch alive-in-build
"#,
        ));
        assert_eq!(r.status, 0, "{}", r.log());
        assert!(
            r.has_file("alive-in-build"),
            "a background process keeps running across phases"
        );
        let pid = r.file("pid").trim().to_owned();
        let mut gone = false;
        for _ in 0..200 {
            let status = std::process::Command::new("kill")
                .args(["-0", &pid])
                .stderr(std::process::Stdio::null())
                .status();
            if status.is_ok_and(|s| !s.success()) {
                gone = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(
            gone,
            "the background sleep {pid} still runs after the build"
        );
        assert!(
            r.stdout
                .contains("Stopping what a command left running in the background")
        );
    }
}

#[test]
fn the_script_runs_under_sh_as_under_bash() {
    let text = r#"version: 0.2
env:
  variables:
    A: "it's"
phases:
  install:
    commands:
      - cd sub 2>/dev/null || mkdir sub
      - cd sub
  build:
    commands:
      - 'echo "$A: $(pwd | sed "s|.*/||")" > ../out.txt'
      - "false"
  post_build:
    commands:
      - echo "post $CODEBUILD_BUILD_SUCCEEDING" >> ../out.txt
"#;
    for driver in [Driver::Bash, Driver::Sh] {
        let r = Runner {
            driver,
            ..Runner::default()
        }
        .run(&parse(text));
        assert_eq!(r.status, 1);
        assert_eq!(r.file("out.txt"), "it's: sub\npost 0\n", "{}", r.log());
        assert_eq!(
            phases(&r),
            [
                (Install, Succeeded),
                (Build, Failed),
                (PostBuild, Succeeded)
            ]
        );
    }
}

#[test]
fn commands_are_passed_verbatim() {
    let r = run(r#"version: 0.2
env:
  shell: bash
phases:
  build:
    commands:
      - |
        cat > here.txt <<'__KILN_CMD_END__'
        $not_expanded \ 'single' "double"
        __KILN_CMD_END__
      - printf '%s\n' 'a\tb' "c\"d" > quotes.txt
      - read line || echo "stdin is empty" > stdin.txt
      - echo "$0" > zero.txt
"#);
    assert_eq!(r.status, 0, "{}", r.log());
    assert_eq!(r.file("here.txt"), "$not_expanded \\ 'single' \"double\"\n");
    assert_eq!(r.file("quotes.txt"), "a\\tb\nc\"d\n");
    assert_eq!(r.file("stdin.txt"), "stdin is empty\n");
}

#[test]
fn records_follow_the_run() {
    let r = run(
        "version: 0.2\nphases:\n  build:\n    commands:\n      - \"true\"\n    finally:\n      - \"false\"\n",
    );
    assert_eq!(
        r.records,
        [
            Record::Header(1),
            Record::PhaseStart(Build),
            Record::StepStart(Build, Section::Commands, 0),
            Record::StepEnd(Build, Section::Commands, 0, 0),
            Record::StepStart(Build, Section::Finally, 0),
            Record::StepEnd(Build, Section::Finally, 0, 1),
            Record::PhaseEnd(Build, false),
            Record::BuildEnd {
                succeeded: false,
                upload_artifacts: true
            },
        ]
    );
    assert_eq!(
        r.outcome.to_string(),
        "build failed\nphase build, finally command `false`, exit code 1"
    );
}

#[test]
fn records_can_go_to_a_file_descriptor() {
    let spec = parse("version: 0.2\nphases:\n  build:\n    commands: [\"true\"]\n");
    let dir = common::TempDir::new("fd");
    let script = spec.script(&ScriptOptions {
        src_dir: Some(dir.path().display().to_string()),
        ..ScriptOptions::default()
    });
    std::fs::write(dir.path().join("s.sh"), script).expect("write");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("bash s.sh 3>records >/dev/null; echo $?")
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    let records = std::fs::read_to_string(dir.path().join("records")).expect("records");
    let records = kiln_buildspec::parse_records(&records).expect("parse");
    assert!(records.contains(&Record::BuildEnd {
        succeeded: true,
        upload_artifacts: true
    }));
}

#[test]
fn a_given_state_directory_is_kept() {
    let dir = common::TempDir::new("state");
    let state = dir.path().join("state");
    let spec = parse("version: 0.2\nphases:\n  build:\n    commands:\n      - export KEPT=yes\n");
    let r = Runner {
        options: ScriptOptions {
            state_dir: Some(state.display().to_string()),
            ..ScriptOptions::default()
        },
        ..Runner::default()
    }
    .run(&spec);
    assert_eq!(r.status, 0);
    let env = std::fs::read_to_string(state.join("env.sh")).expect("env.sh");
    assert!(env.contains("KEPT"), "{env}");
}
