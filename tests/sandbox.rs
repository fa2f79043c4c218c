//! A plugin cannot reach outside its preopened directories: not with
//! `..`, not with absolute paths, not through symlinks, and it cannot
//! write what it was given read-only.

mod support;

use support::Sandbox;

/// Run one probe action and return (exit code, action record, log).
fn probe(sandbox: &Sandbox, with: &str, extra: &str) -> (i32, serde_json::Value, String) {
    sandbox.pipeline(&format!(
        r#"
name: escape
stages:
  - name: only
    actions:
      - name: attempt
        uses: probe
        with: {with}
{extra}
"#
    ));
    let run = sandbox.kiln(&["run"]);
    (
        run.code,
        sandbox.action("attempt"),
        sandbox.log("attempt", 1),
    )
}

fn secret_outside(sandbox: &Sandbox) -> std::path::PathBuf {
    std::fs::create_dir_all(sandbox.outside()).unwrap();
    let secret = sandbox.outside().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-CONTENT").unwrap();
    secret
}

#[test]
fn files_inside_the_workspace_are_readable() {
    let sandbox = Sandbox::new();
    sandbox.write("src/main.rs", "fn main() {}");
    let (code, action, _) = probe(&sandbox, "{ mode: read, path: /workspace/src/main.rs }", "");
    assert_eq!(code, 0, "{action:#}");
    assert_eq!(
        action["summary"],
        "read 12 bytes from /workspace/src/main.rs"
    );
}

#[test]
fn dot_dot_cannot_leave_the_workspace() {
    let sandbox = Sandbox::new();
    secret_outside(&sandbox);
    let (code, action, log) = probe(
        &sandbox,
        "{ mode: read, path: /workspace/../outside/secret.txt }",
        "",
    );
    assert_eq!(code, 1);
    assert!(
        action["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot read /workspace/../outside/secret.txt"),
        "{action:#}"
    );
    assert!(!log.contains("TOP-SECRET"));
}

#[test]
fn absolute_host_paths_are_not_visible() {
    let sandbox = Sandbox::new();
    let secret = secret_outside(&sandbox);
    let (code, action, _) = probe(
        &sandbox,
        &format!("{{ mode: read, path: {} }}", secret.display()),
        "",
    );
    assert_eq!(code, 1);
    assert!(
        action["error"].as_str().unwrap().contains("cannot read"),
        "{action:#}"
    );
    let (code, _, _) = probe(&sandbox, "{ mode: read, path: /etc/passwd }", "");
    assert_eq!(code, 1, "/etc/passwd must not be readable");
}

#[test]
fn a_symlink_in_the_workspace_cannot_point_outside() {
    let sandbox = Sandbox::new();
    let secret = secret_outside(&sandbox);
    std::os::unix::fs::symlink(&secret, sandbox.workspace().join("link-abs")).unwrap();
    std::os::unix::fs::symlink(
        "../outside/secret.txt",
        sandbox.workspace().join("link-rel"),
    )
    .unwrap();
    std::os::unix::fs::symlink(sandbox.outside(), sandbox.workspace().join("dir-link")).unwrap();
    for path in [
        "/workspace/link-abs",
        "/workspace/link-rel",
        "/workspace/dir-link/secret.txt",
    ] {
        let (code, action, log) = probe(&sandbox, &format!("{{ mode: read, path: {path} }}"), "");
        assert_eq!(code, 1, "{path} was readable: {action:#}");
        assert!(!log.contains("TOP-SECRET"), "{path} leaked the secret");
    }
}

#[test]
fn the_workspace_is_read_only_by_default() {
    let sandbox = Sandbox::new();
    let (code, action, _) = probe(
        &sandbox,
        "{ mode: write-path, path: /workspace/new.txt }",
        "",
    );
    assert_eq!(code, 1, "{action:#}");
    assert!(!sandbox.workspace().join("new.txt").exists());

    let (code, action, _) = probe(
        &sandbox,
        "{ mode: write-path, path: /workspace/new.txt, text: granted }",
        "        grants: { workspace: read-write }",
    );
    assert_eq!(code, 0, "{action:#}");
    assert_eq!(
        std::fs::read_to_string(sandbox.workspace().join("new.txt")).unwrap(),
        "granted"
    );
}

#[test]
fn inputs_are_read_only() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: ro
stages:
  - name: one
    actions:
      - name: make
        uses: probe
        with: { mode: write, text: original }
        outputs: [data]
  - name: two
    actions:
      - name: tamper
        uses: probe
        inputs: [data]
        with: { mode: write-path, path: /inputs/data/out.txt, text: changed }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(1);
    assert!(
        sandbox.action("tamper")["error"]
            .as_str()
            .unwrap()
            .contains("cannot write /inputs/data/out.txt")
    );
}

#[test]
fn a_granted_path_is_mounted_under_mnt() {
    let sandbox = Sandbox::new();
    let (code, action, _) = probe(
        &sandbox,
        "{ mode: write-path, path: /mnt/cache/hello.txt, text: cached }",
        "        grants:\n          paths:\n            cache: { path: ../outside/cache, access: read-write }",
    );
    assert_eq!(code, 0, "{action:#}");
    assert_eq!(
        std::fs::read_to_string(sandbox.outside().join("cache/hello.txt")).unwrap(),
        "cached"
    );
}
