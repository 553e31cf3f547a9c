//! report.md: the run's answer in plain words — when the target is reached, what the
//! policy does phase by phase, what binds when, how it compares with the hand-written
//! policies and a random search of the same budget, and how the search went.

use super::figures::Figure;
use super::optimize::{Outcome, PolicyResult};
use super::trajectory::{ground_limit, production_limit};
use crate::config::Experiment;
use crate::model::Channel;
use crate::model::run::MonthRecord;
use std::fmt::Write;

fn months(t: Option<f64>) -> String {
    t.map_or("not reached".into(), |m| format!("{m:.1}"))
}

/// What limits growth in a month, in words.
pub fn binding(r: &MonthRecord, pue: f64, ground_cap_gw: f64) -> String {
    match production_limit(&r.flows) {
        "fab" => "fab capacity (wafer starts)".into(),
        "packaging" => "packaging + HBM capacity".into(),
        "cash" => "cash".into(),
        "deployable_power" => {
            let at_cap = r.state.ground_power_gw >= 0.98 * ground_cap_gw;
            match (ground_limit(&r.state, pue), at_cap) {
                (_, true) => "power: the ground cap is reached; space power and launch decide".into(),
                ("power", false) => "power: ground power plants".into(),
                _ => "power: datacentre halls".into(),
            }
        }
        other => other.into(),
    }
}

fn comparison_row(s: &mut String, p: &PolicyResult, unit: &str) {
    let spread = p.months_to_target.map_or("-".into(), |[a, b, c]| format!("{a:.1} / {b:.1} / {c:.1}"));
    let _ = writeln!(
        s,
        "| {} | {:.3} {unit} | {} | {}/{} | {spread} | {:.1} |",
        p.name,
        p.cost,
        months(p.nominal_months_to_target),
        p.reached_in,
        p.scenarios,
        p.nominal_peak_gw_per_year
    );
}

pub fn report(exp: &Experiment, o: &Outcome, figures: &[Figure]) -> String {
    let s_ = &o.summary;
    let run = &o.run;
    let mut s = String::new();
    let _ = writeln!(s, "# How fast can the loop reach {} GW/yr of compute? ({})\n", run.target_gw_per_year, exp.name);
    let _ = writeln!(s, "## The answer\n");
    match (s_.time_to_target_months, &s_.target_date) {
        (Some(t), Some(d)) => {
            let _ = writeln!(
                s,
                "With the best policy found, deployment reaches **{} GW/yr in {d}**, {t:.1} months after {}, on the \
                 nominal scenario (central parameter values). Over the {} sampled scenarios the target is reached in \
                 {} of them{}.",
                run.target_gw_per_year,
                run.start,
                s_.scenarios,
                s_.target_reached_in_scenarios,
                o.best.months_to_target.map_or(String::new(), |[a, b, c]| format!(
                    ", after {a:.1} months at best, {b:.1} at the median and {c:.1} at worst"
                ))
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "With the best policy found, deployment does **not reach {} GW/yr by {}** on the nominal scenario; it \
                 peaks at {:.1} GW/yr. The target is reached in {} of {} sampled scenarios.",
                run.target_gw_per_year,
                run.start.plus(run.horizon_months as i64 - 1),
                o.best.nominal_peak_gw_per_year,
                s_.target_reached_in_scenarios,
                s_.scenarios
            );
        }
    }
    let _ = writeln!(
        s,
        "\nThe search minimised the {} of the {} cost over {} scenarios: **{:.3} {}** (f64 reference; the search's \
         backend measured {:.3}).\n",
        s_.aggregate, s_.objective, s_.scenarios, s_.best_cost, s_.cost_unit, s_.best_cost_on_backend
    );

    let _ = writeln!(s, "## Compared with other policies\n");
    let _ = writeln!(
        s,
        "| policy | {} cost | months to target (nominal) | scenarios reaching it | months: earliest / median / latest | peak GW/yr (nominal) |",
        s_.aggregate
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    comparison_row(&mut s, &o.best, s_.cost_unit);
    for p in &o.others {
        comparison_row(&mut s, p, s_.cost_unit);
    }
    if let Some(r) = &s_.random_search {
        let _ = writeln!(
            s,
            "\nThe random search evaluated {} quasi-random policies (the same sequence the screening starts with), \
             as many as the optimizer used; the optimizer's cost is {:.3} {} lower.",
            r.evaluations,
            r.best_cost - s_.best_cost,
            s_.cost_unit
        );
    }

    let _ = writeln!(s, "\n## What the policy does, phase by phase\n");
    let _ = writeln!(s, "| phase | months | cash spent per month | compute fed to design | where the spending goes |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for (i, (a, label)) in o.best.phases.iter().zip(run.phase_labels()).enumerate() {
        let mut shares: Vec<(f64, Channel)> = a.shares.iter().copied().zip(Channel::ALL).collect();
        shares.sort_by(|x, y| y.0.total_cmp(&x.0));
        let main: Vec<String> = shares
            .iter()
            .filter(|(v, _)| *v >= 0.03)
            .map(|(v, c)| format!("{} {:.0}%", c.describe(), 100.0 * v))
            .collect();
        let _ = writeln!(
            s,
            "| {} | {label} | {:.1}% | {:.1}% | {} |",
            i + 1,
            100.0 * a.spend_fraction,
            100.0 * a.design_fraction,
            main.join("; ")
        );
    }
    let _ = writeln!(s, "\nThe exact policy is in `best_policy.toml`; channels under 3% are left out above.");

    let _ = writeln!(s, "\n## What binds when (nominal scenario)\n");
    let _ = writeln!(
        s,
        "Each month, the venture's own chip output is held down by the tightest of fab capacity, packaging capacity, \
         cash and the power it can deploy into; for power, the ground's plants, halls and cap, and space.\n"
    );
    let _ = writeln!(s, "| from | to | what binds |");
    let _ = writeln!(s, "|---|---|---|");
    let labels: Vec<String> =
        o.best.nominal.months.iter().map(|r| binding(r, exp.params.ground_pue, o.ground_cap_gw)).collect();
    let mut start = 0;
    let mut rows = 0;
    for m in 1..=labels.len() {
        if m == labels.len() || labels[m] != labels[start] {
            if rows < 20 {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} |",
                    run.start.plus(start as i64),
                    run.start.plus(m as i64 - 1),
                    labels[start]
                );
            }
            rows += 1;
            start = m;
        }
    }
    if rows > 20 {
        let _ = writeln!(s, "\n({} more changes; see the `production_limit` column of trajectory.csv.)", rows - 20);
    }

    let _ = writeln!(s, "\n## Figures\n");
    for f in figures {
        let _ = writeln!(s, "**{}** ([PNG]({}.png))\n\n![{}]({}.svg)\n", f.caption, f.stem, f.caption, f.stem);
    }

    let _ = writeln!(s, "## How the search went\n");
    let _ = writeln!(
        s,
        "{} evaluations of a budget of {} on {} ({}), seed {}; {:.1} s in all, {:.1} s of it evaluating ({:.1}% outside \
         evaluation){}.\n",
        s_.evaluations,
        s_.budget_evals,
        s_.backend,
        s_.adapter,
        s_.seed,
        s_.wall_seconds,
        s_.eval_seconds,
        100.0 * s_.search_overhead_fraction,
        if s_.stopped_by_time_budget { "; **the time budget stopped it**" } else { "" }
    );
    let _ = writeln!(s, "| stage | evaluations | seconds evaluating | best after | stopped by |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for st in &s_.stages {
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} | {:.3} | {} |",
            st.name, st.evals, st.eval_seconds, st.best_after, st.stopped_by
        );
    }
    let _ = writeln!(
        s,
        "\nConfig `{}` (sha256 {}), terafab {}. Re-run the best policy with \
         `terafab simulate {} --policy best_policy.toml --scenario all`.",
        s_.config,
        &s_.config_sha256[..12.min(s_.config_sha256.len())],
        s_.terafab_version,
        if s_.config.starts_with('<') { String::new() } else { s_.config.clone() }
    );
    s
}
