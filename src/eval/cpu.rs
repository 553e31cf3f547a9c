//! The CPU backend: every (candidate, scenario) trajectory through the model's own step,
//! across threads with rayon, in f64 (the reference) or f32 (the GPU's precision).

use super::{Evaluator, Problem};
use crate::model::policy::decode;
use crate::model::{Params, PhaseAlloc, Real, trajectory_cost};
use anyhow::Result;
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F64,
    F32,
}

#[derive(Debug)]
pub struct CpuEvaluator {
    problem: Problem,
    precision: Precision,
    scenarios32: Vec<Params<f32>>,
}

impl CpuEvaluator {
    pub fn new(problem: Problem, precision: Precision) -> Self {
        let scenarios32 = problem.scenarios.iter().map(|p| p.cast::<f32>()).collect();
        CpuEvaluator { problem, precision, scenarios32 }
    }

    fn costs_in<R: Real>(&self, scenarios: &[Params<R>], policies: &[f64], out: &mut [f64]) {
        let dim = self.problem.dim();
        let s = scenarios.len();
        out.par_chunks_mut(s).zip(policies.par_chunks(dim)).for_each(|(o, x)| {
            let phases: Vec<PhaseAlloc<R>> = decode(x).iter().map(|a| a.cast::<R>()).collect();
            for (slot, p) in o.iter_mut().zip(scenarios) {
                *slot = trajectory_cost(&self.problem.run, p, &phases).to_f64();
            }
        });
    }
}

impl Evaluator for CpuEvaluator {
    fn describe(&self) -> String {
        let p = match self.precision {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        };
        format!("cpu ({} threads, {p})", rayon::current_num_threads())
    }
    fn problem(&self) -> &Problem {
        &self.problem
    }
    fn trajectory_costs(&mut self, policies: &[f64], out: &mut [f64]) -> Result<()> {
        let n = policies.len() / self.problem.dim();
        anyhow::ensure!(out.len() == n * self.problem.scenarios.len(), "trajectory cost buffer has the wrong length");
        match self.precision {
            Precision::F64 => self.costs_in(&self.problem.scenarios, policies, out),
            Precision::F32 => self.costs_in(&self.scenarios32, policies, out),
        }
        Ok(())
    }
}
