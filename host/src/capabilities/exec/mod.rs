//! The exec capability: host programs a plugin may run, and how they run.
//!
//! A plugin cannot start processes itself; it asks the host through the
//! `kiln:plugin/exec` interface. The host runs a program only when the
//! action's `grants.exec` names it and its arguments match a granted
//! pattern, and then runs it as confined as the host allows:
//!
//! - [`pattern`]: argument patterns (`log --oneline **`);
//! - [`grant`]: [`ExecGrant`], one program and its patterns;
//! - [`policy`]: [`ExecPolicy`], the check of a request against the grants,
//!   the lookup on the host's `PATH`, and the translation of sandbox paths
//!   (`/workspace/src`) to the host paths the child sees;
//! - [`landlock`]: the child's filesystem view, confined by Landlock to
//!   system directories and the action's mounts where the kernel allows;
//! - [`spawn`]: [`run`], which puts it together: cleared environment, new
//!   process group, output streamed line by line as it arrives, timeout.
//!
//! The child runs on the host as kiln's user, outside WebAssembly; see
//! [`landlock`] for exactly what is and is not confined.

pub mod grant;
pub mod host;
pub mod landlock;
mod lines;
pub mod pattern;
pub mod policy;
pub mod spawn;

#[cfg(test)]
mod test_support;

pub use self::grant::ExecGrant;
pub use self::host::ExecAccess;
pub use self::landlock::{Confinement, ConfinementError, landlock_support};
pub use self::lines::MAX_LINE_BYTES;
pub use self::pattern::{ArgPattern, PatternError};
pub use self::policy::{DEFAULT_WORKING_DIR, ExecDenied, ExecMount, ExecPolicy};
pub use self::spawn::{ExecError, ExecOutcome, ExecRequest, ExitStatus, Stream, run};
