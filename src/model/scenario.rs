//! Uncertainty: distributions on parameters and the scenarios sampled from them.
//!
//! Scenario `k` of a run draws each uncertain parameter from its own random stream, seeded
//! by `(seed, k, the parameter's config path)`, so a scenario can be reproduced alone,
//! every candidate sees the same scenarios (common random numbers), and adding or
//! removing one uncertain parameter leaves every other parameter's draws as they were.

use super::params::{PARAM_SPECS, Params};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A distribution over one parameter's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    Uniform {
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
    /// `median * exp(sigma * z)`, clamped to `[low, high]`.
    LogNormal {
        median: f64,
        sigma: f64,
        low: f64,
        high: f64,
    },
}

impl Distribution {
    /// The value it is centred on: the mode of a triangular, the median of a lognormal, the
    /// midpoint of a uniform. A config's nominal value should equal it.
    pub fn centre(&self) -> f64 {
        match *self {
            Distribution::Uniform { low, high } => 0.5 * (low + high),
            Distribution::Triangular { mode, .. } => mode,
            Distribution::LogNormal { median, .. } => median,
        }
    }

    /// The smallest and largest value it can produce.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::Uniform { low, high }
            | Distribution::Triangular { low, high, .. }
            | Distribution::LogNormal { low, high, .. } => (low, high),
        }
    }

    /// Draws one value.
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        let u: f64 = rng.random();
        match *self {
            Distribution::Uniform { low, high } => low + u * (high - low),
            Distribution::Triangular { low, mode, high } => {
                let split = (mode - low) / (high - low);
                if u < split {
                    low + ((high - low) * (mode - low) * u).sqrt()
                } else {
                    high - ((high - low) * (high - mode) * (1.0 - u)).sqrt()
                }
            }
            Distribution::LogNormal { median, sigma, low, high } => {
                // Box-Muller: u in [0,1) so 1-u in (0,1] keeps the logarithm finite.
                let v: f64 = rng.random();
                let z = (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos();
                (median * (sigma * z).exp()).clamp(low, high)
            }
        }
    }
}

/// The uncertain parameters of a run: (index into `PARAM_SPECS`, distribution).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Uncertainty {
    pub entries: Vec<(usize, Distribution)>,
}

/// A parameter's own stream within a scenario: its config path hashed (FNV-1a, fixed
/// forever, unlike std's hasher) into the scenario's seed.
fn parameter_seed(scenario_seed: u64, path: &str) -> u64 {
    let hash = path.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3));
    stream_seed(scenario_seed, hash)
}

/// Mixes a run seed and a scenario index into one stream seed (SplitMix64 finaliser).
fn stream_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Uncertainty {
    /// Scenario `index` of the run with `seed`: the nominal parameters with every
    /// uncertain one replaced by a draw from its own stream.
    pub fn scenario(&self, nominal: &Params<f64>, seed: u64, index: usize) -> Params<f64> {
        let scenario_seed = stream_seed(seed, index as u64);
        let mut values = nominal.to_vec();
        for &(param, dist) in &self.entries {
            let spec = &PARAM_SPECS[param];
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(parameter_seed(scenario_seed, &spec.path()));
            let b = spec.bounds;
            let mut v = dist.sample(&mut rng);
            // The config layer checks supports against bounds; this guards the open end.
            if b.lo_open && v <= b.lo {
                v = b.lo + f64::EPSILON * b.lo.abs().max(1.0);
            }
            values[param] = b.nearest(v);
        }
        Params::from_slice(&values).expect("same layout")
    }

    /// The first `count` scenarios.
    pub fn scenarios(&self, nominal: &Params<f64>, seed: u64, count: usize) -> Vec<Params<f64>> {
        (0..count).map(|k| self.scenario(nominal, seed, k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space_uncertainty() -> Uncertainty {
        let i = Params::index_of("space.specific_power_kw_per_t").unwrap();
        let j = Params::index_of("design.ai_max_speedup").unwrap();
        Uncertainty {
            entries: vec![
                (i, Distribution::Triangular { low: 59.0, mode: 70.0, high: 150.0 }),
                (j, Distribution::LogNormal { median: 3.0, sigma: 0.5, low: 1.0, high: 10.0 }),
            ],
        }
    }

    #[test]
    fn scenario_k_is_reproducible_alone() {
        let u = space_uncertainty();
        let nominal = Params::defaults();
        let all = u.scenarios(&nominal, 7, 20);
        assert_eq!(u.scenario(&nominal, 7, 13), all[13]);
        assert_ne!(all[0], all[1]);
        assert_ne!(u.scenario(&nominal, 8, 0), all[0]);
    }

    #[test]
    fn draws_stay_within_supports_and_keep_other_parameters_nominal() {
        let u = space_uncertainty();
        let nominal = Params::defaults();
        for p in u.scenarios(&nominal, 1, 500) {
            assert!((59.0..=150.0).contains(&p.space_specific_power_kw_per_t));
            assert!((1.0..=10.0).contains(&p.design_ai_max_speedup));
            assert_eq!(p.fab_capex_busd_per_kwspm, nominal.fab_capex_busd_per_kwspm);
        }
    }

    #[test]
    fn adding_an_uncertain_parameter_leaves_the_others_draws_alone() {
        let nominal = Params::defaults();
        let one = space_uncertainty();
        let mut more = one.clone();
        let k = Params::index_of("fab.capex_busd_per_kwspm").unwrap();
        more.entries.insert(0, (k, Distribution::Uniform { low: 0.4, high: 0.6 }));
        for i in 0..20 {
            let (a, b) = (one.scenario(&nominal, 3, i), more.scenario(&nominal, 3, i));
            assert_eq!(a.space_specific_power_kw_per_t, b.space_specific_power_kw_per_t, "scenario {i}");
            assert_eq!(a.design_ai_max_speedup, b.design_ai_max_speedup, "scenario {i}");
            assert_ne!(a.fab_capex_busd_per_kwspm, b.fab_capex_busd_per_kwspm);
        }
    }

    #[test]
    fn triangular_mean_matches_theory() {
        let d = Distribution::Triangular { low: 0.0, mode: 1.0, high: 4.0 };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 200_000;
        let mean = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
        assert!((mean - 5.0 / 3.0).abs() < 0.01, "{mean}");
    }
}
