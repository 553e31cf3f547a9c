//! `terafab bench`: trajectory-steps per second of each backend over batch sizes from
//! 2^12 trajectories up, on the config's model, as a table or as JSON lines.

use super::backend::make_evaluator;
use crate::config::{BackendChoice, Experiment};
use crate::eval::cpu::{CpuEvaluator, Precision};
use crate::eval::sample::QuasiRandom;
use crate::eval::{Evaluator, Problem};
use crate::flags::{BackendFlag, BenchArgs, GlobalArgs};
use crate::report::peak_rss_mib;
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
    /// Floating-point operations per trajectory-step (counted from the model's step; exp
    /// and ln at `model::flops::FLOPS_PER_TRANSCENDENTAL` each) and the rate achieved.
    pub flop_per_trajectory_step: f64,
    pub gflop_per_s: f64,
    /// For backends with a device: share of the wall time not spent waiting on it
    /// (decoding and uploading policies, reading back, aggregating).
    pub host_overhead_fraction: Option<f64>,
    /// Peak resident memory of the process so far (MiB), when the OS reports it.
    pub peak_rss_mib: Option<f64>,
}

/// The evaluators `--backend` asks for. `all` skips the GPU, saying so, when there is none.
fn evaluators(problem: &Problem, which: BackendFlag, g: &GlobalArgs) -> Result<Vec<Box<dyn Evaluator>>> {
    let cpu = |p: Precision| -> Box<dyn Evaluator> { Box::new(CpuEvaluator::new(problem.clone(), p)) };
    let gpu = || make_evaluator(problem.clone(), BackendChoice::Gpu, g.adapter.as_deref(), g.quiet);
    Ok(match which {
        BackendFlag::Cpu => vec![cpu(Precision::Simd), cpu(Precision::F32), cpu(Precision::F64)],
        BackendFlag::Gpu => vec![gpu()?],
        BackendFlag::Auto => vec![make_evaluator(problem.clone(), BackendChoice::Auto, g.adapter.as_deref(), g.quiet)?],
        BackendFlag::All => {
            let mut v = vec![cpu(Precision::Simd), cpu(Precision::F32), cpu(Precision::F64)];
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
pub fn measure(ev: &mut dyn Evaluator, candidates: usize, seed: u64, min_seconds: f64) -> Result<Measured> {
    let dim = ev.problem().dim();
    let mut policies = Vec::with_capacity(candidates * dim);
    QuasiRandom::new(dim, seed).fill(0, candidates, &mut policies);
    let mut out = vec![0.0; candidates];
    let _ = ev.take_device_seconds();
    let (start, mut times) = (Instant::now(), Vec::new());
    while times.is_empty() || (start.elapsed().as_secs_f64() < min_seconds && times.len() < 25) {
        let t = Instant::now();
        ev.evaluate(&policies, &mut out)?;
        times.push(t.elapsed().as_secs_f64());
    }
    anyhow::ensure!(out.iter().all(|c| c.is_finite()), "{} returned a non-finite cost", ev.describe());
    let total: f64 = times.iter().sum();
    let host_overhead_fraction = ev.take_device_seconds().map(|d| ((total - d) / total).max(0.0));
    times.sort_by(f64::total_cmp);
    Ok(Measured { reps: times.len(), seconds: times[times.len() / 2], host_overhead_fraction })
}

/// What [`measure`] found.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub reps: usize,
    /// Median seconds per call.
    pub seconds: f64,
    pub host_overhead_fraction: Option<f64>,
}

pub fn run(exp: &Experiment, args: &BenchArgs, which: BackendFlag, g: &GlobalArgs) -> Result<()> {
    if args.min_log2 > args.max_log2 {
        return Err(crate::input::BadInput(format!(
            "--min-log2 {} is above --max-log2 {}",
            args.min_log2, args.max_log2
        ))
        .into());
    }
    let problem = Problem::from_experiment(exp);
    let (s, steps) = (problem.scenarios.len(), problem.run.horizon_months);
    // The largest batch's policies (f64) and costs are allocated whole: refuse before
    // allocating what the machine does not have.
    let largest_candidates = (1u64 << args.max_log2).div_ceil(s as u64);
    let needed = largest_candidates * (problem.dim() as u64 + 2) * 8;
    if let Some(available) = crate::report::available_memory_bytes()
        && needed > available
    {
        return Err(crate::input::BadInput(format!(
            "--max-log2 {}: a batch of 2^{} trajectories ({largest_candidates} candidates x {s} scenarios) needs \
             about {} MiB for its policies, more than the {} MiB available; lower --max-log2",
            args.max_log2,
            args.max_log2,
            needed >> 20,
            available >> 20
        ))
        .into());
    }
    let neutral = crate::model::policy::decode(&vec![0.0; problem.dim()]);
    let (ops, per) = crate::model::flops::ops_per_step(&problem.run, &exp.params, &neutral);
    let flop_per_step = ops.flops() / steps as f64;
    if !args.json && !g.quiet {
        println!(
            "per trajectory-step: {:.0} arithmetic, {:.0} min/max/select, {:.1} exp, {:.1} ln = {flop_per_step:.0} FLOP \
             (exp, ln at {} each)",
            per[0],
            per[1],
            per[2],
            per[3],
            crate::model::flops::FLOPS_PER_TRANSCENDENTAL
        );
        println!(
            "{:<9} {:>10} {:>10} {:>5} {:>10} {:>13} {:>8} {:>6}  device",
            "backend", "batch", "candidates", "reps", "seconds", "traj-steps/s", "GFLOP/s", "host%"
        );
    }
    for mut ev in evaluators(&problem, which, g)? {
        measure(ev.as_mut(), 1, exp.seed, 0.0)?; // warm-up: pipeline compilation, thread pool
        let mut log2 = args.min_log2;
        while log2 <= args.max_log2 {
            let candidates = (1usize << log2).div_ceil(s);
            let m = measure(ev.as_mut(), candidates, exp.seed, args.min_seconds)?;
            let (reps, seconds) = (m.reps, m.seconds);
            let batch = (candidates * s) as u64;
            let rate = (batch * steps as u64) as f64 / seconds;
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
                trajectory_steps_per_s: rate,
                flop_per_trajectory_step: flop_per_step,
                gflop_per_s: rate * flop_per_step / 1e9,
                host_overhead_fraction: m.host_overhead_fraction,
                peak_rss_mib: peak_rss_mib(),
            };
            if args.json {
                println!("{}", serde_json::to_string(&r)?);
            } else if !g.quiet {
                let host = r.host_overhead_fraction.map_or("-".into(), |f| format!("{:.1}", 100.0 * f));
                println!(
                    "{:<9} {:>10} {:>10} {:>5} {:>10.4} {:>13.3e} {:>8.2} {:>6}  {}",
                    r.backend,
                    r.batch,
                    r.candidates,
                    r.reps,
                    r.seconds,
                    r.trajectory_steps_per_s,
                    r.gflop_per_s,
                    host,
                    r.adapter
                );
            }
            log2 += args.step_log2;
        }
    }
    Ok(())
}
