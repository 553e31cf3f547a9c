//! The figures of an optimize run, from the best policy's nominal trajectory, the
//! comparison policies and the convergence history: deployment (and its sustained level)
//! against the target, what binds when, power on the ground and in space, chips, money,
//! spending shares, convergence.

use super::binding::{Limit, classify_all};
use super::optimize::Outcome;
use super::plots::{PALETTE, Panel, Series, write_figure};
use crate::config::Experiment;
use crate::model::objective::sustained_levels;
use crate::model::policy::{Channel, N_CHANNELS};
use crate::model::{State, Trajectory};
use anyhow::Result;
use plotters::style::RGBColor;
use std::path::Path;

/// A written figure: file stem and what it shows.
#[derive(Debug, Clone)]
pub struct Figure {
    pub stem: &'static str,
    pub caption: &'static str,
}

/// Reference lines (targets, caps): near-black, distinct from every series colour.
const REFERENCE: RGBColor = RGBColor(30, 30, 30);

fn line(name: &str, color: RGBColor, reference: bool, points: Vec<(f64, f64)>) -> Series {
    Series { name: name.into(), points, color, reference }
}

/// A monthly quantity of a trajectory against decimal years.
fn monthly(exp: &Experiment, t: &Trajectory, f: impl Fn(&crate::model::run::MonthRecord) -> f64) -> Vec<(f64, f64)> {
    t.months.iter().map(|r| (exp.run.start.decimal_year(r.month as f64 + 1.0), f(r))).collect()
}

fn flat(exp: &Experiment, value: f64) -> Vec<(f64, f64)> {
    let end = exp.run.start.decimal_year(exp.run.horizon_months as f64);
    vec![(exp.run.start.decimal_year(0.0), value), (end, value)]
}

fn lines(title: &str, y: &str, log_y: bool, series: Vec<Series>) -> Panel {
    Panel::Lines { title: title.into(), x_label: "year".into(), y_label: y.into(), log_y, log_x: false, series }
}

pub fn write_all(out: &Path, exp: &Experiment, o: &Outcome) -> Result<Vec<Figure>> {
    let t = &o.best.nominal;
    let mut figures = Vec::new();
    let mut add = |stem: &'static str, caption: &'static str, panels: Vec<Panel>| -> Result<()> {
        write_figure(out, stem, &panels)?;
        figures.push(Figure { stem, caption });
        Ok(())
    };

    let mut deploy = vec![line("optimized", PALETTE[0], false, monthly(exp, t, |r| r.state.deployed_last_12m_gw))];
    // The sustained level from each month: the least D over the next sustain_months.
    let d: Vec<f64> = t.months.iter().map(|r| r.state.deployed_last_12m_gw).collect();
    let held: Vec<(f64, f64)> = sustained_levels(&d, exp.run.sustain_months)
        .iter()
        .enumerate()
        .map(|(m, &v)| (exp.run.start.decimal_year(m as f64 + 1.0), v))
        .collect();
    let held_name = format!("optimized, held for the next {} months", exp.run.sustain_months);
    deploy.push(line(&held_name, PALETTE[9], false, held));
    for (k, other) in o.others.iter().enumerate() {
        let pts = monthly(exp, &other.nominal, |r| r.state.deployed_last_12m_gw);
        deploy.push(line(&other.name, PALETTE[k + 1], true, pts));
    }
    let target = format!("target {} GW/yr", exp.run.target_gw_per_year);
    deploy.push(line(&target, REFERENCE, true, flat(exp, exp.run.target_gw_per_year)));
    add(
        "deployment",
        "Accelerator power deployed over the trailing 12 months (GW/yr) and the level held from each month, nominal \
         scenario, against the target",
        vec![lines("Compute deployed per year (trailing 12 months)", "GW/yr (log)", true, deploy)],
    )?;

    if !o.summary.tornado.is_empty() {
        let rows = o.summary.tornado.iter().map(|w| (w.key.clone(), w.cost_at_low, w.cost_at_high)).collect();
        add(
            "tornado",
            "What the answer hinges on: the best policy's cost with each uncertain parameter at the low and the high \
             end of its range (the line: every parameter drawn)",
            vec![Panel::Bars {
                title: "The best policy's cost, one uncertain parameter at a time".into(),
                x_label: format!("cost ({})", o.summary.cost_unit),
                rows,
                reference: Some(o.summary.best_cost),
            }],
        )?;
    }

    let limits = classify_all(&State::initial(&exp.params), &t.months, super::trajectory::site(&exp.params));
    let x: Vec<f64> = t.months.iter().map(|r| exp.run.start.decimal_year(r.month as f64 + 1.0)).collect();
    let layers: Vec<(String, Vec<f64>)> = Limit::ALL
        .iter()
        .filter(|l| limits.contains(l))
        .map(|&l| (l.code().to_string(), limits.iter().map(|&m| if m == l { 1.0 } else { 0.0 }).collect()))
        .collect();
    add(
        "binding",
        "What binds deployment each month, nominal scenario (one colour per limit; trajectory.csv's binding_limit)",
        vec![Panel::Stacked {
            title: "What binds deployment".into(),
            x_label: "year".into(),
            y_label: "the month's binding limit".into(),
            x,
            layers,
        }],
    )?;

    add(
        "power",
        "Installed power for compute on the ground and in space, with the ground cap",
        vec![lines(
            "Power",
            "GW (log)",
            true,
            vec![
                line("ground power plants", PALETTE[0], false, monthly(exp, t, |r| r.state.ground_power_gw)),
                line("ground datacentre halls (IT)", PALETTE[1], false, monthly(exp, t, |r| r.state.datacenter_gw)),
                line("chips installed, ground", PALETTE[2], false, monthly(exp, t, |r| r.state.installed_ground_gw)),
                line("space power", PALETTE[3], false, monthly(exp, t, |r| r.state.space_power_gw)),
                line("chips installed, space", PALETTE[4], false, monthly(exp, t, |r| r.state.installed_space_gw)),
                line("ground power cap", REFERENCE, true, flat(exp, exp.params.ground_power_cap_gw)),
            ],
        )],
    )?;

    add(
        "chips",
        "Chip efficiency (own designs and the market's) and the length of one design iteration",
        vec![
            lines(
                "Chip efficiency",
                "TFLOP/s per W (log)",
                true,
                vec![
                    line("own chips", PALETTE[0], false, monthly(exp, t, |r| r.flows.own_eff_tflops_per_w)),
                    line("market chips", PALETTE[1], false, monthly(exp, t, |r| r.flows.market_eff_tflops_per_w)),
                ],
            ),
            lines(
                "Design iteration length",
                "months",
                false,
                vec![line("one design iteration", PALETTE[2], false, monthly(exp, t, |r| r.flows.iteration_months))],
            ),
        ],
    )?;

    add(
        "money",
        "Cash on hand, revenue and external funding per month ($B)",
        vec![lines(
            "Money",
            "$B",
            false,
            vec![
                line("cash on hand", PALETTE[0], false, monthly(exp, t, |r| r.state.cash_busd)),
                line("revenue per month", PALETTE[2], false, monthly(exp, t, |r| r.flows.revenue_busd)),
                line("funding per month", PALETTE[1], false, monthly(exp, t, |r| r.flows.funding_busd)),
            ],
        )],
    )?;

    let x: Vec<f64> = t.months.iter().map(|r| exp.run.start.decimal_year(r.month as f64 + 1.0)).collect();
    let mut layers: Vec<(String, Vec<f64>)> = Channel::ALL.iter().map(|c| (c.name().to_string(), Vec::new())).collect();
    for r in &t.months {
        let total: f64 = r.flows.spend_channel_busd.iter().sum();
        for (k, layer) in layers.iter_mut().enumerate().take(N_CHANNELS) {
            layer.1.push(if total > 0.0 { r.flows.spend_channel_busd[k] / total } else { 0.0 });
        }
    }
    add(
        "spending",
        "Where each month's discretionary spending goes, per channel",
        vec![Panel::Stacked {
            title: "Spending shares per channel".into(),
            x_label: "year".into(),
            y_label: "share of spending".into(),
            x,
            layers,
        }],
    )?;

    let conv: Vec<(f64, f64)> = o.history.iter().map(|p| (p.evals as f64, p.best)).collect();
    let end = conv.last().map_or(1.0, |p| p.0);
    let start = conv.first().map_or(1.0, |p| p.0);
    let mut series = vec![line("best so far", PALETTE[0], false, conv)];
    for (k, other) in o.others.iter().enumerate() {
        series.push(line(&other.name, PALETTE[k + 1], true, vec![(start, other.cost), (end, other.cost)]));
    }
    add(
        "convergence",
        "Best cost found against evaluations, with the comparison policies' costs",
        vec![Panel::Lines {
            title: "Convergence".into(),
            x_label: "evaluations (log)".into(),
            y_label: format!("{} cost ({})", o.summary.aggregate, o.summary.cost_unit),
            log_y: false,
            log_x: true,
            series: vec![series.remove(0)].into_iter().chain(series).collect(),
        }],
    )?;
    Ok(figures)
}
