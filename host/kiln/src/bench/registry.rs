//! Registry figures: publishing and pulling a plugin through a real
//! registry on loopback (Debian's docker-registry) against wkg doing the
//! same, and what running a plugin pinned in kiln.lock costs against
//! running the same file by path. Skipped, with a row saying so, where
//! docker-registry is not installed (`scripts/setup --registry`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::benchdata::find_on_path;
use super::{BenchOptions, Row, median, ms, ratio, run};

/// A docker-registry process, killed when dropped.
struct LoopbackRegistry {
    child: Child,
    host: String,
}

impl Drop for LoopbackRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_registry(dir: &Path, binary: &Path) -> Result<LoopbackRegistry> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let config = dir.join("registry.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("storage").display()
        ),
    )?;
    let child = Command::new(binary)
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let registry = LoopbackRegistry {
        child,
        host: format!("127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.write_all(b"GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            if reply.starts_with("HTTP/1.1 200") {
                return Ok(registry);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("docker-registry did not answer on {}", registry.host)
}

/// Time `command`, median of `rounds` (each built fresh by `make`).
fn timed(rounds: usize, mut make: impl FnMut(usize) -> Command) -> Result<Duration> {
    let mut samples = Vec::new();
    for round in 0..rounds {
        let mut command = make(round);
        let started = Instant::now();
        run(command.stdout(Stdio::null()))?;
        samples.push(started.elapsed());
    }
    Ok(median(&mut samples))
}

pub async fn rows(options: &BenchOptions, root: &Path, data: &Path) -> Result<Vec<Row>> {
    let Some(binary) = find_on_path("docker-registry") else {
        return Ok(vec![Row {
            what: "registry: publish, pull, pinned run".into(),
            kiln: "skipped: docker-registry is not installed (scripts/setup --registry)".into(),
            baseline: "-".into(),
            ratio: "-".into(),
            target: "-".into(),
        }]);
    };
    // The largest plugin there is: the Python one when it is built.
    let (name, plugin) = match options.resolver.resolve("coverage", root) {
        Ok(path) => ("coverage", path),
        Err(_) => ("checkout", options.resolver.resolve("checkout", root)?),
    };
    let size = std::fs::metadata(&plugin)?.len();
    let registry_dir = root.join("registry");
    std::fs::create_dir_all(&registry_dir)?;
    let registry = start_registry(&registry_dir, &binary)?;
    let kiln_exe = std::env::current_exe()?;
    let wkg = find_on_path("wkg").or_else(|| {
        // scripts/setup puts it in <repo>/.tools/wkg, two levels above
        // target/<profile>/kiln.
        let tools = kiln_exe
            .parent()?
            .parent()?
            .parent()?
            .join(".tools/wkg/bin/wkg");
        tools.is_file().then_some(tools)
    });
    let rounds = if options.smoke { 1 } else { 5 };
    let compiled = root.join("compiled-registry");
    let kiln = |data: PathBuf, args: Vec<String>| {
        let mut command = Command::new(&kiln_exe);
        command
            .args(["--insecure".to_owned()].into_iter().chain(args))
            .env("KILN_DATA_DIR", data)
            .env("KILN_COMPILED_DIR", &compiled);
        command
    };
    let reference = |tag: String| format!("oci://{}/bench/{name}:{tag}", registry.host);
    let plugin_arg = plugin.display().to_string();
    // Compile once, so that publishing measures the registry, not cranelift.
    run(kiln(
        data.to_path_buf(),
        vec!["plugin".into(), "inspect".into(), plugin_arg.clone()],
    )
    .stdout(Stdio::null()))?;

    let mut rows = Vec::new();
    let publish = timed(rounds, |round| {
        kiln(
            data.join(format!("publish-{round}")),
            vec![
                "plugin".into(),
                "publish".into(),
                plugin_arg.clone(),
                reference(format!("k{round}")),
            ],
        )
    })?;
    let pull = timed(rounds, |round| {
        kiln(
            data.join(format!("pull-{round}")),
            vec!["plugin".into(), "pull".into(), reference("k0".into())],
        )
    })?;
    let (wkg_push, wkg_pull) = match &wkg {
        Some(wkg) => {
            let push = timed(rounds, |round| {
                let mut command = Command::new(wkg);
                command
                    .args(["oci", "push", "--insecure", &registry.host])
                    .arg(format!("{}/bench/{name}:w{round}", registry.host))
                    .arg(&plugin);
                command
            })?;
            let pull = timed(rounds, |round| {
                let mut command = Command::new(wkg);
                command
                    .args(["oci", "pull", "--insecure", &registry.host])
                    .arg(format!("{}/bench/{name}:k0", registry.host))
                    .arg("-o")
                    .arg(root.join(format!("wkg-pull-{round}.wasm")));
                command
            })?;
            (Some(push), Some(pull))
        }
        None => (None, None),
    };
    let versus = |kiln: Duration, baseline: Option<Duration>| match baseline {
        Some(baseline) => (format!("{} (wkg)", ms(baseline)), ratio(kiln, baseline)),
        None => ("wkg not installed".into(), "-".into()),
    };
    let (baseline, publish_ratio) = versus(publish, wkg_push);
    rows.push(Row {
        what: format!(
            "publish {name} ({}) to a registry on loopback vs `wkg oci push` (median of {rounds})",
            bytesize::ByteSize(size)
        ),
        kiln: ms(publish),
        baseline,
        ratio: publish_ratio,
        target: "-".into(),
    });
    let (baseline, pull_ratio) = versus(pull, wkg_pull);
    rows.push(Row {
        what: format!("pull {name} into an empty local store (every blob hash-checked, fsynced) vs `wkg oci pull` (median of {rounds})"),
        kiln: ms(pull),
        baseline,
        ratio: pull_ratio,
        target: "-".into(),
    });

    // A run of the plugin pinned in kiln.lock (resolved from the store,
    // the component hashed again) against the same file by path. The
    // plugin's own `describe` is all that runs: a pipeline that only
    // validates (`kiln validate`).
    let ws = root.join("registry-ws");
    std::fs::create_dir_all(&ws)?;
    let pipeline = |uses: &str| {
        format!(
            "name: pinned\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: {uses}\n"
        )
    };
    std::fs::write(ws.join("by-path.yaml"), pipeline(&plugin_arg))?;
    std::fs::write(ws.join("kiln.yaml"), pipeline(&reference("k0".into())))?;
    let pinned_data = data.join("pinned");
    // The first validation pulls and writes kiln.lock; then stop the
    // registry: a pinned plugin must not need it.
    run(kiln(
        pinned_data.clone(),
        vec![
            "validate".into(),
            ws.join("kiln.yaml").display().to_string(),
        ],
    )
    .stdout(Stdio::null()))?;
    drop(registry);
    let validate_rounds = if options.smoke { 1 } else { 9 };
    let pinned = timed(validate_rounds, |_| {
        kiln(
            pinned_data.clone(),
            vec![
                "validate".into(),
                ws.join("kiln.yaml").display().to_string(),
            ],
        )
    })?;
    let by_path = timed(validate_rounds, |_| {
        kiln(
            pinned_data.clone(),
            vec![
                "validate".into(),
                ws.join("by-path.yaml").display().to_string(),
            ],
        )
    })?;
    rows.push(Row {
        what: format!("validate a pipeline using {name} pinned in kiln.lock (from the store, registry down) vs by path (median of {validate_rounds})"),
        kiln: ms(pinned),
        baseline: ms(by_path),
        ratio: ratio(pinned, by_path),
        target: "-".into(),
    });
    Ok(rows)
}
