//! The action cache: an unchanged action is not run again; any change to a
//! part of its key makes it run, and `kiln cache why` names that part.

mod support;

use support::{Sandbox, plugin};

const PIPELINE: &str = r#"
name: cached
env:
  MODE: debug
stages:
  - name: build
    actions:
      - name: make
        uses: PROBE
        with: { mode: write, text: "TEXT" }
        outputs: [bin]
  - name: test
    actions:
      - name: check
        uses: probe
        inputs: [bin]
        with: { mode: concat, expect: "TEXT" }
"#;

fn pipeline(sandbox: &Sandbox, probe: &str, text: &str, mode: &str) {
    sandbox.pipeline(
        &PIPELINE
            .replace("PROBE", probe)
            .replace("TEXT", text)
            .replace("MODE: debug", &format!("MODE: {mode}")),
    );
}

fn cached(sandbox: &Sandbox, action: &str) -> bool {
    sandbox.action(action)["cached"].as_bool().unwrap()
}

fn why(sandbox: &Sandbox, action: &str) -> String {
    let run = sandbox.kiln(&["cache", "why", action]);
    run.assert_code(0);
    run.stdout
}

#[test]
fn an_unchanged_action_is_reused_not_run() {
    let sandbox = Sandbox::new();
    pipeline(&sandbox, "probe", "one", "debug");
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(!cached(&sandbox, "make"));
    let first = sandbox.action("make")["outputs"].clone();

    let run = sandbox.kiln(&["run"]);
    run.assert_code(0);
    assert!(run.stderr.contains("Cached make"), "{}", run.output());
    assert!(cached(&sandbox, "make") && cached(&sandbox, "check"));
    assert_eq!(
        sandbox.action("make")["outputs"],
        first,
        "the same artifacts"
    );
    assert_eq!(
        sandbox.action("make")["attempts"],
        0,
        "the plugin did not run"
    );
    let log = sandbox.log("make", 1);
    assert!(log.contains("cached result of run"), "{log}");
    assert!(
        log.contains("stored artifact `bin`"),
        "the original log is replayed: {log}"
    );
    // The history names that log as the action's one attempt.
    let logs = sandbox.kiln(&["logs", "last", "make"]);
    logs.assert_code(0);
    assert!(
        logs.stdout.contains("cached result of run"),
        "{}",
        logs.output()
    );
}

#[test]
fn no_cache_runs_everything() {
    let sandbox = Sandbox::new();
    pipeline(&sandbox, "probe", "one", "debug");
    sandbox.kiln(&["run"]).assert_code(0);
    sandbox.kiln(&["run", "--no-cache"]).assert_code(0);
    assert!(!cached(&sandbox, "make") && !cached(&sandbox, "check"));
}

#[test]
fn each_part_of_the_key_causes_a_miss_that_why_explains() {
    let sandbox = Sandbox::new();
    sandbox.write("notes.txt", "v1");
    pipeline(&sandbox, "probe", "one", "debug");
    sandbox.kiln(&["run"]).assert_code(0);

    // A parameter.
    pipeline(&sandbox, "probe", "two", "debug");
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(!cached(&sandbox, "make"));
    assert!(why(&sandbox, "make").contains("parameter `text` changed: one -> two"));
    // ...and downstream, its input artifact.
    assert!(!cached(&sandbox, "check"));
    assert!(why(&sandbox, "check").contains("input artifact `bin` changed"));

    // An environment variable.
    pipeline(&sandbox, "probe", "two", "release");
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(!cached(&sandbox, "make"));
    assert!(
        why(&sandbox, "make").contains("environment variable `MODE` changed: debug -> release")
    );

    // A workspace file.
    sandbox.write("notes.txt", "v2");
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(!cached(&sandbox, "make"));
    assert!(why(&sandbox, "make").contains("workspace file `notes.txt` changed"));

    // The plugin component: the same probe with a custom section appended.
    let mut bytes = std::fs::read(plugin("probe")).unwrap();
    let name = b"kiln-test";
    let payload = b"another build";
    bytes.push(0);
    bytes.push((1 + name.len() + payload.len()) as u8);
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    // Outside the workspace, or the workspace change would hide the cause.
    std::fs::create_dir_all(sandbox.outside()).unwrap();
    let copy = sandbox.outside().join("probe-copy.wasm");
    std::fs::write(&copy, bytes).unwrap();
    pipeline(&sandbox, copy.to_str().unwrap(), "two", "release");
    let run = sandbox.kiln(&["run"]);
    run.assert_code(0);
    assert!(!cached(&sandbox, "make"));
    assert!(
        why(&sandbox, "make").contains("plugin component changed"),
        "{}",
        why(&sandbox, "make")
    );
    // The rebuilt plugin wrote the same bytes: downstream hits.
    assert!(
        cached(&sandbox, "check"),
        "an unchanged input keeps `check` cached"
    );

    // Nothing changed: everything hits.
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(cached(&sandbox, "make") && cached(&sandbox, "check"));
}

#[test]
fn declared_inputs_narrow_the_key_to_those_files() {
    let sandbox = Sandbox::new();
    sandbox.write("src/lib.rs", "v1");
    sandbox.write("docs/guide.md", "v1");
    sandbox.pipeline(
        "name: narrow\nstages:\n  - name: s\n    actions:\n      - name: build\n        uses: probe\n        cache: { inputs: [\"src/**\"] }\n        with: { mode: sleep }\n",
    );
    sandbox.kiln(&["run"]).assert_code(0);
    sandbox.write("docs/guide.md", "v2");
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(
        cached(&sandbox, "build"),
        "a file outside the declared inputs does not matter"
    );
    sandbox.write("src/lib.rs", "v2");
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(!cached(&sandbox, "build"));
    assert!(why(&sandbox, "build").contains("workspace file `src/lib.rs` changed"));
}

#[test]
fn actions_that_reach_outside_are_cached_only_when_they_say_so() {
    let sandbox = Sandbox::new();
    let yaml = |cache: &str| {
        format!(
            "name: outside\nstages:\n  - name: s\n    actions:\n      - name: write\n        uses: probe\n        with: {{ mode: write-path, path: /mnt/out/x.txt }}\n        grants: {{ paths: {{ out: {{ path: ../outside/out, access: read-write }} }} }}\n{cache}"
        )
    };
    sandbox.pipeline(&yaml(""));
    sandbox.kiln(&["run"]).assert_code(0);
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(
        !cached(&sandbox, "write"),
        "a writable grant has effects a cache cannot replay"
    );

    sandbox.pipeline(&yaml("        cache: true\n"));
    sandbox.kiln(&["run"]).assert_code(0);
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(cached(&sandbox, "write"), "`cache: true` vouches for it");

    sandbox.pipeline("name: off\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        cache: false\n        with: { mode: sleep }\n");
    sandbox.kiln(&["run"]).assert_code(0);
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(!cached(&sandbox, "a"));
}

#[test]
fn cache_ls_rm_and_gc_manage_entries() {
    let sandbox = Sandbox::new();
    pipeline(&sandbox, "probe", "one", "debug");
    sandbox.kiln(&["run"]).assert_code(0);
    let ls = sandbox.kiln(&["cache", "ls"]);
    ls.assert_code(0);
    assert!(
        ls.stdout.contains("cached/make") && ls.stdout.contains("cached/check"),
        "{}",
        ls.output()
    );

    let gc = sandbox.kiln(&["cache", "gc", "--older-than", "1d"]);
    gc.assert_code(0);
    assert!(
        gc.stderr.contains("Removed 0 cached results"),
        "{}",
        gc.output()
    );

    let rm = sandbox.kiln(&["cache", "rm", "--all"]);
    rm.assert_code(0);
    assert!(
        rm.stderr.contains("Removed 2 cached results"),
        "{}",
        rm.output()
    );
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(!cached(&sandbox, "make"), "nothing left to reuse");
}

#[test]
fn cache_dirs_persist_from_one_run_of_an_action_to_the_next() {
    let sandbox = Sandbox::new();
    let yaml = |with: &str| {
        format!(
            "name: deps\nstages:\n  - name: s\n    actions:\n      - name: build\n        uses: probe\n        cache: {{ dirs: [deps] }}\n        with: {with}\n"
        )
    };
    sandbox.pipeline(&yaml("{ mode: read, path: /cache/deps/index.txt }"));
    sandbox.kiln(&["run"]).assert_code(1); // nothing saved yet

    sandbox.pipeline(&yaml(
        "{ mode: write-path, path: /cache/deps/index.txt, text: downloaded }",
    ));
    sandbox.kiln(&["run"]).assert_code(0);

    sandbox.pipeline(&yaml("{ mode: read, path: /cache/deps/index.txt }"));
    sandbox.kiln(&["run"]).assert_code(0);
    assert_eq!(
        sandbox.action("build")["summary"],
        "read 10 bytes from /cache/deps/index.txt"
    );
    let saved = sandbox.data_dir().join("caches/deps/build/deps/index.txt");
    assert_eq!(
        std::fs::read_to_string(saved).unwrap(),
        "downloaded",
        "kept in the data directory"
    );
}
