//! What an optimize answer hinges on, with every report: the best policy's cost with each
//! uncertain parameter fixed at the low and the high end of its `[uncertainty]` range in
//! every scenario (the others drawn as before, each from its own stream), one parameter at
//! a time, in the f64 reference: a fixed-policy batch of seconds.

use crate::config::Experiment;
use crate::eval::{Problem, policy_cost};
use crate::model::policy::Alloc;
use crate::model::{PARAM_SPECS, Params};
use rayon::prelude::*;
use serde::Serialize;

/// One uncertain parameter's swing.
#[derive(Debug, Clone, Serialize)]
pub struct Swing {
    pub key: String,
    pub low: f64,
    pub high: f64,
    pub cost_at_low: f64,
    pub cost_at_high: f64,
    /// |cost at high - cost at low|, in the objective's unit.
    pub swing: f64,
}

/// The swings of every uncertain parameter of `exp` under `knots`, largest first.
pub fn swings(exp: &Experiment, knots: &[Alloc<f64>]) -> Vec<Swing> {
    let cost_with = |idx: usize, value: f64| -> f64 {
        let mut e = exp.clone();
        let mut v = e.params.to_vec();
        v[idx] = value;
        e.params = Params::from_slice(&v).unwrap_or(e.params);
        e.uncertainty.entries.retain(|(i, _)| *i != idx);
        policy_cost(&Problem::from_experiment(&e), knots).0
    };
    let mut out: Vec<Swing> = exp
        .uncertainty
        .entries
        .par_iter()
        .map(|&(idx, dist)| {
            let (low, high) = dist.support();
            let (cost_at_low, cost_at_high) = (cost_with(idx, low), cost_with(idx, high));
            Swing {
                key: PARAM_SPECS[idx].path(),
                low,
                high,
                cost_at_low,
                cost_at_high,
                swing: (cost_at_high - cost_at_low).abs(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.swing.total_cmp(&a.swing));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swings_cover_every_uncertain_parameter_and_come_largest_first() {
        let mut exp = crate::config::default_experiment();
        exp.scenarios.count = 2;
        let knots = crate::config::builtin_policy(crate::config::BUILTIN_POLICIES[0].1, &exp.run).unwrap().0;
        let s = swings(&exp, &knots);
        assert_eq!(s.len(), exp.uncertainty.entries.len());
        assert!(s.windows(2).all(|w| w[0].swing >= w[1].swing));
        assert!(s.iter().all(|w| w.cost_at_low.is_finite() && w.cost_at_high.is_finite() && w.low < w.high));
        // Fixing a parameter at its nominal value in every scenario costs what the policy
        // costs with that parameter fixed: the swing's two ends bracket nothing magic,
        // but the rent trend (the strongest driver of the default) moves the cost.
        assert!(s[0].swing > 0.0);
    }
}
