//! The outer loop: screening, a population search (CMA-ES or particle swarm, as argmin
//! solvers) and a local polish, all costing candidates through one seam, [`BatchCost`],
//! which the model's evaluators (CPU or GPU) and the test functions both implement.

pub mod checkpoint;
pub mod cmaes;
pub mod cost;
pub mod pipeline;
pub mod plan;
pub mod progress;
pub mod stream;
pub mod tracked;

use crate::eval::Evaluator;
use crate::model::policy::GENE_BOUND;
use anyhow::Result;

/// What the search minimises: a box-bounded function of `dim` reals, costed in batches.
pub trait BatchCost: Send {
    fn dim(&self) -> usize;
    /// Every coordinate lies in `[-bound, bound]`; the search never leaves the box.
    fn bound(&self) -> f64;
    /// `out[i]` = the cost of the i-th point of `points` (`dim` values each).
    fn bulk_cost(&mut self, points: &[f64], out: &mut [f64]) -> Result<()>;
}

/// The best (cost, point) seen so far, if any.
pub type Best = Option<(f64, Vec<f64>)>;

/// Keeps `(cost, x)` in `best` if it is better; a NaN cost never is.
pub fn offer(best: &mut Best, cost: f64, x: &[f64]) {
    if !cost.is_nan() && best.as_ref().is_none_or(|(b, _)| cost < *b) {
        *best = Some((cost, x.to_vec()));
    }
}

/// The model's evaluators are the production implementation: a point is an encoded
/// policy, its cost the aggregate over the scenarios.
impl BatchCost for Box<dyn Evaluator> {
    fn dim(&self) -> usize {
        self.problem().dim()
    }
    fn bound(&self) -> f64 {
        GENE_BOUND
    }
    fn bulk_cost(&mut self, points: &[f64], out: &mut [f64]) -> Result<()> {
        self.evaluate(points, out)
    }
}
