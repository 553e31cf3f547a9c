//! A whole trajectory: the run's clock and policy knots, the funding schedule, and the
//! loop of monthly steps that ends in a cost.

use super::calendar::YearMonth;
use super::objective::{Objective, ObjectiveSpec, cost};
use super::params::Params;
use super::paths::{Paths, table_in};
use super::policy::Alloc;
use super::real::Real;
use super::state::{Flows, State};
use super::step::{Derived, Target, step};

/// Everything about a run that is the same for all scenarios and candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    pub start: YearMonth,
    pub horizon_months: usize,
    /// Policy knots, evenly spaced from the first month to the last.
    pub knots: usize,
    pub objective: Objective,
    pub target_gw_per_year: f64,
    /// Months the trailing 12-month deployment must hold the target (`L`).
    pub sustain_months: usize,
    /// The target counts system power (chip TDP x `fleet.it_power_per_chip`), not chip
    /// power (`objective.basis`).
    pub system_basis: bool,
    pub penalty_months_per_doubling: f64,
    /// Months of cost per doubling-month of retreat (`objective.retreat_months_per_doubling`).
    pub retreat_months_per_doubling: f64,
    /// External funding arriving in each month of the horizon ($B).
    pub funding_busd_per_month: Vec<f64>,
}

impl RunSpec {
    /// Where month `month` lies between the knots: the knot at or before it, how far it
    /// is towards the next as a fraction `num / den`, in integers so that every backend
    /// computes the same weight. Knot `j` sits on month `j (T - 1) / (K - 1)`.
    pub fn knot_position(&self, month: usize) -> (usize, usize, usize) {
        if self.knots <= 1 || self.horizon_months <= 1 {
            return (0, 0, 1);
        }
        let den = self.horizon_months - 1;
        let num = month * (self.knots - 1);
        (num / den, num % den, den)
    }
    /// The month (0-based, rounded down) each knot sits on.
    pub fn knot_months(&self) -> Vec<usize> {
        (0..self.knots)
            .map(|j| if self.knots <= 1 { 0 } else { j * (self.horizon_months - 1) / (self.knots - 1) })
            .collect()
    }
    /// The calendar month of each knot, e.g. "2031-01": the names policy files use.
    pub fn knot_labels(&self) -> Vec<String> {
        self.knot_months().iter().map(|&m| self.start.plus(m as i64).to_string()).collect()
    }
    /// The allocation in force in `month`: the straight line between its two knots.
    #[inline(always)]
    pub fn alloc_at<R: Real>(&self, knots: &[Alloc<R>], month: usize) -> Alloc<R> {
        let (j, num, den) = self.knot_position(month);
        let next = (j + 1).min(knots.len() - 1);
        Alloc::lerp(&knots[j], &knots[next], R::lit(num as f64) / R::lit(den as f64))
    }
    /// The last month (in months after the start, as costs count them) from which a
    /// sustained level can still be confirmed within the horizon: `T - L + 1`.
    pub fn last_confirmable_month(&self) -> usize {
        self.horizon_months + 1 - self.sustain_months.min(self.horizon_months)
    }
    /// A `time_to_target` cost *without its retreat charge* (`eval::PolicyCosts::
    /// aggregate_before_retreat`) in the answer's own words: months from the start when
    /// the target is sustained (`cost <= T - L + 1`), else the sustained level the missed
    /// branch's penalty stands for, `target x 2^(-(cost - (T - L + 1)) / penalty)`. For an
    /// aggregate cost it is the level the search actually optimizes (with the mean over
    /// scenarios that miss: their geometric mean). `None` for the FLOP objectives.
    pub fn headline_of_cost(&self, cost: f64) -> Option<Headline> {
        if self.objective != Objective::TimeToTarget || !cost.is_finite() {
            return None;
        }
        let last = self.last_confirmable_month() as f64;
        Some(if cost <= last || self.penalty_months_per_doubling <= 0.0 {
            Headline::MonthsToTarget(cost.min(last))
        } else {
            Headline::SustainedGwPerYear(
                self.target_gw_per_year * (-(cost - last) / self.penalty_months_per_doubling).exp2(),
            )
        })
    }
    /// The months a finished trajectory's `time_to_target` cost carries for its retreat
    /// (0 for the other objectives).
    pub fn retreat_charge_months(&self, s: &State<f64>) -> f64 {
        self.objective_spec::<f64>().retreat_charge(s)
    }
    #[inline(always)]
    pub fn objective_spec<R: Real>(&self) -> ObjectiveSpec<R> {
        ObjectiveSpec {
            objective: self.objective,
            last_confirmable_month: R::lit(self.last_confirmable_month() as f64),
            target_gw_per_year: R::lit(self.target_gw_per_year),
            penalty_months_per_doubling: R::lit(self.penalty_months_per_doubling),
            retreat_months_per_doubling: R::lit(self.retreat_months_per_doubling),
        }
    }
    /// Length of an encoded policy vector for this run.
    pub fn policy_len(&self) -> usize {
        self.knots * super::policy::GENES_PER_KNOT
    }
}

/// What a `time_to_target` cost says, in its own unit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Headline {
    MonthsToTarget(f64),
    SustainedGwPerYear(f64),
}

impl std::fmt::Display for Headline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Headline::MonthsToTarget(m) => write!(f, "target sustained from month {m:.1}"),
            Headline::SustainedGwPerYear(g) => write!(f, "{g:.1} GW/yr sustained"),
        }
    }
}

/// Runs one trajectory through the scenario `p` whose exogenous paths in month `m` are
/// `paths(m)`, calling `on_month` after every step, and returns the final state and its
/// cost. Always inlined, as everything it calls per month: the SIMD lanes' run-time
/// dispatch (`eval::simd`) compiles this body inside functions built for AVX2 or AVX-512,
/// and a call out of them would run at the baseline's width.
#[inline(always)]
pub fn run_trajectory<R: Real>(
    run: &RunSpec,
    p: &Params<R>,
    paths: impl Fn(usize) -> Paths<R>,
    knots: &[Alloc<R>],
    mut on_month: impl FnMut(usize, &State<R>, &Flows<R>),
) -> (State<R>, R) {
    let k = Derived::new(p);
    let target = Target {
        gw_per_year: R::lit(run.target_gw_per_year),
        sustain_months: run.sustain_months,
        system_basis: run.system_basis,
    };
    let mut s = State::initial(p);
    for month in 0..run.horizon_months {
        let a = run.alloc_at(knots, month);
        let flows = step(&mut s, p, &k, &paths(month), &a, month, R::lit(run.funding_busd_per_month[month]), &target);
        on_month(month, &s, &flows);
    }
    let c = cost(&s, &run.objective_spec());
    (s, c)
}

/// The cost of one trajectory, with nothing recorded (the evaluators' inner loop: the
/// scenario's table of exogenous paths is computed once and shared by every candidate).
#[inline(always)]
pub fn trajectory_cost_on<R: Real>(
    run: &RunSpec,
    p: &Params<R>,
    paths: impl Fn(usize) -> Paths<R>,
    knots: &[Alloc<R>],
) -> R {
    run_trajectory(run, p, paths, knots, |_, _, _| {}).1
}

/// The cost of one trajectory, computing the scenario's exogenous paths first.
pub fn trajectory_cost<R: Real>(run: &RunSpec, p: &Params<R>, knots: &[Alloc<R>]) -> R {
    let table = table_in(p, run.horizon_months);
    trajectory_cost_on(run, p, |m| table[m], knots)
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

pub fn simulate(run: &RunSpec, p: &Params<f64>, knots: &[Alloc<f64>]) -> Trajectory {
    let mut months = Vec::with_capacity(run.horizon_months);
    let paths = Paths::table(p, run.horizon_months);
    let (final_state, cost) = run_trajectory(
        run,
        p,
        |m| paths[m],
        knots,
        |month, s, f| months.push(MonthRecord { month, state: *s, flows: *f }),
    );
    Trajectory { months, final_state, cost }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(horizon_months: usize, knots: usize) -> RunSpec {
        RunSpec {
            start: YearMonth { year: 2026, month: 4 },
            horizon_months,
            knots,
            objective: Objective::TimeToTarget,
            target_gw_per_year: 1.0,
            sustain_months: 12,
            system_basis: false,
            penalty_months_per_doubling: 24.0,
            retreat_months_per_doubling: 1.0,
            funding_busd_per_month: vec![0.0; horizon_months],
        }
    }

    #[test]
    fn knots_span_the_horizon_and_months_between_them_interpolate() {
        let r = run(240, 8);
        assert_eq!(r.knot_months(), [0, 34, 68, 102, 136, 170, 204, 239]);
        assert_eq!(r.knot_labels()[7], "2046-03");
        assert_eq!(r.knot_position(0), (0, 0, 239));
        assert_eq!(r.knot_position(239), (7, 0, 239));
        // Month 120 sits between knots 3 (month 102) and 4 (month 136).
        let (j, num, den) = r.knot_position(120);
        assert_eq!(j, 3);
        assert!((num as f64 / den as f64 - (120.0 - 102.43) / 34.14).abs() < 0.01);
        assert_eq!(run(60, 1).knot_position(33), (0, 0, 1));
    }

    #[test]
    fn a_cost_reads_as_months_or_as_the_sustained_level_it_stands_for() {
        let r = run(240, 8);
        assert_eq!(r.headline_of_cost(100.5), Some(Headline::MonthsToTarget(100.5)));
        assert_eq!(r.headline_of_cost(229.0), Some(Headline::MonthsToTarget(229.0)));
        // One doubling short: 24 months past the last confirmable month.
        assert_eq!(r.headline_of_cost(253.0), Some(Headline::SustainedGwPerYear(0.5)));
        let flops = RunSpec { objective: Objective::FinalFlops, ..r };
        assert_eq!(flops.headline_of_cost(-20.0), None);
    }

    #[test]
    fn the_last_confirmable_month_leaves_room_for_the_sustain_window() {
        assert_eq!(run(240, 8).last_confirmable_month(), 229);
        let mut r = run(240, 8);
        r.sustain_months = 1;
        assert_eq!(r.last_confirmable_month(), 240);
    }
}
