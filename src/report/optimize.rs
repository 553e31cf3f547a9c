//! What `terafab optimize` leaves in its run folder: the best policy re-costed with the
//! f64 reference, compared with the hand-written policies and a random search of the
//! same budget, with the search's spread and the scenario-sampling error; summary.json,
//! best_policy.toml, config.toml, trajectory.csv, convergence.csv, the figures and
//! report.md.

use super::confidence::{ScenarioSampling, SearchSpread};
use super::figures;
use super::markdown;
use super::summary::{TrajectorySummary, levels, target_date};
use super::{peak_rss_mib, trajectory};
use crate::atomic::{AtomicFile, write_atomic};
use crate::config::Experiment;
use crate::eval::{Evaluator, PolicyCosts, Problem};
use crate::model::objective::Levels;
use crate::model::policy::{Alloc, decode, parse_policy_toml, to_policy_toml};
use crate::model::{Trajectory, simulate};
use crate::search::pipeline::{RunState, StageSummary};
use crate::search::tracked::ConvergencePoint;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::Path;

/// A policy's result, for the comparison table.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyResult {
    pub name: String,
    /// Aggregate cost over the scenarios (f64 reference).
    pub cost: f64,
    /// Scenarios in which the target is reached, of `scenarios`.
    pub reached_in: usize,
    pub scenarios: usize,
    /// Earliest, median and latest months to the target over the scenarios that reach it.
    pub months_to_target: Option<[f64; 3]>,
    /// On the nominal scenario.
    pub nominal_months_to_target: Option<f64>,
    /// The best sustained level and the peak on the nominal scenario, over the months
    /// the objective scores.
    pub nominal_levels: Levels,
    /// The retreat charge in the cost, averaged over the scenarios (months).
    pub retreat_months: f64,
    /// The aggregate cost with each scenario's retreat charge taken out (what the
    /// headline reads).
    pub cost_before_retreat: f64,
    #[serde(skip)]
    pub knots: Vec<Alloc<f64>>,
    #[serde(skip)]
    pub nominal: Trajectory,
}

impl PolicyResult {
    pub fn new(name: &str, exp: &Experiment, problem: &Problem, knots: Vec<Alloc<f64>>) -> Self {
        let costs = PolicyCosts::of(problem, &knots);
        let mut times: Vec<f64> =
            costs.finals.iter().filter(|s| s.reached > 0.5).map(|s| s.time_to_target_months).collect();
        times.sort_by(f64::total_cmp);
        let nominal = simulate(&problem.run, &exp.params, &knots);
        let fs = &nominal.final_state;
        PolicyResult {
            name: name.into(),
            cost: costs.aggregate,
            cost_before_retreat: costs.aggregate_before_retreat,
            reached_in: times.len(),
            scenarios: problem.scenarios.len(),
            months_to_target: (!times.is_empty()).then(|| [times[0], times[times.len() / 2], times[times.len() - 1]]),
            nominal_months_to_target: (fs.reached > 0.5).then_some(fs.time_to_target_months),
            nominal_levels: levels(&problem.run, &nominal),
            retreat_months: costs.mean_retreat_months,
            knots,
            nominal,
        }
    }
}

/// Everything summary.json says.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub model_version: u32,
    pub config: String,
    pub config_sha256: String,
    pub objective: &'static str,
    pub cost_unit: &'static str,
    pub aggregate: String,
    pub scenarios: usize,
    pub scenario_seed: u64,
    pub target_gw_per_year: f64,
    pub sustain_months: usize,
    pub knots: usize,
    /// The best policy's aggregate cost, re-evaluated with the f64 CPU reference.
    pub best_cost: f64,
    /// The same, as the search's backend computed it.
    pub best_cost_on_backend: f64,
    /// On the nominal scenario: null when the target is not sustained within the horizon.
    pub time_to_target_months: Option<f64>,
    pub target_date: Option<String>,
    /// The aggregate of each scenario's cost less its retreat charge (f64 reference).
    pub best_cost_before_retreat: f64,
    /// `best_cost_before_retreat` in the answer's own words: months to the target, or
    /// the sustained level it stands for (for the mean, over scenarios that miss, the
    /// geometric mean of their levels).
    pub headline: Option<crate::model::run::Headline>,
    /// On the nominal scenario, over the months the objective scores.
    pub sustained_gw_per_year: f64,
    pub peak_gw_per_year: f64,
    /// The best policy's retreat charge, averaged over the scenarios (months of cost).
    pub retreat_months: f64,
    pub target_reached_in_scenarios: usize,
    /// The independent population runs' bests: the search's own error bar.
    pub search_spread: SearchSpread,
    /// The best policy's cost on other draws of the scenarios.
    pub scenario_sampling: ScenarioSampling,
    /// Run from the run folder, it prints `best_cost` again.
    pub reproduce: String,
    pub evaluations: u64,
    pub budget_evals: u64,
    pub wall_seconds: f64,
    pub eval_seconds: f64,
    /// Share of the search's wall time spent outside evaluation.
    pub search_overhead_fraction: f64,
    pub stopped_by_time_budget: bool,
    pub backend: String,
    pub adapter: String,
    /// The CPU lanes' instruction set (none on a GPU).
    pub simd: Option<crate::eval::simd::SimdPath>,
    pub seed: u64,
    pub terafab_version: String,
    pub peak_rss_mib: Option<f64>,
    pub stages: Vec<StageSummary>,
    pub random_search: Option<RandomSearchSummary>,
    pub comparison: Vec<PolicyResult>,
    pub plan: crate::search::pipeline::Plan,
    /// The best policy's cost with each uncertain parameter at either end of its range.
    pub tornado: Vec<super::tornado::Swing>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RandomSearchSummary {
    pub evaluations: u64,
    pub eval_seconds: f64,
    pub best_cost: f64,
}

/// A finished run, ready to write.
#[derive(Debug)]
pub struct Outcome {
    pub summary: Summary,
    pub best: PolicyResult,
    pub others: Vec<PolicyResult>,
    pub history: Vec<ConvergencePoint>,
    pub policy_toml: String,
    pub run: crate::model::RunSpec,
}

/// The command that re-costs the best policy, run from inside the run folder.
pub const REPRODUCE: &str = "terafab simulate config.toml --policy best_policy.toml --scenario all --out resimulated";

impl Outcome {
    pub fn new(exp: &Experiment, problem: &Problem, st: &RunState, ev: &dyn Evaluator) -> Result<Self> {
        let (search_cost, x) = st.best.clone().context("the search evaluated no candidate")?;
        let months = exp.run.knot_labels();
        let header = format!(
            "Best policy found by terafab optimize {} ({}, search seed {}, {} evaluations on {}).\n\
             {} over {} scenarios (scenario seed {}): {} {}. Re-run, from the run folder:\n{REPRODUCE}",
            env!("CARGO_PKG_VERSION"),
            exp.source,
            exp.seed,
            st.evals,
            ev.describe(),
            problem.aggregate,
            problem.scenarios.len(),
            exp.scenarios.seed,
            search_cost,
            exp.run.objective.cost_unit()
        );
        let policy_toml = to_policy_toml(&decode(&x), &months, &header);
        // The written file is what users re-run, so cost exactly what it reads back as.
        let knots =
            parse_policy_toml(&policy_toml, exp.run.knots, Some(&months)).context("re-reading best_policy.toml")?;
        let best = PolicyResult::new("optimized", exp, problem, knots);
        let mut others = Vec::new();
        if let Some((_, x)) = &st.baseline.best {
            let name = format!("random search ({} evaluations)", st.baseline.evals);
            others.push(PolicyResult::new(&name, exp, problem, decode(x)));
        }
        for (name, text) in crate::config::BUILTIN_POLICIES {
            let (knots, written) = crate::config::builtin_policy(text, &exp.run)?;
            let label = if written == exp.run.knots {
                format!("hand-written: {name}")
            } else {
                format!("hand-written: {name} (its {written} knots re-sampled at {})", exp.run.knots)
            };
            others.push(PolicyResult::new(&label, exp, problem, knots));
        }
        let ttt = best.nominal_months_to_target;
        let summary = Summary {
            model_version: crate::model::MODEL_VERSION,
            config: exp.source.clone(),
            config_sha256: exp.sha256.clone(),
            objective: exp.run.objective.name(),
            cost_unit: exp.run.objective.cost_unit(),
            aggregate: problem.aggregate.to_string(),
            scenarios: problem.scenarios.len(),
            scenario_seed: exp.scenarios.seed,
            target_gw_per_year: exp.run.target_gw_per_year,
            sustain_months: exp.run.sustain_months,
            knots: exp.run.knots,
            best_cost: best.cost,
            best_cost_on_backend: search_cost,
            time_to_target_months: ttt,
            target_date: ttt.map(|t| target_date(&exp.run, t)),
            best_cost_before_retreat: best.cost_before_retreat,
            headline: exp.run.headline_of_cost(best.cost_before_retreat),
            sustained_gw_per_year: best.nominal_levels.sustained_gw_per_year,
            peak_gw_per_year: best.nominal_levels.peak_gw_per_year,
            retreat_months: best.retreat_months,
            target_reached_in_scenarios: best.reached_in,
            search_spread: SearchSpread::new(exp, problem, &st.population_bests),
            scenario_sampling: ScenarioSampling::new(exp, problem, &best.knots),
            reproduce: REPRODUCE.into(),
            evaluations: st.evals,
            budget_evals: st.plan.budget_evals,
            wall_seconds: st.wall_seconds,
            eval_seconds: st.eval_seconds + st.baseline.eval_seconds,
            search_overhead_fraction: if st.wall_seconds > 0.0 {
                (1.0 - (st.eval_seconds + st.baseline.eval_seconds) / st.wall_seconds).max(0.0)
            } else {
                0.0
            },
            stopped_by_time_budget: st.out_of_time,
            backend: ev.backend_name().into(),
            adapter: ev.device_name(),
            simd: ev.simd_path(),
            seed: exp.seed,
            terafab_version: env!("CARGO_PKG_VERSION").into(),
            peak_rss_mib: peak_rss_mib(),
            stages: st.stages.clone(),
            random_search: st.baseline.best.as_ref().map(|(c, _)| RandomSearchSummary {
                evaluations: st.baseline.evals,
                eval_seconds: st.baseline.eval_seconds,
                best_cost: *c,
            }),
            comparison: std::iter::once(best.clone()).chain(others.iter().cloned()).collect(),
            plan: st.plan.clone(),
            tornado: super::tornado::swings(exp, &best.knots),
        };
        Ok(Outcome { summary, best, others, history: st.history.clone(), policy_toml, run: exp.run.clone() })
    }

    pub fn headline(&self) -> String {
        let s = &self.summary;
        let over = s
            .headline
            .map_or(String::new(), |h| format!("; over the {} scenarios ({}): {h}", s.scenarios, s.aggregate));
        let spread = match (&s.search_spread.best, &s.search_spread.worst) {
            (Some(b), Some(w)) if s.search_spread.runs.len() > 1 => format!(
                "; {} independent searches: sustained {:.0}-{:.0} GW/yr, cost {:.2}-{:.2}{}",
                s.search_spread.runs.len(),
                w.sustained_gw_per_year.min(b.sustained_gw_per_year),
                w.sustained_gw_per_year.max(b.sustained_gw_per_year),
                b.cost,
                w.cost,
                if s.search_spread.converged { " (converged)" } else { " (not converged)" }
            ),
            _ => String::new(),
        };
        match (s.time_to_target_months, &s.target_date) {
            (Some(t), Some(d)) => format!(
                "{} GW/yr of chip power sustained for {} months from month {t:.1} ({d}) on the nominal scenario, in \
                 {} of {} scenarios{over}; {} cost {:.3} {}{spread}",
                s.target_gw_per_year,
                s.sustain_months,
                s.target_reached_in_scenarios,
                s.scenarios,
                s.aggregate,
                s.best_cost,
                s.cost_unit
            ),
            _ => format!(
                "{} GW/yr of chip power not sustained on the nominal scenario (best sustained {:.1} GW/yr, peak \
                 {:.1}){over}; {} cost {:.3} {}{spread}",
                s.target_gw_per_year,
                s.sustained_gw_per_year,
                s.peak_gw_per_year,
                s.aggregate,
                s.best_cost,
                s.cost_unit
            ),
        }
    }
}

/// Writes every output file of a run, each atomically, with `summary.json` last: it says
/// `"complete": true`, so a folder without it holds a run that is unfinished or whose
/// outputs failed to write (a previous summary is removed first).
pub fn write_outputs(out: &Path, exp: &Experiment, o: &Outcome) -> Result<()> {
    let summary_path = out.join("summary.json");
    match std::fs::remove_file(&summary_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("cannot replace {}", summary_path.display()));
        }
        _ => {}
    }
    write_atomic(&out.join("best_policy.toml"), o.policy_toml.as_bytes())?;
    write_atomic(&out.join("config.toml"), exp.text.as_bytes())?;
    write_atomic(&out.join("trajectory.csv"), &trajectory::to_csv(&exp.run, &exp.params, &o.best.nominal)?)?;
    let mut conv = csv::Writer::from_writer(AtomicFile::create(&out.join("convergence.csv"))?);
    conv.write_record(["evaluations", "best_cost"])?;
    for p in &o.history {
        conv.write_record([p.evals.to_string(), p.best.to_string()])?;
    }
    conv.into_inner().map_err(|e| e.into_error())?.commit()?;
    let figures = figures::write_all(out, exp, o)?;
    write_atomic(&out.join("report.md"), markdown::report(exp, o, &figures).as_bytes())?;
    let mut summary = serde_json::to_value(&o.summary)?;
    let nominal = serde_json::to_value(TrajectorySummary::new(&exp.run, &exp.params, &o.best.nominal))?;
    let fields = summary.as_object_mut().context("summary is an object")?;
    fields.insert("nominal_trajectory".into(), nominal);
    fields.insert("complete".into(), true.into());
    write_atomic(&summary_path, serde_json::to_string_pretty(&summary)?.as_bytes())?;
    Ok(())
}
