//! The CPU backend: every (candidate, scenario) trajectory through the model's own step,
//! across threads with rayon, in f64 (the reference), f32 (the GPU's precision), or f32
//! in SIMD lanes, 8 or 16 candidates per instruction as the CPU allows (the fast path,
//! and the default; `eval::simd` picks the instructions at run time).

use super::simd::{LaneGroup, LaneVec, SimdPath};
use super::{Evaluator, Problem};
use crate::model::policy::decode;
use crate::model::{Alloc, Params, Paths, Real, trajectory_cost_on};
use anyhow::Result;
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F64,
    F32,
    /// f32, 8 or 16 candidates per SIMD vector.
    Simd,
}

#[derive(Debug)]
pub struct CpuEvaluator {
    problem: Problem,
    precision: Precision,
    scenarios32: Vec<Params<f32>>,
    /// The lanes' instructions: the widest the CPU has, unless a test chose another.
    simd: SimdPath,
    /// Each scenario's exogenous paths, computed once in f64 (`model::paths`): kept in
    /// f64 for the f64 path, else narrowed to f32 (the lanes splat a month's values as
    /// they read them). Only the one the precision reads is built.
    paths64: Vec<Vec<Paths<f64>>>,
    paths32: Vec<Vec<Paths<f32>>>,
}

impl CpuEvaluator {
    pub fn new(problem: Problem, precision: Precision) -> Self {
        let scenarios32: Vec<Params<f32>> = problem.scenarios.iter().map(|p| p.cast::<f32>()).collect();
        let horizon = problem.run.horizon_months;
        let table = |p: &Params<f64>| Paths::table(p, horizon);
        let (paths64, paths32) = match precision {
            Precision::F64 => (problem.scenarios.iter().map(table).collect(), Vec::new()),
            Precision::F32 | Precision::Simd => (
                Vec::new(),
                problem.scenarios.iter().map(|p| table(p).iter().map(|x| x.map(|v| v as f32)).collect()).collect(),
            ),
        };
        CpuEvaluator { problem, precision, scenarios32, simd: SimdPath::detect(), paths64, paths32 }
    }

    /// The same evaluator on another of this CPU's SIMD paths (the tests compare them
    /// all); `None` when the CPU lacks it.
    pub fn with_simd(mut self, path: SimdPath) -> Option<Self> {
        SimdPath::supported().contains(&path).then(|| {
            self.simd = path;
            self
        })
    }

    /// One candidate per lane, a group of candidates per trajectory call (a short last
    /// group repeats its last candidate in the spare lanes and discards them).
    fn costs_in_lanes(&self, policies: &[f64], out: &mut [f64]) {
        let (dim, s, lanes) = (self.problem.dim(), self.problem.scenarios.len(), self.simd.lanes());
        out.par_chunks_mut(lanes * s).zip(policies.par_chunks(lanes * dim)).for_each(|(o, x)| {
            super::simd::run(self.simd, &mut Group { ev: self, x, o });
        });
    }

    /// The costs of the candidates in `x` (at most `V::LANES`) on every scenario, into
    /// `o`. Always inlined: it is compiled inside the dispatch's enabling functions.
    #[inline(always)]
    fn group_costs<V: LaneVec>(&self, x: &[f64], o: &mut [f64]) {
        let (dim, s, lanes) = (self.problem.dim(), self.problem.scenarios.len(), V::LANES);
        let n = x.len() / dim;
        // The dispatch's lane type must hold the group the chunking made.
        assert!(n <= lanes, "a group of {n} candidates for {lanes} lanes");
        let decoded: Vec<Vec<Alloc<f64>>> = (0..lanes).map(|l| decode(&x[l.min(n - 1) * dim..][..dim])).collect();
        // Stack buffers, not a Vec per gene: this runs for every group of candidates.
        let lane = |f: &dyn Fn(&Vec<Alloc<f64>>) -> f64| {
            let mut v = [0.0f32; super::simd::MAX_LANES];
            v.iter_mut().zip(&decoded).for_each(|(slot, d)| *slot = f(d) as f32);
            V::from_lanes(&v[..lanes])
        };
        let phases: Vec<Alloc<V>> = (0..self.problem.run.knots)
            .map(|ph| Alloc {
                shares: std::array::from_fn(|k| lane(&|d| d[ph].shares[k])),
                design_fraction: lane(&|d| d[ph].design_fraction),
                spend_fraction: lane(&|d| d[ph].spend_fraction),
                borrow_fraction: lane(&|d| d[ph].borrow_fraction),
            })
            .collect();
        let mut buffer = [0.0f32; super::simd::MAX_LANES];
        let costs = &mut buffer[..lanes];
        for (si, (p, paths)) in self.scenarios32.iter().zip(&self.paths32).enumerate() {
            let p = p.map(V::splat);
            trajectory_cost_on(&self.problem.run, &p, |m| paths[m].map(V::splat), &phases).write_lanes(costs);
            for (l, c) in costs.iter().enumerate().take(n) {
                o[l * s + si] = f64::from(*c);
            }
        }
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

/// A group of candidates for the SIMD dispatch.
struct Group<'a> {
    ev: &'a CpuEvaluator,
    x: &'a [f64],
    o: &'a mut [f64],
}

impl LaneGroup for Group<'_> {
    #[inline(always)]
    fn run<V: LaneVec>(&mut self) {
        self.ev.group_costs::<V>(self.x, self.o);
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
            &self.backend_name()[4..].replace("simd", &format!("f32 SIMD lanes, {}", self.simd.describe()))
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
        match self.precision {
            Precision::Simd => {
                format!("{} ({} threads, {})", cpu_model(), rayon::current_num_threads(), self.simd.describe())
            }
            _ => format!("{} ({} threads)", cpu_model(), rayon::current_num_threads()),
        }
    }
    fn device_class(&self) -> super::DeviceClass {
        super::DeviceClass::Cpu
    }
    fn simd_path(&self) -> Option<SimdPath> {
        (self.precision == Precision::Simd).then_some(self.simd)
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
