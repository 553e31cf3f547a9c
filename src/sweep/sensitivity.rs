//! Global sensitivity estimators over a sweep's answers: Sobol indices from Saltelli's
//! A/B/AB design (first order: Saltelli et al. 2010, eq. (b) of table 2; total: Jansen
//! 1999), with bootstrap confidence intervals, and Morris's elementary effects (mu*,
//! Campolongo et al. 2007; sigma). Tested on functions whose indices are known.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// One factor's Sobol indices with 95% bootstrap intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SobolIndex {
    pub first: f64,
    pub first_lo: f64,
    pub first_hi: f64,
    pub total: f64,
    pub total_lo: f64,
    pub total_hi: f64,
}

/// The Saltelli design's outputs: `f(A)`, `f(B)` and `f(AB_i)` for each factor `i`, all
/// of one length N (row j of AB_i is row j of A with factor i taken from B).
#[derive(Debug, Clone)]
pub struct SaltelliOutputs {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    pub ab: Vec<Vec<f64>>,
}

/// (first order, total) of every factor over the rows `rows`.
fn indices_on(y: &SaltelliOutputs, rows: &[usize]) -> Vec<(f64, f64)> {
    let n = rows.len() as f64;
    let all = rows.iter().flat_map(|&j| [y.a[j], y.b[j]]);
    let mean = all.clone().sum::<f64>() / (2.0 * n);
    let var = all.map(|v| (v - mean).powi(2)).sum::<f64>() / (2.0 * n - 1.0).max(1.0);
    y.ab.iter()
        .map(|abi| {
            if var <= 0.0 {
                return (0.0, 0.0);
            }
            // f(B) centred (as SALib standardises the outputs): the same expectation, since
            // f(AB_i) - f(A) has mean 0, without the output's mean multiplying the noise.
            let first = rows.iter().map(|&j| (y.b[j] - mean) * (abi[j] - y.a[j])).sum::<f64>() / n / var;
            let total = rows.iter().map(|&j| (y.a[j] - abi[j]).powi(2)).sum::<f64>() / (2.0 * n) / var;
            (first, total)
        })
        .collect()
}

/// Sobol indices of every factor, with 95% percentile intervals from `resamples` bootstrap
/// resamples of the N rows (reproducible from `seed`). NaN outputs make NaN indices.
pub fn sobol_indices(y: &SaltelliOutputs, resamples: usize, seed: u64) -> Vec<SobolIndex> {
    let n = y.a.len();
    let all: Vec<usize> = (0..n).collect();
    let point = indices_on(y, &all);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut draws: Vec<Vec<(f64, f64)>> = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
        draws.push(indices_on(y, &rows));
    }
    let interval = |mut v: Vec<f64>| -> (f64, f64) {
        if v.is_empty() || v.iter().any(|x| x.is_nan()) {
            return (f64::NAN, f64::NAN);
        }
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
        (at(0.025), at(0.975))
    };
    point
        .iter()
        .enumerate()
        .map(|(i, &(first, total))| {
            let (first_lo, first_hi) = interval(draws.iter().map(|d| d[i].0).collect());
            let (total_lo, total_hi) = interval(draws.iter().map(|d| d[i].1).collect());
            SobolIndex { first, first_lo, first_hi, total, total_lo, total_hi }
        })
        .collect()
}

/// One factor's elementary-effect statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MorrisIndex {
    /// Mean of the absolute elementary effects: the factor's overall influence.
    pub mu_star: f64,
    /// Mean of the signed effects (a small mu with a large mu* means effects of both signs).
    pub mu: f64,
    /// Standard deviation of the effects: interactions and non-linearity.
    pub sigma: f64,
}

/// Morris statistics from elementary effects, `effects[i]` holding factor `i`'s effects
/// (one per trajectory, in the factor's own unit of output per unit of input range).
pub fn morris_indices(effects: &[Vec<f64>]) -> Vec<MorrisIndex> {
    effects
        .iter()
        .map(|e| {
            let r = e.len() as f64;
            let mu = e.iter().sum::<f64>() / r;
            let mu_star = e.iter().map(|v| v.abs()).sum::<f64>() / r;
            let sigma =
                if e.len() > 1 { (e.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (r - 1.0)).sqrt() } else { 0.0 };
            MorrisIndex { mu_star, mu, sigma }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::design::{morris_trajectories, saltelli_rows};
    use std::f64::consts::PI;

    /// Runs the Saltelli design of `f` on `[0, 1)^k` with N base rows.
    fn saltelli_of(f: impl Fn(&[f64]) -> f64, k: usize, n: usize) -> Vec<SobolIndex> {
        let rows = saltelli_rows(n, k, 3);
        let eval = |r: &[Vec<f64>]| r.iter().map(|x| f(x)).collect::<Vec<f64>>();
        let y = SaltelliOutputs { a: eval(&rows.a), b: eval(&rows.b), ab: rows.ab.iter().map(|m| eval(m)).collect() };
        sobol_indices(&y, 300, 9)
    }

    #[test]
    fn ishigami_indices_match_their_closed_form() {
        // Ishigami and Homma (1990), a = 7, b = 0.1, x in [-pi, pi]^3: S = (0.3139, 0.4424,
        // 0), ST = (0.5576, 0.4424, 0.2437).
        let (a, b) = (7.0, 0.1);
        let f = |u: &[f64]| {
            let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
            x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
        };
        let v = a * a / 8.0 + b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 18.0 + 0.5;
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let first = [v1 / v, v2 / v, 0.0];
        let total = [(v1 + v13) / v, v2 / v, v13 / v];
        let got = saltelli_of(f, 3, 1 << 13);
        for i in 0..3 {
            assert!((got[i].first - first[i]).abs() < 0.02, "S{}: {} vs {}", i + 1, got[i].first, first[i]);
            assert!((got[i].total - total[i]).abs() < 0.02, "ST{}: {} vs {}", i + 1, got[i].total, total[i]);
            // The intervals hold the estimate and the truth, and are narrow at this N.
            assert!(got[i].first_lo <= got[i].first && got[i].first <= got[i].first_hi);
            assert!(got[i].total_lo - 0.01 <= total[i] && total[i] <= got[i].total_hi + 0.01);
            assert!(got[i].total_hi - got[i].total_lo < 0.08);
        }
    }

    #[test]
    fn sobol_g_function_indices_match_their_closed_form() {
        // Sobol's g-function: prod (|4x - 2| + a_i) / (1 + a_i); V_i = 1 / (3 (1 + a_i)^2).
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
        let f = |x: &[f64]| x.iter().zip(&a).map(|(x, a)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a)).product::<f64>();
        let vi: Vec<f64> = a.iter().map(|a| 1.0 / (3.0 * (1.0 + a) * (1.0 + a))).collect();
        let v = vi.iter().map(|v| 1.0 + v).product::<f64>() - 1.0;
        let got = saltelli_of(f, a.len(), 1 << 13);
        for i in 0..a.len() {
            let first = vi[i] / v;
            let total =
                vi[i] * vi.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, v)| 1.0 + v).product::<f64>() / v;
            assert!((got[i].first - first).abs() < 0.03, "S{}: {} vs {first}", i + 1, got[i].first);
            assert!((got[i].total - total).abs() < 0.03, "ST{}: {} vs {total}", i + 1, got[i].total);
        }
    }

    #[test]
    fn morris_recovers_linear_effects_exactly_and_flags_interactions() {
        let k = 4;
        let c = [3.0, -2.0, 0.5, 0.0];
        let traj = morris_trajectories(20, k, 4, 5);
        let effects_of = |f: &dyn Fn(&[f64]) -> f64| -> Vec<Vec<f64>> {
            let mut e = vec![Vec::new(); k];
            for t in &traj {
                for step in 0..k {
                    let (x0, x1) = (&t.points[step], &t.points[step + 1]);
                    let i = t.order[step];
                    e[i].push((f(x1) - f(x0)) / (x1[i] - x0[i]));
                }
            }
            e
        };
        let linear = morris_indices(&effects_of(&|x| x.iter().zip(&c).map(|(x, c)| x * c).sum()));
        for i in 0..k {
            assert!((linear[i].mu_star - c[i].abs()).abs() < 1e-9 && (linear[i].mu - c[i]).abs() < 1e-9);
            assert!(linear[i].sigma < 1e-9);
        }
        // x0 * x1: both effects depend on the other factor (sigma > 0); x2, x3 do nothing.
        let product = morris_indices(&effects_of(&|x| x[0] * x[1]));
        assert!(product[0].sigma > 0.1 && product[1].sigma > 0.1);
        assert!(product[2].mu_star == 0.0 && product[3].mu_star == 0.0);
    }
}
