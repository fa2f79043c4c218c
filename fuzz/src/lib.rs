//! Fuzz targets for every kiln parser of untrusted input.
//!
//! Each target takes arbitrary bytes, hands them to kiln's real parser
//! entry points (the same functions kiln calls on a pushed `kiln.yaml`, a
//! pulled manifest, a plugin's JUnit file, ...) and must never panic: an
//! error is a fine answer to bad input, a panic is a bug. Where a parser
//! promises more than "no panic" (masked output holds no secret, a report's
//! counts add up, a streaming reader agrees with a whole one) the target
//! asserts that too, so a broken promise fails like a crash.
//!
//! [`TARGETS`] lists them by name. Two drivers run them:
//!
//! - `tests/budget.rs` (part of `cargo test --workspace`): every target
//!   over its seed corpus in `corpus/<name>/`, then a fixed number of
//!   deterministic mutations ([`budget`]);
//! - `libfuzzer/` (nightly, `cargo fuzz`): coverage-guided runs by hand,
//!   one `fuzz_targets/<name>.rs` per target.
//!
//! Text parsers get the bytes through [`text`] (lossy UTF-8): every string
//! it yields is one a user could write, and no fuzz input is wasted on an
//! encoding check that happens before the parser.

pub mod budget;
mod buildspec;
mod input;
mod model;
mod pipeline;
mod registry;
mod secrets;
mod text;

use std::borrow::Cow;

pub use buildspec::{buildspec, buildspec_records};
pub use model::{artifact_manifest, junit};
pub use pipeline::kiln_yaml;
pub use registry::{
    component, kiln_lock, oci_manifest, oci_reference, public_key, www_authenticate,
};
pub use secrets::secret_file;
pub use text::{masker, plain_text};

/// A fuzz target: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// Every target, by the name its corpus directory and libFuzzer binary
/// carry.
pub const TARGETS: &[(&str, Target)] = &[
    ("kiln_yaml", kiln_yaml),
    ("kiln_lock", kiln_lock),
    ("artifact_manifest", artifact_manifest),
    ("oci_manifest", oci_manifest),
    ("oci_reference", oci_reference),
    ("www_authenticate", www_authenticate),
    ("public_key", public_key),
    ("component", component),
    ("junit", junit),
    ("secret_file", secret_file),
    ("buildspec", buildspec),
    ("buildspec_records", buildspec_records),
    ("plain_text", plain_text),
    ("masker", masker),
];

/// The bytes as text, invalid UTF-8 replaced: kiln reads pipeline, lock
/// and buildspec files with `read_to_string` (so a parser only ever sees
/// valid UTF-8) and JUnit files lossily, as here.
pub fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}
