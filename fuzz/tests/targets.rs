//! Every target is fuzzed with seeds, and can be fuzzed by hand.

use std::path::Path;

use kiln_fuzz::TARGETS;
use kiln_fuzz::budget;

/// A target without seeds would be fuzzed blind; one without its
/// libFuzzer binary could not be fuzzed for longer by hand.
#[test]
fn every_target_has_seeds_and_a_libfuzzer_binary() {
    let libfuzzer = Path::new(env!("CARGO_MANIFEST_DIR")).join("libfuzzer");
    let manifest =
        std::fs::read_to_string(libfuzzer.join("Cargo.toml")).expect("libfuzzer/Cargo.toml");
    for (name, _) in TARGETS {
        let seeds = budget::seeds(name).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert!(!seeds.is_empty(), "{name} has no seeds");
        let source = libfuzzer.join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|error| panic!("{}: {error}", source.display()));
        assert!(
            text.contains(&format!("kiln_fuzz::{name}(")),
            "{} does not call kiln_fuzz::{name}",
            source.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "libfuzzer/Cargo.toml has no [[bin]] {name}"
        );
    }
}
