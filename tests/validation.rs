//! A bad pipeline is refused before anything runs, with exit code 2 and an
//! error naming the file, line and column of each problem.

mod support;

use support::Sandbox;

/// Validate `yaml` with both `kiln validate` and `kiln run`; both must exit
/// 2, print `kiln.yaml:<line>:<column>` and the expected words, and run nothing.
#[track_caller]
fn refused(yaml: &str, line: u32, column: u32, words: &[&str]) {
    let sandbox = Sandbox::new();
    sandbox.pipeline(yaml);
    for command in ["validate", "run"] {
        let run = sandbox.kiln(&[command]);
        run.assert_code(2);
        let location = format!("kiln.yaml:{line}:{column}:");
        assert!(
            run.stderr.contains(&location),
            "expected {location} in:\n{}",
            run.output()
        );
        for word in words {
            assert!(
                run.stderr.contains(word),
                "expected {word:?} in:\n{}",
                run.output()
            );
        }
    }
    assert!(
        sandbox.runs().is_empty(),
        "an invalid pipeline must not start a run"
    );
}

#[test]
fn a_valid_pipeline_validates() {
    let sandbox = Sandbox::new();
    sandbox.pipeline("name: ok\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n");
    let run = sandbox.kiln(&["validate"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("1 stages, 1 actions"),
        "{}",
        run.output()
    );
}

#[test]
fn unknown_fields_are_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n        retires: 2\n",
        8,
        9,
        &["retires"],
    );
}

#[test]
fn yaml_syntax_errors_are_located() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions: [\n",
        4,
        14,
        &["unclosed bracket"],
    );
}

#[test]
fn duplicate_action_names_are_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n  - name: t\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n",
        10,
        15,
        &["duplicate action name `a`", "line 5"],
    );
}

#[test]
fn duplicate_stage_names_are_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n  - name: s\n    actions:\n      - name: b\n        uses: probe\n        with: { mode: sleep }\n",
        8,
        11,
        &["duplicate stage name `s`"],
    );
}

#[test]
fn an_input_nobody_produced_earlier_is_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n        inputs: [build-output]\n",
        8,
        18,
        &["no earlier action outputs artifact `build-output`"],
    );
}

#[test]
fn an_input_from_a_later_stage_is_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n        inputs: [x]\n  - name: t\n    actions:\n      - name: b\n        uses: probe\n        with: { mode: sleep }\n        outputs: [x]\n",
        8,
        18,
        &["produced by stage `t`, which runs after this one"],
    );
}

#[test]
fn a_same_stage_input_needs_its_producer() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n        outputs: [x]\n      - name: b\n        uses: probe\n        with: { mode: sleep }\n        inputs: [x]\n",
        12,
        18,
        &["add `a` to `needs`"],
    );
}

#[test]
fn a_cycle_in_needs_is_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n        needs: [b]\n      - name: b\n        uses: probe\n        with: { mode: sleep }\n        needs: [a]\n",
        8,
        17,
        &["cycle: a -> b -> a"],
    );
}

#[test]
fn a_missing_plugin_is_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: no-such-plugin\n",
        6,
        15,
        &["no plugin named `no-such-plugin`"],
    );
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: ./missing.wasm\n",
        6,
        15,
        &["missing.wasm does not exist"],
    );
}

#[test]
fn a_file_that_is_not_a_component_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.write("fake.wasm", "not wasm at all");
    sandbox.pipeline(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: ./fake.wasm\n",
    );
    let run = sandbox.kiln(&["validate"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("kiln.yaml:6:15:")
            && run.stderr.contains("not a valid WebAssembly component"),
        "{}",
        run.output()
    );
}

#[test]
fn an_undeclared_parameter_is_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with:\n          mode: sleep\n          colour: blue\n",
        9,
        11,
        &["plugin `probe` has no parameter `colour`", "it takes: mode"],
    );
}

#[test]
fn a_missing_required_parameter_is_refused() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n",
        5,
        15,
        &["plugin `probe` requires parameter `mode`"],
    );
}

#[test]
fn an_ungranted_path_is_refused_naming_action_plugin_and_grant() {
    refused(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: ship\n        uses: deploy-dir\n",
        6,
        15,
        &["action `ship` does not grant plugin `deploy-dir` the path `target` (read-write) grant"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: p\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        inputs: [nothing]\n      - name: a\n        uses: nope\n",
    );
    let run = sandbox.kiln(&["validate"]);
    run.assert_code(2);
    for expected in [
        "kiln.yaml:7:18:",
        "kiln.yaml:8:15:",
        "kiln.yaml:9:15:",
        "kiln.yaml:5:15:",
    ] {
        assert!(
            run.stderr.contains(expected),
            "expected {expected} in:\n{}",
            run.output()
        );
    }
}

#[test]
fn a_missing_pipeline_file_is_bad_input() {
    let sandbox = Sandbox::new();
    let run = sandbox.kiln(&["run", "nowhere.yaml"]);
    run.assert_code(2);
    assert!(run.stderr.contains("nowhere.yaml"), "{}", run.output());
}

#[test]
fn kiln_init_writes_a_starter_that_validates_and_refuses_to_overwrite() {
    let sandbox = Sandbox::new();
    let init = sandbox.kiln(&["init"]);
    init.assert_code(0);
    assert!(sandbox.workspace().join("kiln.yaml").exists());
    sandbox.kiln(&["validate"]).assert_code(0);
    let again = sandbox.kiln(&["init"]);
    again.assert_code(2);
    assert!(
        again.stderr.contains("already exists"),
        "{}",
        again.output()
    );
}

#[test]
fn version_names_the_plugin_contracts_it_speaks() {
    let sandbox = Sandbox::new();
    let run = sandbox.kiln(&["--version"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("kiln:plugin@0.2.0") && run.stdout.contains("@0.1.0"),
        "{}",
        run.output()
    );
}
