//! `terafab simulate`: one policy month by month, in the f64 reference, with its
//! trajectory and summary (and, with `--scenario all`, the cost `optimize` minimises).

use super::setup::{load_policy, out_dir, pick_scenario};
use crate::config::Experiment;
use crate::flags::GlobalArgs;
use crate::model::simulate;
use crate::report::{self, summary::TrajectorySummary};
use anyhow::{Context, Result};

pub fn run(exp: &Experiment, policy: &str, scenario: &str, g: &GlobalArgs) -> Result<()> {
    let phases = load_policy(policy, exp)?;
    let all = scenario == "all";
    let params = if all { exp.params } else { pick_scenario(exp, scenario)? };
    let out = out_dir(g, exp);
    let _lock = crate::commands::lock::lock_run_folder(&out, crate::commands::lock::Writer::Simulate)?;
    let t = simulate(&exp.run, &params, &phases);
    let csv = report::trajectory::to_csv(&exp.run, &params, &t)?;
    crate::atomic::write_atomic(&out.join("trajectory.csv"), &csv)?;
    let mut summary = serde_json::to_value(TrajectorySummary::new(&exp.run, &params, &t))?;
    let extra = serde_json::json!({
        "config": exp.source, "config_sha256": exp.sha256, "policy": policy, "scenario": scenario,
        "seed": exp.seed, "scenario_seed": exp.scenarios.seed, "terafab_version": env!("CARGO_PKG_VERSION"),
        "model_version": crate::model::MODEL_VERSION,
    });
    let fields = summary.as_object_mut().context("summary is an object")?;
    fields.extend(extra.as_object().cloned().unwrap_or_default());
    let mut aggregate = None;
    if all {
        let problem = crate::eval::Problem::from_experiment(exp);
        let costs = crate::eval::PolicyCosts::of(&problem, &phases);
        let (cost, per) = (costs.aggregate, &costs.per_scenario);
        fields.insert("aggregate".into(), problem.aggregate.to_string().into());
        fields.insert("aggregate_cost".into(), cost.into());
        fields.insert("scenario_costs".into(), per.clone().into());
        // What the aggregate reads as (a month or a level) is read without the retreat charge.
        let before = costs.aggregate_before_retreat;
        fields.insert("aggregate_cost_before_retreat".into(), before.into());
        fields.insert("aggregate_retreat_months".into(), costs.mean_retreat_months.into());
        fields.insert("aggregate_headline".into(), serde_json::to_value(exp.run.headline_of_cost(before))?);
        aggregate = Some((problem.aggregate, per.len(), cost));
    }
    crate::atomic::write_atomic(&out.join("summary.json"), serde_json::to_string_pretty(&summary)?.as_bytes())?;
    if !g.quiet {
        println!("{}", report::summary::headline(&exp.run, &t));
        if let Some((how, n, cost)) = aggregate {
            println!("cost over {n} scenarios ({how}): {cost} {}", exp.run.objective.cost_unit());
        }
        println!("wrote {}/trajectory.csv and summary.json", out.display());
    }
    Ok(())
}
