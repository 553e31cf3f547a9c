//! The CPU backend: every (candidate, scenario) trajectory through the model's own step,
//! across threads with rayon, in f64 (the reference), f32 (the GPU's precision), or f32
//! in SIMD lanes, eight candidates per instruction (the fast path, and the default).

use super::{Evaluator, Problem};
use crate::model::lanes::{LANES, Lanes};
use crate::model::policy::decode;
use crate::model::{Alloc, Params, Paths, Real, trajectory_cost_on};
use anyhow::Result;
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F64,
    F32,
    /// f32, eight candidates per SIMD vector.
    Simd,
}

#[derive(Debug)]
pub struct CpuEvaluator {
    problem: Problem,
    precision: Precision,
    scenarios32: Vec<Params<f32>>,
    scenarios_lanes: Vec<Params<Lanes>>,
    /// Each scenario's exogenous paths, computed once in f64 (`model::paths`): kept in
    /// f64 for the f64 path, else narrowed to f32 (the lanes splat a month's values as
    /// they read them). Only the one the precision reads is built.
    paths64: Vec<Vec<Paths<f64>>>,
    paths32: Vec<Vec<Paths<f32>>>,
}

impl CpuEvaluator {
    pub fn new(problem: Problem, precision: Precision) -> Self {
        let scenarios32: Vec<Params<f32>> = problem.scenarios.iter().map(|p| p.cast::<f32>()).collect();
        let scenarios_lanes = scenarios32.iter().map(|p| p.map(Lanes::splat)).collect();
        let horizon = problem.run.horizon_months;
        let table = |p: &Params<f64>| Paths::table(p, horizon);
        let (paths64, paths32) = match precision {
            Precision::F64 => (problem.scenarios.iter().map(table).collect(), Vec::new()),
            Precision::F32 | Precision::Simd => (
                Vec::new(),
                problem.scenarios.iter().map(|p| table(p).iter().map(|x| x.map(|v| v as f32)).collect()).collect(),
            ),
        };
        CpuEvaluator { problem, precision, scenarios32, scenarios_lanes, paths64, paths32 }
    }

    /// Eight candidates per trajectory call, one per lane (a short last group repeats its
    /// last candidate in the spare lanes and discards them).
    fn costs_in_lanes(&self, policies: &[f64], out: &mut [f64]) {
        let dim = self.problem.dim();
        let s = self.problem.scenarios.len();
        out.par_chunks_mut(LANES * s).zip(policies.par_chunks(LANES * dim)).for_each(|(o, x)| {
            let n = x.len() / dim;
            let decoded: Vec<Vec<Alloc<f64>>> = (0..LANES).map(|l| decode(&x[l.min(n - 1) * dim..][..dim])).collect();
            let lane = |f: &dyn Fn(&Vec<Alloc<f64>>) -> f64| Lanes::new(std::array::from_fn(|l| f(&decoded[l]) as f32));
            let phases: Vec<Alloc<Lanes>> = (0..self.problem.run.knots)
                .map(|ph| Alloc {
                    shares: std::array::from_fn(|k| lane(&|d| d[ph].shares[k])),
                    design_fraction: lane(&|d| d[ph].design_fraction),
                    spend_fraction: lane(&|d| d[ph].spend_fraction),
                    borrow_fraction: lane(&|d| d[ph].borrow_fraction),
                })
                .collect();
            for (si, (p, paths)) in self.scenarios_lanes.iter().zip(&self.paths32).enumerate() {
                let costs =
                    trajectory_cost_on(&self.problem.run, p, |m| paths[m].map(Lanes::splat), &phases).to_array();
                for (l, c) in costs.iter().enumerate().take(n) {
                    o[l * s + si] = f64::from(*c);
                }
            }
        });
    }

    fn costs_in<R: Real>(&self, scenarios: &[Params<R>], paths: &[Vec<Paths<R>>], policies: &[f64], out: &mut [f64]) {
        let dim = self.problem.dim();
        let s = scenarios.len();
        out.par_chunks_mut(s).zip(policies.par_chunks(dim)).for_each(|(o, x)| {
            let phases: Vec<Alloc<R>> = decode(x).iter().map(|a| a.cast::<R>()).collect();
            for ((slot, p), paths) in o.iter_mut().zip(scenarios).zip(paths) {
                *slot = trajectory_cost_on(&self.problem.run, p, |m| paths[m], &phases).to_f64();
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
        format!(
            "cpu ({} threads, {})",
            rayon::current_num_threads(),
            &self.backend_name()[4..].replace("simd", "f32 x 8 SIMD lanes")
        )
    }
    fn backend_name(&self) -> &'static str {
        match self.precision {
            Precision::F64 => "cpu-f64",
            Precision::F32 => "cpu-f32",
            Precision::Simd => "cpu-simd",
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
            Precision::F64 => self.costs_in(&self.problem.scenarios, &self.paths64, policies, out),
            Precision::F32 => self.costs_in(&self.scenarios32, &self.paths32, policies, out),
            Precision::Simd => self.costs_in_lanes(policies, out),
        }
        Ok(())
    }
}
