//! Write kiln plugins in Rust.
//!
//! A plugin is a type that implements [`Plugin`], exported with
//! [`export_plugin!`] from a `cdylib` crate built for `wasm32-wasip2`:
//!
//! ```ignore
//! use kiln_sdk::{Context, Error, Info, Param, Plugin, export_plugin};
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn describe() -> Info {
//!         Info::new("hello", env!("CARGO_PKG_VERSION"))
//!             .summary("Greets someone in the log")
//!             .param(Param::new("who", "Who to greet").default("world"))
//!     }
//!
//!     fn run(ctx: Context) -> Result<String, Error> {
//!         let who = ctx.param("who").unwrap_or("world");
//!         kiln_sdk::info!("hello, {who}");
//!         Ok(format!("greeted {who}"))
//!     }
//! }
//!
//! export_plugin!(Hello);
//! ```
//!
//! The generated WIT bindings stay behind this API: a plugin author never
//! names a generated type.

mod context;
mod error;
pub mod exec;
pub mod exports;
pub mod fs;
pub mod http;
mod info;
pub mod log;
pub mod secrets;

pub use context::{Context, Input, Output};
pub use error::{Error, ResultExt};
pub use info::{Access, Grant, Info, Param};

/// The contract version this SDK targets.
pub const CONTRACT_VERSION: &str = "0.2.0";

/// What every kiln plugin implements.
pub trait Plugin {
    /// Name, version, parameters and grants. Called at validation time; it
    /// must not touch files.
    fn describe() -> Info;

    /// Do the work. `Ok` carries a one-line summary for the run report;
    /// `Err` fails the action with its message.
    fn run(ctx: Context) -> Result<String, Error>;
}

/// Implementation details used by [`export_plugin!`]; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::export;
    pub use crate::bindings::kiln::plugin::types as wit;

    pub mod bindings {
        pub use crate::bindings::*;
    }

    pub fn describe<P: crate::Plugin>() -> wit::PluginInfo {
        P::describe().into_wit()
    }

    pub fn run<P: crate::Plugin>(ctx: wit::Context) -> Result<String, String> {
        let result = P::run(crate::Context::from_wit(ctx)).map_err(|error| error.to_string());
        // A reactor never exits, so nothing else flushes what the plugin
        // printed without a final newline.
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        result
    }
}

#[doc(hidden)]
// Generated code: wasi:filesystem has functions with many parameters.
#[allow(clippy::too_many_arguments)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/since_v0.2.0",
        world: "kiln:plugin/action@0.2.0",
        generate_all,
        pub_export_macro: true,
        export_macro_name: "export",
        default_bindings_module: "kiln_sdk::__private::bindings",
    });
}

/// Export a [`Plugin`] implementation as the component's `action` world.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[doc(hidden)]
        struct __KilnPluginExport;

        impl $crate::__private::bindings::Guest for __KilnPluginExport {
            fn describe() -> $crate::__private::wit::PluginInfo {
                $crate::__private::describe::<$plugin>()
            }

            fn run(ctx: $crate::__private::wit::Context) -> Result<String, String> {
                $crate::__private::run::<$plugin>(ctx)
            }
        }

        $crate::__private::export!(__KilnPluginExport with_types_in $crate::__private::bindings);
    };
}
