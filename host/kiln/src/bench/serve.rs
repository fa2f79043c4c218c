//! `kiln serve` under load, on loopback: how soon a signed push webhook
//! becomes a running action (against `kiln run` on the same pipeline), a
//! flood of badly signed deliveries beside good ones, the server's memory
//! idle and with 100 runs queued, and what polling 50 projects costs.
//! The server is this executable (`kiln serve`) in a child process on a
//! free port; deliveries are plain HTTP/1.1 over a fresh connection each.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use kiln_model::run::RunSummary;
use kiln_store::data_dir::DataDir;
use kiln_store::history::RunStore;
use kiln_store::history::serve::QueueState;
use sha2::Sha256;

use super::{BenchOptions, Row, kiln, ms, ratio, run};

const SECRET: &str = "kiln bench webhook secret";
const SECRET_ENV: &str = "KILN_BENCH_HOOK_SECRET";
/// How long any one wait of the bench may take before it gives up.
const PATIENCE: Duration = Duration::from_secs(120);

/// One quick action, never reused from the action cache.
const QUICK: &str = "name: hook\nstages:\n  - name: s\n    actions:\n      - name: first\n        uses: verify\n        cache: false\n";
/// Holds its run at an approval: the runs after it wait in the queue.
const GATED: &str = "name: gated\nstages:\n  - name: s\n    actions:\n      - name: gate\n        uses: approval\n        with: { timeout: 1h }\n";

pub(super) fn rows(options: &BenchOptions, root: &Path) -> Result<Vec<Row>> {
    let root = root.join("serve");
    std::fs::create_dir_all(&root)?;
    let (origin, commit) = make_origin(&root)?;
    let config = root.join("kiln-server.toml");
    std::fs::write(&config, one_project_config(&origin))?;
    let data = root.join("data");
    let mut server = Server::start(&config, &data)?;
    let idle_rss = server.rss_kib()?;
    let store = history(&data)?;

    // 1. Push to first action, one delivery at a time, the server warm.
    let deliveries = if options.smoke { 5 } else { 200 };
    let mut latencies = Vec::new();
    for i in 0..deliveries {
        latencies.push(push_to_first_action(
            &server,
            &store,
            &commit,
            &format!("d-{i}"),
        )?);
    }
    let mut by_cli = Vec::new();
    for _ in 0..if options.smoke { 1 } else { 5 } {
        by_cli.push(kiln_run_to_first_action(
            &root.join("work"),
            &root.join("data-cli"),
        )?);
    }
    let (p50, p99) = (
        percentile(&mut latencies, 50),
        percentile(&mut latencies, 99),
    );
    let cli = percentile(&mut by_cli, 50);
    let mut rows = vec![Row {
        what: format!(
            "`kiln serve`: signed push webhook received to first action started, p50 (p99) over {deliveries} deliveries vs `kiln run` start to first action (median)"
        ),
        kiln: format!("{} ({})", ms(p50), ms(p99)),
        baseline: ms(cli),
        ratio: ratio(p50, cli),
        target: "p50 < 50 ms".into(),
    }];

    // 2. A flood of bad signatures while good deliveries go on.
    rows.push(flood(options, &server, &store, &commit, p99)?);

    // 3. Memory with 100 runs queued behind one that waits for approval.
    let queued = if options.smoke { 10 } else { 100 };
    for i in 0..queued {
        let status = server.deliver("gated", &format!("g-{i}"), &push_body(&commit), true)?;
        if status != 202 {
            bail!("a gated delivery was answered {status}");
        }
    }
    wait_for("runs queued behind the approval", || {
        let waiting = store.queue_entries(&[QueueState::Queued], 1000)?;
        Ok(waiting.iter().filter(|e| e.project == "gated").count() + 1 >= queued)
    })?;
    let queued_rss = server.rss_kib()?;
    server.stop()?;
    rows.push(Row {
        what: format!("`kiln serve` resident memory: idle, and with {queued} runs queued"),
        kiln: format!("{} / {}", mib(idle_rss), mib(queued_rss)),
        baseline: "-".into(),
        ratio: "-".into(),
        target: "idle < 64 MiB".into(),
    });

    // 4. Polling: CPU per poll of 50 projects, as CPU per project-hour.
    rows.push(polling(options, &root, &origin)?);
    Ok(rows)
}

/// A bare repository with the pipelines, and the commit of `main`.
fn make_origin(root: &Path) -> Result<(PathBuf, String)> {
    let origin = root.join("origin.git");
    let work = root.join("work");
    git(
        root,
        &["init", "--quiet", "--bare", "--initial-branch=main"],
        &origin,
    )?;
    git(root, &["init", "--quiet", "--initial-branch=main"], &work)?;
    std::fs::write(work.join("kiln.yaml"), QUICK)?;
    std::fs::write(work.join("gated.yaml"), GATED)?;
    for args in [
        &["add", "--all"][..],
        &[
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@localhost",
            "commit",
            "--quiet",
            "-m",
            "bench",
        ],
        &[
            "push",
            "--quiet",
            origin.to_str().context("a UTF-8 path")?,
            "HEAD:refs/heads/main",
        ],
    ] {
        run(Command::new("git").args(args).current_dir(&work))?;
    }
    let head = run(Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&work))?;
    Ok((
        origin,
        String::from_utf8_lossy(&head.stdout).trim().to_owned(),
    ))
}

fn git(cwd: &Path, args: &[&str], target: &Path) -> Result<()> {
    run(Command::new("git").args(args).arg(target).current_dir(cwd)).map(|_| ())
}

fn one_project_config(origin: &Path) -> String {
    let repo = origin.display();
    format!(
        "max-runs = 4\nshutdown-grace = \"1s\"\n\n\
         [[project]]\nname = \"app\"\nrepository = \"{repo}\"\nbranches = [\"main\"]\npoll-interval = \"off\"\n\
         [project.webhook]\nprovider = \"github\"\nsecret-env = \"{SECRET_ENV}\"\n\n\
         [[project]]\nname = \"gated\"\nrepository = \"{repo}\"\nbranches = [\"main\"]\npipeline = \"gated.yaml\"\npoll-interval = \"off\"\nmax-runs = 1\n\
         [project.webhook]\nprovider = \"github\"\nsecret-env = \"{SECRET_ENV}\"\n"
    )
}

fn push_body(commit: &str) -> String {
    format!(
        "{{\"ref\": \"refs/heads/main\", \"after\": \"{commit}\", \"repository\": {{\"name\": \"app\"}}}}"
    )
}

/// One delivery, timed from just before it is sent to the start of the
/// first action of the run it started (as the run store recorded it).
fn push_to_first_action(
    server: &Server,
    store: &RunStore,
    commit: &str,
    delivery: &str,
) -> Result<Duration> {
    let sent = SystemTime::now();
    let status = server.deliver("app", delivery, &push_body(commit), true)?;
    if status != 202 {
        bail!("delivery {delivery} was answered {status}");
    }
    let mut started = None;
    wait_for("the delivery's run to end", || {
        let run = run_of_delivery(store, delivery)?;
        let Some(run) = run.filter(|r| r.status.is_final()) else {
            return Ok(false);
        };
        started = first_action_start(store, &run.id)?;
        Ok(true)
    })?;
    let started = started.context("the run's first action has no start time")?;
    Ok(started.duration_since(sent).unwrap_or_default())
}

fn run_of_delivery(store: &RunStore, delivery: &str) -> Result<Option<RunSummary>> {
    let runs = store.list_runs(None, 20)?;
    Ok(runs
        .into_iter()
        .find(|r| r.delivery.as_deref() == Some(delivery)))
}

fn first_action_start(store: &RunStore, run_id: &str) -> Result<Option<SystemTime>> {
    let detail = store.show(run_id)?;
    let first = detail.stages.iter().flat_map(|s| &s.actions).next();
    Ok(first
        .and_then(|a| a.started_at.as_deref())
        .and_then(|at| humantime::parse_rfc3339_weak(at).ok()))
}

/// `kiln run` of the same pipeline: from the command's start to its first
/// action's start.
fn kiln_run_to_first_action(work: &Path, data: &Path) -> Result<Duration> {
    let sent = SystemTime::now();
    kiln(data, &["run", "--no-cache"], work)?;
    let store = history(data)?;
    let last = store.list_runs(None, 1)?;
    let id = &last.first().context("kiln run recorded no run")?.id;
    let started = first_action_start(&store, id)?.context("no first action start")?;
    Ok(started.duration_since(sent).unwrap_or_default())
}

/// 2,000 deliveries with bad signatures sent as fast as one connection at
/// a time allows, while good deliveries go on beside them.
fn flood(
    options: &BenchOptions,
    server: &Server,
    store: &RunStore,
    commit: &str,
    quiet_p99: Duration,
) -> Result<Row> {
    let bad = if options.smoke { 100 } else { 2000 };
    let address = server.address;
    let body = push_body(commit);
    let flood = std::thread::spawn(move || -> Result<(usize, Duration)> {
        let started = Instant::now();
        let mut refused = 0;
        for i in 0..bad {
            let status = post(
                address,
                "app",
                &format!("bad-{i}"),
                &body,
                Some("sha256=00"),
            )?;
            refused += usize::from(status == 401);
        }
        Ok((refused, started.elapsed()))
    });
    let mut during = Vec::new();
    let mut i = 0;
    while !flood.is_finished() || during.len() < 3 {
        during.push(push_to_first_action(
            server,
            store,
            commit,
            &format!("during-{i}"),
        )?);
        i += 1;
    }
    let (refused, took) = flood.join().expect("the flood thread")?;
    if refused != bad {
        bail!(
            "{} of {bad} badly signed deliveries were not refused",
            bad - refused
        );
    }
    let p99 = percentile(&mut during, 99);
    Ok(Row {
        what: format!(
            "{bad} badly signed deliveries, one connection each, as fast as possible: all refused (401), and {} good deliveries meanwhile: p99 push to first action",
            during.len()
        ),
        kiln: format!(
            "{} refused in {} ({:.0}/s); p99 {}",
            refused,
            ms(took),
            bad as f64 / took.as_secs_f64(),
            ms(p99)
        ),
        baseline: format!("p99 without the flood {}", ms(quiet_p99)),
        ratio: format!(
            "{:.2}",
            p99.as_secs_f64() / quiet_p99.as_secs_f64().max(1e-3)
        ),
        target: "all refused; p99 <= the p99 above".into(),
    })
}

/// 50 projects polled every second for a while: the server's CPU (with
/// its git children) per poll, as CPU-seconds per project-hour at the
/// default 60 s interval.
fn polling(options: &BenchOptions, root: &Path, origin: &Path) -> Result<Row> {
    let projects = if options.smoke { 5 } else { 50 };
    let window = Duration::from_secs(if options.smoke { 3 } else { 20 });
    let mut text = String::from("max-runs = 8\nshutdown-grace = \"1s\"\n");
    for i in 0..projects {
        text.push_str(&format!(
            "\n[[project]]\nname = \"p{i}\"\nrepository = \"{}\"\nbranches = [\"main\"]\npoll-interval = \"1s\"\n",
            origin.display()
        ));
    }
    let config = root.join("polling.toml");
    std::fs::write(&config, text)?;
    let data = root.join("data-polling");
    let mut server = Server::start(&config, &data)?;
    let store = history(&data)?;
    // The first poll of each project runs its tip once: let those end.
    wait_for("the first runs of every project", || {
        let runs = store.list_runs(None, 1000)?;
        Ok(runs.len() >= projects && runs.iter().all(|r| r.status.is_final()))
    })?;
    let before = server.cpu_seconds()?;
    std::thread::sleep(window);
    let cpu = server.cpu_seconds()? - before;
    server.stop()?;
    let polls = projects as f64 * window.as_secs_f64();
    let per_project_hour = cpu / polls * 60.0;
    Ok(Row {
        what: format!(
            "polling {projects} projects (every 1 s for {} s): server CPU with its git children, as CPU-seconds per project-hour at the default 60 s",
            window.as_secs()
        ),
        kiln: format!(
            "{per_project_hour:.3} s ({:.2} ms per poll)",
            cpu / polls * 1000.0
        ),
        baseline: "-".into(),
        ratio: "-".into(),
        target: "< 1 s per project-hour".into(),
    })
}

/// The run history of the data directory `data` (read beside a server
/// that writes it, as `kiln runs` does).
fn history(data: &Path) -> Result<RunStore> {
    let data = DataDir::open(data)?;
    Ok(RunStore::open(&data.runs_db(), &data.runs())?)
}

/// The `p`th percentile (nearest rank) of `samples`.
fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    let rank = (samples.len() * p).div_ceil(100).clamp(1, samples.len());
    samples[rank - 1]
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn wait_for(what: &str, mut done: impl FnMut() -> Result<bool>) -> Result<()> {
    let started = Instant::now();
    while !done()? {
        if started.elapsed() > PATIENCE {
            bail!("gave up waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// `kiln serve` in a child process.
struct Server {
    child: Child,
    address: SocketAddr,
}

impl Server {
    fn start(config: &Path, data: &Path) -> Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("serve")
            .arg("--config")
            .arg(config)
            .args(["--listen", "127.0.0.1:0"])
            .env("KILN_DATA_DIR", data)
            .env(SECRET_ENV, SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting kiln serve")?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok());
        match address {
            Some(address) => Ok(Self { child, address }),
            None => {
                let _ = child.kill();
                bail!("kiln serve did not say where it listens: {line:?}")
            }
        }
    }

    fn deliver(&self, project: &str, delivery: &str, body: &str, sign: bool) -> Result<u16> {
        let signature = sign.then(|| signature(body));
        post(self.address, project, delivery, body, signature.as_deref())
    }

    fn status_field(&self, field: &str) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .with_context(|| format!("no {field} in /proc/{}/status", self.child.id()))
    }

    fn rss_kib(&self) -> Result<u64> {
        self.status_field("VmRSS:")
    }

    /// utime + stime + cutime + cstime, in seconds.
    fn cpu_seconds(&self) -> Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // Fields after the `(comm)`, which may hold spaces.
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        let fields: Vec<&str> = after.split_whitespace().collect();
        // utime is field 14 of the line: index 11 after the comm.
        let ticks: f64 = fields
            .get(11..15)
            .context("a short /proc stat line")?
            .iter()
            .map(|f| f.parse::<f64>().unwrap_or(0.0))
            .sum();
        // SAFETY: sysconf only reads a configuration value.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        Ok(ticks / hz)
    }

    fn stop(&mut self) -> Result<()> {
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let started = Instant::now();
        while self.child.try_wait()?.is_none() {
            if started.elapsed() > Duration::from_secs(30) {
                self.child.kill()?;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signature(body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// A GitHub push delivery to `/hooks/<project>`; the response's status.
fn post(
    address: SocketAddr,
    project: &str,
    delivery: &str,
    body: &str,
    signature: Option<&str>,
) -> Result<u16> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let signature = signature.map_or(String::new(), |s| format!("X-Hub-Signature-256: {s}\r\n"));
    write!(
        stream,
        "POST /hooks/{project} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         X-GitHub-Event: push\r\nX-GitHub-Delivery: {delivery}\r\n{signature}\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("not an HTTP response: {response:?}"))
}
