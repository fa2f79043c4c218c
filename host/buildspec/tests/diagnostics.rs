//! Bad input: every error names file:line:col and the key path.

use kiln_buildspec::{OnFailure, PhaseName, ReportFormat, Shell, Version, parse};

/// The errors of a refused buildspec, one string each.
fn errors(text: &str) -> Vec<String> {
    match parse("buildspec.yml", text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(d) => d.errors().map(ToString::to_string).collect(),
    }
}

fn one_error(text: &str) -> String {
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    e.into_iter().next().unwrap_or_default()
}

fn warnings(text: &str) -> Vec<String> {
    match parse("buildspec.yml", text) {
        Ok(s) => s.warnings.iter().map(ToString::to_string).collect(),
        Err(d) => panic!("refused: {d}"),
    }
}

#[test]
fn a_command_that_is_a_mapping_by_accident() {
    let e = one_error(
        "version: 0.2\nphases:\n  build:\n    commands:\n      - echo hi\n      - echo foo: bar\n",
    );
    assert_eq!(
        e,
        "buildspec.yml:6:9: phases.build.commands[1]: this command is a YAML mapping, not a \
         string: YAML read `echo foo: bar` as a mapping because of the `: ` in it; quote the \
         whole command: - 'echo foo: bar'"
    );
}

#[test]
fn a_misspelled_phase() {
    let e = one_error("version: 0.2\nphases:\n  biuld:\n    commands:\n      - make\n");
    assert_eq!(
        e,
        "buildspec.yml:3:3: phases.biuld: unknown phase `biuld` (did you mean `build`?)"
    );
    let e = one_error("version: 0.2\nphases:\n  PRE_BUILD:\n    commands: [make]\n");
    assert!(
        e.ends_with(
            "unknown phase `PRE_BUILD` (did you mean `pre_build`? phase names are lower case)"
        ),
        "{e}"
    );
    let e = one_error("version: 0.2\nphases:\n  test:\n    commands: [make]\n");
    assert!(
        e.contains("the phases are `install`, `pre_build`, `build`, `post_build`"),
        "{e}"
    );
}

#[test]
fn misspelled_keys_everywhere() {
    let e = one_error("version: 0.2\nphases:\n  build:\n    comands:\n      - make\n");
    assert_eq!(
        e,
        "buildspec.yml:4:5: phases.build.comands: unknown key `comands` (did you mean `commands`?)"
    );
    let e = one_error(
        "version: 0.2\nenv:\n  variable:\n    A: b\nphases:\n  build:\n    commands: [make]\n",
    );
    assert_eq!(
        e,
        "buildspec.yml:3:3: env.variable: unknown key `variable` (did you mean `variables`?)"
    );
    let e = one_error(
        "version: 0.2\nphases:\n  build:\n    commands: [make]\nartifacts:\n  files: [a]\n  discard_paths: yes\n",
    );
    assert!(
        e.contains(
            "artifacts.discard_paths: unknown key `discard_paths` (did you mean `discard-paths`?)"
        ),
        "{e}"
    );
    let e =
        one_error("version: 0.2\nphases:\n  build:\n    on_failure: ABORT\n    commands: [make]\n");
    assert!(
        e.contains(
            "4:5: phases.build.on_failure: unknown key `on_failure` (did you mean `on-failure`?)"
        ),
        "{e}"
    );
}

#[test]
fn unknown_top_level_keys_are_errors() {
    let e = one_error(
        "version: 0.2\nphases:\n  build:\n    commands: [make]\nartefacts:\n  files: [a]\n",
    );
    assert_eq!(
        e,
        "buildspec.yml:5:1: artefacts: unknown key `artefacts` (did you mean `artifacts`?)"
    );
    let e = one_error("version: 0.2\nphases:\n  build:\n    commands: [make]\ndeploy: yes\n");
    assert!(
        e.contains("top-level keys are `version`, `run-as`, `env`"),
        "{e}"
    );
    let e = one_error(
        "version: 0.2\nphases:\n  install:\n    commands: [a]\nbuild:\n  commands: [make]\n",
    );
    assert!(
        e.starts_with("buildspec.yml:5:1: build: `build` is a phase: it belongs under `phases`"),
        "{e}"
    );
}

#[test]
fn a_tab_in_the_indentation() {
    let e = one_error("version: 0.2\nphases:\n  build:\n\tcommands:\n      - make\n");
    assert_eq!(
        e,
        "buildspec.yml:4:1: phases.build.commands: a tab in the indentation: YAML indents with spaces only"
    );
    let e = one_error("version: 0.2\nphases:\n  build:\n    commands:\n    \t- make\n");
    assert!(e.starts_with("buildspec.yml:5:5: "), "{e}");
    assert!(e.contains("a tab in the indentation"), "{e}");
    // A tab inside a block scalar's text is fine.
    parse(
        "buildspec.yml",
        "version: 0.2\nphases:\n  build:\n    commands:\n      - |\n        printf 'a\\tb'\n        \techo indented-with-a-tab\n",
    )
    .expect("tabs after the indentation of a block scalar");
}

#[test]
fn unknown_report_file_format() {
    let text = "version: 0.2\nphases:\n  build:\n    commands: [make]\nreports:\n  unit:\n    files: ['**/*.xml']\n    file-format: JUNIT\n";
    let e = one_error(text);
    assert!(
        e.starts_with(
            "buildspec.yml:8:18: reports.unit.file-format: unknown report file-format `JUNIT`"
        ),
        "{e}"
    );
    assert!(
        e.contains(
            "test reports: CUCUMBERJSON, JUNITXML, NUNITXML, NUNIT3XML, TESTNGXML, VISUALSTUDIOTRX"
        ),
        "{e}"
    );
    assert!(
        e.contains("coverage reports: CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV, LCOVINFO"),
        "{e}"
    );
    let e = one_error(&text.replace("JUNIT\n", "junitxml\n"));
    assert!(e.contains("(did you mean `JUNITXML`?)"), "{e}");
}

#[test]
fn every_report_format() {
    for format in ReportFormat::ALL {
        let text = format!(
            "version: 0.2\nphases:\n  build:\n    commands: [make]\nreports:\n  r:\n    files: [x]\n    file-format: {}\n",
            format.as_str()
        );
        let spec = parse("b.yml", &text).expect("a known format");
        assert_eq!(spec.reports[0].format, format);
    }
    let spec = parse(
        "b.yml",
        "version: 0.2\nphases:\n  build:\n    commands: [make]\nreports:\n  r:\n    files: [x]\n",
    )
    .expect("no format");
    assert_eq!(spec.reports[0].format, ReportFormat::JunitXml);
}

#[test]
fn a_wrong_version() {
    let e = one_error("version: 0.3\nphases:\n  build:\n    commands: [make]\n");
    assert_eq!(
        e,
        "buildspec.yml:1:10: version: unknown buildspec version `0.3`: CodeBuild reads versions 0.1 and 0.2"
    );
    let e = one_error("version: 1.0\nphases:\n  build:\n    commands: [make]\n");
    assert!(e.contains("`1.0`"), "{e}");
    let e = one_error("phases:\n  build:\n    commands: [make]\n");
    assert_eq!(
        e,
        "buildspec.yml:1:1: version: `version` is missing (0.1 or 0.2)"
    );
    for v in ["0.2", "\"0.2\"", "'0.2'"] {
        let spec = parse(
            "b.yml",
            &format!("version: {v}\nphases: {{build: {{commands: [make]}}}}\n"),
        )
        .expect("0.2");
        assert_eq!(spec.version.value, Version::V0_2);
    }
    let spec = parse(
        "b.yml",
        "version: 0.1\nphases: {build: {commands: [make]}}\n",
    )
    .expect("0.1");
    assert_eq!(spec.version.value, Version::V0_1);
}

#[test]
fn wrong_types() {
    let e = errors("version: 0.2\nphases:\n  build:\n    commands:\n      make: all\n");
    assert_eq!(
        e,
        ["buildspec.yml:5:7: phases.build.commands: expected a list of commands, found a mapping"]
    );
    let e = errors(
        "version: 0.2\nenv:\n  variables: [A, B]\nphases:\n  build:\n    commands: [make]\n",
    );
    assert_eq!(
        e,
        [
            "buildspec.yml:3:14: env.variables: expected a mapping of variable names to values, found a list"
        ]
    );
    let e = errors(
        "version: 0.2\nphases:\n  build:\n    commands: [make]\nartifacts:\n  files: [a]\n  discard-paths: maybe\n",
    );
    assert_eq!(
        e,
        ["buildspec.yml:7:18: artifacts.discard-paths: expected `yes` or `no`, found `maybe`"]
    );
    let e = errors("version: 0.2\nphases: [build]\n");
    assert_eq!(
        e,
        ["buildspec.yml:2:9: phases: expected a mapping of phases, found a list"]
    );
    let e = errors("- version: 0.2\n");
    assert!(
        e[0].starts_with(
            "buildspec.yml:1:1: expected a mapping with `version` and `phases`, found a list"
        ),
        "{e:?}"
    );
    let e = errors("");
    assert!(e[0].contains("the file is empty"), "{e:?}");
    let e =
        errors("version: 0.2\nphases:\n  build:\n    commands:\n      - [make, all]\n      -\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].contains("phases.build.commands[0]: this command is a list"),
        "{e:?}"
    );
    assert!(
        e[1].contains("phases.build.commands[1]: an empty command"),
        "{e:?}"
    );
}

#[test]
fn commands_as_a_string() {
    let e =
        one_error("version: 0.2\nphases:\n  build:\n    commands: npm run build\n      npm test\n");
    assert_eq!(
        e,
        "buildspec.yml:4:15: phases.build.commands: expected a list of commands, found the string \
         `npm run build npm test` (YAML folded its lines into one: were they meant as separate \
         commands?); write each command as a list item: `- command`"
    );
    let e = one_error("version: 0.2\nphases:\n  build:\n    commands:\n      -make\n");
    assert!(
        e.ends_with("found the string `-make`; a list item needs a space after `-`"),
        "{e}"
    );
}

#[test]
fn a_phase_nested_in_another() {
    let e = errors(
        "version: 0.2\nphases:\n  install:\n    commands: [a]\n    build:\n      commands:\n        - make\n",
    );
    assert_eq!(
        e,
        [
            "buildspec.yml:5:5: phases.install.build: `build` is a phase nested inside `install`: \
          phases are siblings under `phases`; indent `build` like `install`"
        ]
    );
}

#[test]
fn duplicate_keys() {
    let e = one_error(
        "version: 0.2\nenv:\n  variables:\n    A: 1\n    A: 2\nphases:\n  build:\n    commands: [make]\n",
    );
    assert!(
        e.starts_with("buildspec.yml:5:5: env.variables.A: duplicate key `A` (first at line 4)"),
        "{e}"
    );
    let e = one_error(
        "version: 0.2\nphases:\n  build:\n    commands: [a]\n  build:\n    commands: [b]\n",
    );
    assert!(
        e.starts_with("buildspec.yml:5:3: phases.build: duplicate key `build` (first at line 3)"),
        "{e}"
    );
}

#[test]
fn keys_kiln_cannot_honour() {
    // Refused.
    let e = one_error(
        "version: 0.2\nenv:\n  shell: powershell.exe\nphases:\n  build:\n    commands: [dir]\n",
    );
    assert!(
        e.starts_with("buildspec.yml:3:10: env.shell: `powershell.exe` is a Windows shell"),
        "{e}"
    );
    let e =
        one_error("version: 0.2\nenv:\n  shell: cmd.exe\nphases:\n  build:\n    commands: [dir]\n");
    assert!(e.contains("`cmd.exe` is a Windows shell"), "{e}");
    let e = one_error("version: 0.2\nenv:\n  shell: zsh\nphases:\n  build:\n    commands: [ls]\n");
    assert!(e.contains("unknown shell `zsh`"), "{e}");
    let e = one_error(
        "version: 0.2\nenv:\n  git-credential-helper: yes\nphases:\n  build:\n    commands: [ls]\n",
    );
    assert!(
        e.starts_with(
            "buildspec.yml:3:26: env.git-credential-helper: `git-credential-helper: yes` is refused"
        ),
        "{e}"
    );
    parse(
        "b.yml",
        "version: 0.2\nenv:\n  git-credential-helper: no\nphases:\n  build:\n    commands: [ls]\n",
    )
    .expect("no helper is fine");
    let e = one_error("version: 0.2\nrun-as: builder\nphases:\n  build:\n    commands: [ls]\n");
    assert!(
        e.starts_with("buildspec.yml:2:9: run-as: `run-as: builder` is refused"),
        "{e}"
    );
    let e = one_error("version: 0.2\nphases:\n  build:\n    run-as: root\n    commands: [ls]\n");
    assert!(
        e.starts_with("buildspec.yml:4:13: phases.build.run-as: "),
        "{e}"
    );
    for retry in ["RETRY", "RETRY-3", "RETRY-3-error.*", "RETRY-timeout"] {
        let e = one_error(&format!(
            "version: 0.2\nphases:\n  build:\n    on-failure: {retry}\n    commands: [ls]\n"
        ));
        assert!(
            e.starts_with(&format!(
                "buildspec.yml:4:17: phases.build.on-failure: `on-failure: {retry}` is refused"
            )),
            "{e}"
        );
        assert!(e.contains("set `retries:` on the kiln action"), "{e}");
    }
    let e =
        one_error("version: 0.2\nphases:\n  build:\n    on-failure: CONTINU\n    commands: [ls]\n");
    assert!(
        e.contains("unknown `on-failure` value `CONTINU` (did you mean `CONTINUE`?)"),
        "{e}"
    );

    // Warned about.
    let w = warnings(
        "version: 0.2\nbatch:\n  fast-fail: true\n  build-list:\n    - identifier: a\n    - identifier: b\nproxy:\n  upload-artifacts: yes\n  logs: yes\nphases:\n  build:\n    commands: [ls]\ncache:\n  key: abc\n  paths: [x]\n",
    );
    assert_eq!(w.len(), 3, "{w:#?}");
    assert!(
        w[0].starts_with("buildspec.yml:2:1: batch: `batch` is not honoured"),
        "{w:?}"
    );
    assert!(w[0].contains("(2 builds in `build-list`)"), "{w:?}");
    assert!(
        w[1].starts_with("buildspec.yml:7:1: proxy: `proxy` is not honoured"),
        "{w:?}"
    );
    assert!(
        w[2].starts_with("buildspec.yml:14:3: cache.key: `cache.key` is not honoured"),
        "{w:?}"
    );
    let w = warnings("version: 0.2\nenv:\n  shell: sh\nphases:\n  build:\n    commands: [ls]\n");
    assert!(
        w[0].contains(
            "`sh` is not one of CodeBuild's documented shells; kiln reads it as `/bin/sh`"
        ),
        "{w:?}"
    );
}

#[test]
fn runtimes() {
    let e = one_error("version: 0.2\nphases:\n  install:\n    runtime-versions:\n      node: 18\n");
    assert_eq!(
        e,
        "buildspec.yml:5:7: phases.install.runtime-versions.node: unknown runtime `node` (did you mean `nodejs`?)"
    );
    let e = one_error(
        "version: 0.2\nphases:\n  build:\n    runtime-versions:\n      nodejs: 18\n    commands: [ls]\n",
    );
    assert!(
        e.contains(
            "phases.build.runtime-versions: `runtime-versions` belongs to the `install` phase only"
        ),
        "{e}"
    );
    let spec = parse(
        "b.yml",
        "version: 0.2\nphases:\n  install:\n    runtime-versions:\n      python: 3.10\n      java: corretto17\n",
    )
    .expect("runtimes");
    let rts = &spec.phases[0].runtime_versions;
    assert_eq!(
        rts[0].version.value, "3.10",
        "the text as written, not the float 3.1"
    );
    assert_eq!(rts[1].version.value, "corretto17");
}

#[test]
fn variables_and_secrets() {
    let e = one_error(
        "version: 0.2\nenv:\n  variables:\n    my-var: x\nphases:\n  build:\n    commands: [ls]\n",
    );
    assert!(
        e.contains("env.variables.my-var: `my-var` is not a shell variable name"),
        "{e}"
    );
    let spec = parse(
        "b.yml",
        "version: 0.2\nenv:\n  variables:\n    EMPTY:\n    NUM: 010\n  parameter-store:\n    P: /a/$STAGE/b\n  secrets-manager:\n    S: arn:aws:secretsmanager:us-east-1:123:secret:name-AbC:password:AWSCURRENT\n    T: my-secret:key\n  exported-variables: [P]\nphases:\n  build:\n    commands: [ls]\n",
    )
    .expect("valid env");
    assert_eq!(spec.env.variables[0].1.value, "");
    assert_eq!(spec.env.variables[1].1.value, "010");
    let secrets = spec.secrets();
    assert_eq!(secrets.len(), 3);
    assert!(secrets[0].has_variables());
    assert_eq!(
        secrets[1].secrets_manager_parts().expect("parts"),
        [
            "arn:aws:secretsmanager:us-east-1:123:secret:name-AbC".to_owned(),
            "password".into(),
            "AWSCURRENT".into(),
            String::new()
        ]
    );
    assert_eq!(
        secrets[2].secrets_manager_parts().expect("parts"),
        [
            "my-secret".to_owned(),
            "key".into(),
            String::new(),
            String::new()
        ]
    );
    assert_eq!(secrets[2].carrier("KILN_SECRET_"), "KILN_SECRET_T");
}

#[test]
fn the_model() {
    let spec = parse(
        "buildspec.yml",
        r#"version: 0.2
env:
  shell: bash
phases:
  post_build:
    commands:
      - echo done
  build:
    on-failure: CONTINUE
    commands:
      - make
    finally:
      - make clean
  install:
    on-failure: ABORT
    runtime-versions:
      nodejs: 18
reports:
  coverage:
    files: coverage/lcov.info
    file-format: LCOVINFO
artifacts:
  files:
    - '**/*'
  base-directory: dist
  discard-paths: yes
  exclude-paths: ['**/*.map']
  enable-symlinks: yes
  name: site
  s3-prefix: builds
  secondary-artifacts:
    docs:
      files: [docs/**/*]
cache:
  paths: node_modules/**/*
"#,
    )
    .expect("valid");
    assert_eq!(spec.env.shell, Shell::Bash);
    let names: Vec<PhaseName> = spec.phases.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [PhaseName::Install, PhaseName::Build, PhaseName::PostBuild],
        "run order"
    );
    assert_eq!(spec.phases[0].on_failure, OnFailure::Abort);
    assert_eq!(spec.phases[1].on_failure, OnFailure::Continue);
    assert_eq!(spec.phases[1].finally[0].text, "make clean");
    assert_eq!(spec.reports[0].format, ReportFormat::LcovInfo);
    assert_eq!(spec.reports[0].files.files[0].value, "coverage/lcov.info");
    let a = spec.artifacts.as_ref().expect("artifacts");
    let p = a.primary.as_ref().expect("primary");
    assert!(p.files.discard_paths && p.files.enable_symlinks);
    assert_eq!(
        p.files.base_directory.as_ref().map(|b| b.value.as_str()),
        Some("dist")
    );
    assert_eq!(p.name.as_ref().map(|b| b.value.as_str()), Some("site"));
    assert_eq!(
        p.s3_prefix.as_ref().map(|b| b.value.as_str()),
        Some("builds")
    );
    assert_eq!(
        a.secondary[0].identifier.as_ref().map(|i| i.value.as_str()),
        Some("docs")
    );
    assert_eq!(spec.cache.as_ref().map(|c| c.paths.len()), Some(1));
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.commands().len(), 3);
}

#[test]
fn several_errors_at_once() {
    let e = errors(
        "version: 0.2\nphases:\n  biuld:\n    commands: [a]\n  build:\n    commands:\n      - echo a: b\nartifacts:\n  name: x\n",
    );
    assert_eq!(e.len(), 3, "{e:#?}");
    assert!(e[0].starts_with("buildspec.yml:3:3: phases.biuld"), "{e:?}");
    assert!(
        e[1].starts_with("buildspec.yml:7:9: phases.build.commands[0]"),
        "{e:?}"
    );
    assert!(
        e[2].starts_with("buildspec.yml:9:3: artifacts: `files` is missing"),
        "{e:?}"
    );
}

#[test]
fn invalid_globs() {
    let e = one_error(
        "version: 0.2\nphases:\n  build:\n    commands: [a]\nartifacts:\n  files: ['dist/[ab.js']\n",
    );
    assert!(
        e.starts_with("buildspec.yml:6:11: artifacts.files[0]: not a valid path pattern"),
        "{e}"
    );
}

#[test]
fn crlf_line_ends() {
    let text = "version: 0.2\r\nphases:\r\n  build:\r\n    commands:\r\n      - |\r\n        echo a\r\n        echo b\r\n      - make\r\n";
    let spec = parse("b.yml", text).expect("CRLF is YAML too");
    let commands: Vec<&str> = spec
        .commands()
        .iter()
        .map(|c| c.command.text.as_str())
        .collect();
    assert_eq!(commands, ["echo a\necho b", "make"]);
    let e = one_error("version: 0.2\r\nphases:\r\n  biuld:\r\n    commands: [a]\r\n");
    assert!(e.starts_with("buildspec.yml:3:3: phases.biuld"), "{e}");
}
