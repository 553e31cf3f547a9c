//! Shared test helpers: random policies and scenarios from a seed.
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use terafab::config::Experiment;
use terafab::model::policy::{GENES_PER_KNOT, decode};
use terafab::model::{Alloc, Params};

pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// A random encoded policy with coordinates in [-spread, spread].
pub fn random_vector(rng: &mut impl Rng, knots: usize, spread: f64) -> Vec<f64> {
    (0..knots * GENES_PER_KNOT).map(|_| rng.random_range(-spread..spread)).collect()
}

pub fn random_policy(rng: &mut impl Rng, knots: usize) -> Vec<Alloc<f64>> {
    decode(&random_vector(rng, knots, 4.0))
}

/// Scenario `k` of the default config's uncertainty, then every parameter nudged by up to
/// +-30% (within its bounds), so tests cover more than the default distributions.
pub fn random_scenario(exp: &Experiment, rng: &mut impl Rng, k: usize) -> Params<f64> {
    let base = exp.uncertainty.scenario(&exp.params, exp.seed, k);
    let mut v = base.to_vec();
    for (x, spec) in v.iter_mut().zip(terafab::model::PARAM_SPECS) {
        let nudged = *x * rng.random_range(0.7..1.3);
        if spec.bounds.contains(nudged) {
            *x = nudged;
        }
    }
    let p = Params::from_slice(&v).unwrap();
    // Stage floors must stay below their base times, as the config layer requires. Odd
    // scenarios start with grid connections in the queue (the default has none), so the
    // queue's first months are compared across the CPU, the lanes and the kernel too.
    let queue = if k % 2 == 1 { rng.random_range(0.5..5.0) } else { p.initial_grid_under_construction_gw };
    Params {
        initial_grid_under_construction_gw: queue,
        design_design_min_months: p.design_design_min_months.min(p.design_design_months),
        design_mask_min_months: p.design_mask_min_months.min(p.design_mask_months),
        design_hot_lot_min_months: p.design_hot_lot_min_months.min(p.design_hot_lot_months),
        design_test_min_months: p.design_test_min_months.min(p.design_test_months),
        ..p
    }
}

/// The smallest value a bound accepts (`lo` itself, or the next value above an open `lo`).
pub fn lowest(spec: &terafab::model::params::ParamSpec) -> f64 {
    let b = spec.bounds;
    if b.lo_open { b.lo.next_up() } else { b.lo }
}

/// The smallest positive value a bound accepts (above the gap where 0 is allowed).
pub fn least_positive(spec: &terafab::model::params::ParamSpec) -> f64 {
    lowest(spec).max(spec.bounds.min_positive)
}

/// Every parameter drawn at once from the whole range `check` accepts (log-uniform where
/// the range is positive, uniform where it reaches below 0, and a fifth of the time 0
/// where 0 is allowed), until the draw meets the config's cross-parameter rules: scenarios
/// far stranger than any the uncertainty draws.
pub fn accepted_params(rng: &mut impl Rng) -> Params<f64> {
    loop {
        let v: Vec<f64> = terafab::model::PARAM_SPECS
            .iter()
            .map(|spec| {
                let (lo, hi) = (least_positive(spec), spec.bounds.hi);
                if spec.bounds.lo < 0.0 {
                    rng.random_range(spec.bounds.lo..=hi)
                } else if spec.bounds.contains(0.0) && rng.random_bool(0.2) {
                    0.0
                } else {
                    (rng.random_range(lo.ln()..=hi.ln())).exp().clamp(lo, hi)
                }
            })
            .collect();
        let p = Params::from_slice(&v).unwrap();
        if terafab::config::cross_rule_problem(&p).is_none() {
            return p;
        }
    }
}

/// The closed-form case: zero lags, market chips only, constant prices, unbounded demand,
/// no debt, so installed power grows by a constant factor a month
/// (`tests/model_invariants.rs`).
/// Returns the run, the scenario and the policy (all cash on market chips, a tenth of the
/// compute fed to design).
pub fn market_only_exponential() -> (terafab::model::RunSpec, Params<f64>, Vec<Alloc<f64>>) {
    use terafab::model::Channel;
    use terafab::model::policy::N_CHANNELS;
    let mut exp = terafab::config::default_experiment();
    exp.run.funding_busd_per_month.iter_mut().for_each(|f| *f = 0.0);
    let mut p = exp.params;
    p.initial_cash_busd = 0.0;
    p.initial_installed_ground_gw = 1.0;
    p.initial_fleet_eff_tflops_per_w = 2.0;
    p.chip_eff_tflops_per_w_at_start = 2.0;
    p.chip_process_eff_growth_per_year = 0.0;
    p.chip_market_iterations_per_year = 0.0;
    p.market_chip_price_trend_per_year = 0.0;
    p.market_supply_gw_per_year = 1e6;
    p.market_supply_growth_per_year = 0.0;
    p.market_max_share = 1.0;
    p.demand_rental_trend_per_year = 0.0;
    p.demand_price_flexibility = 0.0;
    p.demand_market_busd_per_year_at_start = 1e7; // the world's spending never limits supply
    p.finance_debt_limit_years_of_revenue = 0.0; // cash only
    p.ground_electricity_busd_per_gw_month = 0.0;
    p.ground_pue = 1.0;
    p.initial_ground_power_gw = 1e5;
    p.initial_datacenter_gw = 1e5;
    p.initial_fab_under_construction_kwspm = 0.0;
    p.fab_construction_months = 0.0;
    p.packaging_construction_months = 0.0;
    p.ground_power_lead_months = 0.0;
    p.ground_datacenter_lead_months = 0.0;
    p.space_launch_lead_months = 0.0;
    let mut shares = [0.0; N_CHANNELS];
    shares[Channel::MarketChips as usize] = 1.0;
    let policy = vec![Alloc { shares, design_fraction: 0.1, spend_fraction: 1.0, borrow_fraction: 0.0 }; exp.run.knots];
    (exp.run, p, policy)
}

/// A sweep folder's points.csv without its wall-clock column: what must be identical
/// between runs, shards and clusters.
pub fn points_without_wall_time(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(dir.join("points.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let wall = header.iter().position(|h| *h == "wall_seconds").unwrap();
    text.lines()
        .map(|l| l.split(',').enumerate().filter(|(i, _)| *i != wall).map(|(_, c)| c).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The default run on 192 scenarios drawn from the whole accepted box (seed 90), mean
/// aggregate: what the whole-box agreement tests compare the float paths on.
pub fn whole_box_problem() -> terafab::eval::Problem {
    let mut rng = rng(90);
    let exp = terafab::config::default_experiment();
    let scenarios = (0..192).map(|_| accepted_params(&mut rng)).collect();
    terafab::eval::Problem { run: exp.run, scenarios, aggregate: terafab::model::Aggregate::Mean }
}

/// A scenario at the edge of what model version 5 guards: demand that barely answers price
/// (flexibility 0.2), rent ten times the default, and every learning curve at its steepest
/// ratio (0.5) counted from a thousandth of its reference scale. Version 4 grew such
/// economies past f32's range.
pub fn guarded_extreme() -> Params<f64> {
    let mut p = Params::defaults();
    p.demand_price_flexibility = 0.2;
    p.demand_rental_busd_per_gw_year *= 10.0;
    p.fab_capex_learning_ratio = 0.5;
    p.fab_wafer_learning_ratio = 0.5;
    p.packaging_unit_learning_ratio = 0.5;
    p.space_satellite_learning_ratio = 0.5;
    p.space_launch_learning_ratio = 0.5;
    p.fab_capex_learning_ref_kwspm /= 1000.0;
    p.fab_wafer_learning_ref_kwafers /= 1000.0;
    p.packaging_unit_learning_ref_mpkg /= 1000.0;
    p.space_satellite_learning_ref_gw /= 1000.0;
    p.space_launch_learning_ref_t /= 1000.0;
    p
}

/// The f64 retreat charge (months of `time_to_target` cost) of every (candidate, scenario)
/// trajectory of the flat batch `x`, candidate-major as the evaluators write costs; zeros
/// for the FLOP objectives. Path tolerances widen by it (`tolerance::with_retreat`).
pub fn retreat_charges(p: &terafab::eval::Problem, x: &[f64]) -> Vec<f64> {
    if p.run.objective != terafab::model::Objective::TimeToTarget {
        return vec![0.0; x.len() / p.dim() * p.scenarios.len()];
    }
    x.chunks_exact(p.dim())
        .flat_map(|v| {
            let costs = terafab::eval::PolicyCosts::of(p, &decode(v));
            costs.finals.iter().map(|s| p.run.retreat_charge_months(s)).collect::<Vec<_>>()
        })
        .collect()
}
