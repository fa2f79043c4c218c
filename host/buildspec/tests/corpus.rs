//! The corpus: 30 real public buildspec files, kept outside the repository
//! in `../shared/corpus/buildspec` (see its README.md and SOURCES.tsv).
//!
//! 1. Every file either parses and plans (its script is valid shell), or
//!    is refused with precise messages: the expected outcome of each file
//!    is recorded below, so a change of behaviour fails the test.
//! 2. The features SOURCES.tsv lists for each file are found in the model.
//! 3. The files whose commands can run here (with stub programs standing
//!    in for the tools and services this machine lacks, and stub files for
//!    the repository they came from) are run for real, and the result is
//!    compared with running the same commands by hand in bash: same
//!    commands run (the stubs log their name, directory and arguments), same
//!    files left behind, same failures.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Runner, TempDir, have};
use kiln_buildspec::{
    Buildspec, FsTree, OnFailure, PhaseName, PhaseStatus, SelectError, Shell, Version, parse,
    select,
};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/buildspec");
    if dir.join("SOURCES.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "note: the buildspec corpus is not at {}: corpus tests skipped",
            dir.display()
        );
        None
    }
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// What each corpus file must give.
enum Expect {
    /// It parses: version, number of commands (with `finally`), warnings
    /// (each given by its start).
    Parses(&'static str, usize, &'static [&'static str]),
    /// It is refused with exactly these errors.
    Refused(&'static [&'static str]),
}

use Expect::{Parses, Refused};

const BATCH: &str = "batch: `batch` is not honoured: kiln runs this buildspec as one build, as CodeBuild does when a build is started with StartBuild rather than StartBuildBatch; the batch's builds (2 builds in `build-list`)";

const EXPECTED: [(&str, Expect); 30] = [
    (
        "01-lucastjerez-cloudcomputingfinalproject.yml",
        Parses("0.1", 3, &[]),
    ),
    ("02-aws-sagemaker-experiments.yml", Parses("0.1", 8, &[])),
    ("03-ncar-wrfcloud.yml", Parses("0.1", 22, &[])),
    ("04-aws-aws-sam-cli.yml", Parses("0.2", 17, &[])),
    (
        "05-ictlearningsciences-opentutor-home.yml",
        Parses("0.2", 9, &[]),
    ),
    (
        "06-yizhizoe-ecs-demo-php-simple-app.yml",
        Parses("0.2", 2, &[]),
    ),
    (
        "07-saruniks-cdk-rust-full-stack-app.yml",
        Parses("0.2", 8, &[]),
    ),
    ("08-godragons-diagrams.yml", Parses("0.2", 8, &[])),
    (
        "09-aidan-clyens-3dgraphicsengine.yml",
        Parses("0.2", 11, &[]),
    ),
    ("10-ehwiya-mini-6-back.yml", Parses("0.2", 2, &[])),
    ("11-jhw-hello-erlang.yml", Parses("0.2", 30, &[])),
    ("12-030-news-website.yml", Parses("0.2", 2, &[])),
    (
        "13-abhisheksharmaie-devopsecommerceapp.yml",
        Parses("0.2", 10, &[]),
    ),
    ("14-harisekhon-devops-bash-tools.yml", Parses("0.2", 6, &[])),
    (
        "15-romafederico-basic-gitflow-pipeline.yml",
        Parses("0.2", 5, &[]),
    ),
    (
        "16-earsketch-earsketch-webclient.yml",
        Parses("0.2", 23, &["16-earsketch-earsketch-webclient.yml:14:1: "]),
    ),
    (
        "17-therocketcodemx-sast-dast-scan.yml",
        Parses("0.2", 2, &[]),
    ),
    (
        "18-neparij-allure-net-examples.yml",
        Parses("0.2", 16, &["18-neparij-allure-net-examples.yml:18:1: "]),
    ),
    ("19-botpress-botpress.yml", Parses("0.2", 27, &[])),
    (
        "20-mi-data-integration-ed-fi-databases.yml",
        Parses("0.2", 21, &[]),
    ),
    (
        "21-aws-solutions-media-insights-on-aws.yml",
        Parses("0.2", 24, &[]),
    ),
    ("22-1strategy-security-fairy.yml", Parses("0.2", 5, &[])),
    (
        "23-ngyuki-sandbox-aws-ecs-deploy-pipeline.yml",
        Parses("0.2", 10, &[]),
    ),
    (
        "24-aws-sagemaker-xgboost-container.yml",
        Parses("0.2", 28, &[]),
    ),
    ("25-featureguards-platform.yml", Parses("0.2", 17, &[])),
    (
        "26-nischalkhadka-cicd-workshop-qa-team.yml",
        Parses("0.2", 18, &[]),
    ),
    (
        "27-retro-carnage-team-retro-carnage-website.yml",
        Refused(&[
            "27-retro-carnage-team-retro-carnage-website.yml:8:15: phases.pre_build.commands: expected a list of commands, found the string `npm install`; write each command as a list item: `- command`",
            "27-retro-carnage-team-retro-carnage-website.yml:10:15: phases.build.commands: expected a list of commands, found the string `npm run build npm run test -- --watchAll=false` (YAML folded its lines into one: were they meant as separate commands?); write each command as a list item: `- command`",
        ]),
    ),
    (
        "28-1910javareact-project-1-danevosmeier.yml",
        Refused(&[
            "28-1910javareact-project-1-danevosmeier.yml:10:5: phases.install.build: `build` is a phase nested inside `install`: phases are siblings under `phases`; indent `build` like `install`",
            "28-1910javareact-project-1-danevosmeier.yml:12:9: phases.install.build.commands: expected a list of commands, found the string `-npm run build`; a list item needs a space after `-`",
        ]),
    ),
    (
        "29-savvyplus-superset.yml",
        Refused(&[
            "29-savvyplus-superset.yml:4:3: phases.PRE_BUILD: unknown phase `PRE_BUILD` (did you mean `pre_build`? phase names are lower case)",
        ]),
    ),
    (
        "30-singledigit-devops-bootcamp.yml",
        Refused(&[
            "30-singledigit-devops-bootcamp.yml:7:5: env.variables.key: duplicate key `key` (first at line 6); YAML keeps one of them and which one differs between parsers: remove or rename one",
            "30-singledigit-devops-bootcamp.yml:10:5: env.parameter-store.key: duplicate key `key` (first at line 9); YAML keeps one of them and which one differs between parsers: remove or rename one",
            "30-singledigit-devops-bootcamp.yml:55:5: artifacts.secondary-artifacts.artifactIdentifier: duplicate key `artifactIdentifier` (first at line 49); YAML keeps one of them and which one differs between parsers: remove or rename one",
        ]),
    ),
];

/// Checks the generated script is valid shell for both drivers.
fn check_syntax(file: &str, script: &str) {
    for shell in ["bash", "sh"] {
        let mut child = Command::new(shell)
            .arg("-n")
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run a shell");
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            stdin
                .write_all(script.as_bytes())
                .expect("write the script");
        }
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{file}: the script is not valid {shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_file_parses_and_plans_or_is_refused_precisely() {
    let Some(dir) = corpus() else { return };
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("read the corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|(f, _)| *f).collect();
    assert_eq!(on_disk, listed, "the corpus changed");

    let (mut parsed, mut refused) = (0, 0);
    for (file, expect) in &EXPECTED {
        let text = read(&dir, file);
        match (parse(file, &text), expect) {
            (Ok(spec), Parses(version, commands, warnings)) => {
                parsed += 1;
                assert_eq!(spec.version.value.to_string(), *version, "{file}");
                assert_eq!(spec.commands().len(), *commands, "{file}");
                let got: Vec<String> = spec.warnings.iter().map(ToString::to_string).collect();
                assert_eq!(got.len(), warnings.len(), "{file}: {got:#?}");
                for (g, w) in got.iter().zip(warnings.iter()) {
                    assert!(g.starts_with(w), "{file}: {g}");
                    if w.contains(":14:1: ") || w.contains(":18:1: ") {
                        assert!(g.contains(BATCH), "{file}: {g}");
                    }
                }
                // It plans: the script is valid shell and runs every command.
                let script = spec.script(&kiln_buildspec::ScriptOptions::default());
                check_syntax(file, &script);
                for c in spec.commands() {
                    assert!(
                        script.contains(&format!(
                            "__kiln_step {} {} {} ",
                            c.phase.key(),
                            c.section.key(),
                            c.index
                        )),
                        "{file}: {} {} {} is not in the script",
                        c.phase,
                        c.section,
                        c.index
                    );
                    assert!(
                        script.contains(&kiln_buildspec::sh_quote(&c.command.text)),
                        "{file}"
                    );
                }
            }
            (Err(d), Refused(errors)) => {
                refused += 1;
                let got: Vec<String> = d.errors().map(ToString::to_string).collect();
                assert_eq!(got, *errors, "{file}");
            }
            (Ok(_), Refused(_)) => panic!("{file} was expected to be refused, but parses"),
            (Err(d), Parses(..)) => panic!("{file} was expected to parse:\n{d}"),
        }
    }
    assert_eq!((parsed, refused), (26, 4));
}

/// SOURCES.tsv's feature tags, checked against what the parser found.
#[test]
fn the_features_sources_tsv_lists_are_in_the_model() {
    let Some(dir) = corpus() else { return };
    let tsv = read(&dir, "SOURCES.tsv");
    let mut rows = 0;
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 7, "SOURCES.tsv: {line}");
        let (file, version, features) = (cols[0], cols[4], cols[5]);
        rows += 1;
        let text = read(&dir, file);
        let features: Vec<&str> = features.split(',').collect();
        let odd = features.iter().any(|f| f.starts_with("odd:"));
        let spec = match parse(file, &text) {
            Ok(spec) => spec,
            Err(d) => {
                assert!(odd, "{file} is refused but has no odd: feature:\n{d}");
                continue;
            }
        };
        assert!(!odd, "{file} has a defect but parses");
        assert_eq!(spec.version.value.to_string(), version, "{file}");
        check_features(file, &spec, &features);
    }
    assert_eq!(rows, 30);
}

fn check_features(file: &str, spec: &Buildspec, features: &[&str]) {
    let artifacts = spec.artifacts.as_ref();
    let primary = artifacts.and_then(|a| a.primary.as_ref());
    for feature in features {
        let ok = match *feature {
            "install" => spec.phase(PhaseName::Install).is_some(),
            "pre_build" => spec.phase(PhaseName::PreBuild).is_some(),
            "build" => spec.phase(PhaseName::Build).is_some(),
            "post_build" => spec.phase(PhaseName::PostBuild).is_some(),
            "finally" => spec.phases.iter().any(|p| !p.finally.is_empty()),
            "finally-only-phase" => spec
                .phases
                .iter()
                .any(|p| p.commands.is_empty() && !p.finally.is_empty()),
            "runtime-versions" => spec.phases.iter().any(|p| !p.runtime_versions.is_empty()),
            "install-without-commands" => spec
                .phase(PhaseName::Install)
                .is_some_and(|p| p.commands.is_empty()),
            "on-failure" => spec
                .phases
                .iter()
                .any(|p| p.on_failure != OnFailure::Transitions),
            "shell" => spec.env.shell == Shell::Bash,
            "env-variables" => !spec.env.variables.is_empty(),
            "exported-variables" => !spec.env.exported_variables.is_empty(),
            "parameter-store" | "secrets-manager" => {
                let source = if *feature == "parameter-store" {
                    kiln_buildspec::SecretSource::ParameterStore
                } else {
                    kiln_buildspec::SecretSource::SecretsManager
                };
                spec.secrets().iter().any(|s| s.source == source)
            }
            "batch" => spec.warnings.iter().any(|w| w.path == "batch"),
            "reports" => !spec.reports.is_empty(),
            "reports-file-format" => !spec.reports.is_empty(),
            "artifacts-files" => primary.is_some_and(|a| !a.files.files.is_empty()),
            "artifacts-files-scalar" => primary.is_some_and(|a| a.files.files.len() == 1),
            "base-directory" => artifacts.is_some_and(|a| {
                a.primary
                    .iter()
                    .chain(&a.secondary)
                    .any(|a| a.files.base_directory.is_some())
            }),
            "discard-paths" => {
                // 08 and 10 write `discard-paths: no`; the others `yes`.
                primary.is_some() || spec.reports.iter().any(|r| !r.files.discard_paths)
            }
            "artifact-name" => artifacts.is_some_and(|a| {
                a.primary
                    .iter()
                    .chain(&a.secondary)
                    .any(|a| a.name.is_some())
            }),
            "secondary-artifacts" => artifacts.is_some_and(|a| !a.secondary.is_empty()),
            "enable-symlinks" => primary.is_some_and(|a| a.files.enable_symlinks),
            "cache-paths" | "cache-paths-scalar" => {
                spec.cache.as_ref().is_some_and(|c| !c.paths.is_empty())
            }
            "block-literal" | "block-folded" => spec
                .commands()
                .iter()
                .any(|c| c.command.text.contains('\n') || c.command.text.len() > 60),
            "quoted-version" => text_has(file, "version: \"0.2\""),
            "document-start-marker" => text_has(file, "---"),
            "cd-not-carried-in-v0.1" => spec.version.value == Version::V0_1,
            "cd"
            | "cd-across-phases"
            | "cd-repeated-each-phase"
            | "cd-into-finally"
            | "subshell-cd" => spec
                .commands()
                .iter()
                .any(|c| c.command.text.contains("cd ")),
            "export" | "export-across-phases" => spec
                .commands()
                .iter()
                .any(|c| c.command.text.contains("export ") || c.command.text.contains('=')),
            "pushd-popd-across-phases" => spec
                .commands()
                .iter()
                .any(|c| c.command.text.starts_with("popd")),
            // Facts of the text the parser does not keep.
            _ => true,
        };
        assert!(ok, "{file}: feature `{feature}` is not in the model");
    }
}

fn text_has(file: &str, needle: &str) -> bool {
    corpus().is_some_and(|d| read(&d, file).contains(needle))
}

// ---------------------------------------------------------------------------
// Running corpus files, and comparing with the same commands by hand.

/// A stub program: it logs its name, its directory (relative to the source
/// directory) and its arguments, then runs `body` (bash).
struct Stub {
    name: &'static str,
    body: &'static str,
}

const LOG_LINE: &str = r#"printf '%s\t%s\t%s\n' "$(basename "$0")" "${PWD#"$KILN_TEST_SRC"}" "$*" >> "$KILN_TEST_SRC/../stub.log""#;

fn write_stubs(dir: &Path, stubs: &[Stub]) {
    std::fs::create_dir_all(dir).expect("mkdir stubs");
    for stub in stubs {
        let path = dir.join(stub.name);
        std::fs::write(&path, format!("#!/bin/bash\n{LOG_LINE}\n{}\n", stub.body))
            .expect("write a stub");
        make_executable(&path);
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path).expect("stat").permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).expect("chmod");
}

/// One corpus file to run: stubs, files of its repository, and what to
/// expect.
struct Case {
    file: &'static str,
    stubs: &'static [Stub],
    /// Files of the repository the commands need (path, content); a
    /// content starting with `#!` is made executable.
    files: &'static [(&'static str, &'static str)],
    /// `git init` the source directory first.
    git: bool,
    /// Files whose content differs from run to run (dates): compared by
    /// name only.
    volatile: &'static [&'static str],
    /// Whether the build succeeds.
    succeeds: bool,
    /// The primary artifact after the run.
    artifact: Artifact,
}

/// What the primary artifact holds after a run.
enum Artifact {
    /// The file has no artifacts.
    None,
    /// These paths.
    Files(&'static [&'static str]),
    /// Nothing in the tree; these patterns are outside it.
    Outside(&'static [&'static str]),
    /// Selecting fails.
    Fails(SelectError),
}

const NPM: Stub = Stub {
    name: "npm",
    body: r#"if [ "$1 $2" = "run build" ]; then mkdir -p build/static && echo '<html>' > build/index.html && echo 'app' > build/static/main.js; fi"#,
};

fn cases() -> Vec<Case> {
    vec![
        Case {
            file: "01-lucastjerez-cloudcomputingfinalproject.yml",
            stubs: &[NPM],
            files: &[("package.json", "{}\n"), ("src/index.js", "x\n")],
            git: false,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::Files(&["package.json", "src/index.js"]),
        },
        Case {
            // Version 0.1: `cd ..` does not carry, so `./coverage.sh` runs in
            // the source directory, where it is not: the build phase fails
            // (127), post_build still runs, and the zip its commands build
            // lands outside the tree: nothing to upload.
            file: "03-ncar-wrfcloud.yml",
            stubs: &[
                Stub {
                    name: "java",
                    body: "",
                },
                Stub {
                    name: "pip3",
                    body: "",
                },
                Stub {
                    name: "pylint",
                    body: "",
                },
                Stub {
                    name: "aws",
                    body: r#"echo '{"SecretString": "token"}'"#,
                },
                Stub {
                    name: "curl",
                    body: r#"printf '%s\n' 'echo codecov "$@"'"#,
                },
                Stub {
                    name: "zip",
                    body: "",
                },
            ],
            files: &[
                ("python/src/setup.py", "\n"),
                ("python/coverage.sh", "#!/bin/sh\necho coverage\n"),
            ],
            git: false,
            volatile: &[],
            succeeds: false,
            artifact: Artifact::Fails(SelectError::NoFiles),
        },
        Case {
            file: "04-aws-aws-sam-cli.yml",
            stubs: &[
                Stub {
                    name: "go",
                    body: r#"if [ "$1" = build ]; then mkdir -p "$(dirname "$3")" && echo binary > "$3"; fi"#,
                },
                Stub {
                    name: "golint",
                    body: "",
                },
            ],
            files: &[("main.go", "package main\n")],
            git: false,
            volatile: &["VERSION"],
            succeeds: true,
            artifact: Artifact::Files(&["VERSION", "linux/sam", "osx/sam", "windows/sam.exe"]),
        },
        Case {
            file: "05-ictlearningsciences-opentutor-home.yml",
            stubs: &[
                Stub {
                    name: "n",
                    body: "",
                },
                NPM,
            ],
            files: &[("package.json", "{}\n"), ("client/package.json", "{}\n")],
            git: false,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::Files(&[
                "client/build/index.html",
                "client/build/static/main.js",
                "client/package.json",
                "package.json",
            ]),
        },
        Case {
            file: "06-yizhizoe-ecs-demo-php-simple-app.yml",
            stubs: &[
                Stub {
                    name: "pip",
                    body: "",
                },
                Stub {
                    name: "pytest",
                    body: "",
                },
            ],
            files: &[("tests/test_app.py", "def test(): pass\n")],
            git: false,
            volatile: &[],
            succeeds: true,
            // `/tmp/test_result.xml` is outside the source tree.
            artifact: Artifact::Outside(&["/tmp/test_result.xml"]),
        },
        Case {
            file: "07-saruniks-cdk-rust-full-stack-app.yml",
            stubs: &[
                Stub {
                    name: "make",
                    body: "",
                },
                Stub {
                    name: "cargo",
                    body: "mkdir -p target/release && echo server > target/release/server-app",
                },
                Stub {
                    name: "apt-get",
                    body: "",
                },
            ],
            files: &[
                ("app/Makefile", "generate:\n"),
                (
                    "app/dev-tools/code-deploy/vendenic-server/appspec.yml",
                    "version: 0.0\n",
                ),
            ],
            git: false,
            volatile: &["app/dev-tools/code-deploy/vendenic-server/backend-code.zip"],
            succeeds: true,
            artifact: Artifact::Files(&["backend-code.zip"]),
        },
        Case {
            file: "08-godragons-diagrams.yml",
            stubs: &[NPM],
            files: &[("frontend/package.json", "{}\n")],
            git: false,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::Files(&["index.html", "static/main.js"]),
        },
        Case {
            file: "09-aidan-clyens-3dgraphicsengine.yml",
            stubs: &[
                Stub {
                    name: "cmake",
                    body: r##"if [ "$1" = --preset ]; then mkdir -p build && echo "# $2" > build/CPackConfig.cmake; fi"##,
                },
                Stub {
                    name: "cpack",
                    body: "mkdir -p build/debian && echo deb > build/debian/engine_1.0_amd64.deb",
                },
            ],
            files: &[("CMakePresets.json", "{}\n")],
            git: true,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::Files(&["CPackConfig.cmake", "engine_1.0_amd64.deb"]),
        },
        Case {
            file: "10-ehwiya-mini-6-back.yml",
            stubs: &[],
            files: &[(
                "gradlew",
                "#!/bin/bash\nprintf '%s\\t%s\\t%s\\n' gradlew \"${PWD#\"$KILN_TEST_SRC\"}\" \"$*\" >> \"$KILN_TEST_SRC/../stub.log\"\n\
                 mkdir -p build/test-results/test build/reports/tests/test .gradle/caches\n\
                 echo '<testsuite/>' > build/test-results/test/TEST-app.xml\n\
                 echo '<html>' > build/reports/tests/test/index.html\n",
            )],
            git: false,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::Files(&[
                "build/reports/tests/test/index.html",
                "build/test-results/test/TEST-app.xml",
            ]),
        },
        Case {
            file: "12-030-news-website.yml",
            stubs: &[Stub {
                name: "go",
                body: r#"for a in "$@"; do if [ "$prev" = -o ]; then mkdir -p "$(dirname "$a")" && echo bin > "$a"; fi; prev=$a; done"#,
            }],
            files: &[
                ("cmd/get/main.go", "package main\n"),
                ("cmd/post/main.go", "package main\n"),
            ],
            git: false,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::None,
        },
        Case {
            file: "13-abhisheksharmaie-devopsecommerceapp.yml",
            stubs: &[
                Stub {
                    name: "python",
                    body: "",
                },
                Stub {
                    name: "pip",
                    body: "",
                },
            ],
            files: &[
                ("app/main.py", "print()\n"),
                ("requirements.txt", "flask\n"),
                ("appspec.yml", "version: 0.0\n"),
                ("scripts/start.sh", "#!/bin/sh\n"),
            ],
            git: false,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::Files(&[
                "build/app/main.py",
                "build/appspec.yml",
                "build/requirements.txt",
                "build/start.sh",
            ]),
        },
        Case {
            // go and ruby stand-ins, so the runtime checks pass.
            file: "14-harisekhon-devops-bash-tools.yml",
            stubs: &[
                Stub {
                    name: "go",
                    body: r#"[ "$1" = version ] && echo "go version go1.14.15 linux/amd64""#,
                },
                Stub {
                    name: "ruby",
                    body: r#"echo "ruby 2.7.8p225""#,
                },
                Stub {
                    name: "make",
                    body: "",
                },
            ],
            files: &[("setup/ci_bootstrap.sh", "#!/bin/sh\necho bootstrap\n")],
            git: false,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::None,
        },
        Case {
            file: "15-romafederico-basic-gitflow-pipeline.yml",
            stubs: &[NPM],
            files: &[(
                "tests/get_api_spec.js",
                "require('fs').writeFileSync('api_spec.json', JSON.stringify({cwd: process.cwd().length > 0}));\n",
            )],
            git: false,
            volatile: &[],
            succeeds: true,
            artifact: Artifact::None,
        },
    ]
}

/// The source tree, for comparison: path, and content (or link target),
/// with the source directory's own path replaced by `<SRC>`.
fn tree(src: &Path, volatile: &[&str]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![PathBuf::new()];
    let root = src.display().to_string();
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(src.join(&rel)) else {
            continue;
        };
        for e in entries.flatten() {
            let path = rel.join(e.file_name());
            let key = path.display().to_string();
            let Ok(meta) = std::fs::symlink_metadata(src.join(&path)) else {
                continue;
            };
            if key == ".git" {
                continue;
            }
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(src.join(&path))
                    .map(|t| t.display().to_string().replace(&root, "<SRC>"))
                    .unwrap_or_default();
                out.insert(key, format!("-> {target}"));
            } else if meta.is_dir() {
                out.insert(key.clone(), "dir".into());
                stack.push(path);
            } else if volatile.contains(&key.as_str()) {
                out.insert(key, "(volatile)".into());
            } else {
                let content = std::fs::read(src.join(&path)).unwrap_or_default();
                out.insert(
                    key,
                    String::from_utf8_lossy(&content).replace(&root, "<SRC>"),
                );
            }
        }
    }
    out
}

fn prepare(dir: &Path, case: &Case) -> PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).expect("mkdir src");
    for (name, content) in case.files {
        let p = src.join(name);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
        if content.starts_with("#!") {
            make_executable(&p);
        }
    }
    if case.git {
        let ok = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&src)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git init");
    }
    src
}

/// The same commands, by hand: one bash for version 0.2, one bash per
/// command started in the source directory for 0.1. Returns the indices
/// (in [`Buildspec::commands`] order) of the commands that failed.
fn by_hand(spec: &Buildspec, dir: &Path, stubs: &Path) -> (PathBuf, Vec<usize>) {
    let src = dir.join("src");
    let mut script = String::from("set +e\n");
    script.push_str(&format!(
        "cd {q}\nexport CODEBUILD_SRC_DIR={q}\n",
        q = kiln_buildspec::sh_quote(&src.display().to_string())
    ));
    for (name, value) in &spec.env.variables {
        script.push_str(&format!(
            "export {}={}\n",
            name.value,
            kiln_buildspec::sh_quote(value)
        ));
    }
    for (i, c) in spec.commands().iter().enumerate() {
        match spec.version.value {
            Version::V0_2 => script.push_str(&format!("{}\n", c.command.text)),
            Version::V0_1 => script.push_str(&format!(
                "(cd \"$CODEBUILD_SRC_DIR\" && bash -c {})\n",
                kiln_buildspec::sh_quote(&c.command.text)
            )),
        }
        script.push_str(&format!(
            "__rc=$?; [ $__rc = 0 ] || echo {i} >> {}\n",
            kiln_buildspec::sh_quote(&dir.join("failed").display().to_string())
        ));
    }
    std::fs::write(dir.join("by-hand.sh"), &script).expect("write");
    let status = Command::new("bash")
        .arg(dir.join("by-hand.sh"))
        .current_dir(&src)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                stubs.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", dir)
        .env("KILN_TEST_SRC", &src)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run by hand");
    assert!(status.code().is_some());
    let failed = std::fs::read_to_string(dir.join("failed"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect();
    (src, failed)
}

#[test]
fn self_contained_files_run_as_they_do_by_hand() {
    let Some(dir) = corpus() else { return };
    let mut ran = Vec::new();
    for case in cases() {
        if case.file.starts_with("07") && !have("zip") {
            eprintln!("note: no zip on this machine: {} not run", case.file);
            continue;
        }
        if case.file.starts_with("15") && !have("node") {
            eprintln!("note: no node on this machine: {} not run", case.file);
            continue;
        }
        let spec = parse(case.file, &read(&dir, case.file)).unwrap_or_else(|d| panic!("{d}"));

        // With kiln's script.
        let stubs = TempDir::new("stubs");
        write_stubs(stubs.path(), case.stubs);
        let kiln = TempDir::new("kiln");
        let src = prepare(kiln.path(), &case);
        let run = Runner {
            env: vec![
                (
                    "PATH".into(),
                    format!(
                        "{}:{}",
                        stubs.path().display(),
                        std::env::var("PATH").unwrap_or_default()
                    ),
                ),
                ("KILN_TEST_SRC".into(), src.display().to_string()),
            ],
            options: kiln_buildspec::ScriptOptions {
                src_dir: Some(src.display().to_string()),
                ..kiln_buildspec::ScriptOptions::default()
            },
            ..Runner::default()
        }
        .run(&spec);
        assert_eq!(
            run.status == 0,
            case.succeeds,
            "{}: {}",
            case.file,
            run.log()
        );

        // By hand.
        let hand = TempDir::new("hand");
        prepare(hand.path(), &case);
        let (hand_src, hand_failed) = by_hand(&spec, hand.path(), stubs.path());

        let log = |d: &Path| {
            std::fs::read_to_string(d.join("stub.log"))
                .unwrap_or_default()
                .replace(&d.join("src").display().to_string(), "<SRC>")
        };
        // The runtime checks (`go version`...) are kiln's own: not by hand.
        let probes: Vec<String> = spec
            .phases
            .iter()
            .flat_map(|p| &p.runtime_versions)
            .map(|rt| {
                let (program, args) = rt.probe().split_once(' ').unwrap_or((rt.probe(), ""));
                format!("{program}\t\t{args}")
            })
            .collect();
        let kiln_log: String = log(kiln.path())
            .lines()
            .filter(|l| !probes.iter().any(|p| p == l))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(
            kiln_log,
            log(hand.path()),
            "{}: the commands did not run the same programs in the same places\n{}",
            case.file,
            run.log()
        );
        assert_eq!(
            tree(&src, case.volatile),
            tree(&hand_src, case.volatile),
            "{}: the commands left different trees",
            case.file
        );
        let all = spec.commands();
        let kiln_failed: Vec<usize> = run
            .outcome
            .failures
            .iter()
            .filter_map(|f| {
                all.iter()
                    .position(|c| (c.phase, c.section, c.index) == (f.phase, f.section, f.index))
            })
            .collect();
        assert_eq!(
            kiln_failed,
            hand_failed,
            "{}: different failures\n{}",
            case.file,
            run.log()
        );

        // The artifact's files.
        let primary = spec
            .with_resolved(&run.outcome)
            .artifacts
            .and_then(|a| a.primary);
        match (&case.artifact, primary) {
            (Artifact::None, None) => {}
            (expected, Some(primary)) => {
                let selection = select(&primary.files, &FsTree::new(&src), None);
                let paths = |s: &kiln_buildspec::Selection| -> Vec<String> {
                    s.files.iter().map(|f| f.path.clone()).collect()
                };
                match (expected, selection) {
                    (Artifact::Files(want), Ok(s)) => assert_eq!(paths(&s), *want, "{}", case.file),
                    (Artifact::Outside(want), Ok(s)) => {
                        assert!(s.files.is_empty(), "{}", case.file);
                        let outside: Vec<&str> =
                            s.outside.iter().map(|p| p.value.as_str()).collect();
                        assert_eq!(outside, *want, "{}", case.file);
                    }
                    (Artifact::Fails(want), Err(e)) => assert_eq!(e, *want, "{}", case.file),
                    (_, got) => panic!("{}: unexpected selection {got:?}", case.file),
                }
            }
            (_, None) => panic!("{}: no artifacts", case.file),
        }
        ran.push(case.file);
    }
    eprintln!(
        "ran {} corpus files and matched them by hand: {ran:?}",
        ran.len()
    );
}

/// File 14 as it is, on this machine: its install phase asks for Java,
/// Go, Python and Ruby; kiln says which of them this machine lacks, and
/// the build stops there (install fails, nothing after it runs).
#[test]
fn file_14_without_stand_ins_says_which_runtimes_are_missing() {
    let Some(dir) = corpus() else { return };
    let file = "14-harisekhon-devops-bash-tools.yml";
    let spec = parse(file, &read(&dir, file)).unwrap_or_else(|d| panic!("{d}"));
    let run = Runner::default().run(&spec);
    let missing: Vec<&str> = [
        ("java", "java"),
        ("golang", "go"),
        ("python", "python3"),
        ("ruby", "ruby"),
    ]
    .into_iter()
    .filter(|(_, program)| !have(program))
    .map(|(rt, _)| rt)
    .collect();
    let got: Vec<&str> = run
        .outcome
        .runtimes
        .iter()
        .filter(|c| c.found.is_none())
        .map(|c| c.runtime.name.value.as_str())
        .collect();
    assert_eq!(got, missing, "{}", run.log());
    if missing.is_empty() {
        // Every runtime is here: the build goes on to pre_build, whose
        // script is not in this tree.
        assert_eq!(
            run.outcome.phases[0],
            (PhaseName::Install, PhaseStatus::Succeeded)
        );
    } else {
        assert_eq!(run.status, 1);
        assert_eq!(
            run.outcome.phases,
            [
                (PhaseName::Install, PhaseStatus::Failed),
                (PhaseName::PreBuild, PhaseStatus::Skipped),
                (PhaseName::Build, PhaseStatus::Skipped)
            ]
        );
        for rt in &missing {
            assert!(
                run.stdout.contains(&format!("Runtime {rt} ")),
                "{}",
                run.log()
            );
        }
    }
    // The versions found are reported next to the versions asked for.
    for check in run.outcome.runtimes.iter().filter(|c| c.found.is_some()) {
        eprintln!(
            "file 14: {} {} asked for, this machine has {:?} (matches: {:?})",
            check.runtime.name.value, check.runtime.version.value, check.found, check.matches
        );
    }
}

/// File 25 `pushd`es in build and `popd`s in post_build. In one bash, by
/// hand, that works; on CodeBuild it does not, because the state that
/// carries between commands is variables and the working directory, not
/// the directory stack: `popd` fails ("directory stack empty"), and with
/// dash as /bin/sh (CodeBuild's Ubuntu images) `pushd` does not exist at
/// all. kiln does what CodeBuild does.
#[test]
fn file_25_pushd_does_not_carry_to_post_build() {
    let Some(dir) = corpus() else { return };
    let file = "25-featureguards-platform.yml";
    let spec = parse(file, &read(&dir, file)).unwrap_or_else(|d| panic!("{d}"));
    let stubs = TempDir::new("stubs25");
    write_stubs(
        stubs.path(),
        &[
            Stub {
                name: "aws",
                body: "echo password",
            },
            Stub {
                name: "docker",
                body: "cat > /dev/null",
            },
        ],
    );
    let case = Case {
        file,
        stubs: &[],
        files: &[("app/built.Dockerfile", "FROM scratch\n")],
        git: false,
        volatile: &[],
        succeeds: false,
        artifact: Artifact::None,
    };
    let sh_is_dash =
        std::fs::read_link("/bin/sh").is_ok_and(|t| t.to_string_lossy().contains("dash"));
    for shell in [None, Some("bash")] {
        let kiln = TempDir::new("kiln25");
        let src = prepare(kiln.path(), &case);
        let run = Runner {
            env: vec![
                (
                    "PATH".into(),
                    format!(
                        "{}:{}",
                        stubs.path().display(),
                        std::env::var("PATH").unwrap_or_default()
                    ),
                ),
                ("KILN_TEST_SRC".into(), src.display().to_string()),
            ],
            options: kiln_buildspec::ScriptOptions {
                src_dir: Some(src.display().to_string()),
                shell_program: shell.map(str::to_owned),
                build: kiln_buildspec::BuildInfo {
                    resolved_source_version: Some("0123456789abcdef".into()),
                    ..kiln_buildspec::BuildInfo::default()
                },
                ..kiln_buildspec::ScriptOptions::default()
            },
            ..Runner::default()
        }
        .run(&spec);
        assert_eq!(run.status, 1, "{}", run.log());
        let failures: Vec<String> = run
            .outcome
            .failures
            .iter()
            .map(ToString::to_string)
            .collect();
        let popd = "phase post_build, command `popd`, exit code ";
        if shell.is_none() && sh_is_dash {
            assert_eq!(failures.len(), 2, "{failures:?}");
            assert_eq!(
                failures[0],
                "phase build, command `pushd app`, exit code 127"
            );
            assert_eq!(failures[1], format!("{popd}127"));
        } else {
            assert_eq!(failures, [format!("{popd}1")], "{}", run.log());
        }
        // The variables of build did carry to post_build.
        let log = std::fs::read_to_string(kiln.path().join("stub.log")).unwrap_or_default();
        assert!(
            log.contains("\tpush .dkr.ecr..amazonaws.com/:0123456\n"),
            "{log}"
        );
        // With bash, `pushd` changed the directory, and that did carry.
        if shell.is_some() {
            assert!(log.contains("docker\t/app\tpush "), "{log}");
        }
        // No imagedefinitions.json: nothing to upload.
        assert!(!src.join("imagedefinitions.json").exists());
    }
    // By hand, in one bash, the same commands succeed.
    let hand = TempDir::new("hand25");
    prepare(hand.path(), &case);
    let (hand_src, failed) = by_hand(&spec, hand.path(), stubs.path());
    assert!(failed.is_empty(), "{failed:?}");
    assert!(hand_src.join("imagedefinitions.json").exists());
}
