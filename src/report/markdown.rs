//! report.md: the run's answer in plain words — whether and when the target is sustained,
//! how sure the search is, what the policy does knot by knot, what binds deployment when,
//! where the money goes, how it compares with the hand-written policies and a random
//! search of the same budget, how the search went, and the command that reproduces it.

use super::binding::{Limit, cash_carried, classify_all, spans};
use super::figures::Figure;
use super::optimize::{Outcome, PolicyResult};
use super::summary::Money;
use super::trajectory::site;
use crate::config::Experiment;
use crate::model::{Channel, State};
use std::fmt::Write;

fn months(t: Option<f64>) -> String {
    t.map_or("not reached".into(), |m| format!("{m:.1}"))
}

fn comparison_row(s: &mut String, p: &PolicyResult, unit: &str) {
    let spread = p.months_to_target.map_or("-".into(), |[a, b, c]| format!("{a:.1} / {b:.1} / {c:.1}"));
    let _ = writeln!(
        s,
        "| {} | {:.3} {unit} | {} | {}/{} | {spread} | {:.1} | {:.1} |",
        p.name,
        p.cost,
        months(p.nominal_months_to_target),
        p.reached_in,
        p.scenarios,
        p.nominal_levels.sustained_gw_per_year,
        p.nominal_levels.peak_gw_per_year
    );
}

pub fn report(exp: &Experiment, o: &Outcome, figures: &[Figure]) -> String {
    let mut s = String::new();
    answer(&mut s, exp, o);
    confidence(&mut s, o);
    hinges_on(&mut s, o);
    comparison(&mut s, o);
    knots(&mut s, exp, o);
    binding(&mut s, exp, o);
    money(&mut s, exp, o);
    let _ = writeln!(s, "\n## Figures\n");
    for f in figures {
        let _ = writeln!(s, "**{}** ([PNG]({}.png))\n\n![{}]({}.svg)\n", f.caption, f.stem, f.caption, f.stem);
    }
    search(&mut s, o);
    s
}

fn answer(s: &mut String, exp: &Experiment, o: &Outcome) {
    let (s_, run) = (&o.summary, &o.run);
    let _ =
        writeln!(s, "# How fast can the loop sustain {} GW/yr of compute? ({})\n", run.target_gw_per_year, exp.name);
    let _ = writeln!(s, "## The answer\n");
    let _ = writeln!(
        s,
        "The target counts **chip power** (accelerator TDP with its memory), deployed over a trailing 12 months, and \
         is **sustained** when that rate holds for {} consecutive months.\n",
        run.sustain_months
    );
    match (s_.time_to_target_months, &s_.target_date) {
        (Some(t), Some(d)) => {
            let _ = writeln!(
                s,
                "With the best policy found, deployment **sustains {} GW/yr from {d}**, {t:.1} months after {}, on the \
                 nominal scenario (central parameter values). Over the {} sampled scenarios the target is sustained in \
                 {} of them{}.",
                run.target_gw_per_year,
                run.start,
                s_.scenarios,
                s_.target_reached_in_scenarios,
                o.best.months_to_target.map_or(String::new(), |[a, b, c]| format!(
                    ", from month {a:.1} at best, {b:.1} at the median and {c:.1} at worst"
                ))
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "With the best policy found, deployment does **not sustain {} GW/yr by {}** on the nominal scenario; \
                 the best level it holds for {} months is **{:.1} GW/yr**. The target is sustained in {} of {} sampled \
                 scenarios.",
                run.target_gw_per_year,
                run.start.plus(run.horizon_months as i64 - 1),
                run.sustain_months,
                s_.sustained_gw_per_year,
                s_.target_reached_in_scenarios,
                s_.scenarios
            );
        }
    }
    if let Some(h) = s_.headline {
        let geometric = if s_.aggregate == "mean" {
            " (for scenarios that miss, the geometric mean of the levels they sustain)"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "\nOver the {} scenarios, the search's {} cost is {:.3} {}. Without the retreat charge (each scenario's cost \
             less its charge, then the {}) it is {:.3}, which reads: **{h}**{geometric}.",
            s_.scenarios, s_.aggregate, s_.best_cost, s_.cost_unit, s_.aggregate, s_.best_cost_before_retreat
        );
        let _ = writeln!(
            s,
            "\nThe retreat charge averages {:.2} months over the scenarios: {} month(s) per month the sustained level \
             spends a doubling below the best it already held, before the target is reached{}.",
            s_.retreat_months,
            run.retreat_months_per_doubling,
            if s_.retreat_months < 0.5 {
                " (the policy's sustained level barely falls; the charge prices a fall, not a stall in growth, so \
                 check the money figure for cash carried toward the end)"
            } else {
                ": **the policy lets deployment fall for a while**, and the level above counts that fall as shortfall"
            }
        );
    }
    let ratio = o.best.nominal_levels.peak_ratio();
    let _ = writeln!(
        s,
        "\nOver the months the objective scores, the peak trailing 12-month deployment is {:.1} GW/yr, {ratio:.2}x the \
         sustained level{}.",
        s_.peak_gw_per_year,
        if ratio <= 1.3 { " (steady growth, not a one-off burst)" } else { ": **a burst well above what is held**" }
    );
    let _ = writeln!(
        s,
        "\nThe search minimised the {} of the {} cost over {} scenarios: **{:.3} {}** (f64 reference; the search's \
         backend measured {:.3}).\n",
        s_.aggregate, s_.objective, s_.scenarios, s_.best_cost, s_.cost_unit, s_.best_cost_on_backend
    );
}

fn confidence(s: &mut String, o: &Outcome) {
    let s_ = &o.summary;
    let sp = &s_.search_spread;
    let _ = writeln!(s, "## How sure the answer is\n");
    if sp.runs.len() > 1 {
        let _ = writeln!(
            s,
            "**The search.** The population stage ran {} independent searches, each with its own random stream. Their \
             best policies, re-costed with the f64 reference:\n",
            sp.runs.len()
        );
        let _ = writeln!(
            s,
            "| | {} cost ({}) | which reads | sustained GW/yr (nominal) | months to target (nominal) |",
            s_.aggregate, s_.cost_unit
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        for (name, r) in [("best", &sp.best), ("median", &sp.median), ("worst", &sp.worst)] {
            if let Some(r) = r {
                let _ = writeln!(
                    s,
                    "| {name} | {:.3} | {} | {:.1} | {} |",
                    r.cost,
                    r.headline.map_or("-".into(), |h| h.to_string()),
                    r.sustained_gw_per_year,
                    months(r.months_to_target)
                );
            }
        }
        // The rule weighs the nominal sustained level too: say how far apart that is.
        let level_gap = match (&sp.best, &sp.median) {
            (Some(b), Some(m)) if b.sustained_gw_per_year.abs() > 0.0 => format!(
                " and {:.1}% apart in nominal sustained level",
                100.0 * (b.sustained_gw_per_year - m.sustained_gw_per_year).abs() / b.sustained_gw_per_year.abs()
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "\nThe median search is {:.2}% above the best in cost{level_gap}: {}",
            100.0 * sp.median_gap,
            if sp.converged {
                "within 1% in cost and sustained level, so the search is **converged**; more budget is unlikely to move \
                 the answer much."
            } else {
                "more than 1% apart in cost or sustained level, so the search is **not converged**: a larger --budget \
                 may find a better policy, and the answer above is a bound, not the optimum."
            }
        );
    } else {
        let _ = writeln!(
            s,
            "**The search.** One population search ran; its spread is unknown (set search.population_runs > 1)."
        );
    }
    let sm = &s_.scenario_sampling;
    let se = if sm.standard_error_of_mean.is_finite() {
        format!(
            "the standard error of the mean over its {} scenarios is {:.2} {}; ",
            s_.scenarios, sm.standard_error_of_mean, s_.cost_unit
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "\n**The scenarios.** Apart from the search, the answer depends on which scenarios were drawn: {se}re-costed on \
         the scenarios of {} other scenario seeds, the best policy's cost ranges {:.2}-{:.2} {} (sd {:.2}).\n",
        sm.other_seeds.len(),
        sm.other_seed_costs.iter().copied().fold(f64::INFINITY, f64::min),
        sm.other_seed_costs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        s_.cost_unit,
        sm.spread_sd
    );
}

fn hinges_on(s: &mut String, o: &Outcome) {
    let s_ = &o.summary;
    if s_.tornado.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "## What the answer hinges on
"
    );
    let _ = writeln!(
        s,
        "The best policy, held fixed, with one uncertain parameter at a time set to the low and the high end of its \
         `[uncertainty]` range in every scenario ({} cost, {}; {:.3} with every parameter drawn). Largest swing first; \
         for what re-optimizing at each end gives, run `terafab sweep` (configs/sweeps/what-it-hinges-on.toml).\n",
        s_.aggregate, s_.cost_unit, s_.best_cost
    );
    let _ = writeln!(s, "| parameter | low | cost at low | high | cost at high | swing |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for w in &s_.tornado {
        let _ = writeln!(
            s,
            "| `{}` | {} | {:.2} | {} | {:.2} | {:.2} |",
            w.key, w.low, w.cost_at_low, w.high, w.cost_at_high, w.swing
        );
    }
    let _ = writeln!(s);
}

fn comparison(s: &mut String, o: &Outcome) {
    let s_ = &o.summary;
    let _ = writeln!(s, "## Compared with other policies\n");
    let _ = writeln!(
        s,
        "| policy | {} cost | months to target (nominal) | scenarios reaching it | months: earliest / median / latest | sustained GW/yr (nominal) | peak GW/yr (nominal) |",
        s_.aggregate
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    comparison_row(s, &o.best, s_.cost_unit);
    for p in &o.others {
        comparison_row(s, p, s_.cost_unit);
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
}

fn knots(s: &mut String, exp: &Experiment, o: &Outcome) {
    let _ = writeln!(s, "\n## What the policy does, knot by knot\n");
    let _ = writeln!(
        s,
        "The policy is set at {} knots; every month between two knots takes the straight line between them, so \
         nothing jumps at a knot.\n",
        exp.run.knots
    );
    let _ = writeln!(s, "| knot | month | cash spent per month | compute fed to design | where the spending goes |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for (i, (a, label)) in o.best.knots.iter().zip(exp.run.knot_labels()).enumerate() {
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
}

fn binding(s: &mut String, exp: &Experiment, o: &Outcome) {
    let run = &o.run;
    let t = &o.best.nominal;
    let limits = classify_all(&State::initial(&exp.params), &t.months, site(&exp.params));
    let _ = writeln!(s, "\n## What binds deployment when (nominal scenario)\n");
    let _ = writeln!(
        s,
        "Each month, the limit that held deployment down: chips waiting for power (then the ground's plants, halls or \
         cap, or in orbit launch capacity or the satellite budget), or power to spare and too few chips (fab, \
         packaging, the market's supply, cash, or cash with demand saturated); or the policy holding its cash. The \
         `binding_limit` column of trajectory.csv has it month by month.\n"
    );
    let _ = writeln!(s, "| from | to | months | what binds |");
    let _ = writeln!(s, "|---|---|---|---|");
    let spans = spans(&limits);
    for &(a, b, l) in spans.iter().take(24) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            run.start.plus(a as i64),
            run.start.plus(b as i64),
            b - a + 1,
            l.describe()
        );
    }
    if spans.len() > 24 {
        let _ = writeln!(s, "\n({} more changes; see the `binding_limit` column of trajectory.csv.)", spans.len() - 24);
    }
    let mut counts: Vec<(usize, Limit)> =
        Limit::ALL.iter().map(|&l| (limits.iter().filter(|&&x| x == l).count(), l)).filter(|c| c.0 > 0).collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.0));
    let words: Vec<String> = counts.iter().map(|(n, l)| format!("{} {n}", l.code())).collect();
    let _ = writeln!(s, "\nMonths per limit: {}.", words.join(", "));
    let hoard = limits.iter().filter(|&&l| l == Limit::Hoard).count();
    if hoard > 0 {
        let _ = writeln!(
            s,
            "\nThe policy holds its cash in {hoard} months: check that this is saving for something the objective \
             rewards, not an artefact."
        );
    }
    // Only time_to_target scores a level that carried cash can raise; only the months it
    // scores count.
    let scored = &t.months[..o.best.nominal_levels.scored_months.min(t.months.len())];
    let carried = (run.objective == crate::model::Objective::TimeToTarget)
        .then(|| cash_carried(&State::initial(&exp.params), scored))
        .flatten();
    if let Some((i, cash, spent)) = carried {
        let against = if spent >= 0.5 {
            format!("{:.1} months of that month's discretionary spending (${spent:.0}B)", cash / spent)
        } else {
            "while the policy spends almost none of it".to_string()
        };
        let _ = writeln!(
            s,
            "\nCash on hand peaks at ${cash:.0}B in {}, {against}, with deployment bound by {}: the policy carries money \
             forward (an allotment a channel cannot use stays in the bank, and a low spend share keeps it there). A \
             missed target is scored on the best level sustained, so money carried toward the months that hold it can \
             pay; the retreat charge forbids letting the level fall meanwhile, not growing slowly.",
            run.start.plus(t.months[i].month as i64),
            limits[i].describe()
        );
    }
}

fn money(s: &mut String, exp: &Experiment, o: &Outcome) {
    let m = Money::new(&exp.params, &o.best.nominal);
    let _ =
        writeln!(s, "\n## Where the money comes from and goes (nominal scenario, {} months)\n", o.run.horizon_months);
    let _ = writeln!(s, "| | $B |");
    let _ = writeln!(s, "|---|---|");
    let _ = writeln!(s, "| initial cash | {:.1} |", m.initial_cash_busd);
    let _ = writeln!(s, "| + funding | {:.1} |", m.funding_busd);
    let _ = writeln!(s, "| + revenue | {:.1} |", m.revenue_busd);
    let _ = writeln!(s, "| + borrowed | {:.1} |", m.borrowed_busd);
    let mut items: Vec<(&String, &f64)> = m.spending_busd.iter().filter(|(_, v)| **v > 0.0).collect();
    items.sort_by(|a, b| b.1.total_cmp(a.1));
    for (k, v) in items {
        let _ = writeln!(s, "| - {} | {:.1} |", k.replace('_', " "), v);
    }
    let _ = writeln!(s, "| = final cash | {:.1} |", m.final_cash_busd);
    let _ = writeln!(
        s,
        "\nDebt: {:.1} $B borrowed over the run, {:.1} $B of interest accrued, {:.1} $B owed at the end.",
        m.borrowed_busd, m.interest_busd, m.final_debt_busd
    );
    let _ = writeln!(
        s,
        "\nThe identity closes to {:.1e} $B. {:.0} GW of chips were deployed: **{:.1} $B per GW** on average (capital \
         spending, everything but electricity), {:.1} $B per GW over the last 12 months, and **{:.1} $B per GW at the \
         margin** (one more GW at the final month's prices: the cheaper chip plus the cheaper place to run it). \
         Revenue was {:.1}% of the world's spending on AI compute in the final month ({:.1}% at most).",
        m.identity_residual_busd,
        m.deployed_gw,
        m.average_busd_per_gw,
        m.last_12_months_busd_per_gw,
        m.marginal_busd_per_gw,
        100.0 * m.world_market_share_final,
        100.0 * m.world_market_share_peak
    );
}

fn search(s: &mut String, o: &Outcome) {
    let s_ = &o.summary;
    let _ = writeln!(s, "## How the search went\n");
    let _ = writeln!(
        s,
        "{} evaluations of a budget of {} on {} ({}), search seed {}; {:.1} s in all, {:.1} s of it evaluating ({:.1}% \
         outside evaluation){}.\n",
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
        "\nConfig `{}` (sha256 {}, a copy in `config.toml`), scenario seed {}, terafab {}, model version {}. To \
         reproduce the best cost ({} {}), from this folder:\n\n```sh\n{}\n```",
        s_.config,
        &s_.config_sha256[..12.min(s_.config_sha256.len())],
        s_.scenario_seed,
        s_.terafab_version,
        s_.model_version,
        s_.best_cost,
        s_.cost_unit,
        super::optimize::REPRODUCE
    );
}
