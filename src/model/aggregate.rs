//! How a candidate's cost over its scenarios becomes one number: mean, a quantile,
//! CVaR (mean of the worst tail) or the worst case. Costs are minimised: high is bad.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregate {
    Mean,
    /// The `level` quantile (e.g. 0.9: nine scenarios in ten do at least this well).
    Quantile(f64),
    /// Mean of the worst `1 - level` share of scenarios (at least one).
    Cvar(f64),
    Worst,
}

impl Aggregate {
    pub const NAMES: [&'static str; 4] = ["mean", "quantile", "cvar", "worst"];

    /// Aggregates `costs` (reordered in place). NaN anywhere gives NaN.
    pub fn apply(&self, costs: &mut [f64]) -> f64 {
        assert!(!costs.is_empty(), "aggregate of no scenarios");
        if costs.iter().any(|c| c.is_nan()) {
            return f64::NAN;
        }
        match *self {
            Aggregate::Mean => costs.iter().sum::<f64>() / costs.len() as f64,
            Aggregate::Worst => costs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Aggregate::Quantile(q) => {
                costs.sort_by(f64::total_cmp);
                let h = q * (costs.len() - 1) as f64;
                let lo = h.floor() as usize;
                let hi = (lo + 1).min(costs.len() - 1);
                costs[lo] + (h - lo as f64) * (costs[hi] - costs[lo])
            }
            Aggregate::Cvar(level) => {
                costs.sort_by(f64::total_cmp);
                let tail = (((1.0 - level) * costs.len() as f64).ceil() as usize).clamp(1, costs.len());
                costs[costs.len() - tail..].iter().sum::<f64>() / tail as f64
            }
        }
    }
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Aggregate::Mean => write!(f, "mean"),
            Aggregate::Worst => write!(f, "worst"),
            Aggregate::Quantile(q) => write!(f, "quantile {q}"),
            Aggregate::Cvar(a) => write!(f, "cvar {a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_have_known_values() {
        let c = [4.0, 1.0, 3.0, 2.0, 10.0];
        assert_eq!(Aggregate::Mean.apply(&mut c.clone()), 4.0);
        assert_eq!(Aggregate::Worst.apply(&mut c.clone()), 10.0);
        assert_eq!(Aggregate::Quantile(0.5).apply(&mut c.clone()), 3.0);
        assert_eq!(Aggregate::Quantile(0.875).apply(&mut c.clone()), 4.0 + 0.5 * 6.0);
        // Worst 40% of 5 scenarios = the 2 worst.
        assert_eq!(Aggregate::Cvar(0.6).apply(&mut c.clone()), 7.0);
        // A tail below one scenario still averages one.
        assert_eq!(Aggregate::Cvar(0.99).apply(&mut c.clone()), 10.0);
        assert!(Aggregate::Mean.apply(&mut [1.0, f64::NAN]).is_nan());
    }
}
