//! The `kiln` binary on its own: copied into an empty directory of a
//! machine that has no kiln source tree, with a clean environment, it runs
//! the demo pipeline with the first-party plugins it carries.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The copied binary, with nothing of the build tree in its environment.
fn installed(kiln: &Path, home: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(kiln)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .output()
        .expect("running the installed kiln")
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=kiln", "-c", "user.email=kiln@example.com"])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("running git");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn the_binary_alone_runs_the_demo_pipeline_with_its_built_in_plugins() {
    let root = tempfile::tempdir().unwrap();
    let (bin, home, project) = (
        root.path().join("bin"),
        root.path().join("home"),
        root.path().join("project"),
    );
    for dir in [&bin, &home, &project] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let kiln = bin.join("kiln");
    std::fs::copy(env!("CARGO_BIN_EXE_kiln"), &kiln).unwrap();

    // A project of its own: one commit, and the demo pipeline.
    std::fs::write(project.join("README"), "a project\n").unwrap();
    git(&project, &["init", "-q"]);
    git(&project, &["add", "README"]);
    git(&project, &["commit", "-q", "-m", "first"]);
    let demo =
        std::fs::read_to_string(support::workspace_root().join("examples/demo/kiln.yaml")).unwrap();
    std::fs::write(project.join("kiln.yaml"), demo).unwrap();

    let run = installed(&kiln, &home, &project, &["run", "--plain"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    for action in ["checkout", "package", "verify", "test-report", "deploy"] {
        assert!(
            stderr.contains(&format!("Passed {action} (")),
            "{action} did not pass:\n{stderr}"
        );
    }
    assert!(
        std::fs::read_dir(project.join(".kiln/demo-site"))
            .unwrap()
            .next()
            .is_some(),
        "the deploy wrote the package"
    );

    // `plugin ls` names the plugins kiln carries, with their digests.
    let listed = installed(&kiln, &home, &project, &["plugin", "ls", "--json"]);
    assert_eq!(listed.status.code(), Some(0));
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    for name in [
        "checkout",
        "archive",
        "verify",
        "junit",
        "deploy-dir",
        "cargo",
        "notify",
    ] {
        let plugin = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|plugin| plugin["reference"] == name)
            .unwrap_or_else(|| panic!("{name} is not listed: {listed:#}"));
        assert_eq!(plugin["kind"], "built-in");
        assert!(
            plugin["component"].as_str().unwrap().starts_with("sha256:"),
            "{plugin}"
        );
    }
}

/// The environment a developer's shell gives the installed kiln: its
/// toolchains (Rust via rustup; componentize-py as scripts/setup pinned
/// it), and nothing of kiln's source tree.
fn developer(kiln: &Path, home: &Path, dir: &Path, args: &[&str]) -> Output {
    let real_home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let toolchain_var = |name: &str, default: &str| {
        std::env::var_os(name).unwrap_or_else(|| real_home.join(default).into_os_string())
    };
    Command::new(kiln)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("CARGO_HOME", toolchain_var("CARGO_HOME", ".cargo"))
        .env("RUSTUP_HOME", toolchain_var("RUSTUP_HOME", ".rustup"))
        // The new project's dependencies build once across test runs.
        .env(
            "CARGO_TARGET_DIR",
            support::target_dir().join("kiln-plugin-new-rust"),
        )
        .env("KILN_TOOLS_DIR", support::workspace_root().join(".tools"))
        .output()
        .expect("running the installed kiln")
}

#[test]
fn plugin_projects_from_the_binary_alone_build_and_run() {
    let root = tempfile::tempdir().unwrap();
    let (bin, home, projects) = (
        root.path().join("bin"),
        root.path().join("home"),
        root.path().join("projects"),
    );
    for dir in [&bin, &home, &projects] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let kiln = bin.join("kiln");
    std::fs::copy(env!("CARGO_BIN_EXE_kiln"), &kiln).unwrap();
    let source_tree = support::workspace_root().display().to_string();

    for lang in ["rust", "python"] {
        let name = format!("hello-{lang}");
        let new = developer(
            &kiln,
            &home,
            &projects,
            &["plugin", "new", &name, "--lang", lang],
        );
        assert_eq!(
            new.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&new.stderr)
        );
        let project = projects.join(&name);
        // Nothing in the project points into kiln's source tree.
        for entry in walkdir::WalkDir::new(&project) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let text = std::fs::read(entry.path()).unwrap();
                assert!(
                    !String::from_utf8_lossy(&text).contains(&source_tree),
                    "{} names the source tree",
                    entry.path().display()
                );
            }
        }
        let wasm = project.join("plugin.wasm");
        let build = developer(
            &kiln,
            &home,
            &projects,
            &["plugin", "build", &name, "-o", wasm.to_str().unwrap()],
        );
        assert_eq!(
            build.status.code(),
            Some(0),
            "{lang}: {}",
            String::from_utf8_lossy(&build.stderr)
        );
        std::fs::write(
            project.join("kiln.yaml"),
            "name: hello\nstages:\n  - name: s\n    actions:\n      - name: greet\n        uses: plugin.wasm\n        with: { who: kiln }\n        outputs: [greeting]\n",
        )
        .unwrap();
        let run = developer(&kiln, &home, &project, &["run", "--plain"]);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{lang}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
