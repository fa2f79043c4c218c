//! Hostile plugins against the artifact store: names that are not what
//! they seem, links that would carry a later write onto the host or into a
//! stored blob, writers racing for one blob.

mod support;

use support::Sandbox;
use support::hostile::{contained, error};

/// An attacker with a shell (`runs: any`): the only way to make file names
/// that are not UTF-8, since WASI paths are strings.
fn shell_attack(script: &str, outputs: &str) -> String {
    format!(
        "        uses: probe\n        with: {{ mode: exec, program: sh, args: [\"-c\", {script:?}] }}\n        outputs: [{outputs}]\n        grants:\n          exec: [{{ program: sh, runs: any }}]"
    )
}

#[test]
fn a_link_and_a_file_whose_names_are_not_utf8_never_write_through_the_link() {
    let sandbox = Sandbox::new();
    let victim = sandbox.outside().join("victim.txt");
    std::fs::create_dir_all(sandbox.outside()).unwrap();
    std::fs::write(&victim, "original").unwrap();
    // Two names that render alike once invalid bytes are replaced: a link
    // to the victim, and a file with the bytes to write through it. The
    // output directory is `<attempt>/outputs/tree`, beside `$TMPDIR`.
    let script = format!(
        "cd \"$(dirname \"$TMPDIR\")/outputs/tree\" && ln -s {} \"$(printf 'x\\377')\" && printf pwned > \"$(printf 'x\\376')\"",
        victim.display()
    );
    sandbox.pipeline(&format!(
        "name: names\nstages:\n  - name: make\n    actions:\n      - name: attacker\n{}\n  - name: use\n    actions:\n      - name: consumer\n        uses: probe\n        inputs: [tree]\n        with: {{ mode: list, path: /inputs/tree }}\n",
        shell_attack(&script, "tree")
    ));
    let run = sandbox.kiln(&["run"]);
    run.assert_code(1);
    let attacker = sandbox.action("attacker");
    assert!(
        error(&attacker).contains("the name is not valid UTF-8"),
        "{attacker:#}"
    );
    assert!(error(&attacker).contains("x\\x"), "{attacker:#}");
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "original",
        "nothing was written through the link"
    );
    assert_eq!(sandbox.action("consumer")["status"], "skipped");
}

#[test]
fn names_with_backslashes_are_refused_when_stored_with_the_action_named() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: write, text: x, file: \"a\\\\..\\\\b\" }\n        outputs: [odd]",
    );
    let message = error(&attacker);
    assert!(
        message.contains("storing output artifact `odd`") && message.contains("`\\`"),
        "{message}"
    );
}

#[test]
fn a_blob_is_never_an_inode_the_plugin_keeps_a_name_for() {
    let sandbox = Sandbox::new();
    let yaml = |with: &str| {
        format!(
            "name: links\nstages:\n  - name: s\n    actions:\n      - name: link\n        uses: probe\n        cache: {{ dirs: [keep] }}\n        outputs: [out]\n        with: {with}\n"
        )
    };
    sandbox.pipeline(&yaml(
        "{ mode: hardlink-cache, path: /cache/keep, text: genuine }",
    ));
    sandbox.kiln(&["run"]).assert_code(0);
    let first = sandbox.last_run();
    let digest = first["stages"][0]["actions"][0]["outputs"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    // The next run rewrites the file it kept in its cache directory.
    sandbox.pipeline(&yaml(
        "{ mode: write-path, path: /cache/keep/kept.txt, text: rewritten-later }",
    ));
    sandbox.kiln(&["run"]).assert_code(0);
    let id = first["id"].as_str().unwrap();
    let out = sandbox.outside().join("got");
    let get = sandbox.kiln(&["artifacts", "get", id, "out", out.to_str().unwrap()]);
    get.assert_code(0);
    assert_eq!(
        std::fs::read_to_string(out.join("linked.txt")).unwrap(),
        "genuine",
        "the stored artifact {digest} still holds what was stored"
    );
}

#[test]
fn concurrent_outputs_of_one_new_content_are_all_stored() {
    let sandbox = Sandbox::new();
    // Each round stores content the store has never seen, 64 times at
    // once, large enough that the writers hash it side by side: the race
    // is between writers of one new blob.
    for round in 0..5 {
        let mut yaml = String::from("name: race\nstages:\n  - name: s\n    actions:\n");
        for i in 0..4 {
            yaml.push_str(&format!(
                "      - name: w{i}\n        uses: probe\n        outputs: [o{i}]\n        with: {{ mode: write-copies, count: 16, bytes: 1000000, text: new-content-{round} }}\n"
            ));
        }
        sandbox.pipeline(&yaml);
        let run = sandbox.kiln(&["run", "--jobs", "4", "--no-cache"]);
        assert_eq!(run.code, 0, "round {round}: {}", run.output());
    }
}

#[test]
fn a_pipeline_name_never_becomes_a_path() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: ../../escape\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        cache: { dirs: [d] }\n        with: { mode: write-path, path: /cache/d/x, text: x }\n",
    );
    let run = sandbox.kiln(&["run"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("pipeline name `../../escape` must be letters, digits"),
        "{}",
        run.output()
    );
    assert!(!sandbox.data_dir().join("../escape").exists());
}
