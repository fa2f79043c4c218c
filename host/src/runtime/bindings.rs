//! Host bindings for the `kiln:plugin@0.1.0` `action` world.
//!
//! WASI interfaces are taken from wasmtime-wasi rather than generated
//! again, so one linker serves both.

wasmtime::component::bindgen!({
    path: "../wit/since_v0.1.0",
    world: "kiln:plugin/action@0.1.0",
    imports: { default: trappable },
    exports: { default: async },
    with: {
        "wasi:cli": wasmtime_wasi::p2::bindings::cli,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "wasi:filesystem": wasmtime_wasi::p2::bindings::filesystem,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:random": wasmtime_wasi::p2::bindings::random,
    },
    require_store_data_send: true,
});

pub use kiln::plugin::types as wit;
