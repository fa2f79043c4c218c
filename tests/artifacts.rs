//! Artifacts are verified on every read: a blob changed in the store after
//! it was written fails the action that needs it, with a message that says so.

mod support;

use std::time::{Duration, Instant};

use support::Sandbox;

#[test]
fn a_corrupted_blob_fails_the_action_that_needs_it() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: corrupt
stages:
  - name: build
    actions:
      - name: make
        uses: probe
        with: { mode: write, text: "precious build output" }
        outputs: [bundle]
  - name: use
    actions:
      - name: gate
        uses: probe
        with: { mode: wait-for, path: /workspace/go }
      - name: consume
        uses: probe
        needs: [gate]
        inputs: [bundle]
        with: { mode: concat, expect: "precious build output" }
"#,
    );
    let child = sandbox
        .command()
        .arg("run")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // Wait for the blob of the file the first stage wrote, then corrupt it.
    let digest = kiln::model::digest::Digest::of(b"precious build output");
    let blob = sandbox
        .data_dir()
        .join("artifacts/blobs/sha256")
        .join(digest.hex());
    let deadline = Instant::now() + Duration::from_secs(60);
    while !blob.exists() {
        assert!(
            Instant::now() < deadline,
            "the first stage never stored its artifact"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::set_permissions(&blob, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::write(&blob, "tampered bytes").unwrap();
    sandbox.write("go", "");

    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let consume = sandbox.action("consume");
    let error = consume["error"].as_str().unwrap();
    assert!(
        error.contains("input artifact `bundle`") && error.contains("corrupt"),
        "{error}"
    );
    assert!(
        error.contains(&digest.to_string()),
        "the message names the bad blob: {error}"
    );
    assert_eq!(consume["attempts"], 1, "a corrupt store is not retried");
}

#[test]
fn outputs_of_a_failed_attempt_are_not_stored() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: partial
stages:
  - name: build
    actions:
      - name: half
        uses: probe
        with: { mode: write-path, path: /outputs/out/partial.txt, text: "half written" }
        outputs: [out]
      - name: fail-after
        uses: probe
        needs: [half]
        with: { mode: fail }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(1);
    // `half` succeeded and stored its output; a failed action stores nothing.
    assert_eq!(
        sandbox.action("half")["outputs"].as_array().unwrap().len(),
        1
    );
    assert!(
        sandbox.action("fail-after")["outputs"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Sandboxes are removed when the run ends; only the store and logs stay.
    let work = sandbox.data_dir().join("work");
    let leftovers: Vec<_> = std::fs::read_dir(&work)
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "scratch left behind: {leftovers:?}");
}

#[test]
fn plugins_are_compiled_once_and_a_corrupt_compiled_entry_is_rebuilt() {
    let sandbox = Sandbox::new();
    let inspect = |sandbox: &Sandbox| -> String {
        // This sandbox's own compiled cache, not the one tests share.
        let run = Sandbox::run_with(
            sandbox
                .command()
                .env("KILN_COMPILED_DIR", sandbox.data_dir().join("compiled"))
                .args(["plugin", "inspect", "probe", "--json"]),
        );
        run.assert_code(0);
        let info: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        info["provenance"].as_str().unwrap().to_owned()
    };
    assert_eq!(inspect(&sandbox), "compiled-and-cached");
    assert_eq!(inspect(&sandbox), "cached", "a second process deserializes");

    let compiled = sandbox.data_dir().join("compiled");
    let entry = std::fs::read_dir(&compiled)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .expect("a compiled entry");
    let mut bytes = std::fs::read(&entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&entry, bytes).unwrap();
    assert_eq!(
        inspect(&sandbox),
        "recompiled",
        "the corrupt entry is detected"
    );
    assert_eq!(inspect(&sandbox), "cached", "and replaced");

    // A run works from the cache too.
    sandbox.pipeline("name: c\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n");
    sandbox.kiln(&["run"]).assert_code(0);
}
