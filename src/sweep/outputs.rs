//! What a sweep leaves behind, from the saved point results alone (so a one-machine run
//! and `sweep collect` over shards write the same files): points.csv, the design's
//! sensitivity measures (sobol.csv, morris.csv), figures and report.md saying in words
//! which assumptions the answer hinges on, next to the search's own spread.

use super::design::{DesignPoint, Role, morris_trajectories};
use super::run::{PointResult, load_result};
use super::sensitivity::{MorrisIndex, SaltelliOutputs, SobolIndex, morris_indices, sobol_indices};
use super::spec::{Action, DesignKind, SweepSpec};
use crate::atomic::write_atomic;
use crate::config::Experiment;
use crate::model::run::Headline;
use crate::report::plots::{PALETTE, Panel, Series, write_figure};
use anyhow::Result;
use std::fmt::Write as _;
use std::path::Path;

/// The saved results of every (point, seed), and the ones missing.
#[derive(Debug, Clone)]
pub struct Collected {
    pub results: Vec<PointResult>,
    pub missing: Vec<(usize, usize)>,
}

pub fn collect(spec: &SweepSpec, dir: &Path, exps: &[Experiment]) -> Result<Collected> {
    let (mut results, mut missing) = (Vec::new(), Vec::new());
    for (p, exp) in exps.iter().enumerate() {
        for k in 0..spec.seeds_per_point() {
            match load_result(dir, p, k, &exp.sha256)? {
                Some(r) => results.push(r),
                None => missing.push((p, k)),
            }
        }
    }
    Ok(Collected { results, missing })
}

/// A config value as a CSV cell or a table entry.
pub fn cell(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Float(f) => format!("{f}"),
        toml::Value::Integer(i) => format!("{i}"),
        other => other.to_string(),
    }
}

fn role_name(r: &Role) -> &'static str {
    match r {
        Role::Nominal => "nominal",
        Role::Swing { .. } => "swing",
        Role::Grid => "grid",
        Role::LatinHypercube => "latin-hypercube",
        Role::SobolA { .. } => "sobol-a",
        Role::SobolB { .. } => "sobol-b",
        Role::SobolAb { .. } => "sobol-ab",
        Role::Morris { .. } => "morris",
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x}"))
}

/// points.csv: one row per (point, seed), tidy, in point order.
pub fn points_csv(spec: &SweepSpec, points: &[DesignPoint], results: &[PointResult]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["point", "seed_index", "search_seed", "role"].map(String::from).to_vec();
    header.extend(spec.factors.iter().map(|f| f.key.clone()));
    header.extend(
        [
            "cost",
            "headline_months_to_target",
            "headline_sustained_gw_per_year",
            "months_to_target",
            "target_date",
            "sustained_gw_per_year",
            "peak_gw_per_year",
            "binding",
            "evaluations",
            "wall_seconds",
            "run_dir",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for r in results {
        let (hm, hg) = match r.headline {
            Some(Headline::MonthsToTarget(m)) => (Some(m), None),
            Some(Headline::SustainedGwPerYear(g)) => (None, Some(g)),
            None => (None, None),
        };
        let mut row = vec![
            r.point.to_string(),
            r.seed_index.to_string(),
            r.search_seed.map_or(String::new(), |s| s.to_string()),
            role_name(&points[r.point].role).to_string(),
        ];
        row.extend(r.values.iter().map(cell));
        row.extend([
            format!("{}", r.cost),
            opt(hm),
            opt(hg),
            opt(r.months_to_target),
            r.target_date.clone().unwrap_or_default(),
            format!("{}", r.sustained_gw_per_year),
            format!("{}", r.peak_gw_per_year),
            r.binding.clone(),
            r.evaluations.to_string(),
            format!("{:.3}", r.wall_seconds),
            r.run_dir.clone().unwrap_or_default(),
        ]);
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}

/// The mean cost of each point over its seeds (NaN where a point has none).
fn point_means(n_points: usize, results: &[PointResult]) -> Vec<f64> {
    let mut sum = vec![(0.0, 0usize); n_points];
    for r in results {
        sum[r.point].0 += r.cost;
        sum[r.point].1 += 1;
    }
    sum.iter().map(|&(s, n)| if n == 0 { f64::NAN } else { s / n as f64 }).collect()
}

/// The search's own spread: over points with several seeds, the median and largest
/// (max - min) of the cost between seeds.
fn search_spread(results: &[PointResult], n_points: usize) -> Option<(f64, f64, usize)> {
    let mut by_point: Vec<Vec<f64>> = vec![Vec::new(); n_points];
    for r in results {
        by_point[r.point].push(r.cost);
    }
    let mut spreads: Vec<f64> = by_point
        .iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.iter().copied().fold(f64::NEG_INFINITY, f64::max) - c.iter().copied().fold(f64::INFINITY, f64::min))
        .collect();
    if spreads.is_empty() {
        return None;
    }
    spreads.sort_by(f64::total_cmp);
    Some((spreads[spreads.len() / 2], spreads[spreads.len() - 1], spreads.len()))
}

/// One factor's influence, as the design measures it.
#[derive(Debug, Clone)]
pub struct Influence {
    pub factor: usize,
    /// The number the factors are ordered by (a swing in cost units, an index, mu*).
    pub size: f64,
    /// Words for the report's list.
    pub text: String,
}

fn fmt_cost(c: f64) -> String {
    if c.is_finite() { format!("{c:.2}") } else { "n/a".into() }
}

/// The design's measure of every factor, largest first, plus any extra files and tables.
struct Analysis {
    influences: Vec<Influence>,
    tables: String,
    files: Vec<(String, Vec<u8>)>,
    /// The figure's panels (none: no figure).
    figure: Vec<Panel>,
}

fn analyse(spec: &SweepSpec, points: &[DesignPoint], y: &[f64], unit: &str) -> Result<Analysis> {
    let k = spec.factors.len();
    let key = |i: usize| spec.factors[i].key.clone();
    let mut tables = String::new();
    let mut files = Vec::new();
    let mut influences: Vec<Influence>;
    let mut figure = Vec::new();
    match spec.design {
        DesignKind::OneAtATime => {
            let nominal = points.iter().position(|p| p.role == Role::Nominal).map_or(f64::NAN, |i| y[i]);
            influences = (0..k)
                .map(|i| {
                    let swings: Vec<(String, f64)> = points
                        .iter()
                        .zip(y)
                        .filter(|(p, _)| matches!(p.role, Role::Swing { factor, .. } if factor == i))
                        .map(|(p, &c)| (cell(&p.values[i]), c))
                        .collect();
                    let all = swings.iter().map(|s| s.1).chain([nominal]);
                    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), c| (l.min(c), h.max(c)));
                    let moves: Vec<String> = swings.iter().map(|(v, c)| format!("{v} -> {}", fmt_cost(*c))).collect();
                    Influence {
                        factor: i,
                        size: hi - lo,
                        text: format!("swing {:.2} {unit} ({})", hi - lo, moves.join(", ")),
                    }
                })
                .collect();
            influences.sort_by(|a, b| b.size.total_cmp(&a.size));
            let rows = influences
                .iter()
                .map(|inf| {
                    let vals: Vec<f64> = points
                        .iter()
                        .zip(y)
                        .filter(|(p, _)| matches!(p.role, Role::Swing { factor, .. } if factor == inf.factor))
                        .map(|(_, &c)| c)
                        .chain([nominal])
                        .collect();
                    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (key(inf.factor), lo, hi)
                })
                .collect();
            figure.push(Panel::Bars {
                title: "Tornado: the cost at each factor's low and high values, the others nominal".into(),
                x_label: format!("cost ({unit}); the line is the nominal point"),
                rows,
                reference: Some(nominal),
            });
            let _ = writeln!(tables, "Nominal point: cost {} {unit}.\n", fmt_cost(nominal));
        }
        DesignKind::Grid | DesignKind::LatinHypercube => {
            // Grid: the range of the mean cost over each factor's values (main effects).
            // Latin hypercube: Spearman's rank correlation of each factor with the cost.
            influences = (0..k)
                .map(|i| {
                    let xs: Vec<f64> = points.iter().map(|p| numeric(&p.values[i])).collect();
                    if spec.design == DesignKind::Grid {
                        let mut groups: Vec<(String, f64, usize)> = Vec::new();
                        for (p, &c) in points.iter().zip(y) {
                            let v = cell(&p.values[i]);
                            match groups.iter_mut().find(|g| g.0 == v) {
                                Some(g) => {
                                    g.1 += c;
                                    g.2 += 1;
                                }
                                None => groups.push((v, c, 1)),
                            }
                        }
                        let means: Vec<(String, f64)> = groups.into_iter().map(|(v, s, n)| (v, s / n as f64)).collect();
                        let lo = means.iter().map(|m| m.1).fold(f64::INFINITY, f64::min);
                        let hi = means.iter().map(|m| m.1).fold(f64::NEG_INFINITY, f64::max);
                        let list: Vec<String> = means.iter().map(|(v, c)| format!("{v}: {}", fmt_cost(*c))).collect();
                        Influence {
                            factor: i,
                            size: hi - lo,
                            text: format!(
                                "main effect {:.2} {unit} (mean cost by value: {})",
                                hi - lo,
                                list.join(", ")
                            ),
                        }
                    } else {
                        let rho = spearman(&xs, y);
                        Influence {
                            factor: i,
                            size: rho.abs(),
                            text: format!("Spearman rank correlation with the cost {rho:+.2}"),
                        }
                    }
                })
                .collect();
            influences.sort_by(|a, b| b.size.total_cmp(&a.size));
            // A response panel for each of the (up to) six strongest numeric keys: the mean
            // cost at each of the key's grid values, or over ten bins of its sampled range.
            for inf in influences.iter().take(6) {
                let pts = response(points, y, inf.factor, spec.design == DesignKind::Grid);
                if pts.len() >= 2 {
                    figure.push(Panel::Lines {
                        title: format!("Mean cost against {}", key(inf.factor)),
                        x_label: key(inf.factor),
                        y_label: format!("mean cost ({unit})"),
                        log_y: false,
                        log_x: spec.factors[inf.factor].log,
                        series: vec![Series {
                            name: if spec.design == DesignKind::Grid {
                                "mean over the other keys' values".into()
                            } else {
                                "mean over ten bins of the samples".into()
                            },
                            points: pts,
                            color: PALETTE[0],
                            reference: false,
                        }],
                    });
                }
            }
        }
        DesignKind::Sobol => {
            let n = spec.samples;
            let mut out =
                SaltelliOutputs { a: vec![f64::NAN; n], b: vec![f64::NAN; n], ab: vec![vec![f64::NAN; n]; k] };
            for (p, &c) in points.iter().zip(y) {
                match p.role {
                    Role::SobolA { row } => out.a[row] = c,
                    Role::SobolB { row } => out.b[row] = c,
                    Role::SobolAb { factor, row } => out.ab[factor][row] = c,
                    _ => {}
                }
            }
            let idx = sobol_indices(&out, 1000, spec.seed);
            files.push(("sobol.csv".into(), sobol_csv(spec, &idx)?));
            influences = idx
                .iter()
                .enumerate()
                .map(|(i, s)| Influence {
                    factor: i,
                    size: s.total,
                    text: format!(
                        "total index {:.3} [{:.3}, {:.3}], first order {:.3} [{:.3}, {:.3}]",
                        s.total, s.total_lo, s.total_hi, s.first, s.first_lo, s.first_hi
                    ),
                })
                .collect();
            influences.sort_by(|a, b| b.size.total_cmp(&a.size));
            let mut rows = Vec::new();
            for inf in &influences {
                rows.push((format!("{} (total)", key(inf.factor)), 0.0, idx[inf.factor].total));
                rows.push((format!("{} (first order)", key(inf.factor)), 0.0, idx[inf.factor].first));
            }
            figure.push(Panel::Bars {
                title: "Sobol indices: the share of the cost's variance each factor explains".into(),
                x_label: "index (bootstrap 95% intervals in sobol.csv)".into(),
                rows,
                reference: None,
            });
            let _ = writeln!(
                tables,
                "Sobol indices from {n} base rows ({} points), 95% intervals from 1,000 bootstrap resamples: \
                 first order (Saltelli 2010) is the share of the cost's variance the factor explains alone, total \
                 (Jansen 1999) with all its interactions.\n",
                points.len()
            );
        }
        DesignKind::Morris => {
            let traj = morris_trajectories(spec.samples, k, spec.levels, spec.seed);
            let mut effects = vec![Vec::new(); k];
            let mut at = 0;
            for t in &traj {
                for s in 0..k {
                    let i = t.order[s];
                    let du = t.points[s + 1][i] - t.points[s][i];
                    effects[i].push((y[at + s + 1] - y[at + s]) / du);
                }
                at += k + 1;
            }
            let idx = morris_indices(&effects);
            files.push(("morris.csv".into(), morris_csv(spec, &idx)?));
            influences = idx
                .iter()
                .enumerate()
                .map(|(i, m)| Influence {
                    factor: i,
                    size: m.mu_star,
                    text: format!("mu* {:.2} {unit} over its range (mu {:+.2}, sigma {:.2})", m.mu_star, m.mu, m.sigma),
                })
                .collect();
            influences.sort_by(|a, b| b.size.total_cmp(&a.size));
            figure.push(Panel::Bars {
                title: "Morris mu*: the mean absolute effect of moving each factor across its range".into(),
                x_label: format!("mu* ({unit} per full range)"),
                rows: influences.iter().map(|inf| (key(inf.factor), 0.0, inf.size)).collect(),
                reference: None,
            });
        }
    }
    Ok(Analysis { influences, tables, files, figure })
}

/// (value, mean cost) of a numeric key: at each of its values (a grid), or over ten
/// equal-count bins of its samples (a Latin hypercube), in increasing value.
fn response(points: &[DesignPoint], y: &[f64], factor: usize, grid: bool) -> Vec<(f64, f64)> {
    let mut pairs: Vec<(f64, f64)> = points
        .iter()
        .zip(y)
        .map(|(p, &c)| (numeric(&p.values[factor]), c))
        .filter(|(x, c)| x.is_finite() && c.is_finite())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mean = |g: &[(f64, f64)]| {
        let n = g.len() as f64;
        (g.iter().map(|p| p.0).sum::<f64>() / n, g.iter().map(|p| p.1).sum::<f64>() / n)
    };
    if grid {
        pairs.chunk_by(|a, b| a.0 == b.0).map(mean).collect()
    } else {
        let bins = 10.min(pairs.len());
        (0..bins).map(|b| mean(&pairs[b * pairs.len() / bins..(b + 1) * pairs.len() / bins])).collect()
    }
}

fn numeric(v: &toml::Value) -> f64 {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64)).unwrap_or(f64::NAN)
}

/// Ranks (ties averaged), 1-based.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        for &t in &idx[i..=j] {
            r[t] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (NaN pairs left out).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (xs, ys): (Vec<f64>, Vec<f64>) =
        x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b)).unzip();
    let (rx, ry) = (ranks(&xs), ranks(&ys));
    let n = rx.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    if vx == 0.0 || vy == 0.0 { 0.0 } else { cov / (vx * vy).sqrt() }
}

fn sobol_csv(spec: &SweepSpec, idx: &[SobolIndex]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["key", "first_order", "first_order_lo", "first_order_hi", "total", "total_lo", "total_hi"])?;
    for (f, s) in spec.factors.iter().zip(idx) {
        w.write_record([
            f.key.clone(),
            format!("{}", s.first),
            format!("{}", s.first_lo),
            format!("{}", s.first_hi),
            format!("{}", s.total),
            format!("{}", s.total_lo),
            format!("{}", s.total_hi),
        ])?;
    }
    Ok(w.into_inner()?)
}

fn morris_csv(spec: &SweepSpec, idx: &[MorrisIndex]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["key", "mu_star", "mu", "sigma", "trajectories"])?;
    for (f, m) in spec.factors.iter().zip(idx) {
        w.write_record([
            f.key.clone(),
            format!("{}", m.mu_star),
            format!("{}", m.mu),
            format!("{}", m.sigma),
            spec.samples.to_string(),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// Writes points.csv, the design's measures, figures and report.md into `dir`. With
/// points missing, only points.csv is written (the measures need every point).
pub fn write_outputs(
    spec: &SweepSpec,
    dir: &Path,
    points: &[DesignPoint],
    exps: &[Experiment],
    c: &Collected,
) -> Result<()> {
    write_atomic(&dir.join("points.csv"), &points_csv(spec, points, &c.results)?)?;
    if !c.missing.is_empty() {
        return Ok(());
    }
    let unit = exps.first().map_or("", |e| e.run.objective.cost_unit());
    let y = point_means(points.len(), &c.results);
    let a = analyse(spec, points, &y, unit)?;
    for (name, bytes) in &a.files {
        write_atomic(&dir.join(name), bytes)?;
    }
    let figure = if a.figure.is_empty() {
        None
    } else {
        let name = match spec.design {
            DesignKind::OneAtATime => "tornado",
            DesignKind::Sobol => "sobol",
            DesignKind::Morris => "morris",
            DesignKind::Grid | DesignKind::LatinHypercube => "response",
        };
        write_figure(dir, name, &a.figure)?;
        Some(name)
    };
    write_atomic(&dir.join("report.md"), report(spec, points, exps, c, &a, unit, figure).as_bytes())
}

fn report(
    spec: &SweepSpec,
    points: &[DesignPoint],
    exps: &[Experiment],
    c: &Collected,
    a: &Analysis,
    unit: &str,
    figure: Option<&str>,
) -> String {
    let mut s = String::new();
    let action = match &spec.action {
        Action::Evaluate { policy, .. } => format!("evaluates the fixed policy `{policy}` on each point's scenarios"),
        Action::Optimize { budget, seeds_per_point } => format!(
            "runs `terafab optimize` at each point ({} evaluations, {seeds_per_point} search seed{} per point)",
            budget.map_or("the config's".to_string(), |b| b.to_string()),
            if *seeds_per_point == 1 { "" } else { "s" }
        ),
    };
    let evals: u64 = c.results.iter().map(|r| r.evaluations).sum();
    let wall: f64 = c.results.iter().map(|r| r.wall_seconds).sum();
    let _ = writeln!(s, "# Sweep `{}`\n", spec.path);
    let _ = writeln!(
        s,
        "Design **{}** over {} key{} ({} points, design seed {}) on the base config `{}`; each point {action}. \
         {} runs, {evals} evaluations, {wall:.1} s of point time in all. terafab {}, model version {}.\n",
        spec.design.name(),
        spec.factors.len(),
        if spec.factors.len() == 1 { "" } else { "s" },
        points.len(),
        spec.seed,
        spec.base,
        c.results.len(),
        env!("CARGO_PKG_VERSION"),
        crate::model::MODEL_VERSION,
    );
    let _ = writeln!(
        s,
        "The cost is the objective over each point's scenarios ({}), in {unit}; lower is better. A model \
         parameter the sweep varies is fixed at the point's value in every scenario.\n",
        exps.first().map_or(String::new(), |e| {
            // A point that fixes every uncertain parameter has one scenario.
            let n = if e.uncertainty.entries.is_empty() { 1 } else { e.scenarios.count };
            format!("{} over {n} scenario{}", e.scenarios.aggregate, if n == 1 { "" } else { "s" })
        })
    );
    let _ = writeln!(s, "## What the answer hinges on, in order\n");
    for (n, inf) in a.influences.iter().enumerate() {
        let _ = writeln!(s, "{}. `{}`: {}", n + 1, spec.factors[inf.factor].key, inf.text);
    }
    let _ = writeln!(s);
    match search_spread(&c.results, points.len()) {
        Some((median, worst, n)) => {
            let _ = writeln!(
                s,
                "**The search's own spread**: between the search seeds of one point the best cost differs by \
                 {median:.2} {unit} (median over {n} points), {worst:.2} at most. A swing smaller than this is within \
                 the search's noise.\n"
            );
            if spec.design == DesignKind::OneAtATime {
                let noisy: Vec<String> = a
                    .influences
                    .iter()
                    .filter(|inf| inf.size < median)
                    .map(|inf| format!("`{}`", spec.factors[inf.factor].key))
                    .collect();
                if !noisy.is_empty() {
                    let _ = writeln!(s, "Within the search's noise: {}.\n", noisy.join(", "));
                }
            }
        }
        None => {
            let _ = writeln!(
                s,
                "**The search's own spread** is not measured here: {}.\n",
                match spec.action {
                    Action::Evaluate { .. } => "the policy is fixed, so no search ran",
                    Action::Optimize { .. } => "each point ran one search seed (set seeds_per_point = 3 or more)",
                }
            );
        }
    }
    s.push_str(&a.tables);
    if let Some(name) = figure {
        let _ = writeln!(s, "![{name}]({name}.png)\n");
    }
    if points.len() <= 200 {
        let _ = writeln!(s, "## Points\n");
        let keys: Vec<String> = spec.factors.iter().map(|f| format!("`{}`", f.key)).collect();
        let _ = writeln!(s, "| point | seed | {} | cost | headline | binding (nominal) |", keys.join(" | "));
        let _ = writeln!(s, "|---|---|{}---|---|---|", "---|".repeat(keys.len()));
        for r in &c.results {
            let values: Vec<String> = r.values.iter().map(cell).collect();
            let headline = r.headline.map_or(String::new(), |h| h.to_string());
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {headline} | {} |",
                r.point,
                r.seed_index,
                values.join(" | "),
                fmt_cost(r.cost),
                r.binding
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "Every point's values and answer: `points.csv`; the design and config hashes: `sweep.json`.");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::design::saltelli_rows;

    #[test]
    fn spearman_is_one_for_monotone_and_handles_ties() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((spearman(&x, &[1.0, 4.0, 9.0, 16.0, 25.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), vec![2.5, 1.0, 2.5]);
    }

    #[test]
    fn saltelli_rows_are_used_consistently() {
        // AB_i differs from A only in column i, where it equals B.
        let r = saltelli_rows(8, 3, 1);
        for i in 0..3 {
            for j in 0..8 {
                for c in 0..3 {
                    let want = if c == i { r.b[j][c] } else { r.a[j][c] };
                    assert_eq!(r.ab[i][j][c], want);
                }
            }
        }
    }
}
