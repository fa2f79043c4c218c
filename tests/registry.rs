//! Plugins shared through a real OCI registry (Debian's docker-registry on
//! loopback, started per test): publish, pull, run by tag and by digest,
//! kiln.lock pinning, tampered blobs, the signature policy, a registry
//! that is down, and interoperation with wkg (the Bytecode Alliance's
//! client) both ways.

mod support;

use std::path::{Path, PathBuf};

use support::Sandbox;
use support::registry::TestRegistry;

/// `kiln --insecure plugin publish <wasm> <reference>`; the pinned
/// reference it prints.
#[track_caller]
fn publish(sandbox: &Sandbox, wasm: &Path, reference: &str) -> String {
    let run = sandbox.kiln(&[
        "--insecure",
        "plugin",
        "publish",
        wasm.to_str().unwrap(),
        reference,
    ]);
    run.assert_code(0);
    let pinned = run.stdout.trim().to_owned();
    assert!(
        pinned.starts_with(&format!("{reference}@sha256:")),
        "{}",
        run.output()
    );
    pinned
}

fn probe_pipeline(uses: &str) -> String {
    format!(
        r#"
name: shared
stages:
  - name: build
    actions:
      - name: make
        uses: {uses}
        with: {{ mode: write, text: "made by a registry plugin" }}
        outputs: [site]
"#
    )
}

/// The same plugin with different bytes: a custom section appended (a
/// component may carry any), so a new digest that behaves the same.
fn variant_of(wasm: &Path, dir: &Path, tag: &str) -> PathBuf {
    let mut bytes = std::fs::read(wasm).unwrap();
    let name = format!("kiln-test-{tag}");
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name.as_bytes());
    section.extend_from_slice(b"variant");
    bytes.push(0); // custom section id
    bytes.push(section.len() as u8);
    bytes.extend_from_slice(&section);
    let path = dir.join(format!("probe-{tag}.wasm"));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn manifest_digest(pinned: &str) -> &str {
    pinned.rsplit_once('@').unwrap().1
}

fn lock_text(sandbox: &Sandbox) -> String {
    std::fs::read_to_string(sandbox.workspace().join("kiln.lock")).unwrap_or_default()
}

fn component_blob(sandbox: &Sandbox, digest: &str) -> PathBuf {
    sandbox
        .data_dir()
        .join("oci/blobs/sha256")
        .join(digest.strip_prefix("sha256:").unwrap())
}

fn sha256_of(path: &Path) -> String {
    kiln::model::digest::Digest::of(&std::fs::read(path).unwrap()).to_string()
}

#[test]
fn a_published_plugin_runs_elsewhere_by_tag_and_by_digest() {
    let registry = TestRegistry::start();
    let publisher = Sandbox::new();
    let reference = registry.reference("kiln/probe:1.0");
    let pinned = publish(&publisher, &support::plugin("probe"), &reference);

    // Another machine (its own data directory, an empty store) runs it by tag.
    let user = Sandbox::new();
    user.pipeline(&probe_pipeline(&reference));
    user.kiln(&["--insecure", "run", "--plain"]).assert_code(0);
    assert_eq!(user.action("make")["status"], "succeeded");
    // The tag was pinned in kiln.lock, to the digest publish printed.
    let lock = lock_text(&user);
    assert!(
        lock.contains(&format!("reference = \"{reference}\"")),
        "{lock}"
    );
    assert!(lock.contains(manifest_digest(&pinned)), "{lock}");
    let component = sha256_of(&support::plugin("probe"));
    assert!(lock.contains(&component), "{lock}");

    // The store is an OCI image layout holding the plugin, byte for byte.
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(user.data_dir().join("oci/index.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        format!("{}/kiln/probe:1.0", registry.host())
    );
    assert_eq!(index["manifests"][0]["digest"], manifest_digest(&pinned));
    assert!(user.data_dir().join("oci/oci-layout").is_file());
    assert_eq!(sha256_of(&component_blob(&user, &component)), component);
    let listed = user.json(&["plugin", "ls", "--json"]);
    assert_eq!(listed[0]["reference"], reference);
    assert_eq!(listed[0]["title"], "probe");
    assert_eq!(listed[0]["component"], component);

    // A third runs it by digest, without a lock; `plugin pull` fetches too.
    let by_digest = Sandbox::new();
    by_digest.pipeline(&probe_pipeline(&pinned));
    by_digest
        .kiln(&["--insecure", "run", "--plain"])
        .assert_code(0);
    assert_eq!(lock_text(&by_digest), "", "a digest needs no pin");
    let puller = Sandbox::new();
    let pulled = puller.kiln(&["--insecure", "plugin", "pull", &reference]);
    pulled.assert_code(0);
    assert!(
        pulled.stderr.contains(manifest_digest(&pinned)),
        "{}",
        pulled.output()
    );
    assert_eq!(sha256_of(&component_blob(&puller, &component)), component);

    // `plugin rm` empties the store of it, blobs included.
    puller.kiln(&["plugin", "rm", &reference]).assert_code(0);
    assert!(!component_blob(&puller, &component).exists());
    let missing = puller.kiln(&["plugin", "rm", &reference]);
    missing.assert_code(2);
    assert!(
        missing.stderr.contains("not in the local plugin store"),
        "{}",
        missing.output()
    );
}

#[test]
fn kiln_lock_pins_a_tag_until_update() {
    let registry = TestRegistry::start();
    let sandbox = Sandbox::new();
    let reference = registry.reference("kiln/probe:stable");
    let first = variant_of(&support::plugin("probe"), &sandbox.workspace(), "one");
    let second = variant_of(&support::plugin("probe"), &sandbox.workspace(), "two");
    let pinned_first = publish(&sandbox, &first, &reference);
    sandbox.pipeline(&probe_pipeline(&reference));
    sandbox
        .kiln(&["--insecure", "run", "--plain"])
        .assert_code(0);
    let lock_before = lock_text(&sandbox);
    assert!(
        lock_before.contains(manifest_digest(&pinned_first)),
        "{lock_before}"
    );

    // The tag moves; the pipeline keeps running what the lock pins.
    let pinned_second = publish(&Sandbox::new(), &second, &reference);
    assert_ne!(pinned_first, pinned_second);
    std::fs::remove_dir_all(sandbox.data_dir().join("oci")).unwrap();
    sandbox
        .kiln(&["--insecure", "run", "--plain"])
        .assert_code(0);
    assert_eq!(lock_text(&sandbox), lock_before);
    assert!(component_blob(&sandbox, &sha256_of(&first)).is_file());
    assert!(!component_blob(&sandbox, &sha256_of(&second)).exists());

    // --locked refuses a tag the lock does not pin.
    let other = sandbox.write(
        "other/kiln.yaml",
        &probe_pipeline(&registry.reference("kiln/probe:unpinned")),
    );
    let locked = sandbox.kiln(&[
        "--insecure",
        "run",
        "--plain",
        "--locked",
        other.to_str().unwrap(),
    ]);
    locked.assert_code(2);
    assert!(locked.stderr.contains("--locked"), "{}", locked.output());

    // `plugin update` moves the pin; the next run fetches the new digest.
    let update = sandbox.kiln(&["--insecure", "plugin", "update"]);
    update.assert_code(0);
    assert!(
        update.stderr.contains(manifest_digest(&pinned_second)),
        "{}",
        update.output()
    );
    assert!(lock_text(&sandbox).contains(manifest_digest(&pinned_second)));
    sandbox
        .kiln(&["--insecure", "run", "--plain"])
        .assert_code(0);
    assert!(component_blob(&sandbox, &sha256_of(&second)).is_file());

    // A lock pinning a component the manifest does not hold is refused.
    let tampered_lock = lock_text(&sandbox).replace(&sha256_of(&second), &sha256_of(&first));
    std::fs::write(sandbox.workspace().join("kiln.lock"), tampered_lock).unwrap();
    let refused = sandbox.kiln(&["--insecure", "run", "--plain"]);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("kiln.lock pins component"),
        "{}",
        refused.output()
    );
}

#[test]
fn a_tampered_blob_is_refused_in_the_registry_and_in_the_store() {
    let registry = TestRegistry::start();
    let sandbox = Sandbox::new();
    let reference = registry.reference("kiln/probe:1.0");
    publish(&sandbox, &support::plugin("probe"), &reference);
    let component = sha256_of(&support::plugin("probe"));

    // A byte changed in the store on this machine: refused before it runs.
    sandbox.pipeline(&probe_pipeline(&reference));
    sandbox
        .kiln(&["--insecure", "run", "--plain"])
        .assert_code(0);
    let blob = component_blob(&sandbox, &component);
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    let refused = sandbox.kiln(&["--insecure", "run", "--plain"]);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("has been changed"),
        "{}",
        refused.output()
    );
    assert!(refused.stderr.contains(&component), "{}", refused.output());
    assert!(
        refused.stderr.contains("stages[0].actions[0].uses"),
        "{}",
        refused.output()
    );
    assert_eq!(sandbox.runs().len(), 1, "the refused run never started");

    // A registry serving changed bytes: refused on pull, nothing stored.
    let served = registry.blob_file(&component);
    let mut bytes = std::fs::read(&served).unwrap();
    bytes[last] ^= 0xff;
    std::fs::write(&served, &bytes).unwrap();
    let fresh = Sandbox::new();
    fresh.pipeline(&probe_pipeline(&reference));
    let refused = fresh.kiln(&["--insecure", "run", "--plain"]);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("does not match its digest"),
        "{}",
        refused.output()
    );
    assert!(!component_blob(&fresh, &component).exists());
    assert_eq!(
        lock_text(&fresh),
        "",
        "nothing is pinned from a refused pull"
    );
}

#[test]
fn the_signature_policy_refuses_unsigned_and_wrongly_signed_plugins() {
    let registry = TestRegistry::start();
    let sandbox = Sandbox::new();
    let keys = sandbox.workspace().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let keygen = sandbox.kiln(&["plugin", "keygen", "keys/release"]);
    keygen.assert_code(0);
    let release_id = keygen.stdout.trim().to_owned();
    assert!(release_id.starts_with("ed25519:"), "{}", keygen.output());
    sandbox
        .kiln(&["plugin", "keygen", "keys/intruder"])
        .assert_code(0);

    let signed = registry.reference("kiln/signed:1.0");
    let unsigned = registry.reference("kiln/unsigned:1.0");
    let wrongly = registry.reference("kiln/wrongly:1.0");
    for reference in [&signed, &unsigned, &wrongly] {
        publish(&sandbox, &support::plugin("probe"), reference);
    }
    sandbox
        .kiln(&[
            "--insecure",
            "plugin",
            "sign",
            &signed,
            "--key",
            "keys/release.key",
        ])
        .assert_code(0);
    sandbox
        .kiln(&[
            "--insecure",
            "plugin",
            "sign",
            &wrongly,
            "--key",
            "keys/intruder.key",
        ])
        .assert_code(0);

    // `plugin verify` says which.
    sandbox
        .kiln(&[
            "--insecure",
            "plugin",
            "verify",
            &signed,
            "--key",
            "keys/release.pub",
        ])
        .assert_code(0);
    let not = sandbox.kiln(&[
        "--insecure",
        "plugin",
        "verify",
        &wrongly,
        "--key",
        "keys/release.pub",
    ]);
    not.assert_code(1);
    assert!(
        not.stderr.contains("none of its 1 signature"),
        "{}",
        not.output()
    );
    sandbox
        .kiln(&[
            "--insecure",
            "plugin",
            "verify",
            &wrongly,
            "--key",
            &release_id,
        ])
        .assert_code(1);

    let pipeline = |uses: &str| {
        format!(
            "name: policed\nplugins:\n  require-signed-by: [keys/release.pub]\n{}",
            probe_pipeline(uses)
                .trim_start()
                .trim_start_matches("name: shared\n")
        )
    };
    // Signed by the trusted key: runs, on a machine with an empty store.
    let user = Sandbox::new();
    std::fs::create_dir_all(user.workspace().join("keys")).unwrap();
    std::fs::copy(
        keys.join("release.pub"),
        user.workspace().join("keys/release.pub"),
    )
    .unwrap();
    user.pipeline(&pipeline(&signed));
    user.kiln(&["--insecure", "run", "--plain"]).assert_code(0);

    for (uses, why) in [
        (unsigned.as_str(), "it is not signed"),
        (
            wrongly.as_str(),
            "none of its 1 signature(s) is a valid one by keys/release.pub",
        ),
        ("./probe.wasm", "a local component carries no signature"),
    ] {
        std::fs::copy(
            support::plugin("probe"),
            user.workspace().join("probe.wasm"),
        )
        .unwrap();
        user.pipeline(&pipeline(uses));
        let refused = user.kiln(&["--insecure", "run", "--plain"]);
        refused.assert_code(2);
        assert!(refused.stderr.contains(why), "{uses}: {}", refused.output());
        assert!(
            refused.stderr.contains("kiln.yaml:8:"),
            "{uses}: {}",
            refused.output()
        );
    }
    assert_eq!(user.runs().len(), 1, "no refused plugin ever ran");

    // A key that is not one names itself.
    user.pipeline(&pipeline(&signed).replace("keys/release.pub", "keys/missing.pub"));
    let bad_key = user.kiln(&["--insecure", "validate"]);
    bad_key.assert_code(2);
    assert!(
        bad_key.stderr.contains("plugins.require-signed-by[0]"),
        "{}",
        bad_key.output()
    );
}

#[test]
fn a_registry_that_is_down_is_named_and_pinned_plugins_run_from_the_store() {
    let mut registry = TestRegistry::start();
    let sandbox = Sandbox::new();
    let reference = registry.reference("kiln/probe:1.0");
    let pinned = publish(&sandbox, &support::plugin("probe"), &reference);
    let user = Sandbox::new();
    user.pipeline(&probe_pipeline(&reference));
    user.kiln(&["--insecure", "run", "--plain"]).assert_code(0);
    registry.stop();

    // Pinned in kiln.lock and in the store: runs without the registry.
    user.kiln(&["--insecure", "run", "--plain", "--no-cache"])
        .assert_code(0);
    assert_eq!(user.action("make")["status"], "succeeded");
    // Pinned by digest, in the store: runs too.
    user.pipeline(&probe_pipeline(&pinned));
    user.kiln(&["--insecure", "run", "--plain", "--no-cache"])
        .assert_code(0);

    // Nothing in the store: a clear error naming the registry and what to do.
    let fresh = Sandbox::new();
    fresh.pipeline(&probe_pipeline(&reference));
    let down = fresh.kiln(&["--insecure", "run", "--plain"]);
    down.assert_code(2);
    assert!(
        down.stderr
            .contains(&format!("registry {} is unreachable", registry.host())),
        "{}",
        down.output()
    );
    assert!(
        down.stderr.contains("not pinned in kiln.lock"),
        "{}",
        down.output()
    );
    fresh.pipeline(&probe_pipeline(&pinned));
    let down = fresh.kiln(&["--insecure", "run", "--plain"]);
    down.assert_code(2);
    assert!(
        down.stderr.contains("not in the local store yet"),
        "{}",
        down.output()
    );
}

#[test]
fn plain_http_only_when_asked_and_only_to_loopback() {
    let registry = TestRegistry::start();
    let sandbox = Sandbox::new();
    let refused = sandbox.kiln(&[
        "--insecure",
        "plugin",
        "pull",
        "oci://registry.example.com/kiln/probe:1.0",
    ]);
    refused.assert_code(2);
    assert!(
        refused
            .stderr
            .contains("only to a registry on this machine"),
        "{}",
        refused.output()
    );
    // Without --insecure kiln speaks HTTPS, which a plain-HTTP registry cannot.
    let https = sandbox.kiln(&["plugin", "pull", &registry.reference("kiln/probe:1.0")]);
    https.assert_code(2);
    assert!(
        https.stderr.contains("needs --insecure"),
        "{}",
        https.output()
    );
    let malformed = sandbox.kiln(&["plugin", "pull", "oci://registry.example.com/Kiln"]);
    malformed.assert_code(2);
    assert!(
        malformed.stderr.contains("lower-case"),
        "{}",
        malformed.output()
    );
}

#[test]
fn credentials_come_from_the_environment_or_a_docker_config() {
    let registry = TestRegistry::start_with_login(Some(("ci-bot", "s3cret-token")));
    let sandbox = Sandbox::new();
    let reference = registry.reference("kiln/probe:1.0");
    let probe = support::plugin("probe");
    let publish_args = [
        "--insecure",
        "plugin",
        "publish",
        probe.to_str().unwrap(),
        &reference,
    ];

    // Anonymous: refused, and kiln says how to log in.
    let anonymous = Sandbox::run_with(
        sandbox
            .command()
            .args(publish_args)
            .env("DOCKER_CONFIG", sandbox.workspace()),
    );
    anonymous.assert_code(2);
    assert!(
        anonymous.stderr.contains("KILN_REGISTRY_USERNAME"),
        "{}",
        anonymous.output()
    );
    let wrong = Sandbox::run_with(
        sandbox
            .command()
            .args(publish_args)
            .env("KILN_REGISTRY_HOST", registry.host())
            .env("KILN_REGISTRY_USERNAME", "ci-bot")
            .env("KILN_REGISTRY_PASSWORD", "guess"),
    );
    wrong.assert_code(2);
    assert!(
        wrong.stderr.contains("refused access"),
        "{}",
        wrong.output()
    );

    // The environment's credentials are for the registry KILN_REGISTRY_HOST
    // names, and for no other: without it they are sent nowhere.
    let unbound = Sandbox::run_with(
        sandbox
            .command()
            .args(publish_args)
            .env_remove("KILN_REGISTRY_HOST")
            .env("DOCKER_CONFIG", sandbox.workspace())
            .env("KILN_REGISTRY_USERNAME", "ci-bot")
            .env("KILN_REGISTRY_PASSWORD", "s3cret-token"),
    );
    unbound.assert_code(2);
    assert!(
        unbound
            .stderr
            .contains(&format!("set KILN_REGISTRY_HOST={}", registry.host())),
        "{}",
        unbound.output()
    );
    let elsewhere = Sandbox::run_with(
        sandbox
            .command()
            .args(publish_args)
            .env("KILN_REGISTRY_HOST", "registry.example.com")
            .env("DOCKER_CONFIG", sandbox.workspace())
            .env("KILN_REGISTRY_USERNAME", "ci-bot")
            .env("KILN_REGISTRY_PASSWORD", "s3cret-token"),
    );
    elsewhere.assert_code(2);
    assert!(
        elsewhere
            .stderr
            .contains("are for KILN_REGISTRY_HOST=registry.example.com"),
        "{}",
        elsewhere.output()
    );

    // From the environment, for this registry.
    Sandbox::run_with(
        sandbox
            .command()
            .args(publish_args)
            .env("KILN_REGISTRY_HOST", registry.host())
            .env("KILN_REGISTRY_USERNAME", "ci-bot")
            .env("KILN_REGISTRY_PASSWORD", "s3cret-token"),
    )
    .assert_code(0);

    // From a docker-style config file.
    use base64::Engine;
    let docker = sandbox.workspace().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode("ci-bot:s3cret-token");
    std::fs::write(
        docker.join("config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#,
            registry.host()
        ),
    )
    .unwrap();
    let user = Sandbox::new();
    user.pipeline(&probe_pipeline(&reference));
    Sandbox::run_with(
        user.command()
            .args(["--insecure", "run", "--plain"])
            .env("DOCKER_CONFIG", &docker),
    )
    .assert_code(0);
}

/// wkg, installed by scripts/setup into .tools/wkg (or found on PATH).
fn wkg() -> PathBuf {
    let tools = support::workspace_root().join(".tools/wkg/bin/wkg");
    if tools.is_file() {
        return tools;
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("wkg"))
                .find(|candidate| candidate.is_file())
        })
        .expect("wkg is not installed: scripts/setup installs it into .tools/wkg")
}

#[test]
fn components_cross_between_kiln_and_wkg() {
    let registry = TestRegistry::start();
    let sandbox = Sandbox::new();
    let host = registry.host();

    // kiln publishes, wkg pulls the same bytes.
    publish(
        &sandbox,
        &support::plugin("probe"),
        &registry.reference("kiln/probe:1.0"),
    );
    let pulled = sandbox.workspace().join("pulled.wasm");
    let status = std::process::Command::new(wkg())
        .args(["oci", "pull", "--insecure", &host])
        .arg(format!("{host}/kiln/probe:1.0"))
        .arg("-o")
        .arg(&pulled)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(sha256_of(&pulled), sha256_of(&support::plugin("probe")));

    // wkg publishes, kiln runs it.
    let status = std::process::Command::new(wkg())
        .args(["oci", "push", "--insecure", &host])
        .arg(format!("{host}/wkg/probe:0.1"))
        .arg(support::plugin("probe"))
        .status()
        .unwrap();
    assert!(status.success());
    sandbox.pipeline(&probe_pipeline(&registry.reference("wkg/probe:0.1")));
    sandbox
        .kiln(&["--insecure", "run", "--plain"])
        .assert_code(0);
    assert_eq!(sandbox.action("make")["status"], "succeeded");
}
