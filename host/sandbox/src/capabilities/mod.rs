//! What an action's sandbox may reach, one module per capability. Each owns
//! its grant (reading and checking its part of `grants:`), its context in
//! the store, the host side of its interface, and its tests; the runtime
//! composes them per attempt.
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
