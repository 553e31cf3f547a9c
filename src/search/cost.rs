//! The argmin side of the seam: a [`BatchCost`] as an argmin `CostFunction` whose
//! `bulk_cost` is one batched call. It clamps points into the box, counts evaluations,
//! times them, and remembers the best point seen since the last [`SeamCost::take`].

use super::{BatchCost, Best, offer};
use argmin::core::{CostFunction, Error};
use std::borrow::Borrow;
use std::sync::Mutex;
use std::time::Instant;

/// What the cost function saw since the last `take`.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub evals: u64,
    pub eval_seconds: f64,
    /// The best (cost, point) evaluated, if any.
    pub best: Best,
}

impl Seen {
    fn record(&mut self, points: &[f64], costs: &[f64], dim: usize) {
        self.evals += costs.len() as u64;
        for (x, &c) in points.chunks_exact(dim).zip(costs) {
            offer(&mut self.best, c, x);
        }
    }
}

/// Hears `(evaluations so far in the run, best cost so far)` after each iteration.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, f64) + Sync);

pub struct SeamCost<'a> {
    inner: Mutex<(&'a mut dyn BatchCost, Seen)>,
    dim: usize,
    bound: f64,
    deadline: Option<Instant>,
    progress: Option<ProgressFn<'a>>,
}

impl std::fmt::Debug for SeamCost<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeamCost").field("dim", &self.dim).field("bound", &self.bound).finish_non_exhaustive()
    }
}

impl<'a> SeamCost<'a> {
    pub fn new(cost: &'a mut dyn BatchCost) -> Self {
        let (dim, bound) = (cost.dim(), cost.bound());
        SeamCost { inner: Mutex::new((cost, Seen::default())), dim, bound, deadline: None, progress: None }
    }
    /// Solvers stop after the iteration that ends past `deadline`.
    pub fn with_deadline(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self
    }
    pub fn with_progress(mut self, progress: ProgressFn<'a>) -> Self {
        self.progress = Some(progress);
        self
    }
    pub fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
    pub fn report(&self, evals: u64, best: f64) {
        if let Some(p) = self.progress {
            p(evals, best);
        }
    }
    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn bound(&self) -> f64 {
        self.bound
    }
    /// Costs a flat batch of points (clamped into the box) in one call.
    pub fn costs(&self, points: &[f64]) -> anyhow::Result<Vec<f64>> {
        let clamped: Vec<f64> = points.iter().map(|v| v.clamp(-self.bound, self.bound)).collect();
        let mut out = vec![f64::NAN; points.len() / self.dim];
        let mut guard = self.inner.lock().map_err(|_| anyhow::anyhow!("the evaluator lock is poisoned"))?;
        let t = Instant::now();
        guard.0.bulk_cost(&clamped, &mut out)?;
        guard.1.eval_seconds += t.elapsed().as_secs_f64();
        guard.1.record(&clamped, &out, self.dim);
        Ok(out)
    }
    /// What was seen since the last call, resetting it.
    pub fn take(&self) -> Seen {
        self.inner.lock().map(|mut g| std::mem::take(&mut g.1)).unwrap_or_default()
    }
}

impl CostFunction for SeamCost<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Vec<f64>) -> Result<f64, Error> {
        Ok(self.costs(x)?[0])
    }

    fn bulk_cost<P>(&self, params: &[P]) -> Result<Vec<f64>, Error>
    where
        P: Borrow<Vec<f64>> + argmin::core::SyncAlias,
    {
        let flat: Vec<f64> = params.iter().flat_map(|p| p.borrow().iter().copied()).collect();
        self.costs(&flat)
    }
}
