//! Plugins in Python, JavaScript and C, next to the Rust ones: the
//! first-party ones in examples/polyglot, and a new project per language
//! from `kiln plugin new` through `kiln plugin build` to a run. The
//! language toolchains come from `scripts/setup --polyglot` (pinned, in
//! .tools/); these tests fail, saying so, when they are missing.

mod support;

use std::path::{Path, PathBuf};

use support::Sandbox;

/// A first-party plugin of another language, as `scripts/setup --polyglot`
/// builds it next to the Rust ones.
#[track_caller]
fn built(name: &str) -> PathBuf {
    let path = support::plugins_dir().join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `scripts/setup --polyglot` first",
        path.display()
    );
    path
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    kiln::model::digest::Digest::of(bytes).hex()
}

#[test]
fn the_polyglot_example_runs_javascript_c_and_python_plugins_together() {
    for name in ["template", "sha256sums", "coverage"] {
        built(name);
    }
    let sandbox = Sandbox::new();
    copy_tree(
        &support::workspace_root().join("examples/polyglot"),
        &sandbox.workspace(),
    );
    let run = sandbox.kiln(&["run", "--plain"]);
    run.assert_code(0);
    for action in ["render", "checksums", "verify-checksums", "coverage"] {
        assert_eq!(
            sandbox.action(action)["status"],
            "succeeded",
            "{}",
            run.output()
        );
    }
    assert!(
        sandbox.action("coverage")["summary"]
            .as_str()
            .unwrap()
            .contains("line 85.00%"),
        "{}",
        run.output()
    );

    // What the JavaScript plugin rendered, and the C plugin's checksums of it.
    let config = sandbox.outside().join("config");
    sandbox
        .kiln(&[
            "artifacts",
            "get",
            "last",
            "config",
            config.to_str().unwrap(),
        ])
        .assert_code(0);
    let app = std::fs::read_to_string(config.join("app.conf")).unwrap();
    assert!(app.contains("name = kiln-demo"), "{app}");
    assert!(app.contains("port = 8080"), "{app}");
    assert!(app.contains("database = db.internal:5432"), "{app}");
    assert!(app.contains("log_level = info"), "{app}");
    let sums = sandbox.outside().join("sums");
    sandbox
        .kiln(&["artifacts", "get", "last", "sums", sums.to_str().unwrap()])
        .assert_code(0);
    let manifest = std::fs::read_to_string(sums.join("SHA256SUMS")).unwrap();
    for file in ["app.conf", "motd.txt"] {
        let digest = sha256_hex(&std::fs::read(config.join(file)).unwrap());
        assert!(
            manifest.contains(&format!("{digest}  {file}")),
            "{file} {digest}\n{manifest}"
        );
    }

    // The Python gate fails the run below its minimum, naming the figure.
    let strict = std::fs::read_to_string(sandbox.workspace().join("kiln.yaml"))
        .unwrap()
        .replace("min: 70", "min: 90");
    sandbox.pipeline(&strict);
    sandbox.kiln(&["run", "--plain"]).assert_code(1);
    let error = sandbox.action("coverage")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("below the minimum 90%"), "{error}");
}

/// `kiln plugin new` + `kiln plugin build`, then a run of the result that
/// writes its greeting into an output artifact.
fn new_build_and_run(lang: &str) {
    let sandbox = Sandbox::new();
    let name = format!("greet-{lang}");
    let projects = sandbox.outside();
    std::fs::create_dir_all(&projects).unwrap();
    sandbox
        .kiln(&[
            "plugin",
            "new",
            &name,
            "--lang",
            lang,
            "--dir",
            projects.to_str().unwrap(),
        ])
        .assert_code(0);
    let project = projects.join(&name);
    let wasm = project.join("plugin.wasm");
    let mut build = sandbox.command();
    build.args([
        "plugin",
        "build",
        project.to_str().unwrap(),
        "-o",
        wasm.to_str().unwrap(),
    ]);
    // A new Rust project builds in a target directory of its own, kept
    // between test runs so that its dependencies build once.
    build.env(
        "CARGO_TARGET_DIR",
        support::target_dir().join("kiln-plugin-new-rust"),
    );
    Sandbox::run_with(&mut build).assert_code(0);

    let inspect = sandbox.json(&["plugin", "inspect", wasm.to_str().unwrap(), "--json"]);
    assert_eq!(inspect["info"]["name"], name.as_str(), "{inspect:#}");
    sandbox.pipeline(&format!(
        "name: new\nstages:\n  - name: s\n    actions:\n      - name: greet\n        uses: {}\n        with: {{ who: kiln }}\n        outputs: [greeting]\n",
        wasm.display()
    ));
    let run = sandbox.kiln(&["run", "--plain"]);
    run.assert_code(0);
    let out = sandbox.outside().join("greeting");
    sandbox
        .kiln(&[
            "artifacts",
            "get",
            "last",
            "greeting",
            out.to_str().unwrap(),
        ])
        .assert_code(0);
    assert_eq!(
        std::fs::read_to_string(out.join("greeting.txt")).unwrap(),
        "hello, kiln\n",
        "{}",
        run.output()
    );
    assert!(sandbox.log("greet", 1).contains("hello, kiln"));
}

#[test]
fn a_new_c_plugin_builds_and_runs() {
    new_build_and_run("c");
}

#[test]
fn a_new_python_plugin_builds_and_runs() {
    new_build_and_run("python");
}

#[test]
fn a_new_javascript_plugin_builds_and_runs() {
    new_build_and_run("js");
}

#[test]
fn a_new_rust_plugin_builds_and_runs() {
    new_build_and_run("rust");
}
