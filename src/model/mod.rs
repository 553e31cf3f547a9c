//! The substrate model as pure Rust: parameters, policy encoding, one monthly step,
//! objectives, scenarios. It knows nothing of GPUs, files or the command line.

pub mod aggregate;
pub mod calendar;
pub mod flops;
pub mod lanes;
pub mod objective;
pub mod params;
pub mod paths;
pub mod policy;
pub mod real;
pub mod run;
pub mod scenario;
pub mod state;
pub mod step;
pub mod version;

pub use aggregate::Aggregate;
pub use calendar::YearMonth;
pub use objective::Objective;
pub use params::{PARAM_SPECS, Params};
pub use paths::Paths;
pub use policy::{Alloc, Channel};
pub use real::Real;
pub use run::{RunSpec, Trajectory, simulate, trajectory_cost, trajectory_cost_on};
pub use scenario::{Distribution, Uncertainty};
pub use state::{Flows, State};
pub use version::MODEL_VERSION;
