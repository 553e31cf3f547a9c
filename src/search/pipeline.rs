//! The search pipeline and its bookkeeping: a quasi-random screening, a population search
//! (CMA-ES or argmin's particle swarm) seeded from the best screened candidates, a
//! Nelder-Mead polish, then, for the report, a random search of the same budget. The
//! evaluation budget and the deadline bind every stage; the run's state is checkpointed
//! after every screening chunk and stage, and argmin checkpoints the solvers, so a run
//! killed at any instant resumes to the same result.

use super::checkpoint::{AtomicCheckpoint, RunId, read_checkpoint, to_bytes};
use super::cmaes::{CmaEs, CmaState};
use super::cost::SeamCost;
use super::progress::Progress;
use super::stream::run_stream;
use super::tracked::{ConvergencePoint, Tracked};
use super::{BatchCost, Best, offer};
use crate::atomic::write_atomic;
use crate::config::{CmaCovariance, SolverChoice};
use crate::eval::sample::QuasiRandom;
use anyhow::{Context, Result};
use argmin::core::{Executor, State, TerminationReason, TerminationStatus};
use argmin::solver::neldermead::NelderMead;
use argmin::solver::particleswarm::{Particle, ParticleSwarm};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything that decides a run's result (with the cost function and the seed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub seed: u64,
    /// Evaluations for screening + population search + polish.
    pub budget_evals: u64,
    pub screening: u64,
    /// Screened candidates that seed the population search.
    pub seeds_from_screening: usize,
    pub solver: SolverChoice,
    /// Candidates per generation.
    pub population: usize,
    /// Independent population searches the stage's budget is split between, each started
    /// from another of the best screened candidates (1: one search with all of it).
    pub population_runs: usize,
    /// CMA-ES initial step size, in the units of the search box.
    pub sigma0: f64,
    /// The covariance CMA-ES adapts.
    pub covariance: CmaCovariance,
    /// CMA-ES keeps its best point so far in the selection.
    pub elitist: bool,
    pub polish_evals: u64,
    /// Generations between argmin checkpoints.
    pub checkpoint_every: u64,
    /// Candidates per call in screening and the random baseline.
    pub sweep_chunk: usize,
    /// Also run a random search of the same budget, for comparison.
    pub compare_random: bool,
}

impl Plan {
    /// Why this plan cannot run, if it cannot: what a plan read back from disk must meet
    /// (one `optimize` makes always does).
    pub fn problem(&self) -> Option<String> {
        let bad = [
            (self.budget_evals == 0, "budget_evals is 0"),
            (self.screening == 0 || self.screening > self.budget_evals, "screening is 0 or above the budget"),
            (self.seeds_from_screening == 0, "seeds_from_screening is 0"),
            (self.population < 2, "population is under 2"),
            (self.population_runs == 0, "population_runs is 0"),
            (!(self.sigma0.is_finite() && self.sigma0 > 0.0), "sigma0 is not a positive number"),
            (self.checkpoint_every == 0, "checkpoint_every is 0"),
            (self.sweep_chunk == 0, "sweep_chunk is 0"),
            // The ranges the config and the flags hold new runs to: a re-signed run.json
            // must not escape them (a budget of 2^64 - 1 ran without end).
            (self.budget_evals > crate::config::MAX_BUDGET_EVALS, "budget_evals is above 2^40"),
            (self.polish_evals > crate::config::MAX_BUDGET_EVALS, "polish_evals is above 2^40"),
            (self.seed > i64::MAX as u64, "seed is above 2^63 - 1"),
            (self.population > crate::config::MAX_POPULATION, "population is above 2^20"),
            (self.seeds_from_screening > crate::config::MAX_SEEDS_FROM_SCREENING, "seeds_from_screening is above 4096"),
            (self.population_runs > crate::config::MAX_POPULATION_RUNS, "population_runs is above 64"),
            (self.sweep_chunk > 1 << 24, "sweep_chunk is above 2^24"),
        ];
        bad.iter().find(|(b, _)| *b).map(|(_, why)| why.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Screening,
    Population,
    Polish,
    RandomBaseline,
    Done,
}

/// What one stage did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageSummary {
    pub name: String,
    pub evals: u64,
    pub eval_seconds: f64,
    /// Best cost of the run when the stage ended.
    pub best_after: f64,
    pub stopped_by: String,
}

/// A random search's result.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub evals: u64,
    pub eval_seconds: f64,
    pub best: Best,
}

/// The run so far: saved after every chunk and stage, and returned at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunState {
    pub plan: Plan,
    pub stage: Stage,
    /// Points of the quasi-random sequence evaluated so far (screening, then baseline).
    pub sweep_done: u64,
    /// Evaluations by the optimizer (the baseline not included).
    pub evals: u64,
    pub eval_seconds: f64,
    /// The best (cost, point) found.
    pub best: Best,
    /// The best screened (cost, sequence index, point), best first.
    pub top: Vec<(f64, u64, Vec<f64>)>,
    pub history: Vec<ConvergencePoint>,
    pub stages: Vec<StageSummary>,
    pub baseline: Baseline,
    /// Population searches finished so far.
    pub population_runs_done: usize,
    /// The best (cost, point) of each finished population search, in order: how far
    /// independent searches agree is the search's own error bar.
    pub population_bests: Vec<(f64, Vec<f64>)>,
    /// The time budget stopped the run.
    pub out_of_time: bool,
    /// Wall-clock seconds the run has taken, over all its sessions (resumes).
    pub wall_seconds: f64,
}

impl RunState {
    fn new(plan: Plan) -> Self {
        RunState {
            plan,
            stage: Stage::Screening,
            sweep_done: 0,
            evals: 0,
            eval_seconds: 0.0,
            best: None,
            top: Vec::new(),
            history: Vec::new(),
            stages: Vec::new(),
            baseline: Baseline::default(),
            population_runs_done: 0,
            population_bests: Vec::new(),
            out_of_time: false,
            wall_seconds: 0.0,
        }
    }
    pub fn best_cost(&self) -> f64 {
        self.best.as_ref().map_or(f64::INFINITY, |b| b.0)
    }
}

/// Where a run keeps its checkpoints.
#[derive(Debug, Clone)]
pub struct CheckpointDir {
    pub dir: PathBuf,
    /// The run every checkpoint here belongs to (files from another run are refused).
    pub run: RunId,
}

impl CheckpointDir {
    fn pipeline(&self) -> PathBuf {
        self.dir.join("pipeline.bin")
    }
    fn solver(&self, stage: &str) -> PathBuf {
        self.dir.join(format!("{stage}.bin"))
    }
    /// Whether a run state has been saved here (without reading it).
    pub fn has_run_state(&self) -> bool {
        self.pipeline().exists()
    }
    /// The saved run state, if there is one.
    pub fn load(&self) -> Result<Option<RunState>> {
        let path = self.pipeline();
        read_checkpoint(&path, &self.run)
    }
    fn save(&self, state: &RunState) -> Result<()> {
        write_atomic(&self.pipeline(), &to_bytes(state, &self.run)?)
    }
}

/// Runs (or resumes) the pipeline. With `checkpoints`, an existing run state there is
/// resumed (its plan must equal `plan`) and progress is saved as the run goes.
/// `time_budget` is in wall-clock seconds over all sessions of the run.
pub fn run(
    cost: &mut dyn BatchCost,
    plan: Plan,
    checkpoints: Option<&CheckpointDir>,
    time_budget: Option<f64>,
    progress: &dyn Progress,
) -> Result<RunState> {
    let mut st = match checkpoints.map(CheckpointDir::load).transpose()?.flatten() {
        Some(saved) => {
            if saved.plan != plan {
                // Name the settings that differ, not two debug dumps.
                let (a, b) = (serde_json::to_value(&saved.plan)?, serde_json::to_value(&plan)?);
                let differ: Vec<String> = a
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, v)| b.get(k.as_str()) != Some(v))
                    .map(|(k, v)| {
                        format!("{k} {v} there, {} here", b.get(k.as_str()).unwrap_or(&serde_json::Value::Null))
                    })
                    .collect();
                return Err(crate::input::BadInput(format!(
                    "{}: made with other search settings than this run's ({}); restore it, or start a new run",
                    checkpoints.map_or(String::new(), |c| c.pipeline().display().to_string()),
                    differ.join(", ")
                ))
                .into());
            }
            saved
        }
        None => RunState::new(plan),
    };
    let (started, wall_before) = (Instant::now(), st.wall_seconds);
    let deadline = time_budget.map(|t| started + std::time::Duration::from_secs_f64((t - wall_before).max(0.0)));
    progress.time_left(time_budget.map(|t| (t - wall_before).max(0.0)));
    let save = |st: &mut RunState| {
        st.wall_seconds = wall_before + started.elapsed().as_secs_f64();
        checkpoints.map_or(Ok(()), |c| c.save(st))
    };
    let past = || deadline.is_some_and(|d| Instant::now() >= d);
    let dim = cost.dim();
    // The screening's sequence; the random baseline continues it.
    let sampler = QuasiRandom::new(dim, st.plan.seed);
    let report = |evals: u64, best: f64| progress.update(evals, best);

    loop {
        if st.out_of_time && st.stage != Stage::Done {
            st.stage = Stage::Done;
            save(&mut st)?;
        }
        match st.stage {
            Stage::Screening => {
                let end = st.plan.screening.min(st.plan.budget_evals);
                progress.stage("screening", end);
                let t0 = st.eval_seconds;
                while st.sweep_done < end && !past() {
                    let n = (end - st.sweep_done).min(st.plan.sweep_chunk as u64) as usize;
                    let (points, costs, seconds) = sweep(cost, &sampler, st.sweep_done, n)?;
                    st.eval_seconds += seconds;
                    for (i, (x, &c)) in points.chunks_exact(dim).zip(&costs).enumerate() {
                        keep_top(&mut st.top, st.plan.seeds_from_screening, c, st.sweep_done + i as u64, x);
                        offer(&mut st.best, c, x);
                    }
                    st.sweep_done += n as u64;
                    st.evals += n as u64;
                    st.history.push(ConvergencePoint { evals: st.evals, best: st.best_cost() });
                    report(st.evals, st.best_cost());
                    save(&mut st)?;
                }
                st.out_of_time = st.sweep_done < end;
                let stopped_by = if st.out_of_time { "time budget" } else { "screening done" };
                st.stages.push(StageSummary {
                    name: "screening".into(),
                    evals: st.evals,
                    eval_seconds: st.eval_seconds - t0,
                    best_after: st.best_cost(),
                    stopped_by: stopped_by.into(),
                });
                st.stage = Stage::Population;
                save(&mut st)?;
            }
            Stage::Population => {
                // Screening is the only stage before this one: its evaluations are where
                // the population stage's budget is split from.
                let start = st.stages.first().map_or(0, |s| s.evals);
                let total = st.plan.budget_evals.saturating_sub(start).saturating_sub(st.plan.polish_evals);
                let runs = st.plan.population_runs.max(1);
                let k = st.population_runs_done;
                let budget = (total / runs as u64).min(total.saturating_sub(st.evals - start));
                if k < runs && !st.top.is_empty() && budget >= st.plan.population as u64 {
                    let name = match runs {
                        1 => solver_name(st.plan.solver).to_string(),
                        _ => format!("{} run {}/{runs}", solver_name(st.plan.solver), k + 1),
                    };
                    progress.stage(&name, st.evals + budget);
                    let file = format!("population-{k}");
                    let path = checkpoints.map(|c| (c.solver(&file), c.run));
                    let seam = SeamCost::new(cost).with_deadline(deadline).with_progress(&report);
                    let run = PopulationRun { budget, index: k, checkpoint: path };
                    let best = match st.plan.solver {
                        SolverChoice::Cmaes => {
                            let r = population_cmaes(&st, seam, run)?;
                            absorb(&mut st, r, &name)
                        }
                        SolverChoice::Pso => {
                            let r = population_pso(&st, seam, run)?;
                            absorb(&mut st, r, &name)
                        }
                    };
                    st.population_bests.extend(best);
                    st.population_runs_done = k + 1;
                    save(&mut st)?;
                    remove_solver_checkpoint(checkpoints, &file)?;
                    if st.population_runs_done < runs {
                        continue;
                    }
                } else if k == 0 {
                    progress.note("population search skipped: no evaluations left for one generation");
                }
                st.stage = Stage::Polish;
                save(&mut st)?;
            }
            Stage::Polish => {
                let budget = st.plan.polish_evals.min(st.plan.budget_evals.saturating_sub(st.evals));
                if let Some((_, x)) = st.best.clone().filter(|_| budget > dim as u64 + 1) {
                    progress.stage("polish", st.evals + budget);
                    let path = checkpoints.map(|c| (c.solver("polish"), c.run));
                    let seam = SeamCost::new(cost).with_deadline(deadline).with_progress(&report);
                    let tracked = polish(&st, seam, &x, budget, path)?;
                    absorb(&mut st, tracked, "polish (Nelder-Mead)");
                }
                st.stage = Stage::RandomBaseline;
                save(&mut st)?;
                remove_solver_checkpoint(checkpoints, "polish")?;
            }
            Stage::RandomBaseline => {
                // A random search of the optimizer's budget: the screening's points, then
                // the same sequence on up to as many points as the optimizer evaluated.
                if st.plan.compare_random {
                    progress.stage("random search (comparison)", st.evals);
                    if st.baseline.best.is_none() {
                        st.baseline.best = st.top.first().map(|(c, _, x)| (*c, x.clone()));
                        st.baseline.evals = st.sweep_done;
                    }
                    while st.sweep_done < st.evals && !past() {
                        let n = (st.evals - st.sweep_done).min(st.plan.sweep_chunk as u64) as usize;
                        let (points, costs, seconds) = sweep(cost, &sampler, st.sweep_done, n)?;
                        st.baseline.eval_seconds += seconds;
                        for (x, &c) in points.chunks_exact(dim).zip(&costs) {
                            offer(&mut st.baseline.best, c, x);
                        }
                        st.sweep_done += n as u64;
                        st.baseline.evals = st.sweep_done;
                        report(st.sweep_done, st.baseline.best.as_ref().map_or(f64::NAN, |b| b.0));
                        save(&mut st)?;
                    }
                }
                st.stage = Stage::Done;
                save(&mut st)?;
            }
            Stage::Done => break,
        }
    }
    progress.finish();
    st.wall_seconds = wall_before + started.elapsed().as_secs_f64();
    Ok(st)
}

pub fn solver_name(s: SolverChoice) -> &'static str {
    match s {
        SolverChoice::Cmaes => "CMA-ES",
        SolverChoice::Pso => "particle swarm",
    }
}

/// Costs points `from .. from + n` of the screening's sequence (clamped into the box): the
/// points, their costs, and the seconds spent evaluating. Point 0 is the centre of the box
/// (every channel the same share, half the cash spent and half the compute to design: a
/// neutral policy, and a better start for CMA-ES with a small first step than a random
/// point: README, "How the default was chosen"); the rest follow the quasi-random sequence.
fn sweep(cost: &mut dyn BatchCost, sampler: &QuasiRandom, from: u64, n: usize) -> Result<(Vec<f64>, Vec<f64>, f64)> {
    let (bound, dim) = (cost.bound(), cost.dim());
    let mut points = Vec::with_capacity(n * dim);
    sampler.fill(from, n, &mut points);
    points.iter_mut().for_each(|v| *v = v.clamp(-bound, bound));
    if from == 0 && n > 0 {
        points[..dim].iter_mut().for_each(|v| *v = 0.0);
    }
    let mut costs = vec![f64::NAN; n];
    let t = Instant::now();
    cost.bulk_cost(&points, &mut costs)?;
    Ok((points, costs, t.elapsed().as_secs_f64()))
}

/// Keeps the `k` best (cost, index, point), best first, ties broken by index.
fn keep_top(top: &mut Vec<(f64, u64, Vec<f64>)>, k: usize, cost: f64, index: u64, x: &[f64]) {
    if cost.is_nan() || (top.len() >= k && top.last().is_some_and(|w| (w.0, w.1) <= (cost, index))) {
        return;
    }
    let at = top.partition_point(|e| (e.0, e.1) < (cost, index));
    top.insert(at, (cost, index, x.to_vec()));
    top.truncate(k);
}

/// Folds a finished argmin stage into the run; returns the stage's own best.
fn absorb<S>(
    st: &mut RunState,
    (tracked, reason): (Tracked<S>, TerminationStatus),
    name: &str,
) -> Option<(f64, Vec<f64>)> {
    st.evals += tracked.evals;
    st.eval_seconds += tracked.eval_seconds;
    if let Some((c, x)) = &tracked.best {
        offer(&mut st.best, *c, x);
    }
    // The stage's own history, then a running minimum over the whole run: a stage's best
    // can be worse than the run's so far, and must not be shown before it was found.
    st.history.extend(tracked.history.iter().copied());
    let mut best = f64::INFINITY;
    for p in &mut st.history {
        best = best.min(p.best);
        p.best = best;
    }
    st.out_of_time |= tracked.out_of_time;
    let stopped_by = match reason {
        TerminationStatus::Terminated(TerminationReason::Timeout) => "time budget".to_string(),
        TerminationStatus::Terminated(TerminationReason::SolverExit(s)) => s,
        TerminationStatus::Terminated(TerminationReason::SolverConverged) => "converged".to_string(),
        TerminationStatus::Terminated(r) => r.text().to_string(),
        TerminationStatus::NotTerminated => "not terminated".to_string(),
    };
    st.stages.push(StageSummary {
        name: name.into(),
        evals: tracked.evals,
        eval_seconds: tracked.eval_seconds,
        best_after: st.best_cost(),
        stopped_by,
    });
    tracked.best
}

fn remove_solver_checkpoint(checkpoints: Option<&CheckpointDir>, stage: &str) -> Result<()> {
    if let Some(c) = checkpoints {
        match std::fs::remove_file(c.solver(stage)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", c.solver(stage).display()));
            }
            _ => {}
        }
    }
    Ok(())
}

type StageResult<S> = (Tracked<S>, TerminationStatus);

/// Runs an argmin executor on a tracked solver, with checkpointing when `path` is given.
macro_rules! execute {
    ($seam:expr, $tracked:expr, $path:expr, $every:expr, $configure:expr) => {{
        let mut ex = Executor::new($seam, $tracked).configure($configure).ctrlc(false);
        if let Some((p, run)) = $path {
            ex = ex.checkpointing(AtomicCheckpoint::new(p, $every, run));
        }
        // A checkpoint refused as bad input stays bad input (exit 2).
        let res = ex.run().map_err(|e| {
            if e.downcast_ref::<crate::input::BadInput>().is_some() { e } else { anyhow::anyhow!("{e:#}") }
        })?;
        let status = res.state().get_termination_status().clone();
        (res.solver, status)
    }};
}

/// One of the population stage's independent searches.
#[derive(Debug)]
struct PopulationRun {
    /// Evaluations it may use.
    budget: u64,
    /// Which run (0-based): it starts at the `index`-th best screened candidate.
    index: usize,
    checkpoint: Option<(PathBuf, RunId)>,
}

/// Every CMA-ES run starts at the centre of the box (every channel the same share, half
/// the cash spent, half the compute fed to design), each with its own random stream:
/// independent searches from one neutral start, whose spread is the search's error bar.
/// Starting at the best screened point instead put each search seed in another basin
/// (model version 4, 200,000 evaluations, seeds 1-5: 265.5-276.8 months against
/// 263.1-265.2 from the centre; README, "How the default was chosen").
fn population_cmaes(st: &RunState, seam: SeamCost<'_>, r: PopulationRun) -> Result<StageResult<CmaEs>> {
    let (p, run, budget, path) = (&st.plan, r.index, r.budget, r.checkpoint);
    let bound = seam.bound();
    let mean = vec![0.0; st.top[0].2.len()];
    let es = CmaEs::new(mean, p.sigma0, p.population, bound, run_stream(p.seed, 0x000C_3AE5, run))
        .with_shape(p.covariance == CmaCovariance::Diagonal, p.elitist);
    let tracked = Tracked::new(es, st.evals, budget, p.population as u64);
    Ok(execute!(seam, tracked, path, p.checkpoint_every, |s: CmaState| s.max_iters(u64::MAX)))
}

type Swarm = ParticleSwarm<Vec<f64>, f64, Xoshiro256PlusPlus>;
type SwarmState = argmin::core::PopulationState<Particle<Vec<f64>, f64>, f64>;

fn population_pso(st: &RunState, seam: SeamCost<'_>, r: PopulationRun) -> Result<StageResult<Swarm>> {
    let (p, run, budget, path) = (&st.plan, r.index, r.budget, r.checkpoint);
    let (dim, bound) = (seam.dim(), seam.bound());
    let resuming = path.as_ref().is_some_and(|(p, _)| p.exists());
    // The swarm starts at the screened seeds plus uniform points of the box, with small
    // random velocities (argmin's own start is uniform with velocities the box's width).
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(run_stream(p.seed, 0x9507, run));
    let mut particles = Vec::new();
    if !resuming {
        let fresh = p.population.saturating_sub(st.top.len());
        let points: Vec<f64> = (0..fresh * dim).map(|_| rng.random_range(-bound..=bound)).collect();
        let costs = seam.costs(&points)?;
        let mut velocity = || (0..dim).map(|_| rng.random_range(-0.1 * bound..=0.1 * bound)).collect::<Vec<f64>>();
        for (c, _, x) in st.top.iter().take(p.population) {
            particles.push(Particle::new(x.clone(), *c, velocity()));
        }
        for (x, c) in points.chunks_exact(dim).zip(costs) {
            particles.push(Particle::new(x.to_vec(), c, velocity()));
        }
    }
    let swarm = ParticleSwarm::new((vec![-bound; dim], vec![bound; dim]), p.population)
        .with_rng_generator(Xoshiro256PlusPlus::seed_from_u64(run_stream(p.seed, 0x5A4D, run)));
    let tracked = Tracked::new(swarm, st.evals, budget, p.population as u64);
    Ok(execute!(seam, tracked, path, p.checkpoint_every, move |s: SwarmState| {
        let s = s.max_iters(u64::MAX);
        if particles.is_empty() { s } else { s.population(particles) }
    }))
}

/// Nelder-Mead from a simplex around `x`, scaled to a twentieth of the box.
fn polish(
    st: &RunState,
    seam: SeamCost<'_>,
    x: &[f64],
    budget: u64,
    path: Option<(PathBuf, RunId)>,
) -> Result<StageResult<NelderMead<Vec<f64>, f64>>> {
    let (dim, bound) = (x.len(), seam.bound());
    let step = 0.05 * bound;
    let mut simplex = vec![x.to_vec()];
    for i in 0..dim {
        let mut v = x.to_vec();
        // Step inwards when the point sits on the box's edge.
        v[i] = if v[i] + step <= bound { v[i] + step } else { v[i] - step };
        simplex.push(v);
    }
    let nm = NelderMead::new(simplex).with_sd_tolerance(1e-9).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tracked = Tracked::new(nm, st.evals, budget, dim as u64 + 1);
    type NmState = argmin::core::IterState<Vec<f64>, (), (), (), (), f64>;
    Ok(execute!(seam, tracked, path, st.plan.checkpoint_every * 10, |s: NmState| s.max_iters(u64::MAX)))
}

/// Where `optimize` keeps checkpoints inside its output folder.
pub fn checkpoint_dir(out: &Path, run: RunId) -> CheckpointDir {
    CheckpointDir { dir: out.join("checkpoint"), run }
}
