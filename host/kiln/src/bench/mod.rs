//! `kiln bench`: the figures kiln's speed claims rest on, each printed side
//! by side with a baseline measured in the same run on the same machine.
//! `--smoke` runs every measurement small, so CI keeps it from rotting;
//! the figures worth quoting come from a release build without `--smoke`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

mod benchdata;
mod buildspec;
mod peers;
mod plugins;
mod python_project;
mod registry;
mod rust_crate;
mod serve;

use kiln_engine::plugins::PluginResolver;
use kiln_store::artifacts::LocalArtifactStore;

/// One row of the report.
pub(super) struct Row {
    what: String,
    kiln: String,
    baseline: String,
    ratio: String,
    target: String,
}

pub struct BenchOptions {
    pub smoke: bool,
    pub resolver: PluginResolver,
}

pub(super) fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `a / b`, as every row prints a ratio.
pub(super) fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}", a.as_secs_f64() / b.as_secs_f64())
}

/// Run a command and fail with its stderr when it fails.
pub(super) fn run(command: &mut Command) -> Result<std::process::Output> {
    let output = command
        .output()
        .with_context(|| format!("running {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output)
}

/// Run `kiln` (this executable) with a data directory.
fn kiln(data: &Path, args: &[&str], cwd: &Path) -> Result<Duration> {
    kiln_with(data, args, cwd, &[])
}

/// As [`kiln`], with more environment variables.
fn kiln_with(data: &Path, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Result<Duration> {
    let started = Instant::now();
    run(Command::new(std::env::current_exe()?)
        .args(args)
        .current_dir(cwd)
        .env("KILN_DATA_DIR", data)
        .envs(env.iter().copied()))?;
    Ok(started.elapsed())
}

pub async fn run_bench(options: BenchOptions) -> Result<String> {
    let scratch = tempfile::Builder::new().prefix("kiln-bench-").tempdir()?;
    let root = scratch.path();
    let mut rows = Vec::new();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // 1. Per-step cost: N no-op actions against N `sh -c true` spawns.
    let steps = if options.smoke { 10 } else { 100 };
    let verify = options.resolver.resolve("verify", root)?;
    let mut yaml = String::from("name: noop\nstages:\n  - name: all\n    actions:\n");
    for i in 0..steps {
        let _ = writeln!(
            yaml,
            "      - name: a{i}\n        uses: {}\n        cache: false",
            verify.display()
        );
    }
    let ws = root.join("noop");
    std::fs::create_dir_all(&ws)?;
    std::fs::write(ws.join("kiln.yaml"), &yaml)?;
    let data = root.join("data-noop");
    kiln(&data, &["run", "--jobs", "1"], &ws)?; // compiles the plugin once
    // The median of five rounds each: one round can meet a WAL checkpoint
    // (an fsync) or a busy moment of the machine.
    let rounds = if options.smoke { 1 } else { 5 };
    let mut pipelines = Vec::new();
    let mut on_demand_rounds = Vec::new();
    let mut spawn_rounds = Vec::new();
    for _ in 0..rounds {
        pipelines.push(kiln(&data, &["run", "--jobs", "1"], &ws)?);
        on_demand_rounds.push(kiln_with(
            &data,
            &["run", "--jobs", "1"],
            &ws,
            &[("KILN_INSTANCE_POOL", "off")],
        )?);
        let started = Instant::now();
        for _ in 0..steps {
            run(Command::new("sh").args(["-c", "true"]))?;
        }
        spawn_rounds.push(started.elapsed());
    }
    let pipeline = median(&mut pipelines);
    let on_demand = median(&mut on_demand_rounds);
    let spawns = median(&mut spawn_rounds);
    rows.push(Row {
        what: format!("{steps} no-op actions (one process, --jobs 1) vs {steps} `sh -c true` (median of {rounds})"),
        kiln: ms(pipeline),
        baseline: ms(spawns),
        ratio: ratio(pipeline, spawns),
        target: "<= 0.5".into(),
    });
    // What the instance pool is worth: the same actions, each mapping
    // fresh memories and a fresh stack.
    rows.push(Row {
        what: format!(
            "{steps} no-op actions: instances from the pool vs allocated on demand (`KILN_INSTANCE_POOL=off`)"
        ),
        kiln: ms(pipeline),
        baseline: ms(on_demand),
        ratio: ratio(pipeline, on_demand),
        target: "< 1".into(),
    });
    // The same against a sandboxed process per step, what container-less
    // CI would run: bubblewrap.
    let bwrap_what = format!(
        "{steps} no-op actions vs {steps} `bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp true` (a sandboxed process per step)"
    );
    rows.push(match peers::bwrap_spawns(steps, rounds)? {
        Ok(bwrap) => Row {
            what: bwrap_what,
            kiln: ms(pipeline),
            baseline: ms(bwrap),
            ratio: ratio(pipeline, bwrap),
            target: "<= 0.1".into(),
        },
        Err(why) => Row {
            what: bwrap_what,
            kiln: ms(pipeline),
            baseline: format!("skipped: {why}"),
            ratio: "-".into(),
            target: "<= 0.1".into(),
        },
    });

    // 2. A demo-like pipeline: cold first run against a fully cached re-run.
    let repo = root.join("repo");
    make_repo(&repo, if options.smoke { 20 } else { 300 })?;
    std::fs::write(repo.join("kiln.yaml"), DEMO)?;
    let data = root.join("data-demo");
    let first = kiln(&data, &["run"], &repo)?;
    let cached = kiln(&data, &["run"], &repo)?;
    rows.push(Row {
        what: "demo pipeline: fully cached re-run vs first run (cold caches)".into(),
        kiln: ms(cached),
        baseline: ms(first),
        ratio: format!("{:.1}%", 100.0 * cached.as_secs_f64() / first.as_secs_f64()),
        target: "<= 2%".into(),
    });

    // 3. Artifact put + get of a tree against `cp -r`.
    let total: u64 = if options.smoke { 32 << 20 } else { 1 << 30 };
    let files = 64u64;
    let tree = root.join("tree");
    std::fs::create_dir_all(&tree)?;
    let mut seed = 0x9e3779b97f4a7c15u64;
    for i in 0..files {
        let mut bytes = vec![0u8; (total / files) as usize];
        for chunk in bytes.chunks_mut(8) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            chunk.copy_from_slice(&seed.to_le_bytes()[..chunk.len()]);
        }
        std::fs::write(tree.join(format!("f{i:03}.bin")), bytes)?;
    }
    let started = Instant::now();
    run(Command::new("cp")
        .arg("-r")
        .arg(&tree)
        .arg(root.join("tree-copy")))?;
    let cp = started.elapsed();
    let store = LocalArtifactStore::open(root.join("store"))?;
    let started = Instant::now();
    // As for an action's outputs: a scratch tree, linked into the store.
    let stored = store.put_scratch(&tree)?;
    let put = started.elapsed();
    store.materialize(&stored.digest, &root.join("tree-out"))?;
    let put_get = started.elapsed();
    let get = put_get - put;
    let gib = |d: Duration| {
        format!(
            "{:.2} GiB/s",
            total as f64 / (1u64 << 30) as f64 / d.as_secs_f64()
        )
    };
    rows.push(Row {
        what: format!(
            "artifact put + verified get of {} MiB (64 files) vs `cp -r`",
            total >> 20
        ),
        kiln: format!("{} (put {}, get {})", gib(put_get), ms(put), ms(get)),
        baseline: gib(cp),
        ratio: ratio(cp, put_get),
        target: ">= 1.0".into(),
    });

    // 4. Peak RSS of one kiln process running 64 actions at once. Before
    //    the plugin table: a child's peak counts the parent's resident set
    //    at fork, and compiling the Python and JavaScript plugins in this
    //    process takes hundreds of MiB.
    let parallel = if options.smoke { 8 } else { 64 };
    let mut yaml = String::from("name: wide\nstages:\n  - name: all\n    actions:\n");
    for i in 0..parallel {
        let _ = writeln!(
            yaml,
            "      - name: c{i}\n        uses: checkout\n        outputs: [s{i}]\n        cache: false"
        );
    }
    std::fs::write(repo.join("wide.yaml"), yaml)?;
    let jobs = parallel.to_string();
    let rss = peak_rss_kib(
        Command::new(std::env::current_exe()?)
            .args(["run", "wide.yaml", "--jobs", &jobs])
            .current_dir(&repo)
            .env("KILN_DATA_DIR", root.join("data-wide"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null()),
    )?;
    rows.push(Row {
        what: format!("peak RSS of kiln running {parallel} checkouts at once"),
        kiln: format!("{:.0} MiB", rss as f64 / 1024.0),
        baseline: "-".into(),
        ratio: "-".into(),
        target: "< 128 MiB".into(),
    });

    // 5. Registry plugins: publish, pull, and a pinned run from the store.
    for row in registry::rows(&options, root, &data_dir_for_registry(root)).await? {
        rows.push(row);
    }

    // 6. A CodeBuild buildspec against the same commands in bash.
    rows.push(buildspec::row(&options, root)?);
    rows.extend(rust_crate::rows(&options, root)?);
    rows.extend(python_project::rows(&options, root)?);

    // 7. `kiln serve`: webhooks to running actions, a flood of bad
    //    signatures, memory, polling.
    rows.extend(serve::rows(&options, root)?);

    // 8. Per plugin: compile with each tier, deserialize from the
    //    compiled cache, instantiate + call; the first start of the large
    //    plugins on Winch's code against Cranelift's compile.
    let (first_starts, plugin_rows) = plugins::measure(&options, root).await?;
    rows.extend(first_starts);

    let mut report = String::new();
    let _ = writeln!(
        report,
        "kiln bench{} on {cores} cores\n",
        if options.smoke { " --smoke" } else { "" }
    );
    let _ = writeln!(
        report,
        "| measurement | kiln | baseline | ratio | target |\n| --- | --- | --- | --- | --- |"
    );
    for row in rows {
        let _ = writeln!(
            report,
            "| {} | {} | {} | {} | {} |",
            row.what, row.kiln, row.baseline, row.ratio, row.target
        );
    }
    let _ = writeln!(report, "\n{plugin_rows}");
    Ok(report)
}

/// Run a command to its end; the peak resident set of that process alone,
/// in KiB (`wait4` reports each child's own, where `getrusage` would
/// report the largest of every child so far).
fn peak_rss_kib(command: &mut Command) -> Result<i64> {
    let child = command
        .spawn()
        .with_context(|| format!("running {command:?}"))?;
    let mut status = 0;
    // SAFETY: wait4 writes into the status and rusage we pass, for our own
    // child, which nothing else waits for.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) < 0 {
            bail!(
                "waiting for {command:?}: {}",
                std::io::Error::last_os_error()
            );
        }
        usage
    };
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{command:?} failed (status {status})");
    }
    Ok(usage.ru_maxrss)
}

const DEMO: &str = r#"name: bench-demo
stages:
  - name: source
    actions:
      - name: checkout
        uses: checkout
        outputs: [source]
        cache: { inputs: [".git/HEAD", ".git/refs/**", ".git/packed-refs"] }
  - name: build
    actions:
      - name: package
        uses: archive
        inputs: [source]
        outputs: [package]
        cache: { inputs: [] }
      - name: verify
        uses: verify
        needs: [package]
        inputs: [source, package]
        outputs: [reports]
        cache: { inputs: [] }
  - name: test
    actions:
      - name: report
        uses: junit
        inputs: [reports]
        cache: { inputs: [] }
"#;

/// A git repository with `files` small source files, committed.
fn make_repo(dir: &PathBuf, files: usize) -> Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    for i in 0..files {
        std::fs::write(
            dir.join("src").join(format!("m{i}.rs")),
            format!("pub fn f{i}() -> usize {{ {i} }}\n").repeat(20),
        )?;
    }
    let git = |args: &[&str]| {
        run(Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com"))
    };
    git(&["init", "-q"])?;
    git(&["add", "."])?;
    git(&["commit", "-q", "-m", "bench"])?;
    Ok(())
}

fn data_dir_for_registry(root: &Path) -> PathBuf {
    root.join("data-registry")
}
