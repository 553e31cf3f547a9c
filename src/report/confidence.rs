//! How sure an optimize run's answer is: how far the search's independent population
//! runs agree (the search's own error bar), and how much the answer moves when the
//! scenarios are drawn again (the scenario-sampling error), reported apart.

use super::summary::levels;
use crate::config::Experiment;
use crate::eval::{PolicyCosts, Problem, policy_cost};
use crate::model::policy::decode;
use crate::model::{Aggregate, simulate};
use serde::Serialize;

/// The median of the independent runs within this share of the best cost (and of its
/// headline level): the search is called converged.
pub const CONVERGED_WITHIN: f64 = 0.01;
/// Other scenario seeds the best policy is re-costed on for the sampling error.
pub const SCENARIO_SEEDS: u64 = 8;

/// One independent population run's best policy.
#[derive(Debug, Clone, Serialize)]
pub struct RunBest {
    /// Aggregate cost (f64 reference).
    pub cost: f64,
    /// Best sustained level on the nominal scenario (GW/yr).
    pub sustained_gw_per_year: f64,
    /// Months to the sustained target on the nominal scenario, when reached.
    pub months_to_target: Option<f64>,
    /// The cost less its retreat charge in the answer's words (months, or the sustained
    /// level it stands for).
    pub headline: Option<crate::model::run::Headline>,
}

/// The spread of the independent runs: best, median and worst by cost.
#[derive(Debug, Clone, Serialize)]
pub struct SearchSpread {
    pub runs: Vec<RunBest>,
    pub best: Option<RunBest>,
    pub median: Option<RunBest>,
    pub worst: Option<RunBest>,
    /// (median - best) / |best| of the runs' costs.
    pub median_gap: f64,
    /// The median run is within [`CONVERGED_WITHIN`] of the best, in cost and in its
    /// sustained level: more budget is unlikely to move the answer much.
    pub converged: bool,
}

impl SearchSpread {
    pub fn new(exp: &Experiment, problem: &Problem, bests: &[(f64, Vec<f64>)]) -> Self {
        let mut runs: Vec<RunBest> = bests
            .iter()
            .map(|(_, x)| {
                let knots = decode(x);
                let costs = PolicyCosts::of(problem, &knots);
                let t = simulate(&problem.run, &exp.params, &knots);
                RunBest {
                    headline: problem.run.headline_of_cost(costs.aggregate_before_retreat),
                    cost: costs.aggregate,
                    sustained_gw_per_year: levels(&problem.run, &t).sustained_gw_per_year,
                    months_to_target: (t.final_state.reached > 0.5).then_some(t.final_state.time_to_target_months),
                }
            })
            .collect();
        runs.sort_by(|a, b| a.cost.total_cmp(&b.cost));
        let pick = |i: usize| runs.get(i).cloned();
        let (best, median, worst) = (pick(0), pick(runs.len().saturating_sub(1) / 2), runs.last().cloned());
        let (median_gap, converged) = match (&best, &median) {
            (Some(b), Some(m)) if runs.len() > 1 => {
                let gap = (m.cost - b.cost) / b.cost.abs().max(1e-12);
                let level_gap = (b.sustained_gw_per_year - m.sustained_gw_per_year).abs()
                    / b.sustained_gw_per_year.abs().max(1e-12);
                (gap, gap <= CONVERGED_WITHIN && level_gap <= CONVERGED_WITHIN)
            }
            _ => (f64::NAN, false),
        };
        SearchSpread { runs, best, median, worst, median_gap, converged }
    }
}

/// How much the best policy's aggregate cost depends on which scenarios were drawn.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioSampling {
    /// Standard error of the mean cost over the run's scenarios (sd / sqrt(n)).
    pub standard_error_of_mean: f64,
    /// The aggregate cost on the scenarios of other scenario seeds.
    pub other_seeds: Vec<u64>,
    pub other_seed_costs: Vec<f64>,
    /// Their standard deviation.
    pub spread_sd: f64,
}

impl ScenarioSampling {
    pub fn new(exp: &Experiment, problem: &Problem, knots: &[crate::model::Alloc<f64>]) -> Self {
        let (_, per) = policy_cost(problem, knots);
        let n = per.len() as f64;
        let mean = per.iter().sum::<f64>() / n;
        let sd = (per.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let other_seeds: Vec<u64> = (1..=SCENARIO_SEEDS).map(|k| exp.scenarios.seed.wrapping_add(k)).collect();
        let other_seed_costs: Vec<f64> = other_seeds
            .iter()
            .map(|&seed| {
                let p = Problem { scenarios: exp.scenarios_of_seed(seed), ..problem.clone() };
                policy_cost(&p, knots).0
            })
            .collect();
        let m = other_seed_costs.iter().sum::<f64>() / other_seed_costs.len() as f64;
        let spread_sd = (other_seed_costs.iter().map(|c| (c - m).powi(2)).sum::<f64>()
            / (other_seed_costs.len() as f64 - 1.0).max(1.0))
        .sqrt();
        ScenarioSampling {
            standard_error_of_mean: if matches!(problem.aggregate, Aggregate::Mean) { sd / n.sqrt() } else { f64::NAN },
            other_seeds,
            other_seed_costs,
            spread_sd,
        }
    }
}
