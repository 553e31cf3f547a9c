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

/// The CPU's model name from /proc/cpuinfo (Linux), or the architecture elsewhere.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

impl Evaluator for CpuEvaluator {
    fn describe(&self) -> String {
        format!("cpu ({} threads, {})", rayon::current_num_threads(), &self.backend_name()[4..])
    }
    fn backend_name(&self) -> &'static str {
        match self.precision {
            Precision::F64 => "cpu-f64",
            Precision::F32 => "cpu-f32",
        }
    }
    fn device_name(&self) -> String {
        format!("{} ({} threads)", cpu_model(), rayon::current_num_threads())
    }
    fn device_class(&self) -> super::DeviceClass {
        super::DeviceClass::Cpu
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
