//! What an action's sandbox may reach, one module per capability. Each owns
//! its grant (reading and checking its part of `grants:`), its context in
//! the store (reached through its own `View` trait, in wasmtime-wasi's
//! style), the host side of its interface with its own `add_to_linker`, and
//! its tests; the runtime composes them per attempt. A new capability is
//! its module plus a line in [`add_to_linker`] and in [`ALL`].
//!
//! - [`fs`]: the preopened directories (`/workspace`, `/inputs/<name>`,
//!   `/outputs/<name>`, `/mnt/<name>`, `/tmp`, `/kiln`);
//! - [`log`]: the `kiln:plugin/log` interface and the plugin's stdio;
//! - [`http`]: outbound HTTP through `wasi:http`, to granted origins only;
//! - [`exec`]: host programs, confined;
//! - [`secrets`]: granted secret values by name;
//! - [`grant`]: how validation asks each of them for its grant.

pub mod exec;
pub mod fs;
pub mod grant;
pub mod http;
pub mod log;
pub mod secrets;

/// Every capability that has a grant, in the order validation asks them.
pub const ALL: &[&dyn grant::Capability] = &[
    &fs::grant::Files,
    &http::grant::Network,
    &exec::grant::Exec,
    &secrets::grant::SecretNames,
];

/// Link the host side of every kiln capability with an interface of its
/// own (files and HTTP come from wasmtime-wasi and wasmtime-wasi-http).
pub fn add_to_linker<T>(linker: &mut wasmtime::component::Linker<T>) -> wasmtime::Result<()>
where
    T: log::LogView + secrets::SecretsView + exec::ExecView + 'static,
{
    log::add_to_linker(linker)?;
    exec::host::add_to_linker(linker)?;
    secrets::add_to_linker(linker)
}
