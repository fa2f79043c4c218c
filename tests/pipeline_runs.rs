//! Pipelines of real components run through the real `kiln` binary:
//! artifacts flow, stages order, actions overlap, failures stop, retries
//! retry, timeouts stop runaway plugins.

mod support;

use support::Sandbox;

#[test]
fn artifacts_flow_between_stages_with_their_content() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: flow
stages:
  - name: build
    actions:
      - name: make-a
        uses: probe
        with: { mode: write, text: "alpha;" }
        outputs: [a]
      - name: make-b
        uses: probe
        with: { mode: write, text: "beta" }
        outputs: [b]
      - name: join-same-stage
        uses: probe
        needs: [make-a]
        with: { mode: concat, expect: "alpha;" }
        inputs: [a]
  - name: test
    actions:
      - name: join
        uses: probe
        with: { mode: concat, expect: "alpha;beta" }
        inputs: [a, b]
        outputs: [joined]
"#,
    );
    sandbox.kiln(&["run"]).assert_code(0);

    let joined = sandbox.action("join");
    assert_eq!(joined["status"], "succeeded");
    assert!(sandbox.log("join", 1).contains("inputs say: alpha;beta"));
    // The stored artifact holds what the plugin wrote.
    let digest = joined["outputs"][0]["digest"].as_str().unwrap();
    let store =
        kiln::store::artifacts::LocalArtifactStore::open(sandbox.data_dir().join("artifacts"))
            .unwrap();
    let out = sandbox.outside().join("joined");
    store.materialize(&digest.parse().unwrap(), &out).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("out.txt")).unwrap(),
        "alpha;beta"
    );
}

/// Parse the `start <ms>` and `end <ms>` lines the probe logs in `sleep` mode.
fn interval(sandbox: &Sandbox, action: &str) -> (u128, u128) {
    let log = sandbox.log(action, 1);
    let find = |word: &str| -> u128 {
        log.lines()
            .find_map(|line| {
                line.split_once(&format!(" {word} "))
                    .map(|(_, ms)| ms.trim().parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no `{word}` in the log of {action}:\n{log}"))
    };
    (find("start"), find("end"))
}

const TWO_SLEEPERS: &str = r#"
name: overlap
stages:
  - name: work
    actions:
      - name: one
        uses: probe
        with: { mode: sleep, ms: 600 }
      - name: two
        uses: probe
        with: { mode: sleep, ms: 600 }
"#;

#[test]
fn actions_of_one_stage_overlap_in_time() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(TWO_SLEEPERS);
    sandbox
        .kiln(&["run", "--jobs", "2", "--no-cache"])
        .assert_code(0);
    let (start_one, end_one) = interval(&sandbox, "one");
    let (start_two, end_two) = interval(&sandbox, "two");
    assert!(
        start_one < end_two && start_two < end_one,
        "one ran {start_one}..{end_one}, two ran {start_two}..{end_two}: no overlap"
    );
}

#[test]
fn jobs_one_runs_actions_one_at_a_time() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(TWO_SLEEPERS);
    sandbox
        .kiln(&["run", "--jobs", "1", "--no-cache"])
        .assert_code(0);
    let (start_one, end_one) = interval(&sandbox, "one");
    let (start_two, end_two) = interval(&sandbox, "two");
    assert!(
        end_one <= start_two || end_two <= start_one,
        "with --jobs 1 the actions overlapped: {start_one}..{end_one} and {start_two}..{end_two}"
    );
}

#[test]
fn needs_order_actions_inside_a_stage() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: ordered
stages:
  - name: work
    actions:
      - name: second
        uses: probe
        needs: [first]
        with: { mode: sleep, ms: 10 }
      - name: first
        uses: probe
        with: { mode: sleep, ms: 300 }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(0);
    let (_, end_first) = interval(&sandbox, "first");
    let (start_second, _) = interval(&sandbox, "second");
    assert!(
        end_first <= start_second,
        "second started before first ended"
    );
}

#[test]
fn a_failing_action_stops_the_pipeline_with_exit_code_1() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: failing
stages:
  - name: test
    actions:
      - name: unit-tests
        uses: probe
        with: { mode: fail, text: "3 tests failed" }
      - name: lint
        uses: probe
        with: { mode: sleep, ms: 1 }
      - name: after-tests
        uses: probe
        needs: [unit-tests]
        with: { mode: sleep, ms: 1 }
  - name: deploy
    actions:
      - name: ship
        uses: probe
        with: { mode: write, text: shipped }
      - name: notify
        uses: probe
        if: failure
        with: { mode: sleep, ms: 1 }
      - name: cleanup
        uses: probe
        if: always
        with: { mode: sleep, ms: 1 }
"#,
    );
    let run = sandbox.kiln(&["run"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("unit-tests") && run.stderr.contains("3 tests failed"),
        "{}",
        run.output()
    );

    let record = sandbox.last_run();
    assert_eq!(record["status"], "failed");
    assert_eq!(record["stages"][0]["status"], "failed");
    assert_eq!(sandbox.action("unit-tests")["error"], "3 tests failed");
    assert_eq!(
        sandbox.action("lint")["status"],
        "succeeded",
        "independent actions finish"
    );
    assert_eq!(sandbox.action("after-tests")["status"], "skipped");
    assert_eq!(
        sandbox.action("ship")["status"],
        "skipped",
        "the pipeline stops after the failed stage"
    );
    assert_eq!(
        sandbox.action("notify")["status"],
        "succeeded",
        "if: failure runs after a failure"
    );
    assert_eq!(
        sandbox.action("cleanup")["status"],
        "succeeded",
        "if: always runs"
    );
}

#[test]
fn if_failure_actions_are_skipped_when_all_is_well() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: fine
stages:
  - name: only
    actions:
      - name: work
        uses: probe
        with: { mode: sleep, ms: 1 }
      - name: on-failure
        uses: probe
        needs: [work]
        if: failure
        with: { mode: fail }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(0);
    assert_eq!(sandbox.action("on-failure")["status"], "skipped");
}

#[test]
fn retries_retry_until_an_attempt_succeeds() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: flaky
stages:
  - name: only
    actions:
      - name: flaky
        uses: probe
        retries: 3
        with: { mode: flaky, succeed-on: 3 }
"#,
    );
    let run = sandbox.kiln(&["run"]);
    run.assert_code(0);
    assert!(run.stderr.contains("Retrying"), "{}", run.output());
    let flaky = sandbox.action("flaky");
    assert_eq!(flaky["status"], "succeeded");
    assert_eq!(flaky["attempts"], 3);
    assert!(
        sandbox
            .log("flaky", 1)
            .contains("attempt 1 fails on purpose")
    );
    assert!(sandbox.log("flaky", 3).contains("attempt 3"));
}

#[test]
fn exhausted_retries_fail_the_action() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: flaky
stages:
  - name: only
    actions:
      - name: flaky
        uses: probe
        retries: 1
        with: { mode: flaky, succeed-on: 5 }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(1);
    let flaky = sandbox.action("flaky");
    assert_eq!(flaky["attempts"], 2);
    assert_eq!(flaky["error"], "attempt 2 fails on purpose");
}

#[test]
fn a_timeout_stops_an_infinite_loop_and_the_host_stays_up() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: runaway
stages:
  - name: only
    actions:
      - name: spin
        uses: probe
        timeout: 1s
        with: { mode: loop }
      - name: neighbour
        uses: probe
        with: { mode: sleep, ms: 1500 }
  - name: after
    actions:
      - name: cleanup
        uses: probe
        if: always
        with: { mode: sleep, ms: 1 }
"#,
    );
    let run = sandbox.kiln(&["run", "--jobs", "2"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("timed out after 1s"),
        "{}",
        run.output()
    );
    let spin = sandbox.action("spin");
    assert_eq!(spin["status"], "failed");
    let took = spin["duration_ms"].as_u64().unwrap();
    assert!(
        (1000..3000).contains(&took),
        "the loop was stopped after {took} ms, not about 1 s"
    );
    assert_eq!(
        sandbox.action("neighbour")["status"],
        "succeeded",
        "the neighbour is untouched"
    );
    assert_eq!(
        sandbox.action("cleanup")["status"],
        "succeeded",
        "the host went on after the timeout"
    );
}

#[test]
fn plugin_stdout_and_stderr_reach_the_action_log() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: stdio
stages:
  - name: only
    actions:
      - name: talk
        uses: probe
        with: { mode: stdout }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(0);
    let log = sandbox.log("talk", 1);
    assert!(log.contains("INFO  to stdout"), "{log}");
    assert!(log.contains("WARN  to stderr"), "{log}");
    assert!(
        log.contains("no newline at the end"),
        "a last unterminated line is kept: {log}"
    );
}

#[test]
fn actions_see_only_the_pipeline_environment() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: env
env:
  SHARED: from-pipeline
  LEVEL: 1
stages:
  - name: only
    actions:
      - name: show
        uses: probe
        env:
          LEVEL: 2
        with: { mode: env }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(0);
    let log = sandbox.log("show", 1);
    assert!(log.contains("SHARED=from-pipeline"), "{log}");
    assert!(
        log.contains("LEVEL=2"),
        "the action's env overrides the pipeline's: {log}"
    );
    assert!(
        !log.contains("SECRET_HOST_VARIABLE"),
        "host variables leaked: {log}"
    );
    assert!(!log.contains("PATH="), "host PATH leaked: {log}");
}

#[test]
fn a_plugin_built_against_contract_0_1_0_still_loads_and_runs() {
    let sandbox = Sandbox::new();
    let inspect = sandbox.kiln(&["plugin", "inspect", "legacy", "--json"]);
    inspect.assert_code(0);
    let info: serde_json::Value = serde_json::from_str(&inspect.stdout).unwrap();
    assert_eq!(info["contract"], "0.1.0");
    let probe: serde_json::Value = serde_json::from_str(
        &sandbox
            .kiln(&["plugin", "inspect", "probe", "--json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(
        probe["contract"], "0.2.0",
        "the SDK builds against the latest contract"
    );

    sandbox.pipeline(
        r#"
name: mixed-contracts
stages:
  - name: old
    actions:
      - name: legacy
        uses: legacy
        with: { greeting: "still here" }
        outputs: [greeting]
  - name: new
    actions:
      - name: read
        uses: probe
        inputs: [greeting]
        with: { mode: concat, file: greeting.txt, expect: "still here" }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(0);
    assert!(sandbox.log("legacy", 1).contains("INFO  still here"));
}
