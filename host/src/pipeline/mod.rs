//! The pipeline: the `kiln.yaml` file as written ([`file`]), the errors that
//! point into it ([`diagnostic`]), and the validated, ready-to-run [`Plan`]
//! ([`plan`], built by [`validate`]).

pub mod diagnostic;
pub mod file;
pub mod located;
pub mod plan;
pub mod schema;
pub mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use plan::{ActionPlan, Condition, Plan, StagePlan};
pub use validate::{load_and_validate, parse};
