//! The objectives a run can minimise, each as a cost computed from a final state.

use super::real::Real;
use super::state::State;
use serde::{Deserialize, Serialize};

/// Which quantity a run optimises. Every objective is a cost to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Months until the trailing 12-month deployment first reaches the target; if it is
    /// never reached, the horizon plus a penalty per doubling still missing.
    TimeToTarget,
    /// `-log10` of installed FLOP/s at the horizon.
    FinalFlops,
    /// `-log10` of FLOP delivered (installed and running) over the horizon.
    CumulativeFlops,
}

impl Objective {
    pub const NAMES: [&'static str; 3] = ["time_to_target", "final_flops", "cumulative_flops"];

    pub fn name(self) -> &'static str {
        match self {
            Objective::TimeToTarget => Self::NAMES[0],
            Objective::FinalFlops => Self::NAMES[1],
            Objective::CumulativeFlops => Self::NAMES[2],
        }
    }
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "time_to_target" => Some(Objective::TimeToTarget),
            "final_flops" => Some(Objective::FinalFlops),
            "cumulative_flops" => Some(Objective::CumulativeFlops),
            _ => None,
        }
    }
    /// The numeric code the GPU kernel switches on.
    pub fn code(self) -> u32 {
        self as u32
    }
    /// Unit of the cost, for reports.
    pub fn cost_unit(self) -> &'static str {
        match self {
            Objective::TimeToTarget => "months",
            Objective::FinalFlops => "-log10(FLOP/s)",
            Objective::CumulativeFlops => "-log10(FLOP)",
        }
    }
}

/// Seconds in an average month (365.25 days / 12).
pub const SECONDS_PER_MONTH: f64 = 2_629_800.0;

/// The settings every objective needs, in the trajectory's float type.
#[derive(Debug, Clone, Copy)]
pub struct ObjectiveSpec<R> {
    pub objective: Objective,
    pub horizon_months: R,
    pub target_gw_per_year: R,
    pub penalty_months_per_doubling: R,
}

/// The cost of a finished trajectory.
#[inline(always)]
pub fn cost<R: Real>(s: &State<R>, o: &ObjectiveSpec<R>) -> R {
    let ln10 = R::lit(std::f64::consts::LN_10);
    match o.objective {
        Objective::TimeToTarget => {
            // Shortfall in doublings, floored at 2^-40 of the target so it stays finite.
            let best = s.best_deployed_last_12m_gw.max(o.target_gw_per_year * R::lit(2f64.powi(-40)));
            let doublings_short = (o.target_gw_per_year / best).ln() / R::lit(std::f64::consts::LN_2);
            let missed = o.horizon_months + o.penalty_months_per_doubling * doublings_short.max(R::lit(0.0));
            R::select_ge(s.reached, R::lit(0.5), s.time_to_target_months, missed)
        }
        Objective::FinalFlops => -(s.installed_eflops().max(R::lit(1e-18)).ln() / ln10 + R::lit(18.0)),
        Objective::CumulativeFlops => {
            -(s.cum_eflops_months.max(R::lit(1e-18)).ln() / ln10 + R::lit(18.0 + SECONDS_PER_MONTH.log10()))
        }
    }
}
