//! The hostile-plugin suite: real components that attack the sandbox. For
//! each attempt the test asserts that it failed, that the action failed for
//! the right reason, that the other action of the stage was untouched, and
//! that the host went on (a later `if: always` action ran).

mod support;

use support::Sandbox;
use support::hostile::{contained, error};
use support::http_server::TestServer;

#[test]
fn a_symlink_inside_an_input_artifact_cannot_point_outside() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.outside()).unwrap();
    std::fs::write(sandbox.outside().join("secret.txt"), "TOP-SECRET-CONTENT").unwrap();
    sandbox.pipeline(
        r#"
name: link
stages:
  - name: make
    actions:
      - name: make-link
        uses: probe
        with: { mode: symlink, path: "../../../../../../../../outside/secret.txt" }
        outputs: [linked]
  - name: use
    actions:
      - name: follow
        uses: probe
        inputs: [linked]
        with: { mode: read, path: /inputs/linked/link }
"#,
    );
    let run = sandbox.kiln(&["run"]);
    run.assert_code(1);
    assert!(error(&sandbox.action("follow")).contains("cannot read /inputs/linked/link"));
    assert!(!sandbox.log("follow", 1).contains("TOP-SECRET"));
}

#[test]
fn an_ungranted_secret_cannot_be_read() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: secret, name: DEPLOY_TOKEN }",
    );
    assert!(
        error(&attacker).contains("secret `DEPLOY_TOKEN` is not granted"),
        "{attacker:#}"
    );
}

#[test]
fn http_to_an_origin_not_granted_is_denied_and_never_sent() {
    let sandbox = Sandbox::new();
    let granted = TestServer::start(|_, _, _| (200, vec![], "ok".into()));
    let forbidden = TestServer::start(|_, _, _| (200, vec![], "leaked".into()));
    let (attacker, log, _) = contained(
        &sandbox,
        &format!(
            "        uses: probe\n        with: {{ mode: http-get, url: \"{}/steal\" }}\n        grants: {{ network: [\"{}\"] }}",
            forbidden.origin(),
            granted.origin()
        ),
    );
    assert!(
        error(&attacker).contains("HTTP request denied"),
        "{attacker:#}"
    );
    assert!(log.contains("denied: not a granted origin"), "{log}");
    assert_eq!(
        forbidden.hits(),
        0,
        "no connection reached the forbidden server"
    );
}

#[test]
fn a_redirect_off_the_allowlist_is_denied() {
    let sandbox = Sandbox::new();
    let forbidden = TestServer::start(|_, _, _| (200, vec![], "leaked".into()));
    let target = format!("{}/exfiltrate", forbidden.origin());
    let granted = TestServer::start(move |_, _, _| {
        (
            302,
            vec![("location".into(), target.clone())],
            String::new(),
        )
    });
    let (attacker, _, _) = contained(
        &sandbox,
        &format!(
            "        uses: probe\n        with: {{ mode: http-get, url: \"{}/start\" }}\n        grants: {{ network: [\"{}\"] }}",
            granted.origin(),
            granted.origin()
        ),
    );
    assert!(
        error(&attacker).contains("HTTP request denied"),
        "{attacker:#}"
    );
    assert_eq!(granted.hits(), 1, "the granted server was asked once");
    assert_eq!(
        forbidden.hits(),
        0,
        "the redirect target was never contacted"
    );
}

#[test]
fn a_granted_origin_is_reachable() {
    let sandbox = Sandbox::new();
    let server = TestServer::start(|method, path, _| (200, vec![], format!("{method} {path}")));
    sandbox.pipeline(&format!(
        "name: net\nstages:\n  - name: s\n    actions:\n      - name: fetch\n        uses: probe\n        with: {{ mode: http-get, url: \"{}/hello\" }}\n        grants: {{ network: [\"{}\"] }}\n",
        server.origin(),
        server.origin()
    ));
    sandbox.kiln(&["run"]).assert_code(0);
    assert_eq!(sandbox.action("fetch")["summary"], "200 GET /hello");
}

#[test]
fn an_ungranted_program_cannot_be_run() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: exec, program: sh, args: [\"-c\", \"echo pwned > /tmp/pwned\"] }",
    );
    assert!(error(&attacker).contains("denied"), "{attacker:#}");
}

#[test]
fn a_granted_program_with_disallowed_arguments_cannot_be_run() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: exec, program: echo, args: [\"--dangerous\"] }\n        grants:\n          exec:\n            - { program: echo, args: [\"hello *\"] }",
    );
    assert!(
        error(&attacker).contains("match no granted pattern"),
        "{attacker:#}"
    );
}

#[test]
fn a_granted_program_runs_with_its_output_streamed_into_the_log() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: exec\nstages:\n  - name: s\n    actions:\n      - name: greet\n        uses: probe\n        env: { WHO: pipeline }\n        with: { mode: exec, program: sh, args: [\"-c\", \"echo hello from $WHO; echo warn >&2; env | sort\"] }\n        grants:\n          exec:\n            - { program: sh, args: [\"-c *\"], runs: any }\n",
    );
    let run = sandbox.kiln(&["run"]);
    run.assert_code(0);
    let log = sandbox.log("greet", 1);
    assert!(log.contains("INFO  hello from pipeline"), "{log}");
    assert!(log.contains("WARN  warn"), "{log}");
    assert!(log.contains("Landlock confinement"), "{log}");
    assert!(
        !log.contains("SECRET_HOST_VARIABLE"),
        "the child's environment is rebuilt: {log}"
    );
}

#[test]
fn a_plugin_cannot_set_loader_variables_for_a_child() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: exec, program: \"true\", env: [\"LD_PRELOAD=/tmp/evil.so\"] }\n        grants: { exec: [\"true\"] }",
    );
    assert!(
        error(&attacker).contains("`LD_PRELOAD` may not be set"),
        "{attacker:#}"
    );
}

#[test]
fn a_memory_bomb_fails_on_the_memory_limit() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: alloc }\n        limits: { memory: 64 MiB }",
    );
    assert_eq!(
        error(&attacker),
        "the plugin ran out of memory: limits.memory is 64.0 MiB"
    );
}

#[test]
fn deep_recursion_fails_on_stack_overflow() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: recurse }",
    );
    assert!(error(&attacker).contains("stack overflow"), "{attacker:#}");
}

#[test]
fn an_infinite_loop_fails_on_the_cpu_budget() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: loop }\n        limits: { cpu: 500ms }",
    );
    assert_eq!(
        error(&attacker),
        "the plugin computed for longer than limits.cpu (500ms)"
    );
}

#[test]
fn a_log_flood_is_cut_and_fails_the_action() {
    let sandbox = Sandbox::new();
    for mode in ["flood", "stdout-flood"] {
        let (attacker, log, _) = contained(
            &sandbox,
            &format!(
                "        uses: probe\n        with: {{ mode: {mode} }}\n        limits: {{ log: 64 KiB }}"
            ),
        );
        assert!(
            error(&attacker).contains("more than limits.log (64.0 KiB)"),
            "{mode}: {attacker:#}"
        );
        assert!(
            log.len() < 80 * 1024,
            "{mode}: the stored log is bounded, not {} bytes",
            log.len()
        );
        assert!(log.contains("log cut here"), "{mode}");
    }
}

#[test]
fn a_huge_output_fails_on_the_output_limit() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: huge-output, bytes: 3000000 }\n        outputs: [dump]\n        limits: { output: 2 MiB }",
    );
    assert_eq!(
        error(&attacker),
        "output artifact `dump` holds more than limits.output (2.0 MiB)"
    );
    let blobs = sandbox.data_dir().join("artifacts/blobs/sha256");
    let largest = std::fs::read_dir(blobs)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .max()
        .unwrap_or(0);
    assert!(largest < 1_000_000, "the oversized output was not stored");
}

/// Every form in which a plugin could leak `secret` into a log.
fn leaked_forms(secret: &str) -> Vec<String> {
    use base64::Engine;
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let mut forms = vec![secret.to_owned()];
    forms.extend(engines.iter().map(|e| e.encode(secret)));
    forms.push(
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
    );
    forms.extend(secret.lines().filter(|l| l.len() >= 4).map(str::to_owned));
    forms
}

#[test]
fn secrets_are_masked_in_every_log_and_output() {
    let sandbox = Sandbox::new();
    let secret = "s3cr3t-Value/with+specials&more";
    let multi = "-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA7\n-----END KEY-----";
    sandbox.pipeline(
        r#"
name: secrets
stages:
  - name: deploy
    actions:
      - name: leak
        uses: probe
        with: { mode: secret, name: DEPLOY_TOKEN }
        grants: { secrets: [DEPLOY_TOKEN] }
      - name: leak-key
        uses: probe
        with: { mode: secret, name: SIGNING_KEY }
        grants: { secrets: [SIGNING_KEY] }
"#,
    );
    let run = Sandbox::run_with(
        sandbox
            .command()
            .args(["run"])
            .env("KILN_SECRET_DEPLOY_TOKEN", secret)
            .env("KILN_SECRET_SIGNING_KEY", multi),
    );
    run.assert_code(0);
    let logs = format!("{}{}", sandbox.log("leak", 1), sandbox.log("leak-key", 1));
    assert!(logs.contains("raw: ***"), "{logs}");
    assert!(
        logs.contains("split: ***"),
        "a secret split across two writes is masked: {logs}"
    );
    let record = serde_json::to_string(&sandbox.last_run()).unwrap();
    for form in leaked_forms(secret).into_iter().chain(leaked_forms(multi)) {
        assert!(!logs.contains(&form), "stored log leaks {form:?}:\n{logs}");
        assert!(
            !run.stdout.contains(&form) && !run.stderr.contains(&form),
            "printed output leaks {form:?}"
        );
        assert!(!record.contains(&form), "the run record leaks {form:?}");
    }
}

#[test]
fn a_secret_stored_with_kiln_secret_set_is_granted_and_masked() {
    let sandbox = Sandbox::new();
    let mut set = sandbox
        .command()
        .args(["secret", "set", "DB_PASSWORD"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(set.stdin.as_mut().unwrap(), b"correct-horse-battery\n").unwrap();
    let output = set.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ls = sandbox.kiln(&["secret", "ls"]);
    assert_eq!(
        ls.stdout.trim(),
        "DB_PASSWORD",
        "names only: {}",
        ls.output()
    );

    let file = sandbox.data_dir().join("secrets/DB_PASSWORD");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "only its owner can read it");

    sandbox.pipeline(
        "name: db\nstages:\n  - name: s\n    actions:\n      - name: migrate\n        uses: probe\n        with: { mode: secret, name: DB_PASSWORD }\n        grants: { secrets: [DB_PASSWORD] }\n",
    );
    let run = sandbox.kiln(&["run"]);
    run.assert_code(0);
    let log = sandbox.log("migrate", 1);
    assert!(log.contains("raw: ***"), "{log}");
    assert!(!log.contains("correct-horse") && !run.stderr.contains("correct-horse"));

    // A store others can read is refused, as ssh refuses a readable key.
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let run = sandbox.kiln(&["run", "--no-cache"]);
    run.assert_code(1);
    let error = sandbox.action("migrate")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("chmod 600"), "{error}");
}
