//! Plugins written in WebAssembly text, for attacks no compiler emits: many
//! memories, a table grown by tens of millions of elements, terminal
//! escapes in `describe()`.
//!
//! The core module implements the `kiln:plugin@0.1.0` world by hand
//! (canonical ABI: `describe` returns a pointer to a `plugin-info` record,
//! `run` takes the 15 flat values of a `context` and returns a pointer to a
//! `result<string, string>`, `cabi_realloc` is a bump allocator). Its
//! component type is embedded from the real WIT with wit-component, which
//! then makes the component, exactly as `kiln plugin build` does for C.

use std::path::{Path, PathBuf};

use super::Sandbox;

/// [`component`] written as `<file>.wasm` outside the sandbox's workspace;
/// its path.
pub fn write(
    sandbox: &Sandbox,
    file: &str,
    (name, summary): (&str, &str),
    declarations: &str,
    run_body: &str,
) -> PathBuf {
    std::fs::create_dir_all(sandbox.outside()).unwrap();
    let wasm = sandbox.outside().join(format!("{file}.wasm"));
    let bytes = component(name, summary, declarations, run_body);
    std::fs::write(&wasm, bytes).unwrap();
    wasm
}

/// A component whose `describe()` answers `name` and `summary`, and whose
/// `run` executes `run_body` (WAT instructions) and then succeeds with
/// "done". `declarations` adds module fields (memories, tables).
pub fn component(name: &str, summary: &str, declarations: &str, run_body: &str) -> Vec<u8> {
    let name_at = 16;
    let summary_at = name_at + name.len() + 16;
    let wat = format!(
        r#"(module
  ;; Imported (never called) so that kiln knows the contract version.
  (import "kiln:plugin/log@0.1.0" "log" (func (param i32 i32 i32)))
  (memory (export "memory") 1)
  {declarations}
  (global $heap (mut i32) (i32.const 8192))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $ptr i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
        (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
    (global.set $heap (i32.add (local.get $ptr) (local.get 3)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow
        (i32.add (i32.const 1)
          (i32.div_u (global.get $heap) (i32.const 65536)))))))
    (local.get $ptr))
  (data (i32.const {name_at}) "{name_data}")
  (data (i32.const {summary_at}) "{summary_data}")
  (data (i32.const 3000) "0.1.0")
  (data (i32.const 3008) "done")
  ;; plugin-info: name, version, summary, params (empty), grants (empty)
  (data (i32.const 4096) "{info}")
  ;; result<string, string>::ok("done")
  (data (i32.const 4160) "\00\00\00\00{done_ptr}\04\00\00\00")
  (func (export "describe") (result i32) (i32.const 4096))
  (func (export "run")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    {run_body}
    (i32.const 4160))
)"#,
        name_data = escape(name.as_bytes()),
        summary_data = escape(summary.as_bytes()),
        info = escape(
            &[
                le(name_at),
                le(name.len()),
                le(3000),
                le(5),
                le(summary_at),
                le(summary.len()),
                le(0),
                le(0),
                le(0),
                le(0),
            ]
            .concat()
        ),
        done_ptr = escape(&le(3008)),
    );
    let mut module = wat::parse_str(&wat).expect("the WAT of a test plugin parses");
    let mut resolve = wit_parser::Resolve::default();
    let wit = super::workspace_root().join("wit/since_v0.1.0");
    let (package, _) = resolve
        .push_dir(Path::new(&wit))
        .expect("kiln's WIT parses");
    let world = resolve
        .select_world(&[package], Some("action"))
        .expect("the action world");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .expect("embedding the component type");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .expect("making the component")
}

/// A little-endian `u32`.
fn le(value: usize) -> Vec<u8> {
    u32::try_from(value)
        .expect("small offsets")
        .to_le_bytes()
        .to_vec()
}

/// Bytes as a WAT string literal body.
fn escape(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}
