//! CMA-ES (Hansen's covariance matrix adaptation evolution strategy) as an argmin
//! `Solver`: each generation is one `bulk_cost` call on the whole population, so a GPU
//! sees thousands of candidates at a time. The full covariance is kept and sampled through
//! its Cholesky factor; the update is active (the worst half of each generation pushes
//! the covariance away from where it lies, Hansen's tutorial section A: measured here, it
//! took the default config's 200,000-evaluation answer from 252.57 to 251.38 months);
//! candidates outside the box are clamped into it and the update uses the clamped points
//! (repair), their steps bounded in Mahalanobis norm as Hansen recommends.
//!
//! Two options, as pycma has them (`CMA_diagonal`, `CMA_elitist`): a diagonal covariance
//! (separable CMA-ES, with pycma's learning rates and its multiplicative update of the
//! per-gene scales), and elitism (the best point so far joins the selection while no
//! newer point beats it). Nevergrad's `CMA` picks both on a bounded box, and the diagonal
//! is the default here: at the default's 260 genes the full matrix learns at ~2/n^2 a
//! generation and had barely moved from the identity after 200,000 evaluations (README,
//! "Cost against budget").

use argmin::core::{CostFunction, Error, IterState, KV, Problem, Solver, TerminationReason, TerminationStatus};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The argmin state CMA-ES runs in: `param` is the best point of the latest generation.
pub type CmaState = IterState<Vec<f64>, (), (), (), (), f64>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CmaEs {
    n: usize,
    lambda: usize,
    /// Recombination weights of the `mu` best, positive, summing to 1.
    weights: Vec<f64>,
    /// Active CMA: negative weights of the `lambda - mu` worst for the covariance update.
    neg_weights: Vec<f64>,
    mueff: f64,
    cs: f64,
    ds: f64,
    cc: f64,
    c1: f64,
    cmu: f64,
    chi_n: f64,
    bound: f64,
    mean: Vec<f64>,
    sigma: f64,
    ps: Vec<f64>,
    pc: Vec<f64>,
    /// Covariance, row-major n x n.
    cov: Vec<f64>,
    /// Lower Cholesky factor of `cov`.
    chol: Vec<f64>,
    generation: u64,
    rng: Xoshiro256PlusPlus,
    /// Separable CMA-ES: the covariance is `diag(scale^2)`; `cov` and `chol` are empty.
    diagonal: bool,
    /// Per-gene standard deviations of the diagonal covariance.
    scale: Vec<f64>,
    elitist: bool,
    /// The best (cost, point) evaluated so far, for elitism.
    elite: Option<(f64, Vec<f64>)>,
}

impl CmaEs {
    /// A search around `mean` with step `sigma` in the box `[-bound, bound]^n`, `lambda`
    /// candidates per generation (at least 4), reproducible from `seed`.
    pub fn new(mean: Vec<f64>, sigma: f64, lambda: usize, bound: f64, seed: u64) -> Self {
        let n = mean.len();
        let lambda = lambda.max(4);
        let mu = lambda / 2;
        // Hansen (2016), "The CMA Evolution Strategy: A Tutorial", eq. 49-53: w'_i =
        // ln((lambda+1)/2) - ln i for every rank; the mu best recombine the mean, the
        // rest take part, negatively, in the covariance update (active CMA).
        let raw: Vec<f64> = (1..=lambda).map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - (i as f64).ln()).collect();
        let (pos, neg) = raw.split_at(mu);
        let total: f64 = pos.iter().sum();
        let weights: Vec<f64> = pos.iter().map(|w| w / total).collect();
        let mueff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let nf = n as f64;
        let cs = (mueff + 2.0) / (nf + mueff + 5.0);
        let ds = 1.0 + 2.0 * (((mueff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + cs;
        let cc = (4.0 + mueff / nf) / (nf + 4.0 + 2.0 * mueff / nf);
        let c1 = 2.0 / ((nf + 1.3).powi(2) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((nf + 2.0).powi(2) + mueff));
        let neg_total: f64 = neg.iter().map(|w| w.abs()).sum();
        let neg_sq: f64 = neg.iter().map(|w| w * w).sum();
        let mueff_neg = if neg_sq > 0.0 { neg_total * neg_total / neg_sq } else { 0.0 };
        let scale = (1.0 + c1 / cmu.max(1e-300))
            .min(1.0 + 2.0 * mueff_neg / (mueff + 2.0))
            .min((1.0 - c1 - cmu) / (nf * cmu.max(1e-300)));
        let neg_weights: Vec<f64> =
            if neg_total > 0.0 { neg.iter().map(|w| scale * w / neg_total).collect() } else { Vec::new() };
        let chi_n = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));
        let mut cov = vec![0.0; n * n];
        for i in 0..n {
            cov[i * n + i] = 1.0;
        }
        let mean: Vec<f64> = mean.iter().map(|v| v.clamp(-bound, bound)).collect();
        CmaEs {
            n,
            lambda,
            weights,
            neg_weights,
            mueff,
            cs,
            ds,
            cc,
            c1,
            cmu,
            chi_n,
            bound,
            mean,
            sigma: sigma.clamp(1e-12, 2.0 * bound),
            ps: vec![0.0; n],
            pc: vec![0.0; n],
            chol: cov.clone(),
            cov,
            generation: 0,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            diagonal: false,
            scale: Vec::new(),
            elitist: false,
            elite: None,
        }
    }

    /// The same search with a diagonal covariance and/or elitism. A diagonal covariance
    /// takes pycma's separable learning rates (`options_parameters.py`: `cc_sep`,
    /// `c1_sep`, `cmu_sep`) and its negative weights without the positive-definiteness
    /// cap, which the multiplicative update does not need.
    pub fn with_shape(mut self, diagonal: bool, elitist: bool) -> Self {
        self.elitist = elitist;
        if diagonal && !self.diagonal {
            let nf = self.n as f64;
            let mueff = self.mueff;
            self.diagonal = true;
            self.scale = vec![1.0; self.n];
            // No n x n matrix to keep, factor or checkpoint.
            self.cov = Vec::new();
            self.chol = Vec::new();
            self.cc = (1.0 + 1.0 / nf + mueff / nf) / (nf.sqrt() + 1.0 / nf + 2.0 * mueff / nf);
            self.c1 = 1.0 / (nf + 2.0 * nf.sqrt() + mueff / nf);
            self.cmu = (1.0 - self.c1).min((0.25 + mueff + 1.0 / mueff - 2.0) / (nf + 4.0 * nf.sqrt() + mueff / 2.0));
            // Negative weights summing to -(1 + c1/cmu): zero decay (c1 + cmu sum w = 0),
            // capped as pycma caps them by the negative half's effective size.
            let neg_total: f64 = self.neg_weights.iter().map(|w| w.abs()).sum();
            if neg_total > 0.0 {
                let neg_sq: f64 = self.neg_weights.iter().map(|w| w * w).sum();
                let mueff_neg = neg_total * neg_total / neg_sq;
                let sum = (1.0 + self.c1 / self.cmu).min(1.0 + 2.0 * mueff_neg / (mueff + 2.0));
                self.neg_weights.iter_mut().for_each(|w| *w *= sum / neg_total);
            }
        }
        self
    }

    /// `y = L z`.
    fn times_chol(&self, z: &[f64]) -> Vec<f64> {
        let n = self.n;
        if self.diagonal {
            return z.iter().zip(&self.scale).map(|(z, s)| z * s).collect();
        }
        (0..n).map(|i| (0..=i).map(|j| self.chol[i * n + j] * z[j]).sum()).collect()
    }

    /// `z = L^-1 y` by forward substitution.
    fn solve_chol(&self, y: &[f64]) -> Vec<f64> {
        let n = self.n;
        if self.diagonal {
            return y.iter().zip(&self.scale).map(|(y, s)| y / s).collect();
        }
        let mut z = vec![0.0; n];
        for i in 0..n {
            let s: f64 = (0..i).map(|j| self.chol[i * n + j] * z[j]).sum();
            z[i] = (y[i] - s) / self.chol[i * n + i];
        }
        z
    }

    /// Refactors the covariance, adding diagonal jitter if rounding made it indefinite.
    fn refactor(&mut self) {
        let n = self.n;
        let mean_diag = (0..n).map(|i| self.cov[i * n + i]).sum::<f64>() / n as f64;
        let mut jitter = 0.0;
        for _ in 0..8 {
            if let Some(l) = cholesky(&self.cov, n, jitter) {
                self.chol = l;
                return;
            }
            jitter = if jitter == 0.0 { 1e-12 * mean_diag } else { jitter * 100.0 };
        }
        // Unrecoverable: restart the shape from the identity, keeping the step size.
        for i in 0..n {
            for j in 0..n {
                self.cov[i * n + j] = f64::from(u8::from(i == j)) * mean_diag;
            }
        }
        self.chol = cholesky(&self.cov, n, 0.0).unwrap_or_else(|| self.cov.clone());
    }
}

/// Lower Cholesky factor of `a + jitter I` (row-major), or `None` when not positive definite.
/// (Left on one thread: a column-by-column version across threads gave the same factor
/// but ran slower at the default's 260 dimensions, the threads' hand-offs outweighing
/// the work of a column.)
fn cholesky(a: &[f64], n: usize, jitter: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = a[i * n + i] + jitter - s;
                if d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[i * n + i] = d.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    Some(l)
}

impl<O> Solver<O, CmaState> for CmaEs
where
    O: CostFunction<Param = Vec<f64>, Output = f64> + argmin::core::SyncAlias,
{
    fn name(&self) -> &str {
        "CMA-ES"
    }

    fn init(&mut self, _problem: &mut Problem<O>, state: CmaState) -> Result<(CmaState, Option<KV>), Error> {
        Ok((state.param(self.mean.clone()), None))
    }

    fn next_iter(&mut self, problem: &mut Problem<O>, state: CmaState) -> Result<(CmaState, Option<KV>), Error> {
        let (n, sigma) = (self.n, self.sigma);
        // Sample, clamp into the box, and keep the step each point actually took.
        // The normal draws in the order they always came; the products with the Cholesky
        // factor, independent of each other, across threads (the same numbers: each is
        // the same sequence of operations wherever it runs).
        let zs: Vec<Vec<f64>> =
            (0..self.lambda).map(|_| (0..n).map(|_| StandardNormal.sample(&mut self.rng)).collect()).collect();
        let points: Vec<Vec<f64>> = zs
            .par_iter()
            .map(|z| {
                let y = self.times_chol(z);
                self.mean.iter().zip(&y).map(|(m, y)| (m + sigma * y).clamp(-self.bound, self.bound)).collect()
            })
            .collect();
        let costs = problem.bulk_cost(&points)?;
        let mut order: Vec<usize> = (0..self.lambda).collect();
        let key = |c: f64| if c.is_nan() { f64::INFINITY } else { c };
        order.sort_by(|&a, &b| key(costs[a]).total_cmp(&key(costs[b])).then(a.cmp(&b)));

        // Steps of the selected points, in units of sigma, bounded in Mahalanobis norm so
        // a heavily clamped point cannot blow the step size up.
        let c_y = (n as f64).sqrt() + 2.0 * n as f64 / (n as f64 + 2.0);
        let step = |x: &[f64]| -> (Vec<f64>, Vec<f64>) {
            let mut y: Vec<f64> = x.iter().zip(&self.mean).map(|(x, m)| (x - m) / sigma).collect();
            let mut z = self.solve_chol(&y);
            let norm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > c_y {
                let f = c_y / norm;
                y.iter_mut().for_each(|v| *v *= f);
                z.iter_mut().for_each(|v| *v *= f);
            }
            (y, z)
        };
        // The ranking: with elitism, the best point so far leads it while this generation
        // has nothing better (pycma's CMA_elitist; the worst then get the negative weights
        // as before and the point ranked just after the best half gets none).
        let leader = costs[order[0]];
        let elite_leads = self.elitist && self.elite.as_ref().is_some_and(|(c, _)| *c < key(leader));
        let mut ranked: Vec<&[f64]> = Vec::with_capacity(self.lambda + 1);
        if let (true, Some((_, x))) = (elite_leads, self.elite.as_ref()) {
            ranked.push(x);
        }
        ranked.extend(order.iter().map(|&i| points[i].as_slice()));
        let (n_pos, n_neg) = (self.weights.len(), self.neg_weights.len());
        let chosen: Vec<&[f64]> = ranked[..n_pos].iter().chain(&ranked[ranked.len() - n_neg..]).copied().collect();
        // Every chosen point's step (a triangular solve each) across threads, then the
        // sums in rank order as before.
        let ranked_steps: Vec<(Vec<f64>, Vec<f64>)> = chosen.par_iter().map(|x| step(x)).collect();
        let mut steps = ranked_steps.into_iter();
        let mut y_sel = Vec::with_capacity(n_pos);
        let mut z_sel = Vec::with_capacity(n_pos);
        let mut z_w = vec![0.0; n];
        let mut y_w = vec![0.0; n];
        for (&w, (y, z)) in self.weights.iter().zip(steps.by_ref()) {
            for j in 0..n {
                y_w[j] += w * y[j];
                z_w[j] += w * z[j];
            }
            y_sel.push(y);
            z_sel.push(z);
        }
        // Active CMA: the worst points push the covariance away from where they lie, each
        // scaled to the dimension over its squared Mahalanobis length (tutorial eq. 46).
        let mut y_neg = Vec::new();
        let mut z_neg = Vec::new();
        let mut w_neg = Vec::new();
        for (&w, (y, z)) in self.neg_weights.iter().zip(steps) {
            let z2 = z.iter().map(|v| v * v).sum::<f64>().max(1e-300);
            w_neg.push(w * n as f64 / z2);
            y_neg.push(y);
            z_neg.push(z);
        }
        let neg_sum: f64 = self.neg_weights.iter().sum();
        // A NaN leader never becomes the elite (it would compare false with everything and
        // switch elitism off for the rest of the run).
        if self.elitist && !leader.is_nan() && self.elite.as_ref().is_none_or(|(c, _)| leader < *c) {
            self.elite = Some((leader, points[order[0]].clone()));
        }

        for (m, y) in self.mean.iter_mut().zip(&y_w) {
            *m = (*m + sigma * y).clamp(-self.bound, self.bound);
        }
        let a = (self.cs * (2.0 - self.cs) * self.mueff).sqrt();
        for (p, z) in self.ps.iter_mut().zip(&z_w) {
            *p = (1.0 - self.cs) * *p + a * z;
        }
        let ps_norm = self.ps.iter().map(|v| v * v).sum::<f64>().sqrt();
        let g = (self.generation + 1) as f64;
        let h_sigma =
            ps_norm / (1.0 - (1.0 - self.cs).powf(2.0 * g)).sqrt() < (1.4 + 2.0 / (n as f64 + 1.0)) * self.chi_n;
        let b = if h_sigma { (self.cc * (2.0 - self.cc) * self.mueff).sqrt() } else { 0.0 };
        // The evolution path in the covariance's own units: steps y, or with a diagonal
        // covariance steps over the per-gene scales (z), as pycma keeps it.
        let path_step = if self.diagonal { &z_w } else { &y_w };
        for (p, y) in self.pc.iter_mut().zip(path_step) {
            *p = (1.0 - self.cc) * *p + b * y;
        }
        if self.diagonal {
            self.update_scales(h_sigma, &z_sel, &z_neg);
        } else {
            self.update_covariance(h_sigma, neg_sum, &y_sel, &y_neg, &w_neg);
        }
        self.sigma =
            (sigma * ((self.cs / self.ds) * (ps_norm / self.chi_n - 1.0)).exp()).clamp(1e-300, 2.0 * self.bound);
        self.generation += 1;

        let best = order[0];
        let kv = argmin::kv!("sigma" => self.sigma; "generation_best" => costs[best];);
        Ok((state.param(points[best].clone()).cost(costs[best]), Some(kv)))
    }

    fn terminate(&mut self, _state: &CmaState) -> TerminationStatus {
        if self.spread() < 1e-12 * self.bound {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}

impl CmaEs {
    /// The full covariance's rank-one, rank-mu and active update (Hansen's tutorial eq.
    /// 47), then its Cholesky factor.
    fn update_covariance(
        &mut self,
        h_sigma: bool,
        neg_sum: f64,
        y_sel: &[Vec<f64>],
        y_neg: &[Vec<f64>],
        w_neg: &[f64],
    ) {
        let n = self.n;
        let keep = 1.0 - self.c1 - self.cmu * (1.0 + neg_sum)
            + if h_sigma { 0.0 } else { self.c1 * self.cc * (2.0 - self.cc) };
        // The lower triangle row by row across threads. Within a row, the selected points
        // (then the worst) are added one after another into a row of sums, so every
        // element sums its terms in the order it always did (bit-identical to the
        // element-by-element loop), but the row's elements are independent chains the
        // CPU overlaps instead of one 64-long chain at a time.
        let (c1, cmu) = (self.c1, self.cmu);
        let (pc, old) = (&self.pc, &self.cov);
        let lower: Vec<Vec<f64>> = (0..n)
            .into_par_iter()
            .map(|r| {
                let zero = std::iter::empty::<f64>().sum::<f64>();
                let (mut pos, mut neg) = (vec![zero; r + 1], vec![zero; r + 1]);
                for (y, w) in y_sel.iter().zip(&self.weights) {
                    let a = w * y[r];
                    pos.iter_mut().zip(&y[..=r]).for_each(|(s, yc)| *s += a * yc);
                }
                for (y, w) in y_neg.iter().zip(w_neg) {
                    let a = w * y[r];
                    neg.iter_mut().zip(&y[..=r]).for_each(|(s, yc)| *s += a * yc);
                }
                (0..=r).map(|c| keep * old[r * n + c] + c1 * pc[r] * pc[c] + cmu * (pos[c] + neg[c])).collect()
            })
            .collect();
        for (r, row) in lower.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                self.cov[r * n + c] = v;
                self.cov[c * n + r] = v;
            }
        }
        self.refactor();
    }

    /// Separable CMA-ES's update of the per-gene scales, as pycma makes it
    /// (`transformations.DiagonalDecoding.update`): each scale is multiplied by
    /// `exp(ln 2 / 2 * (sum_k w_k z_ki^2 - sum_k w_k))` over the evolution path (weight
    /// c1) and the chosen points (weights cmu w, negative for the worst), an increase
    /// bounded by the largest `|z^2 - 1| / 2 + 1` seen, so one generation cannot widen
    /// a gene beyond what its samples showed. (pycma 4.5 means to apply that bound but
    /// writes it into a copy, `facs[idx][idx2] = ...`, and only warns; here it applies.)
    fn update_scales(&mut self, h_sigma: bool, z_pos: &[Vec<f64>], z_neg: &[Vec<f64>]) {
        let h = if h_sigma { 1.0 } else { 0.0 };
        let c1a = self.c1 * (1.0 - (1.0 - h) * self.cc * (2.0 - self.cc));
        let weighted: Vec<(f64, &[f64])> = std::iter::once((c1a, self.pc.as_slice()))
            .chain(self.weights.iter().zip(z_pos).map(|(w, z)| (self.cmu * w, z.as_slice())))
            .chain(self.neg_weights.iter().zip(z_neg).map(|(w, z)| (self.cmu * w, z.as_slice())))
            .collect();
        let total: f64 = weighted.iter().map(|(w, _)| w).sum();
        for i in 0..self.n {
            let mut acc = 0.0;
            let mut widest = 0.0f64;
            for (w, z) in &weighted {
                let z2 = z[i] * z[i];
                acc += w * z2;
                widest = widest.max((z2 - 1.0).abs());
            }
            let mut fac = (std::f64::consts::LN_2 * (acc - total) / 2.0).exp();
            if fac > 1.0 {
                fac = fac.min(widest / 2.0 + 1.0);
            }
            self.scale[i] *= fac;
        }
    }

    /// The step size times the widest axis's standard deviation: how far samples reach.
    fn spread(&self) -> f64 {
        let n = self.n;
        if self.diagonal {
            return self.sigma * self.scale.iter().fold(0.0, |a: f64, &s| a.max(s));
        }
        self.sigma * (0..n).map(|i| self.cov[i * n + i]).fold(0.0, f64::max).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reconstructs_and_rejects_indefinite() {
        let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let l = cholesky(&a, 3, 0.0).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((v - a[i * 3 + j]).abs() < 1e-12);
            }
        }
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2, 0.0).is_none());
    }

    #[test]
    fn weights_sum_to_one_and_decrease() {
        let es = CmaEs::new(vec![0.0; 10], 1.0, 20, 5.0, 1);
        assert!((es.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(es.weights.windows(2).all(|w| w[0] > w[1]));
        assert!(es.mueff > 1.0 && es.mueff < 10.0);
    }
}
