//! A whole trajectory: the run's clock and phases, the funding schedule, and the loop of
//! monthly steps that ends in a cost.

use super::calendar::YearMonth;
use super::objective::{Objective, ObjectiveSpec, cost};
use super::params::Params;
use super::policy::PhaseAlloc;
use super::real::Real;
use super::state::{Flows, State};
use super::step::{Derived, step};

/// Everything about a run that is the same for all scenarios and candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    pub start: YearMonth,
    pub horizon_months: usize,
    pub phases: usize,
    pub objective: Objective,
    pub target_gw_per_year: f64,
    pub penalty_months_per_doubling: f64,
    /// External funding arriving in each month of the horizon ($B).
    pub funding_busd_per_month: Vec<f64>,
}

impl RunSpec {
    /// Phase of a month: phases are equal in length (the last absorbs the remainder).
    pub fn phase_of(&self, month: usize) -> usize {
        (month * self.phases / self.horizon_months).min(self.phases - 1)
    }
    /// First month of each phase, and one past the last month.
    pub fn phase_starts(&self) -> Vec<usize> {
        let mut starts: Vec<usize> =
            (0..self.horizon_months).filter(|&m| m == 0 || self.phase_of(m) != self.phase_of(m - 1)).collect();
        starts.push(self.horizon_months);
        starts
    }
    /// "2026-04 to 2028-09" for each phase.
    pub fn phase_labels(&self) -> Vec<String> {
        self.phase_starts()
            .windows(2)
            .map(|w| format!("{} to {}", self.start.plus(w[0] as i64), self.start.plus(w[1] as i64 - 1)))
            .collect()
    }
    pub fn objective_spec<R: Real>(&self) -> ObjectiveSpec<R> {
        ObjectiveSpec {
            objective: self.objective,
            horizon_months: R::lit(self.horizon_months as f64),
            target_gw_per_year: R::lit(self.target_gw_per_year),
            penalty_months_per_doubling: R::lit(self.penalty_months_per_doubling),
        }
    }
    /// Length of an encoded policy vector for this run.
    pub fn policy_len(&self) -> usize {
        self.phases * super::policy::GENES_PER_PHASE
    }
}

/// Runs one trajectory, calling `on_month` after every step, and returns the final state
/// and its cost.
pub fn run_trajectory<R: Real>(
    run: &RunSpec,
    p: &Params<R>,
    phases: &[PhaseAlloc<R>],
    mut on_month: impl FnMut(usize, &State<R>, &Flows<R>),
) -> (State<R>, R) {
    let k = Derived::new(p);
    let target = R::lit(run.target_gw_per_year);
    let mut s = State::initial(p);
    for month in 0..run.horizon_months {
        let a = &phases[run.phase_of(month)];
        let flows = step(&mut s, p, &k, a, month, R::lit(run.funding_busd_per_month[month]), target);
        on_month(month, &s, &flows);
    }
    let c = cost(&s, &run.objective_spec());
    (s, c)
}

/// The cost of one trajectory, with nothing recorded (the evaluators' inner loop).
pub fn trajectory_cost<R: Real>(run: &RunSpec, p: &Params<R>, phases: &[PhaseAlloc<R>]) -> R {
    run_trajectory(run, p, phases, |_, _, _| {}).1
}

/// One month of a recorded trajectory.
#[derive(Debug, Clone, Copy)]
pub struct MonthRecord {
    pub month: usize,
    pub state: State<f64>,
    pub flows: Flows<f64>,
}

/// A trajectory with every month recorded, in f64 (for `simulate` and reports).
#[derive(Debug, Clone)]
pub struct Trajectory {
    pub months: Vec<MonthRecord>,
    pub final_state: State<f64>,
    pub cost: f64,
}

pub fn simulate(run: &RunSpec, p: &Params<f64>, phases: &[PhaseAlloc<f64>]) -> Trajectory {
    let mut months = Vec::with_capacity(run.horizon_months);
    let (final_state, cost) =
        run_trajectory(run, p, phases, |month, s, f| months.push(MonthRecord { month, state: *s, flows: *f }));
    Trajectory { months, final_state, cost }
}
