//! Running a sweep's points: fixed-policy points as a few batched evaluator calls (a point
//! that changes only parameters is just more scenarios), optimize points one search each;
//! every finished (point, seed) saved at once, so a rerun skips it and a killed sweep
//! resumes to the same results. The backends and the search come in through [`Runner`]:
//! this layer never names a device.

use super::design::DesignPoint;
use super::spec::{Action, SweepSpec};
use crate::atomic::write_atomic;
use crate::config::Experiment;
use crate::eval::{Evaluator, PolicyCosts, Problem};
use crate::input::BadInput;
use crate::model::policy::{Alloc, encode, parse_policy_toml};
use crate::model::run::Headline;
use crate::model::{Aggregate, RunSpec, State, simulate};
use crate::report::binding::{Limit, classify_all};
use crate::report::summary::TrajectorySummary;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a sweep needs from the layers above it: evaluators on the chosen backend, and
/// the optimize job.
pub trait Runner {
    fn evaluator(&mut self, problem: Problem) -> Result<Box<dyn Evaluator>>;
    /// Runs (or, when `out` holds its run, resumes) `terafab optimize` on `exp` into `out`.
    fn optimize(&mut self, exp: Experiment, out: &Path, budget: Option<u64>) -> Result<OptimizeResult>;
}

/// What a sweep keeps of an optimize run.
#[derive(Debug, Clone)]
pub struct OptimizeResult {
    pub best_cost: f64,
    /// The best cost with each scenario's retreat charge taken out (what the headline reads).
    pub best_cost_before_retreat: f64,
    pub evaluations: u64,
    pub wall_seconds: f64,
    pub knots: Vec<Alloc<f64>>,
}

/// The slice of the sweep this process runs: runs whose number is `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };
    pub fn holds(&self, run: usize) -> bool {
        run % self.count == self.index
    }
}

/// One (point, seed)'s answer: a row of points.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    pub point: usize,
    pub seed_index: usize,
    /// The search seed of an optimize run (none for a fixed policy).
    pub search_seed: Option<u64>,
    pub values: Vec<toml::Value>,
    pub config_sha256: String,
    /// The aggregate cost over the point's scenarios (the best found, for optimize).
    pub cost: f64,
    /// The cost less its retreat charge in the answer's words: months to the target, or
    /// the sustained level.
    pub headline: Option<Headline>,
    /// On the point's nominal scenario: months to the sustained target (none if missed),
    /// its date, the best sustained and the peak 12-month deployment, and the limit that
    /// bound deployment in most of the months the objective scores.
    pub months_to_target: Option<f64>,
    pub target_date: Option<String>,
    pub sustained_gw_per_year: f64,
    pub peak_gw_per_year: f64,
    pub binding: String,
    pub evaluations: u64,
    pub wall_seconds: f64,
    /// The optimize run's folder, relative to the sweep's.
    pub run_dir: Option<String>,
}

/// Number of run `k` of point `p` among all runs: points x seeds, point-major.
pub fn run_number(spec: &SweepSpec, point: usize, seed_index: usize) -> usize {
    point * spec.seeds_per_point() + seed_index
}

/// The search seed of run `k` of point `p`: fixed by the sweep's seed and the run alone,
/// so results never depend on how the points are sharded (the search's own streams).
pub fn point_seed(sweep_seed: u64, point: usize, seed_index: usize) -> u64 {
    use crate::search::stream::run_stream;
    // run.seed takes at most 2^63 - 1.
    run_stream(run_stream(sweep_seed, 0x5EE9_0217, point), 0x5EE9_5EED, seed_index) >> 1
}

pub fn result_path(dir: &Path, point: usize, seed_index: usize) -> PathBuf {
    dir.join("points").join(format!("{point:07}-{seed_index}.json"))
}

/// A saved result, if this (point, seed) has one that belongs to this point's config.
pub fn load_result(dir: &Path, point: usize, seed_index: usize, sha256: &str) -> Result<Option<PointResult>> {
    let path = result_path(dir, point, seed_index);
    if !path.exists() {
        return Ok(None);
    }
    let text = crate::input::read_bounded_text(&path, crate::input::MAX_STATE_FILE_BYTES)
        .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    let r: PointResult = serde_json::from_str(&text).map_err(|e| {
        BadInput(format!("{}: not a sweep point result ({e}); delete it to rerun the point", path.display()))
    })?;
    if r.config_sha256 != sha256 || r.point != point || r.seed_index != seed_index {
        return Err(BadInput(format!(
            "{}: holds the result of another sweep's point; this folder belongs to another sweep, choose another --out",
            path.display()
        ))
        .into());
    }
    Ok(Some(r))
}

fn save_result(dir: &Path, r: &PointResult) -> Result<()> {
    write_atomic(&result_path(dir, r.point, r.seed_index), serde_json::to_string_pretty(r)?.as_bytes())
}

/// The limit that bound most of the months the objective scores (ties: the earlier one).
fn main_limit(exp: &Experiment, t: &crate::model::Trajectory, scored: usize) -> String {
    let limits = classify_all(&State::initial(&exp.params), &t.months, crate::report::trajectory::site(&exp.params));
    let window = &limits[..scored.clamp(1, limits.len())];
    let mut counts: Vec<(Limit, usize)> = Vec::new();
    for l in window {
        match counts.iter_mut().find(|(k, _)| k == l) {
            Some(c) => c.1 += 1,
            None => counts.push((*l, 1)),
        }
    }
    counts.iter().max_by_key(|(_, n)| *n).map_or("none", |(l, _)| l.code()).to_string()
}

/// A point's result from its aggregate cost, that cost without the retreat charge (what
/// the headline reads) and its policy (what it cost to run is the caller's to fill in).
fn result_of(
    spec_point: (usize, usize, Option<u64>),
    dp: &DesignPoint,
    exp: &Experiment,
    (cost, before_retreat): (f64, f64),
    knots: &[Alloc<f64>],
) -> PointResult {
    let t = simulate(&exp.run, &exp.params, knots);
    let s = TrajectorySummary::new(&exp.run, &exp.params, &t);
    PointResult {
        point: spec_point.0,
        seed_index: spec_point.1,
        search_seed: spec_point.2,
        values: dp.values.clone(),
        config_sha256: exp.sha256.clone(),
        cost,
        headline: exp.run.headline_of_cost(before_retreat),
        months_to_target: s.time_to_target_months,
        target_date: s.target_date.clone(),
        sustained_gw_per_year: s.sustained_gw_per_year,
        peak_gw_per_year: s.peak_gw_per_year,
        binding: main_limit(exp, &t, s.scored_months),
        evaluations: 0,
        wall_seconds: 0.0,
        run_dir: None,
    }
}

/// The policy of an evaluate sweep, for this point's run settings.
pub fn fixed_policy(spec: &SweepSpec, exp: &Experiment) -> Result<Vec<Alloc<f64>>> {
    let Action::Evaluate { policy, policy_text } = &spec.action else { anyhow::bail!("not an evaluate sweep") };
    if crate::config::BUILTIN_POLICIES.iter().any(|(n, _)| n == policy) {
        return Ok(crate::config::builtin_policy(policy_text, &exp.run)?.0);
    }
    parse_policy_toml(policy_text, exp.run.knots, Some(&exp.run.knot_labels()))
        .map_err(|e| BadInput(format!("[point] policy = \"{policy}\": {e}")).into())
}

/// Most scenarios one evaluator call takes in a fixed-policy batch (bounds its memory).
const MAX_BATCH_SCENARIOS: usize = 1 << 18;

/// Costs `knots` on every scenario of `problem` in one evaluator call, and saves each
/// point's result; `batch` lists (point, its scenarios) in the problem's order.
#[allow(clippy::too_many_arguments)]
fn evaluate_batch(
    dir: &Path,
    points: &[DesignPoint],
    exps: &[Experiment],
    problem: Problem,
    knots: &[Alloc<f64>],
    batch: &[(usize, usize)],
    runner: &mut dyn Runner,
    progress: &mut dyn FnMut(&PointResult),
) -> Result<usize> {
    let t0 = Instant::now();
    let aggregate = problem.aggregate;
    let charged = problem.run.objective == crate::model::Objective::TimeToTarget
        && problem.run.retreat_months_per_doubling != 0.0;
    let mut costs = vec![f64::NAN; problem.scenarios.len()];
    runner.evaluator(problem)?.trajectory_costs(&encode(knots), &mut costs)?;
    // The batch's wall time, shared evenly: no point is evaluated alone.
    let seconds = t0.elapsed().as_secs_f64() / batch.len() as f64;
    let mut at = 0;
    for &(p, n) in batch {
        let cost = aggregate.apply(&mut costs[at..at + n].to_vec());
        at += n;
        // What the headline reads: the point's cost without the retreat charge, from one
        // parallel f64 pass over its scenarios (the evaluator gives costs, not charges; a
        // second evaluator pass with the charge off measured slower on a fixed policy,
        // whose one candidate fills a sixteenth of the SIMD lanes).
        let cost_before_retreat = if charged {
            PolicyCosts::of(&Problem::from_experiment(&exps[p]), knots).aggregate_before_retreat
        } else {
            cost
        };
        let r = PointResult {
            evaluations: 1,
            wall_seconds: seconds,
            ..result_of((p, 0, None), &points[p], &exps[p], (cost, cost_before_retreat), knots)
        };
        save_result(dir, &r)?;
        progress(&r);
    }
    Ok(batch.len())
}

/// Runs this shard's unfinished runs; `progress` hears of each finished one.
pub fn run_shard(
    spec: &SweepSpec,
    dir: &Path,
    points: &[DesignPoint],
    exps: &[Experiment],
    shard: Shard,
    runner: &mut dyn Runner,
    progress: &mut dyn FnMut(&PointResult),
) -> Result<usize> {
    let mut done = 0;
    match &spec.action {
        Action::Evaluate { .. } => {
            let pending: Vec<usize> = (0..points.len())
                .filter(|&p| shard.holds(run_number(spec, p, 0)))
                .map(|p| Ok((p, load_result(dir, p, 0, &exps[p].sha256)?.is_none())))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .filter_map(|(p, todo)| todo.then_some(p))
                .collect();
            // Points that share the run settings and the aggregate share one problem:
            // their scenarios side by side, one candidate.
            let mut groups: Vec<((RunSpec, Aggregate), Vec<usize>)> = Vec::new();
            for &p in &pending {
                let key = (exps[p].run.clone(), exps[p].scenarios.aggregate);
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some(g) => g.1.push(p),
                    None => groups.push((key, vec![p])),
                }
            }
            for ((run, aggregate), members) in groups {
                let knots = fixed_policy(spec, &exps[members[0]])?;
                let mut batch: Vec<(usize, usize)> = Vec::new();
                let mut scenarios = Vec::new();
                for (i, &p) in members.iter().enumerate() {
                    let s = exps[p].sampled_scenarios();
                    batch.push((p, s.len()));
                    scenarios.extend(s);
                    let next = members.get(i + 1).map_or(0, |&q| exps[q].scenarios.count.max(1));
                    if i + 1 == members.len() || scenarios.len() + next > MAX_BATCH_SCENARIOS {
                        let problem =
                            Problem { run: run.clone(), scenarios: std::mem::take(&mut scenarios), aggregate };
                        done += evaluate_batch(dir, points, exps, problem, &knots, &batch, runner, progress)?;
                        batch.clear();
                    }
                }
            }
        }
        Action::Optimize { budget, seeds_per_point } => {
            for (p, exp) in exps.iter().enumerate() {
                for k in 0..*seeds_per_point {
                    if !shard.holds(run_number(spec, p, k)) || load_result(dir, p, k, &exp.sha256)?.is_some() {
                        continue;
                    }
                    let seed = point_seed(spec.seed, p, k);
                    let mut exp = exp.clone();
                    exp.seed = seed;
                    let rel = format!("runs/{p:07}-{k}");
                    let out = dir.join(&rel);
                    let o =
                        runner.optimize(exp.clone(), &out, *budget).with_context(|| format!("point {p}, seed {k}"))?;
                    let r = PointResult {
                        evaluations: o.evaluations,
                        wall_seconds: o.wall_seconds,
                        run_dir: Some(rel),
                        ..result_of(
                            (p, k, Some(seed)),
                            &points[p],
                            &exp,
                            (o.best_cost, o.best_cost_before_retreat),
                            &o.knots,
                        )
                    };
                    save_result(dir, &r)?;
                    progress(&r);
                    done += 1;
                }
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_seeds_are_distinct_and_fit_run_seed() {
        let mut seen = std::collections::HashSet::new();
        for sweep in [0, 1, 2] {
            for p in 0..200 {
                for k in 0..5 {
                    let s = point_seed(sweep, p, k);
                    assert!(s <= i64::MAX as u64);
                    assert!(seen.insert(s), "sweep {sweep} point {p} seed {k} repeats {s}");
                }
            }
        }
    }

    #[test]
    fn shards_split_runs_without_overlap() {
        let count = 7;
        for run in 0..100 {
            assert_eq!((0..count).filter(|&i| Shard { index: i, count }.holds(run)).count(), 1);
        }
    }
}
