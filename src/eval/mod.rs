//! The evaluator seam: what search and CLI code call to cost a batch of candidate
//! policies, whichever backend (CPU threads or a GPU) does the work.

pub mod cpu;
pub mod fallback;
pub mod sample;
pub mod simd;
pub mod tolerance;

use crate::model::policy::{Alloc, GENES_PER_KNOT, validate_vector};
use crate::model::{Aggregate, Params, RunSpec, State};
use anyhow::Result;

/// What is being evaluated: the run, the scenarios every candidate sees, the aggregate.
#[derive(Debug, Clone)]
pub struct Problem {
    pub run: RunSpec,
    pub scenarios: Vec<Params<f64>>,
    pub aggregate: Aggregate,
}

impl Problem {
    pub fn from_experiment(exp: &crate::config::Experiment) -> Self {
        Problem { run: exp.run.clone(), scenarios: exp.sampled_scenarios(), aggregate: exp.scenarios.aggregate }
    }
    /// Length of one encoded policy.
    pub fn dim(&self) -> usize {
        self.run.knots * GENES_PER_KNOT
    }
    /// Checks a flat batch of policies before any work is dispatched.
    pub fn validate(&self, policies: &[f64]) -> Result<usize> {
        let dim = self.dim();
        if !policies.len().is_multiple_of(dim) {
            anyhow::bail!(
                "a batch of policies has {} values, not a multiple of the policy length {dim}",
                policies.len()
            );
        }
        for (i, x) in policies.chunks_exact(dim).enumerate() {
            validate_vector(x, self.run.knots).map_err(|e| anyhow::anyhow!("candidate {i}: {e}"))?;
        }
        Ok(policies.len() / dim)
    }
}

/// A decoded policy's cost on every scenario, in f64 (the reference), and their aggregate.
pub fn policy_cost(problem: &Problem, phases: &[Alloc<f64>]) -> (f64, Vec<f64>) {
    let costs = PolicyCosts::of(problem, phases);
    (costs.aggregate, costs.per_scenario)
}

/// A decoded policy's f64 trajectories over a problem's scenarios, run once each (in
/// parallel): what every report and sweep point reads off the reference.
#[derive(Debug, Clone)]
pub struct PolicyCosts {
    /// Each scenario's cost, and its final state.
    pub per_scenario: Vec<f64>,
    pub finals: Vec<State<f64>>,
    /// The aggregate of the costs: what the search minimises.
    pub aggregate: f64,
    /// The aggregate of each scenario's cost less its retreat charge: the part of a
    /// `time_to_target` cost that reads as a month or a level (`RunSpec::headline_of_cost`).
    /// For the mean it is the mean cost less the mean charge; for a quantile, CVaR or the
    /// worst case it may rest on other scenarios than the cost does. The same as
    /// `aggregate` for the other objectives.
    pub aggregate_before_retreat: f64,
    /// The retreat charge averaged over the scenarios (months).
    pub mean_retreat_months: f64,
}

impl PolicyCosts {
    pub fn of(problem: &Problem, knots: &[Alloc<f64>]) -> Self {
        use rayon::prelude::*;
        let runs: Vec<(State<f64>, f64)> = problem
            .scenarios
            .par_iter()
            .map(|p| {
                let table = crate::model::paths::table_in(p, problem.run.horizon_months);
                crate::model::run::run_trajectory(&problem.run, p, |m| table[m], knots, |_, _, _| {})
            })
            .collect();
        let per_scenario: Vec<f64> = runs.iter().map(|r| r.1).collect();
        let charges: Vec<f64> = runs.iter().map(|r| problem.run.retreat_charge_months(&r.0)).collect();
        let mut before: Vec<f64> = per_scenario.iter().zip(&charges).map(|(c, r)| c - r).collect();
        PolicyCosts {
            aggregate: problem.aggregate.apply(&mut per_scenario.clone()),
            aggregate_before_retreat: problem.aggregate.apply(&mut before),
            mean_retreat_months: charges.iter().sum::<f64>() / charges.len().max(1) as f64,
            finals: runs.into_iter().map(|r| r.0).collect(),
            per_scenario,
        }
    }
}

/// Candidates per chunk of [`Evaluator::evaluate`] at most: bounds host memory whatever
/// the batch size.
pub const CHUNK_CANDIDATES: usize = 1 << 16;
/// Trajectory costs one chunk holds at most (32 MiB of f64): with many scenarios a chunk
/// has fewer candidates (65,536 scenarios: 64 candidates, not 65,536 x 65,536 = 34 GB).
pub const CHUNK_TRAJECTORIES: usize = 1 << 22;

/// Candidates per chunk for `scenarios` scenarios.
pub fn chunk_candidates(scenarios: usize) -> usize {
    (CHUNK_TRAJECTORIES / scenarios.max(1)).clamp(1, CHUNK_CANDIDATES)
}

/// What kind of device does the work: sizes defaults (screening, budgets) to its speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceClass {
    /// Host threads.
    Cpu,
    /// A GPU API on a software rasteriser (lavapipe, llvmpipe): CPU speed.
    SoftwareGpu,
    /// A real GPU.
    HardwareGpu,
}

/// A backend that evaluates trajectories.
pub trait Evaluator: Send {
    /// e.g. `cpu (2 threads, f64)` or `gpu: llvmpipe (Vulkan)`.
    fn describe(&self) -> String;
    /// Short backend name for reports and JSON: `cpu-f64`, `cpu-f32`, `gpu`.
    fn backend_name(&self) -> &'static str;
    /// The device: the GPU adapter's name, or the CPU model and threads.
    fn device_name(&self) -> String;
    fn device_class(&self) -> DeviceClass;
    /// The CPU lanes' instruction set, for an evaluator that runs them (recorded in
    /// run.json and summary.json: results differ slightly between paths).
    fn simd_path(&self) -> Option<simd::SimdPath> {
        None
    }
    /// Seconds spent waiting on a device (kernel + copies) since the last call, for
    /// backends that have one; the rest of a call's wall time is host overhead.
    fn take_device_seconds(&mut self) -> Option<f64> {
        None
    }
    fn problem(&self) -> &Problem;
    /// The cost of every (candidate, scenario) trajectory, candidate-major:
    /// `out[c * scenarios + s]`. `policies` is validated by the caller.
    fn trajectory_costs(&mut self, policies: &[f64], out: &mut [f64]) -> Result<()>;

    /// The aggregated cost of each candidate over the scenarios, `out[c]`. Validates the
    /// batch first and streams it in chunks, so memory does not grow with the batch.
    fn evaluate(&mut self, policies: &[f64], out: &mut [f64]) -> Result<()> {
        let n = self.problem().validate(policies)?;
        anyhow::ensure!(out.len() == n, "output has room for {} costs, the batch has {n} candidates", out.len());
        let dim = self.problem().dim();
        let scenarios = self.problem().scenarios.len();
        let aggregate = self.problem().aggregate;
        let per_chunk = chunk_candidates(scenarios);
        let mut costs = vec![0.0; per_chunk.min(n) * scenarios];
        for (chunk, out_chunk) in policies.chunks(per_chunk * dim).zip(out.chunks_mut(per_chunk)) {
            let m = out_chunk.len();
            self.trajectory_costs(chunk, &mut costs[..m * scenarios])?;
            for (o, c) in out_chunk.iter_mut().zip(costs.chunks_mut(scenarios)) {
                *o = aggregate.apply(c);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_hold_a_bounded_number_of_trajectories_whatever_the_scenarios() {
        // Issue 12: `evaluate --sample 65536` on 65,536 scenarios asked for 34 GB at once.
        assert_eq!(chunk_candidates(16), CHUNK_CANDIDATES);
        assert_eq!(chunk_candidates(65_536), 64);
        assert_eq!(chunk_candidates(1 << 30), 1);
        for s in [1, 16, 1000, 65_536] {
            assert!(chunk_candidates(s) * s <= CHUNK_TRAJECTORIES.max(s));
        }
    }
}
