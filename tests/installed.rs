//! The `kiln` binary on its own: copied into an empty directory of a
//! machine that has no kiln source tree, with a clean environment, it runs
//! the demo pipeline with the first-party plugins it carries.

mod support;

use std::path::Path;
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
