//! The instance pool (wasmtime's pooling allocator behind a semaphore):
//! a slot reused by the next attempt holds nothing of the attempt before,
//! and more attempts at once than the pool has slots wait for one instead
//! of failing.

mod support;

use std::fmt::Write as _;

use support::Sandbox;

/// Slots of one engine's pool.
const SLOTS: usize = kiln::sandbox::pool::SLOTS as usize;

/// A plugin that fails when the bytes it is about to write are already
/// there, in its first memory page, in a page it grows, and in its table;
/// then writes them. Every attempt after the first runs in the slot the
/// one before used.
fn snooping_plugin(sandbox: &Sandbox) -> std::path::PathBuf {
    let body = r#"
    (if (i32.ne (i32.load (i32.const 60000)) (i32.const 0)) (then unreachable))
    (i32.store (i32.const 60000) (i32.const 0x5ec2e7))
    (drop (memory.grow (i32.const 2)))
    (if (i32.ne (i32.load (i32.const 140000)) (i32.const 0)) (then unreachable))
    (i32.store (i32.const 140000) (i32.const 0x5ec2e7))
    (if (i32.eqz (ref.is_null (table.get $t (i32.const 3)))) (then unreachable))
    (table.set $t (i32.const 3) (ref.func $marker))"#;
    support::wat_plugin::write(
        sandbox,
        "snoop",
        ("snoop", "looks for what the attempt before left"),
        "(table $t 8 funcref)\n(func $marker)\n(elem declare func $marker)",
        body,
    )
}

#[test]
fn an_attempt_never_sees_the_memory_or_table_of_the_attempt_before_it() {
    let sandbox = Sandbox::new();
    let wasm = snooping_plugin(&sandbox);
    let mut yaml = String::from("name: snoop\nstages:\n");
    for i in 0..4 {
        let _ = write!(
            yaml,
            "  - name: s{i}\n    actions:\n      - name: a{i}\n        uses: {}\n        cache: false\n",
            wasm.display()
        );
    }
    sandbox.pipeline(&yaml);
    let run = sandbox.kiln(&["run", "--jobs", "1"]);
    assert_eq!(run.code, 0, "{}", run.output());
    for i in 0..4 {
        assert_eq!(sandbox.action(&format!("a{i}"))["status"], "succeeded");
    }
}

#[test]
fn more_attempts_at_once_than_the_pool_has_slots_wait_for_one() {
    let sandbox = Sandbox::new();
    let actions = SLOTS + 22;
    let mut yaml = String::from("name: wide\nstages:\n  - name: all\n    actions:\n");
    for i in 0..actions {
        let _ = write!(
            yaml,
            "      - name: s{i}\n        uses: probe\n        with: {{ mode: sleep, ms: \"3000\" }}\n        cache: false\n"
        );
    }
    sandbox.pipeline(&yaml);
    let run = sandbox.kiln(&["run", "--jobs", &actions.to_string()]);
    assert_eq!(run.code, 0, "{}", run.output());
    // When each guest ran: the probe logs `start <ms>` and `end <ms>`.
    let spans: Vec<(u64, u64)> = (0..actions)
        .map(|i| {
            let log = sandbox.log(&format!("s{i}"), 1);
            let at = |word: &str| -> u64 {
                log.lines()
                    .find_map(|line| line.split_once(&format!("{word} "))?.1.trim().parse().ok())
                    .unwrap_or_else(|| panic!("no `{word}` in the log of s{i}: {log}"))
            };
            (at("start"), at("end"))
        })
        .collect();
    let most_at_once = spans
        .iter()
        .map(|&(start, _)| {
            spans
                .iter()
                .filter(|&&(s, e)| s <= start && start < e)
                .count()
        })
        .max()
        .unwrap();
    assert!(
        most_at_once <= SLOTS,
        "{most_at_once} guests ran at once in a pool of {SLOTS}"
    );
    // The others started once a sleeper had given its slot back.
    let first_end = spans.iter().map(|&(_, end)| end).min().unwrap();
    let waited = spans
        .iter()
        .filter(|&&(start, _)| start >= first_end)
        .count();
    assert!(waited >= actions - SLOTS, "only {waited} waited for a slot");
}

#[test]
fn a_process_limited_in_address_space_runs_its_plugins_on_demand() {
    use std::os::unix::process::CommandExt;
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: small\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: write, text: fine }\n        outputs: [out]\n        cache: false\n",
    );
    let mut command = sandbox.command();
    command.args(["run", "--jobs", "1"]);
    // 64 GiB: room for kiln and a few instances allocated on demand, not
    // for the pool's reservation (a TiB).
    // SAFETY: setrlimit is async-signal-safe; nothing else runs here.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 64 << 30,
                rlim_max: 64 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let run = Sandbox::run_with(&mut command);
    assert_eq!(run.code, 0, "{}", run.output());
    assert!(
        run.stderr
            .contains("plugin instances are allocated on demand"),
        "{}",
        run.output()
    );
    assert_eq!(sandbox.action("a")["status"], "succeeded");
}
