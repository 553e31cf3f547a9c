//! `terafab bench`: trajectory-steps per second of each backend over batch sizes from
//! 2^12 trajectories up, on the config's model, as a table or as JSON lines.

use super::backend::make_evaluator;
use crate::cli::{BackendFlag, BenchArgs, GlobalArgs};
use crate::config::{BackendChoice, Experiment};
use crate::eval::cpu::{CpuEvaluator, Precision};
use crate::eval::sample::QuasiRandom;
use crate::eval::{Evaluator, Problem};
use crate::report::peak_rss_bytes;
use anyhow::Result;
use std::time::Instant;

/// One measurement: a backend on one batch size.
#[derive(Debug, serde::Serialize)]
pub struct BenchRecord {
    pub backend: String,
    pub adapter: String,
    pub device_class: crate::eval::DeviceClass,
    /// Trajectories per call: candidates x scenarios.
    pub batch: u64,
    pub candidates: u64,
    pub scenarios: usize,
    /// Months simulated per trajectory.
    pub steps: usize,
    /// Calls timed; `seconds` is their median.
    pub reps: usize,
    pub seconds: f64,
    pub trajectory_steps_per_s: f64,
    /// Peak resident memory of the process so far (MiB), when the OS reports it.
    pub peak_rss_mib: Option<f64>,
}

/// The evaluators `--backend` asks for. `all` skips the GPU, saying so, when there is none.
fn evaluators(problem: &Problem, which: BackendFlag, g: &GlobalArgs) -> Result<Vec<Box<dyn Evaluator>>> {
    let cpu = |p: Precision| -> Box<dyn Evaluator> { Box::new(CpuEvaluator::new(problem.clone(), p)) };
    let gpu = || make_evaluator(problem.clone(), BackendChoice::Gpu, g.adapter.as_deref(), g.quiet);
    Ok(match which {
        BackendFlag::Cpu => vec![cpu(Precision::F64), cpu(Precision::F32)],
        BackendFlag::Gpu => vec![gpu()?],
        BackendFlag::Auto => vec![make_evaluator(problem.clone(), BackendChoice::Auto, g.adapter.as_deref(), g.quiet)?],
        BackendFlag::All => {
            let mut v = vec![cpu(Precision::F64), cpu(Precision::F32)];
            match gpu() {
                Ok(e) => v.push(e),
                Err(e) if g.adapter.is_none() => {
                    eprintln!("bench: skipping the GPU backend: {}", format!("{e:#}").lines().next().unwrap_or(""))
                }
                Err(e) => return Err(e),
            }
            v
        }
    })
}

/// Times `evaluate` on `candidates` quasi-random policies: the median of calls repeated
/// until `min_seconds` have passed (at least one call, at most 25).
pub fn measure(ev: &mut dyn Evaluator, candidates: usize, seed: u64, min_seconds: f64) -> Result<(usize, f64)> {
    let dim = ev.problem().dim();
    let mut policies = Vec::with_capacity(candidates * dim);
    QuasiRandom::new(dim, seed).fill(0, candidates, &mut policies);
    let mut out = vec![0.0; candidates];
    let (start, mut times) = (Instant::now(), Vec::new());
    while times.is_empty() || (start.elapsed().as_secs_f64() < min_seconds && times.len() < 25) {
        let t = Instant::now();
        ev.evaluate(&policies, &mut out)?;
        times.push(t.elapsed().as_secs_f64());
    }
    anyhow::ensure!(out.iter().all(|c| c.is_finite()), "{} returned a non-finite cost", ev.describe());
    times.sort_by(f64::total_cmp);
    Ok((times.len(), times[times.len() / 2]))
}

pub fn run(exp: &Experiment, args: &BenchArgs, which: BackendFlag, g: &GlobalArgs) -> Result<()> {
    if args.min_log2 > args.max_log2 {
        return Err(crate::cli::BadInput(format!(
            "--min-log2 {} is above --max-log2 {}",
            args.min_log2, args.max_log2
        ))
        .into());
    }
    let problem = Problem::from_experiment(exp);
    let (s, steps) = (problem.scenarios.len(), problem.run.horizon_months);
    if !args.json && !g.quiet {
        println!(
            "{:<8} {:>10} {:>10} {:>5} {:>10} {:>14}  device",
            "backend", "batch", "candidates", "reps", "seconds", "traj-steps/s"
        );
    }
    for mut ev in evaluators(&problem, which, g)? {
        measure(ev.as_mut(), 1, exp.seed, 0.0)?; // warm-up: pipeline compilation, thread pool
        let mut log2 = args.min_log2;
        while log2 <= args.max_log2 {
            let candidates = (1usize << log2).div_ceil(s);
            let (reps, seconds) = measure(ev.as_mut(), candidates, exp.seed, args.min_seconds)?;
            let batch = (candidates * s) as u64;
            let r = BenchRecord {
                backend: ev.backend_name().into(),
                adapter: ev.device_name(),
                device_class: ev.device_class(),
                batch,
                candidates: candidates as u64,
                scenarios: s,
                steps,
                reps,
                seconds,
                trajectory_steps_per_s: (batch * steps as u64) as f64 / seconds,
                peak_rss_mib: peak_rss_bytes().map(|b| b as f64 / (1 << 20) as f64),
            };
            if args.json {
                println!("{}", serde_json::to_string(&r)?);
            } else if !g.quiet {
                println!(
                    "{:<8} {:>10} {:>10} {:>5} {:>10.4} {:>14.3e}  {}",
                    r.backend, r.batch, r.candidates, r.reps, r.seconds, r.trajectory_steps_per_s, r.adapter
                );
            }
            log2 += args.step_log2;
        }
    }
    Ok(())
}
