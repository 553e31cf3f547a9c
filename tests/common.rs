//! Shared test helpers: random policies and scenarios from a seed.
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use terafab::config::Experiment;
use terafab::model::policy::{GENES_PER_PHASE, decode};
use terafab::model::{Params, PhaseAlloc};

pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// A random encoded policy with coordinates in [-spread, spread].
pub fn random_vector(rng: &mut impl Rng, phases: usize, spread: f64) -> Vec<f64> {
    (0..phases * GENES_PER_PHASE).map(|_| rng.random_range(-spread..spread)).collect()
}

pub fn random_policy(rng: &mut impl Rng, phases: usize) -> Vec<PhaseAlloc<f64>> {
    decode(&random_vector(rng, phases, 4.0))
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
    // Stage floors must stay below their base times, as the config layer requires.
    Params {
        design_design_min_months: p.design_design_min_months.min(p.design_design_months),
        design_mask_min_months: p.design_mask_min_months.min(p.design_mask_months),
        design_hot_lot_min_months: p.design_hot_lot_min_months.min(p.design_hot_lot_months),
        design_test_min_months: p.design_test_min_months.min(p.design_test_months),
        ..p
    }
}
