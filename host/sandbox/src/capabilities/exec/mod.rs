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
//! - [`environment`]: the child's environment, built by kiln; which
//!   variables a plugin may never set;
//! - [`children`]: process groups recorded while they run, and reaped by
//!   the next kiln if this one dies;
//! - [`spawn`]: [`run`], which puts it together: kiln's environment, a
//!   process group the child cannot leave, output made plain and masked
//!   line by line as it arrives, the timeout.
//!
//! The child runs on the host as kiln's user, outside WebAssembly; see
//! [`landlock`] for exactly what is and is not confined.

mod denied;
pub mod environment;
mod executables;
pub mod grant;
pub mod host;
pub mod landlock;
pub mod policy;
mod seccomp;
pub mod spawn;

#[cfg(test)]
mod test_support;

pub use self::environment::{BaseEnv, never_from_a_plugin};
pub use self::host::{ExecAccess, ExecHost, ExecView};
pub use self::landlock::{Confinement, ConfinementError, landlock_support};
pub use self::policy::{DEFAULT_WORKING_DIR, ExecDenied, ExecMount, ExecPolicy, Permit};
pub use self::spawn::{ExecError, ExecOutcome, ExecRequest, ExitStatus, SpawnOptions, Stream, run};
pub use kiln_model::grants::{ArgPattern, PatternError};
pub use kiln_model::grants::{EnvPattern, ExecGrant, Runs};
