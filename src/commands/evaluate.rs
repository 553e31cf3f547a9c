//! `terafab evaluate`: cost a batch of policy vectors (from a CSV, or a quasi-random
//! sample of the seed) on every scenario, streaming in chunks, and write policies.csv
//! and costs.csv atomically.

use super::backend::make_evaluator;
use super::setup::out_dir;
use crate::atomic::AtomicFile;
use crate::config::Experiment;
use crate::eval::sample::QuasiRandom;
use crate::eval::{CHUNK_CANDIDATES, Problem};
use crate::flags::{EvaluateArgs, GlobalArgs};
use crate::input::BadInput;
use crate::model::policy::{GENE_BOUND, GENES_PER_KNOT, gene_names};
use anyhow::Result;
use std::path::Path;
use std::time::Instant;

/// The largest policy CSV `evaluate --policies` reads (about 3.5M policies of 20 knots
/// written at full precision); its values are held in memory as f64.
const MAX_POLICY_CSV_BYTES: u64 = 1 << 30;

/// Policy vectors read from a CSV, with the file's own candidate names when it has a
/// `candidate` column (they are carried to costs.csv, so rows can be matched by name).
#[derive(Debug)]
pub struct PolicyRows {
    pub values: Vec<f64>,
    pub names: Option<Vec<String>>,
}

/// Reads policy vectors from a CSV: numbers only, optionally a header row and a leading
/// `candidate` column.
pub fn read_policies_csv(path: &Path, dim: usize) -> Result<PolicyRows> {
    let name = path.display();
    let bad = |m: String| -> anyhow::Error { BadInput(format!("--policies {name}: {m}")).into() };
    // A regular file only (a FIFO or /dev/zero would block or never end), no bigger than
    // MAX_POLICY_CSV_BYTES.
    crate::input::check_file(path, MAX_POLICY_CSV_BYTES).map_err(bad)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .map_err(|e| bad(format!("cannot read it ({e})")))?;
    let genes = gene_names(dim / GENES_PER_KNOT);
    let mut out = Vec::new();
    let mut names = Vec::new();
    let mut skip_first_column = false;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            bad(match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("row {} has {len} values where the rows before it have {expected_len}", i + 1)
                }
                csv::ErrorKind::Utf8 { .. } => format!("row {}: is not UTF-8 text; save the file as UTF-8", i + 1),
                _ => format!("row {}: {e}", i + 1),
            })
        })?;
        if i == 0 && record.iter().any(|f| f.trim().parse::<f64>().is_err()) {
            // Model version 1 named its columns p<phase>_<gene>: the same numbers meant
            // step-wise phases then, knots now.
            if record.iter().any(|f| f.trim().starts_with("p1_")) {
                return Err(bad(format!(
                    "its header names p1_... columns, the phases of model version 1; {}",
                    crate::model::version::mismatch("this file", 1).unwrap_or_default()
                )));
            }
            // A header is known by its names (what `evaluate` writes), never guessed from
            // a number that fails to parse: a typo in the first row must not drop it.
            skip_first_column = record.get(0).is_some_and(|f| f.trim() == "candidate");
            let names: Vec<&str> = record.iter().skip(usize::from(skip_first_column)).map(str::trim).collect();
            if names != genes {
                let (j, f) = record
                    .iter()
                    .enumerate()
                    .find(|(_, f)| f.trim().parse::<f64>().is_err())
                    .expect("a field that is not a number");
                let f = crate::input::shorten(f);
                return Err(bad(format!(
                    "row 1 column {}: `{f}` is not a number, and row 1 is not a header (a header names the columns \
                     `candidate` (optional), {}, {}, ... {} as `terafab evaluate` writes them)",
                    j + 1,
                    genes[0],
                    genes[1],
                    genes[genes.len() - 1]
                )));
            }
            continue;
        }
        if skip_first_column {
            names.push(crate::input::shorten(record.get(0).unwrap_or_default().trim()));
        }
        let fields: Vec<&str> = record.iter().skip(usize::from(skip_first_column)).collect();
        if fields.len() != dim {
            return Err(bad(format!("row {} has {} values; a policy for this config has {dim}", i + 1, fields.len())));
        }
        for (j, f) in fields.iter().enumerate() {
            let column = j + 1 + usize::from(skip_first_column);
            let x: f64 = f.trim().parse().map_err(|_| {
                bad(format!("row {} column {column}: `{}` is not a number", i + 1, crate::input::shorten(f)))
            })?;
            if !(x.is_finite() && x.abs() <= GENE_BOUND) {
                return Err(bad(format!(
                    "row {} column {column} ({}): {x} is outside the gene box: every value must be finite and within \
                     [-{GENE_BOUND}, {GENE_BOUND}]",
                    i + 1,
                    genes[j]
                )));
            }
            out.push(x);
        }
    }
    if out.is_empty() {
        return Err(bad("no policy rows".into()));
    }
    Ok(PolicyRows { values: out, names: skip_first_column.then_some(names) })
}

pub fn run(exp: &Experiment, args: &EvaluateArgs, g: &GlobalArgs) -> Result<()> {
    let problem = Problem::from_experiment(exp);
    let dim = problem.dim();
    let rows = args.policies.as_deref().map(|p| read_policies_csv(p, dim)).transpose()?;
    let names = rows.as_ref().and_then(|r| r.names.clone());
    let from_file = rows.map(|r| r.values);
    if let Some(x) = &from_file {
        problem.validate(x).map_err(|e| BadInput(format!("--policies: {e:#}")))?;
    }
    let total = from_file.as_ref().map_or(args.sample.unwrap_or(0), |x| (x.len() / dim) as u64);
    if total == 0 {
        return Err(BadInput("--sample 0: give at least one policy".into()).into());
    }
    let quiet = g.quiet;
    let mut ev = make_evaluator(problem, exp.backend, g.adapter.as_deref(), quiet)?;
    let out = out_dir(g, exp);
    let _lock = super::lock::lock_run_folder(&out, super::lock::Writer::Evaluate)?;
    // An earlier evaluate's policies.csv would sit beside costs that are not its own.
    if args.costs_only {
        match std::fs::remove_file(out.join("policies.csv")) {
            Ok(()) if !quiet => eprintln!("note: removed {}/policies.csv of an earlier evaluate", out.display()),
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(anyhow::anyhow!("cannot remove the stale {}/policies.csv: {e}", out.display())),
        }
    }
    let mut pol = (!args.costs_only)
        .then(|| AtomicFile::create(&out.join("policies.csv")).map(csv::Writer::from_writer))
        .transpose()?;
    let mut cost = csv::Writer::from_writer(AtomicFile::create(&out.join("costs.csv"))?);
    let mut header = vec!["candidate".to_string()];
    header.extend(gene_names(exp.run.knots));
    if let Some(p) = pol.as_mut() {
        p.write_record(&header)?;
    }
    cost.write_record(["candidate", "cost"])?;
    let sampler = QuasiRandom::new(dim, exp.seed);
    let (mut batch, mut costs) = (Vec::new(), Vec::new());
    let (start, mut eval_seconds, mut best) = (Instant::now(), 0.0, (f64::INFINITY, String::new()));
    let mut done = 0u64;
    while done < total {
        let n = (total - done).min(CHUNK_CANDIDATES as u64) as usize;
        batch.clear();
        match &from_file {
            Some(x) => batch.extend_from_slice(&x[done as usize * dim..(done as usize + n) * dim]),
            None => sampler.fill(done, n, &mut batch),
        }
        costs.resize(n, f64::NAN);
        let t = Instant::now();
        ev.evaluate(&batch, &mut costs)?;
        eval_seconds += t.elapsed().as_secs_f64();
        for (i, (x, c)) in batch.chunks_exact(dim).zip(&costs).enumerate() {
            let index = done + i as u64;
            let id = names.as_ref().map_or_else(|| index.to_string(), |n| n[index as usize].clone());
            if let Some(p) = pol.as_mut() {
                let mut row = vec![id.clone()];
                row.extend(x.iter().map(|v| v.to_string())); // shortest form that reads back exactly
                p.write_record(&row)?;
            }
            cost.write_record([id.as_str(), &c.to_string()])?;
            if *c < best.0 {
                best = (*c, id.clone());
            }
        }
        done += n as u64;
        // A long job says how long, once, from the pace of its first chunk.
        if done == n as u64 && done < total && !quiet {
            let estimate = start.elapsed().as_secs_f64() * total as f64 / done as f64;
            if estimate > 3600.0 {
                eprintln!(
                    "evaluate: {total} policies will take about {:.1} hours at this pace (the first {done} took {:.0} s); \
                     Ctrl-C stops it",
                    estimate / 3600.0,
                    start.elapsed().as_secs_f64()
                );
            }
        }
    }
    if let Some(p) = pol {
        p.into_inner().map_err(|e| e.into_error())?.commit()?;
    }
    cost.into_inner().map_err(|e| e.into_error())?.commit()?;
    if !quiet {
        let trajectories = total as f64 * ev.problem().scenarios.len() as f64;
        println!(
            "evaluated {total} policies x {} scenarios on {} in {:.2} s ({:.3e} trajectory-steps/s in evaluation, {:.2} s in all, peak RSS {})",
            ev.problem().scenarios.len(),
            ev.describe(),
            eval_seconds,
            trajectories * exp.run.horizon_months as f64 / eval_seconds.max(1e-9),
            start.elapsed().as_secs_f64(),
            crate::report::peak_rss_mib().map_or("unknown".into(), |m| format!("{m:.0} MiB"))
        );
        println!("best: candidate {} with cost {:.4} {}", best.1, best.0, exp.run.objective.cost_unit());
    }
    if !quiet {
        let what = if args.costs_only { "costs.csv" } else { "policies.csv and costs.csv" };
        println!("wrote {}/{what}", out.display());
    }
    Ok(())
}
