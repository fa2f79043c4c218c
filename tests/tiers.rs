//! Two compilers: a large plugin without optimized code starts on Winch's
//! baseline code, a detached `kiln plugin optimize` compiles it with
//! Cranelift into the compiled cache, and the next process uses that. The
//! sandbox holds the same on baseline code (`KILN_TIERING=baseline`).

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::Sandbox;
use support::hostile::{contained, error};

/// `kiln plugin inspect --json` of `plugin` with the compiled cache `compiled`.
fn inspect(sandbox: &Sandbox, compiled: &Path, plugin: &Path) -> serde_json::Value {
    let run = Sandbox::run_with(
        sandbox
            .command()
            .env("KILN_COMPILED_DIR", compiled)
            .args(["plugin", "inspect", "--json"])
            .arg(plugin),
    );
    run.assert_code(0);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The names in `dir`.
fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_large_plugin_starts_on_baseline_code_then_runs_cranelifts_code() {
    let sandbox = Sandbox::new();
    let compiled = sandbox.data_dir().join("own-compiled");
    let python = support::plugin("coverage");
    assert!(
        python.exists(),
        "{} is built by scripts/setup --polyglot",
        python.display()
    );

    let first = inspect(&sandbox, &compiled, &python);
    assert_eq!(first["tier"], "baseline", "{first:#}");
    assert_eq!(first["provenance"], "compiled-and-cached");
    assert_eq!(first["info"]["name"], "coverage");

    // The detached optimizer: its claim while Cranelift compiles, then
    // Cranelift's entry. Bounded: a debug build of wasmtime compiles slowly.
    let deadline = Instant::now() + Duration::from_secs(600);
    let claimed = |names: &[String]| names.iter().any(|n| n.ends_with(".optimizing"));
    let mut seen_claim = false;
    loop {
        let names = entries(&compiled);
        seen_claim |= claimed(&names);
        if seen_claim && !claimed(&names) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no optimized entry after 600 s: {names:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let second = inspect(&sandbox, &compiled, &python);
    assert_eq!(second["tier"], "optimized", "{second:#}");
    assert_eq!(second["provenance"], "cached");
    assert_eq!(second["digest"], first["digest"]);
}

#[test]
fn small_plugins_go_straight_to_cranelift() {
    let sandbox = Sandbox::new();
    let compiled = sandbox.data_dir().join("own-compiled");
    let probe = support::plugin("probe");
    let info = inspect(&sandbox, &compiled, &probe);
    assert_eq!(info["tier"], "optimized", "{info:#}");
    assert!(
        !entries(&compiled)
            .iter()
            .any(|n| n.ends_with(".optimizing")),
        "nothing to optimize later"
    );
}

#[test]
fn limits_hold_on_baseline_code() {
    let sandbox = Sandbox::new().with_env("KILN_TIERING", "baseline");
    let compiled = sandbox.data_dir().join("own-compiled");
    let sandbox = sandbox.with_env("KILN_COMPILED_DIR", compiled.to_str().unwrap());
    let info = inspect(&sandbox, &compiled, &support::plugin("probe"));
    assert_eq!(info["tier"], "baseline", "{info:#}");

    let (looping, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: loop }\n        limits: { cpu: 500ms }",
    );
    assert_eq!(
        error(&looping),
        "the plugin computed for longer than limits.cpu (500ms)"
    );
    let (bomb, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: alloc }\n        limits: { memory: 64 MiB }",
    );
    assert_eq!(
        error(&bomb),
        "the plugin ran out of memory: limits.memory is 64.0 MiB"
    );
    let (deep, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: recurse }",
    );
    assert!(error(&deep).contains("stack overflow"), "{deep:#}");
}

#[test]
fn an_unknown_tiering_is_refused_with_the_choices() {
    let sandbox = Sandbox::new().with_env("KILN_TIERING", "fastest");
    let run = sandbox.kiln(&["plugin", "inspect", "probe"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("KILN_TIERING is `fastest`; it may be `auto`, `optimized` or `baseline`"),
        "{}",
        run.output()
    );
}
