//! A registry that attacks kiln: each test runs the real `kiln` binary
//! (`kiln plugin pull`, `kiln run` with `uses: oci://...` and
//! `require-signed-by`) against a malicious registry written here (a
//! small HTTP server on loopback, tests/support/hostile_registry.rs) and
//! checks that kiln refuses with a message naming what and why, that
//! credentials never reach a host they are not for (every request each
//! server received is recorded), that kiln's peak memory stays bounded
//! (the kernel's count, `wait4`), that a stalling server is abandoned at the
//! deadline, and that nothing is left in the local store.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use kiln::model::digest::Digest;
use kiln::registry::manifest::{
    Descriptor, EMPTY_BLOB, EMPTY_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, Manifest,
    WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE, wasm_artifact,
};
use kiln::registry::signing::SIGNATURE_MEDIA_TYPE;
use support::Sandbox;
use support::hostile_registry::{Body, HostileServer, Measured, Recorded, Reply, measure};

const MIB: u64 = 1 << 20;
/// kiln's peak memory in these tests: what it needs to run at all is far
/// below, what any of these attacks cost a kiln that reads what it is
/// sent is far above.
const RSS_BOUND: u64 = 128 * MIB;
/// How much an "endless" body sends at most, so that a kiln that reads
/// it whole fails the test rather than the machine.
const FLOOD: u64 = 1024 * MIB;
const USER: &str = "ci-bot";
const SECRET: &str = "s3cret-registry-password";

/// A plugin as a registry holds it: manifest and blobs.
struct Artifact {
    manifest: Vec<u8>,
    digest: String,
    blobs: Vec<Vec<u8>>,
}

impl Artifact {
    fn new(manifest: &Manifest, blobs: Vec<Vec<u8>>) -> Self {
        let bytes = manifest.to_bytes();
        Self {
            digest: Digest::of(&bytes).to_string(),
            manifest: bytes,
            blobs,
        }
    }

    /// kiln's probe plugin, as kiln publishes it.
    fn probe() -> Self {
        let component = std::fs::read(support::plugin("probe")).unwrap();
        let (config, manifest) = wasm_artifact(&component, Default::default()).unwrap();
        Self::new(&manifest, vec![config, component])
    }

    fn component(&self) -> &[u8] {
        &self.blobs[1]
    }

    fn component_digest(&self) -> String {
        Digest::of(self.component()).to_string()
    }

    /// The tag its signatures live under.
    fn signature_tag(&self) -> String {
        format!(
            "sha256-{}.sig",
            self.digest.strip_prefix("sha256:").unwrap()
        )
    }
}

/// What a well-behaved registry answers for a set of artifacts (one
/// repository; tags and digests both name manifests).
#[derive(Default, Clone)]
struct Repo {
    manifests: HashMap<String, (Vec<u8>, String)>,
    blobs: HashMap<String, Vec<u8>>,
}

impl Repo {
    fn with(mut self, tag: &str, artifact: &Artifact) -> Self {
        let entry = (artifact.manifest.clone(), artifact.digest.clone());
        self.manifests.insert(tag.to_owned(), entry.clone());
        self.manifests.insert(artifact.digest.clone(), entry);
        for blob in &artifact.blobs {
            self.blobs
                .insert(Digest::of(blob).to_string(), blob.clone());
        }
        self
    }

    fn answer(&self, request: &Recorded) -> Reply {
        let path = request.path();
        if let Some((_, name)) = path.rsplit_once("/manifests/")
            && let Some((bytes, digest)) = self.manifests.get(name)
        {
            return Reply::bytes(200, MANIFEST_MEDIA_TYPE, bytes.clone())
                .header("docker-content-digest", digest);
        }
        if let Some((_, digest)) = path.rsplit_once("/blobs/")
            && let Some(bytes) = self.blobs.get(digest)
        {
            return Reply::bytes(200, "application/octet-stream", bytes.clone());
        }
        Reply::not_found()
    }
}

/// A body of `total` bytes, `prefix` first, as fast as the client reads.
fn flood(prefix: Vec<u8>, total: u64) -> Body {
    Body::Stream {
        prefix,
        fill: b' ',
        total,
        chunk: 64 << 10,
        delay: Duration::ZERO,
    }
}

/// One byte a second.
fn trickle(total: u64) -> Body {
    Body::Stream {
        prefix: Vec::new(),
        fill: b' ',
        total,
        chunk: 1,
        delay: Duration::from_secs(1),
    }
}

fn probe_pipeline(uses: &str, policy: bool) -> String {
    format!(
        r#"
name: attacked
{}stages:
  - name: build
    actions:
      - name: make
        uses: {uses}
        with: {{ mode: write, text: "made by a registry plugin" }}
        outputs: [site]
"#,
        if policy {
            "plugins:\n  require-signed-by: [keys/release.pub]\n"
        } else {
            ""
        }
    )
}

/// A sandbox with a signing key (`keys/release.pub`) for policies.
fn sandbox_with_key() -> Sandbox {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.workspace().join("keys")).unwrap();
    sandbox
        .kiln(&["plugin", "keygen", "keys/release"])
        .assert_code(0);
    sandbox
}

/// `kiln --insecure <args>`, measured, with `env` and no docker config.
fn kiln(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Measured {
    let mut command = sandbox.command();
    command.arg("--insecure").args(args).env(
        "DOCKER_CONFIG",
        sandbox.workspace().join("no-docker-config"),
    );
    for (name, value) in env {
        command.env(name, value);
    }
    measure(&mut command)
}

/// The command failed (exit 2) saying each of `why`, within the memory
/// bound.
#[track_caller]
fn assert_refused(measured: &Measured, why: &[&str]) {
    let output = measured.run.output();
    eprintln!(
        "kiln: exit {} after {:?}, peak RSS {} MiB: {}",
        measured.run.code,
        measured.elapsed,
        measured.max_rss / MIB,
        measured.run.stderr.trim()
    );
    assert!(
        measured.max_rss < RSS_BOUND,
        "kiln peaked at {} MiB (bound {} MiB): {output}",
        measured.max_rss / MIB,
        RSS_BOUND / MIB
    );
    assert_eq!(measured.run.code, 2, "{output}");
    for reason in why {
        assert!(
            measured.run.stderr.contains(reason),
            "`{reason}` missing: {output}"
        );
    }
}

/// The names the local store's index holds.
fn store_names(sandbox: &Sandbox) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(sandbox.data_dir().join("oci/index.json")) else {
        return Vec::new();
    };
    let index: serde_json::Value = serde_json::from_str(&text).unwrap();
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["annotations"]["org.opencontainers.image.ref.name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Every file of the local store's blobs directory, and any download left
/// behind.
fn store_files(sandbox: &Sandbox) -> Vec<String> {
    let oci = sandbox.data_dir().join("oci");
    let mut files = Vec::new();
    for dir in [oci.clone(), oci.join("blobs/sha256")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let keep = dir != oci || name.starts_with(".incoming") || name.starts_with(".tmp");
            if keep {
                files.push(format!("{}/{name}", dir.display()));
            }
        }
    }
    files
}

#[track_caller]
fn assert_store_empty(sandbox: &Sandbox) {
    assert_eq!(store_names(sandbox), Vec::<String>::new());
    assert_eq!(store_files(sandbox), Vec::<String>::new());
}

/// No request carried the credentials, in any form.
#[track_caller]
fn assert_no_credentials(server: &HostileServer) {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{SECRET}"));
    for request in server.requests() {
        assert_eq!(
            request
                .header("authorization")
                .filter(|v| !v.starts_with("Bearer anonymous")),
            None,
            "{} received credentials: {request:?}",
            server.host()
        );
        let text = format!("{request:?}");
        assert!(
            !text.contains(SECRET) && !text.contains(&basic),
            "{} received the secret: {request:?}",
            server.host()
        );
    }
}

fn credentials_for(host: &str) -> Vec<(&'static str, String)> {
    vec![
        ("KILN_REGISTRY_HOST", host.to_owned()),
        ("KILN_REGISTRY_USERNAME", USER.to_owned()),
        ("KILN_REGISTRY_PASSWORD", SECRET.to_owned()),
    ]
}

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn a_token_server_on_another_host_never_gets_the_credentials() {
    // The registry's Bearer challenge names a token server on another host
    // (127.0.0.2, another address of this machine, so that it can listen
    // and record).
    let token_server = HostileServer::start("127.0.0.2", |_| {
        Reply::bytes(
            200,
            "application/json",
            br#"{"token":"anonymous"}"#.to_vec(),
        )
    });
    let realm = format!("http://{}/token", token_server.host());
    let registry = HostileServer::start("127.0.0.1", move |_| {
        Reply::new(401)
            .header(
                "www-authenticate",
                &format!(
                    r#"Bearer realm="{realm}",service="evil",scope="repository:kiln/probe:pull""#
                ),
            )
            .header("content-length", "0")
    });
    let reference = registry.reference("kiln/probe:1.0");
    let sandbox = Sandbox::new();
    sandbox.pipeline(&probe_pipeline(&reference, false));
    // The credentials are for this very registry: still not for its
    // token server elsewhere.
    let env = credentials_for(&registry.host());
    for args in [
        &["plugin", "pull", reference.as_str()][..],
        &["run", "--plain"][..],
    ] {
        let refused = kiln(&sandbox, args, &env_refs(&env));
        assert_no_credentials(&token_server);
        assert_refused(
            &refused,
            &[
                &format!("registry {} refused access to {reference}", registry.host()),
                &format!(
                    "kiln did not send the credentials for {} to the token server 127.0.0.2, which is another host",
                    registry.host()
                ),
            ],
        );
    }
    assert!(
        !token_server.requests().is_empty(),
        "kiln asked the token server for an anonymous token"
    );
    assert_store_empty(&sandbox);

    // A token server over plain HTTP off this machine is not even asked.
    let far = HostileServer::start("127.0.0.1", |_| {
        Reply::new(401)
            .header(
                "www-authenticate",
                r#"Bearer realm="http://auth.kiln-test.invalid/token",service="evil""#,
            )
            .header("content-length", "0")
    });
    let reference = far.reference("kiln/probe:1.0");
    let env = credentials_for(&far.host());
    let refused = kiln(&sandbox, &["plugin", "pull", &reference], &env_refs(&env));
    assert_refused(
        &refused,
        &[
            &format!("registry {}, for {reference}", far.host()),
            "its token server is http://auth.kiln-test.invalid/token: plain HTTP to auth.kiln-test.invalid, which is not this machine",
            "refused",
        ],
    );
    assert_store_empty(&sandbox);
}

#[test]
fn environment_credentials_go_only_to_the_registry_they_name() {
    let evil = HostileServer::start("127.0.0.1", |_| {
        Reply::new(401)
            .header("www-authenticate", r#"Basic realm="evil""#)
            .header("content-length", "0")
    });
    let reference = evil.reference("kiln/probe:1.0");
    let sandbox = Sandbox::new();
    sandbox.pipeline(&probe_pipeline(&reference, false));
    let bound_elsewhere = credentials_for("registry.example.com");
    for args in [
        &["plugin", "pull", reference.as_str()][..],
        &["run", "--plain"][..],
    ] {
        let refused = kiln(&sandbox, args, &env_refs(&bound_elsewhere));
        assert_no_credentials(&evil);
        assert_refused(
            &refused,
            &[
                &format!("registry {} refused access to {reference}", evil.host()),
                &format!(
                    "KILN_REGISTRY_USERNAME/KILN_REGISTRY_PASSWORD are for KILN_REGISTRY_HOST=registry.example.com, not {}",
                    evil.host()
                ),
            ],
        );
    }
    // Without KILN_REGISTRY_HOST they go nowhere.
    let unbound = kiln(
        &sandbox,
        &["plugin", "pull", &reference],
        &[
            ("KILN_REGISTRY_USERNAME", USER),
            ("KILN_REGISTRY_PASSWORD", SECRET),
        ],
    );
    assert_no_credentials(&evil);
    assert_refused(
        &unbound,
        &[&format!(
            "without KILN_REGISTRY_HOST naming the registry they are for they are sent nowhere; set KILN_REGISTRY_HOST={}",
            evil.host()
        )],
    );
    assert!(evil.requests().len() >= 3, "kiln did ask the registry");
    assert_store_empty(&sandbox);
}

#[test]
fn an_endless_manifest_is_cut_off_at_4_mib() {
    // By tag: the tag resolves, the manifest never ends (or announces 2 GiB).
    let endless = Digest::of(b"a manifest that never ends").to_string();
    let announced = Digest::of(b"a manifest of 2 GiB").to_string();
    let registry = {
        let (endless, announced) = (endless.clone(), announced.clone());
        HostileServer::start("127.0.0.1", move |request| {
            let path = request.path();
            let prefix = br#"{"schemaVersion":2,"layers":["#.to_vec();
            if path.ends_with("/manifests/endless") {
                Reply::new(200).header("docker-content-digest", &endless)
            } else if path.ends_with("/manifests/announced") {
                Reply::new(200).header("docker-content-digest", &announced)
            } else if path.ends_with(&format!("/manifests/{endless}")) {
                Reply::new(200)
                    .header("content-type", MANIFEST_MEDIA_TYPE)
                    .body(flood(prefix, FLOOD))
            } else if path.ends_with(&format!("/manifests/{announced}")) {
                Reply::new(200)
                    .header("content-type", MANIFEST_MEDIA_TYPE)
                    .header("content-length", &(2u64 << 30).to_string())
                    .body(flood(prefix, FLOOD))
            } else {
                Reply::not_found()
            }
        })
    };
    let sandbox = Sandbox::new();
    let reference = registry.reference("kiln/probe:endless");
    let refused = kiln(&sandbox, &["plugin", "pull", &reference], &[]);
    assert_refused(
        &refused,
        &[
            &format!(
                "registry {} sent the manifest of {reference}@{endless} too large",
                registry.host()
            ),
            "more than the 4194304 bytes kiln reads for the manifest",
        ],
    );
    let reference = registry.reference("kiln/probe:announced");
    let refused = kiln(&sandbox, &["plugin", "pull", &reference], &[]);
    assert_refused(
        &refused,
        &["it announces 2147483648 bytes, and kiln reads at most 4194304"],
    );
    assert_store_empty(&sandbox);
    assert!(
        registry.bytes_sent() < 64 * MIB,
        "kiln read {} MiB of manifests",
        registry.bytes_sent() / MIB
    );

    // Under require-signed-by: the plugin is fine, its signature manifest
    // never ends.
    let probe = Artifact::probe();
    let repo = Repo::default().with("1.0", &probe);
    let signature_tag = probe.signature_tag();
    let registry = HostileServer::start("127.0.0.1", move |request| {
        let path = request.path();
        if path.ends_with(&format!("/manifests/{signature_tag}")) {
            Reply::new(200).header("docker-content-digest", &endless)
        } else if path.ends_with(&format!("/manifests/{endless}")) {
            Reply::new(200)
                .header("content-type", MANIFEST_MEDIA_TYPE)
                .body(flood(br#"{"schemaVersion":2,"layers":["#.to_vec(), FLOOD))
        } else {
            repo.answer(request)
        }
    });
    let sandbox = sandbox_with_key();
    let reference = registry.reference("kiln/probe:1.0");
    sandbox.pipeline(&probe_pipeline(&reference, true));
    let refused = kiln(&sandbox, &["run", "--plain"], &[]);
    assert_refused(
        &refused,
        &[
            "stages[0].actions[0].uses",
            &format!("plugin `{reference}` refused"),
            "more than the 4194304 bytes kiln reads for the manifest",
        ],
    );
    assert!(sandbox.runs().is_empty(), "nothing ran");
    // The plugin (a real one, checked) is in the store; no signature is.
    assert_eq!(
        store_names(&sandbox),
        [format!("{}/kiln/probe:1.0", registry.host())]
    );
}

#[test]
fn a_blob_longer_than_its_descriptor_is_cut_off() {
    let probe = Artifact::probe();
    let component = probe.component().to_vec();
    let size = component.len();
    let component_path = format!("/blobs/{}", probe.component_digest());
    let repo = Repo::default().with("1.0", &probe);
    let registry = HostileServer::start("127.0.0.1", move |request| {
        if request.path().ends_with(&component_path) {
            // The right bytes, then a flood, its length unannounced.
            return Reply::new(200)
                .header("content-type", "application/octet-stream")
                .body(flood(component.clone(), size as u64 + FLOOD));
        }
        repo.answer(request)
    });
    let sandbox = Sandbox::new();
    let reference = registry.reference("kiln/probe:1.0");
    let refused = kiln(&sandbox, &["plugin", "pull", &reference], &[]);
    assert_refused(
        &refused,
        &[
            &format!(
                "registry {} sent the component of {reference}@{} too large",
                registry.host(),
                probe.digest
            ),
            &format!("it sent more than the {size} bytes its descriptor declares"),
        ],
    );
    assert_store_empty(&sandbox);
    assert!(
        registry.bytes_sent() < 64 * MIB,
        "kiln read {} MiB",
        registry.bytes_sent() / MIB
    );

    // Through `kiln run` too, with the flood announced.
    let probe_digest = probe.component_digest();
    let repo = Repo::default().with("1.0", &probe);
    let component = probe.component().to_vec();
    let registry = HostileServer::start("127.0.0.1", move |request| {
        if request.path().ends_with(&format!("/blobs/{probe_digest}")) {
            return Reply::new(200)
                .header("content-length", &(size as u64 + FLOOD).to_string())
                .body(flood(component.clone(), size as u64 + FLOOD));
        }
        repo.answer(request)
    });
    let reference = registry.reference("kiln/probe:1.0");
    sandbox.pipeline(&probe_pipeline(&reference, false));
    let refused = kiln(&sandbox, &["run", "--plain"], &[]);
    assert_refused(
        &refused,
        &[
            "stages[0].actions[0].uses",
            &format!(
                "it announces {} bytes, and its descriptor declares {size}",
                size as u64 + FLOOD
            ),
        ],
    );
    assert_store_empty(&sandbox);
}

#[test]
fn a_trickling_registry_is_abandoned_at_the_deadline() {
    let probe = Artifact::probe();
    let stalled = Digest::of(b"a manifest sent one byte a second").to_string();
    let component_path = format!("/blobs/{}", probe.component_digest());
    let repo = Repo::default().with("blob", &probe);
    let registry = {
        let stalled = stalled.clone();
        HostileServer::start("127.0.0.1", move |request| {
            let path = request.path();
            if path.ends_with("/manifests/manifest") {
                Reply::new(200).header("docker-content-digest", &stalled)
            } else if path.ends_with(&format!("/manifests/{stalled}")) {
                // Never idle long enough for a read timeout, never done:
                // 90 bytes in 90 s.
                Reply::new(200)
                    .header("content-type", MANIFEST_MEDIA_TYPE)
                    .body(trickle(90))
            } else if path.ends_with(&component_path) {
                Reply::new(200).body(trickle(90))
            } else {
                repo.answer(request)
            }
        })
    };
    let sandbox = Sandbox::new();
    let deadline = [("KILN_REGISTRY_TIMEOUT", "3s")];
    for (tag, what) in [("manifest", "the manifest"), ("blob", "the component")] {
        let reference = registry.reference(&format!("kiln/probe:{tag}"));
        let refused = kiln(&sandbox, &["plugin", "pull", &reference], &deadline);
        assert!(
            refused.elapsed < Duration::from_secs(20),
            "kiln gave up after {:?}: {}",
            refused.elapsed,
            refused.run.output()
        );
        assert_refused(
            &refused,
            &[
                &format!(
                    "registry {} did not deliver {what} of {reference}",
                    registry.host()
                ),
                "within 3s",
                "abandoned (KILN_REGISTRY_TIMEOUT sets the deadline)",
            ],
        );
    }
    assert_store_empty(&sandbox);
}

#[test]
fn a_signature_artifact_of_thousands_of_layers_is_refused_unread() {
    let probe = Artifact::probe();
    // 300 KiB that would be a "signature" 2,000 times over.
    let mut big = br#"{"manifest":""#.to_vec();
    big.resize(300 << 10, b'a');
    big.extend_from_slice(br#"","key":"","signature":""}"#);
    let signature_artifact = |layers: Vec<Descriptor>| Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_owned()),
        artifact_type: Some(SIGNATURE_MEDIA_TYPE.to_owned()),
        config: Descriptor::of(EMPTY_MEDIA_TYPE, EMPTY_BLOB),
        layers,
        subject: None,
        annotations: Default::default(),
    };
    let thousands = Artifact::new(
        &signature_artifact(vec![Descriptor::of(SIGNATURE_MEDIA_TYPE, &big); 2000]),
        vec![big.clone()],
    );
    // One "signature" of 10 MiB (never served: kiln must not ask).
    let huge = Descriptor {
        digest: Digest::of_reader(std::io::Read::take(std::io::repeat(b'a'), 10 * MIB))
            .unwrap()
            .to_string(),
        size: 10 * MIB,
        ..Descriptor::of(SIGNATURE_MEDIA_TYPE, b"")
    };
    let big_paths = [
        format!("/blobs/{}", Digest::of(&big)),
        format!("/blobs/{}", huge.digest),
    ];
    let one_huge = Artifact::new(&signature_artifact(vec![huge]), Vec::new());

    for (signatures, why) in [
        (
            &thousands,
            "has 2000 layers, and kiln reads at most 16 signatures",
        ),
        (
            &one_huge,
            "has a layer of 10485760 bytes, and a signature is at most 65536",
        ),
    ] {
        let repo = Repo::default()
            .with("1.0", &probe)
            .with(&probe.signature_tag(), signatures);
        let registry = HostileServer::start("127.0.0.1", move |request| repo.answer(request));
        let sandbox = sandbox_with_key();
        let reference = registry.reference("kiln/probe:1.0");
        sandbox.pipeline(&probe_pipeline(&reference, true));
        let refused = kiln(&sandbox, &["run", "--plain"], &[]);
        assert_refused(
            &refused,
            &[
                &format!("plugin `{reference}` refused"),
                &format!(
                    "{}: its signature artifact {why}; refused",
                    registry.reference(&format!("kiln/probe:{}", probe.signature_tag()))
                ),
            ],
        );
        let pulled: Vec<String> = registry
            .requests()
            .iter()
            .filter(|r| big_paths.iter().any(|p| r.path().ends_with(p)))
            .map(|r| r.target.clone())
            .collect();
        assert!(pulled.is_empty(), "kiln pulled {} layers", pulled.len());
        assert_eq!(
            store_names(&sandbox),
            [format!("{}/kiln/probe:1.0", registry.host())]
        );
    }
}

#[test]
fn a_digest_that_is_not_one_never_names_a_url_or_a_file() {
    let probe = Artifact::probe();
    let (config, component) = (probe.blobs[0].clone(), probe.component().to_vec());
    // The config named by a path, not a digest.
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_owned()),
        artifact_type: None,
        config: Descriptor {
            digest: "sha256:../../x".into(),
            ..Descriptor::of(WASM_CONFIG_MEDIA_TYPE, &config)
        },
        layers: vec![Descriptor::of(WASM_LAYER_MEDIA_TYPE, &component)],
        subject: None,
        annotations: Default::default(),
    };
    let traversal = Artifact::new(&manifest, vec![config, component]);
    let upper = Digest::of(b"upper")
        .to_string()
        .to_uppercase()
        .replace("SHA256:", "sha256:");
    let repo = Repo::default().with("1.0", &traversal);
    let registry = {
        let upper = upper.clone();
        HostileServer::start("127.0.0.1", move |request| {
            if request.path().ends_with("/manifests/bogus") {
                return Reply::new(200).header("docker-content-digest", "sha256:../../y");
            }
            if request.path().ends_with("/manifests/upper") {
                return Reply::new(200).header("docker-content-digest", &upper);
            }
            repo.answer(request)
        })
    };
    let sandbox = Sandbox::new();
    let reference = registry.reference("kiln/probe:1.0");
    let refused = kiln(&sandbox, &["plugin", "pull", &reference], &[]);
    let blobs: Vec<String> = registry
        .requests()
        .iter()
        .filter(|r| r.path().contains("/blobs/"))
        .map(|r| r.target.clone())
        .collect();
    assert!(blobs.is_empty(), "kiln asked for {blobs:?}");
    assert_refused(
        &refused,
        &[
            &format!("{reference}@{} is not a kiln plugin", traversal.digest),
            "its config digest `sha256:../../x` is not sha256: and 64 lower-case hex digits",
        ],
    );
    for (tag, named) in [("bogus", "sha256:../../y"), ("upper", upper.as_str())] {
        let reference = registry.reference(&format!("kiln/probe:{tag}"));
        let refused = kiln(&sandbox, &["plugin", "pull", &reference], &[]);
        assert_refused(
            &refused,
            &[&format!(
                "it names the manifest `{named}`, which is not sha256: and 64 lower-case hex digits"
            )],
        );
    }
    for request in registry.requests() {
        assert!(
            request.path().starts_with("/v2/kiln/probe/manifests/")
                && !request.target.contains(".."),
            "kiln sent {request:?}"
        );
    }
    assert_store_empty(&sandbox);
}

#[test]
fn a_blob_that_is_not_a_component_is_never_stored() {
    // 50 MiB that hash to what the manifest says, and are not Wasm
    // (streamed: this test process stays small, see `measure`); then a
    // core module, which is Wasm but not a component.
    const JUNK: u64 = 50 * MIB;
    let junk_digest = Digest::of_reader(std::io::Read::take(std::io::repeat(0x42), JUNK)).unwrap();
    let module = b"\0asm\x01\0\0\0".to_vec();
    let artifact_of = |layer: Descriptor, bytes: Option<Vec<u8>>| {
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "wasm", "os": "wasip2", "created": "2025-01-01T00:00:00Z",
            "layerDigests": [layer.digest.clone()],
        }))
        .unwrap();
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(MANIFEST_MEDIA_TYPE.to_owned()),
            artifact_type: None,
            config: Descriptor::of(WASM_CONFIG_MEDIA_TYPE, &config),
            layers: vec![layer],
            subject: None,
            annotations: Default::default(),
        };
        Artifact::new(&manifest, [config].into_iter().chain(bytes).collect())
    };
    let junk = artifact_of(
        Descriptor {
            digest: junk_digest.to_string(),
            size: JUNK,
            ..Descriptor::of(WASM_LAYER_MEDIA_TYPE, b"")
        },
        None,
    );
    let core_module = artifact_of(
        Descriptor::of(WASM_LAYER_MEDIA_TYPE, &module),
        Some(module.clone()),
    );
    let repo = Repo::default()
        .with("junk", &junk)
        .with("module", &core_module);
    let junk_path = format!("/blobs/{junk_digest}");
    let registry = HostileServer::start("127.0.0.1", move |request| {
        if request.path().ends_with(&junk_path) {
            return Reply::new(200)
                .header("content-length", &JUNK.to_string())
                .body(Body::Stream {
                    prefix: Vec::new(),
                    fill: 0x42,
                    total: JUNK,
                    chunk: 64 << 10,
                    delay: Duration::ZERO,
                });
        }
        repo.answer(request)
    });
    let sandbox = Sandbox::new();
    for (tag, artifact, layer, why) in [
        ("junk", &junk, junk_digest, "not a WebAssembly component"),
        (
            "module",
            &core_module,
            Digest::of(&module),
            "it is a core module, not a component",
        ),
    ] {
        let reference = registry.reference(&format!("kiln/probe:{tag}"));
        let refused = kiln(&sandbox, &["plugin", "pull", &reference], &[]);
        assert_refused(
            &refused,
            &[
                &format!("{reference}@{} is not a kiln plugin", artifact.digest),
                &format!("its layer {layer}"),
                why,
                "nothing was stored",
            ],
        );
        assert_store_empty(&sandbox);
    }
    assert!(
        registry.bytes_sent() >= JUNK,
        "kiln read the junk, then threw it away"
    );
}

#[test]
fn redirects_never_carry_credentials_elsewhere_nor_over_plain_http() {
    let probe = Artifact::probe();
    let component = probe.component().to_vec();
    let storage = HostileServer::start("127.0.0.2", move |_| {
        Reply::bytes(200, "application/octet-stream", component.clone())
    });
    let component_path = format!("/blobs/{}", probe.component_digest());
    let repo = Repo::default().with("1.0", &probe);
    let storage_host = storage.host();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{SECRET}"))
    );
    let registry = HostileServer::start("127.0.0.1", move |request| {
        if request.header("authorization") != Some(expected.as_str()) {
            return Reply::new(401)
                .header("www-authenticate", r#"Basic realm="kiln-test""#)
                .header("content-length", "0");
        }
        if request.path().ends_with(&component_path) {
            // Blobs of the repository `kiln/far` are "stored" off this
            // machine, over plain HTTP.
            let to = if request.path().starts_with("/v2/kiln/far/") {
                "http://storage.kiln-test.invalid/blob?signature=x".to_owned()
            } else {
                format!("http://{storage_host}/blob?signature=x")
            };
            return Reply::new(307)
                .header("location", &to)
                .header("content-length", "0");
        }
        repo.answer(request)
    });
    let sandbox = Sandbox::new();
    let env = credentials_for(&registry.host());
    let pulled = kiln(
        &sandbox,
        &["plugin", "pull", &registry.reference("kiln/probe:1.0")],
        &env_refs(&env),
    );
    pulled.run.assert_code(0);
    assert_eq!(storage.requests().len(), 1, "the blob came from storage");
    assert_no_credentials(&storage);

    let sandbox = Sandbox::new();
    let reference = registry.reference("kiln/far:1.0");
    let refused = kiln(&sandbox, &["plugin", "pull", &reference], &env_refs(&env));
    assert_refused(
        &refused,
        &[
            &format!("registry {}, for {reference}", registry.host()),
            "it redirects kiln to http://storage.kiln-test.invalid/blob: plain HTTP to storage.kiln-test.invalid, which is not this machine",
        ],
    );
    assert_store_empty(&sandbox);
}
