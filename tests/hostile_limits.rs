//! Hostile plugins against kiln's limits and its action cache: memory
//! spread over many memories or a huge table, a `describe()` that never
//! answers, and cache keys that miss what an action observes.

mod support;

use std::time::{Duration, Instant};

use support::Sandbox;
use support::hostile::{contained, error};

/// The peak resident memory of the largest child this test process has
/// waited for, in KiB.
fn peak_child_rss_kib() -> i64 {
    // SAFETY: `usage` is a valid, writable rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}

fn wat_attack(sandbox: &Sandbox, name: &str, declarations: &str, body: &str) -> String {
    let wasm =
        support::wat_plugin::write(sandbox, name, (name, "attacks memory"), declarations, body);
    format!(
        "        uses: {}\n        limits: {{ memory: 64 MiB }}",
        wasm.display()
    )
}

#[test]
fn memory_spread_over_many_memories_counts_against_one_limit() {
    let sandbox = Sandbox::new();
    // Ten memories of 48 MiB each: every one fits a per-memory limit of
    // 64 MiB; together they are 480 MiB.
    let declarations: String = (1..=10).map(|i| format!("(memory $m{i} 1)\n")).collect();
    let body: String = (1..=10)
        .map(|i| {
            format!(
                "(drop (memory.grow $m{i} (i32.const 768)))\n\
                 (memory.fill $m{i} (i32.const 0) (i32.const 1) (i32.const 50000000))\n"
            )
        })
        .collect();
    let attack = wat_attack(&sandbox, "memories", &declarations, &body);
    let (attacker, _, _) = contained(&sandbox, &attack);
    assert_eq!(
        error(&attacker),
        "the plugin ran out of memory: limits.memory is 64.0 MiB"
    );
    let peak = peak_child_rss_kib();
    assert!(peak < 300 * 1024, "kiln's peak RSS was {peak} KiB");
}

#[test]
fn a_table_of_tens_of_millions_of_elements_counts_against_the_limit() {
    let sandbox = Sandbox::new();
    let attack = wat_attack(
        &sandbox,
        "table",
        "(table $t 1 funcref)",
        "(drop (table.grow $t (ref.null func) (i32.const 50000000)))",
    );
    let (attacker, _, _) = contained(&sandbox, &attack);
    assert_eq!(
        error(&attacker),
        "the plugin ran out of memory: limits.memory is 64.0 MiB"
    );
    let peak = peak_child_rss_kib();
    assert!(peak < 300 * 1024, "kiln's peak RSS was {peak} KiB");
}

#[test]
fn a_describe_that_waits_forever_is_given_up_on() {
    let sandbox = Sandbox::new();
    let stall = support::plugins_dir().join("stall.wasm");
    sandbox.pipeline(&format!(
        "name: stall\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: {}\n",
        stall.display()
    ));
    for args in [
        vec!["validate"],
        vec!["plugin", "inspect", stall.to_str().unwrap()],
    ] {
        let started = Instant::now();
        let run = sandbox.kiln(&args);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "`kiln {}` hung",
            args.join(" ")
        );
        assert_ne!(run.code, 0, "{}", run.output());
        assert!(
            run.stderr
                .contains("describe() failed: timed out after 10s"),
            "{}",
            run.output()
        );
    }
}

#[test]
fn actions_differing_only_in_their_outputs_do_not_share_a_result() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: outputs
stages:
  - name: one
    actions:
      - name: first
        uses: probe
        with: { mode: write, text: same }
        outputs: [a]
  - name: two
    actions:
      - name: second
        uses: probe
        with: { mode: write, text: same }
        outputs: [b]
  - name: three
    actions:
      - name: reader
        uses: probe
        inputs: [b]
        with: { mode: concat, expect: same }
"#,
    );
    let run = sandbox.kiln(&["run"]);
    assert_eq!(run.code, 0, "{}", run.output());
    assert_eq!(sandbox.action("second")["cached"], false);
}

#[test]
fn a_gate_reading_a_granted_path_misses_the_cache_when_the_file_changes() {
    let sandbox = Sandbox::new();
    let gate = sandbox.outside().join("gate");
    std::fs::create_dir_all(&gate).unwrap();
    std::fs::write(gate.join("status"), "open").unwrap();
    sandbox.pipeline(
        "name: gated\nstages:\n  - name: s\n    actions:\n      - name: gate\n        uses: probe\n        with: { mode: check-file, path: /mnt/gate/status, expect: open }\n        grants: { paths: { gate: { path: ../outside/gate } } }\n",
    );
    sandbox.kiln(&["run"]).assert_code(0);
    sandbox.kiln(&["run"]).assert_code(0);
    assert_eq!(sandbox.action("gate")["cached"], true, "unchanged: reused");

    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(gate.join("status"), "shut").unwrap();
    let run = sandbox.kiln(&["run"]);
    run.assert_code(1);
    assert_eq!(sandbox.action("gate")["cached"], false);
    let why = sandbox.kiln(&["cache", "why", "gate"]);
    assert!(
        why.stdout.contains("granted path `gate` changed"),
        "{}",
        why.output()
    );
}
