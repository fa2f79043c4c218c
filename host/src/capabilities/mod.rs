//! What an action's sandbox may reach, one module per capability. Each owns
//! its grant type, the host side of its interface, and its tests; the
//! scheduler composes them per action.
//!
//! - [`fs`]: the preopened directories (`/workspace`, `/inputs/<name>`,
//!   `/outputs/<name>`, `/mnt/<name>`, `/tmp`);
//! - [`log`]: the `kiln:plugin/log` interface and the plugin's stdio;
//! - [`http`]: outbound HTTP through `wasi:http`, to granted origins only.

pub mod exec;
pub mod fs;
pub mod http;
pub mod log;
pub mod secrets;
