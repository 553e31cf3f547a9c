//! `terafab sweep`: runs (a shard of) a sweep into its folder with the chosen backend,
//! merges shards (`collect`), and writes Slurm array scripts (`slurm`).

use super::backend::make_evaluator;
use super::lock::{Writer, lock_run_folder};
use crate::config::{BackendChoice, Experiment};
use crate::eval::{Evaluator, Problem};
use crate::flags::{GlobalArgs, SlurmArgs, SweepAction, SweepArgs, backend_choice};
use crate::input::BadInput;
use crate::sweep::run::{OptimizeResult, PointResult, Runner, Shard, run_shard};
use crate::sweep::spec::{Action, SweepSpec};
use crate::sweep::{Prepared, claim_folder, outputs, prepare, read_manifest};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The backends and the optimize job, as the sweep layer asks for them.
struct CommandRunner {
    /// `--backend`, else the base config's `run.backend`.
    backend: Option<BackendChoice>,
    adapter: Option<String>,
}

impl Runner for CommandRunner {
    fn evaluator(&mut self, problem: Problem) -> Result<Box<dyn Evaluator>> {
        make_evaluator(problem, self.backend.unwrap_or(BackendChoice::Auto), self.adapter.as_deref(), true)
    }
    fn optimize(&mut self, mut exp: Experiment, out: &Path, budget: Option<u64>) -> Result<OptimizeResult> {
        if let Some(b) = self.backend {
            exp.backend = b;
        }
        let o = super::optimize::sweep_point(exp, out, budget, self.adapter.clone(), true)?;
        Ok(OptimizeResult {
            best_cost: o.summary.best_cost,
            best_cost_before_retreat: o.summary.best_cost_before_retreat,
            evaluations: o.summary.evaluations,
            wall_seconds: o.summary.wall_seconds,
            knots: o.best.knots.clone(),
        })
    }
}

fn env_usize(name: &str) -> Result<Option<usize>> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .map(Some)
            .map_err(|_| BadInput(format!("environment variable {name} = `{v}` is not a whole number")).into()),
    }
}

/// The shard to run: `--shard`, else a Slurm array task, else a Kubernetes Indexed Job's
/// completion index (with the sweep file's `shards`), else the whole sweep.
fn shard_of(flag: Option<(usize, usize)>, spec: &SweepSpec) -> Result<(Shard, &'static str)> {
    if let Some((index, count)) = flag {
        return Ok((Shard { index, count }, "--shard"));
    }
    let (id, count) = (env_usize("SLURM_ARRAY_TASK_ID")?, env_usize("SLURM_ARRAY_TASK_COUNT")?);
    if id.is_some() != count.is_some() {
        return Err(BadInput(
            "only one of SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT is set: a Slurm array task has both (or pass \
             --shard I/N)"
                .into(),
        )
        .into());
    }
    if let (Some(id), Some(count)) = (id, count) {
        let index = id.checked_sub(env_usize("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0)).unwrap_or(usize::MAX);
        if count == 0 || index >= count {
            return Err(BadInput(format!(
                "SLURM_ARRAY_TASK_ID = {id} is outside the array's {count} tasks; use --array=0-{} (or pass --shard I/N)",
                count.saturating_sub(1)
            ))
            .into());
        }
        return Ok((Shard { index, count }, "SLURM_ARRAY_TASK_ID"));
    }
    if let Some(index) = env_usize("JOB_COMPLETION_INDEX")? {
        let count = spec.shards.ok_or_else(|| {
            BadInput(format!(
                "JOB_COMPLETION_INDEX = {index} is set but {} has no `shards = N` (the Job's completions); add it, or \
                 pass --shard I/N",
                spec.path
            ))
        })?;
        if index >= count {
            return Err(
                BadInput(format!("JOB_COMPLETION_INDEX = {index} is not below the sweep's shards = {count}")).into()
            );
        }
        return Ok((Shard { index, count }, "JOB_COMPLETION_INDEX"));
    }
    Ok((Shard::ALL, "whole sweep"))
}

/// `--out`, or `sweeps/<sweep file name>`: the same folder every time, so a rerun resumes.
fn sweep_dir(g: &GlobalArgs, file: &Path) -> PathBuf {
    g.out.clone().unwrap_or_else(|| {
        PathBuf::from("sweeps").join(file.file_stem().map_or("sweep".into(), |s| s.to_string_lossy().to_string()))
    })
}

fn describe(p: &Prepared) -> String {
    let what = match &p.spec.action {
        Action::Evaluate { policy, .. } => format!("evaluate `{policy}`"),
        Action::Optimize { budget, seeds_per_point } => format!(
            "optimize ({} evaluations) x {seeds_per_point} seed{}",
            budget.map_or("the config's".into(), |b| b.to_string()),
            if *seeds_per_point == 1 { "" } else { "s" }
        ),
    };
    format!(
        "{}: {} design, {} points over {} keys; each point: {what}",
        p.spec.path,
        p.spec.design.name(),
        p.points.len(),
        p.spec.factors.len()
    )
}

pub fn run(args: &SweepArgs, g: &GlobalArgs) -> Result<()> {
    match &args.action {
        Some(SweepAction::Collect { dir }) => collect(dir, g.quiet),
        Some(SweepAction::Slurm(s)) => slurm(s, g),
        None => {
            let file = args.file.as_deref().context("a sweep file")?;
            sweep(file, args, g)
        }
    }
}

fn sweep(file: &Path, args: &SweepArgs, g: &GlobalArgs) -> Result<()> {
    let spec = SweepSpec::load(file)?;
    let prepared = prepare(spec)?;
    let (shard, from) = shard_of(args.shard, &prepared.spec)?;
    let runs = prepared.points.len() * prepared.spec.seeds_per_point();
    if args.dry_run {
        println!("{}", describe(&prepared));
        println!("{runs} runs; every point's config is valid; shard {}/{} ({from})", shard.index, shard.count);
        return Ok(());
    }
    let dir = sweep_dir(g, file);
    // The whole sweep locks the folder; a shard locks only its own subfolder, so shards
    // of one sweep run side by side.
    let _lock = if shard.count == 1 {
        lock_run_folder(&dir, Writer::Sweep)?
    } else {
        lock_run_folder(&dir.join("shards").join(format!("{}-of-{}", shard.index, shard.count)), Writer::Sweep)?
    };
    claim_folder(&dir, &prepared)?;
    if shard.count == 1 {
        remove_leftovers(&dir);
    }
    if !g.quiet {
        eprintln!("{}", describe(&prepared));
        eprintln!("folder {}; shard {}/{} ({from})", dir.display(), shard.index, shard.count);
    }
    let backend = g.backend.map(backend_choice).transpose()?.or(prepared.exps.first().map(|e| e.backend));
    let mut runner = CommandRunner { backend, adapter: g.adapter.clone() };
    let t0 = Instant::now();
    let quiet = g.quiet;
    let optimize = matches!(prepared.spec.action, Action::Optimize { .. });
    let mut report = |r: &PointResult| {
        if !quiet && optimize {
            eprintln!(
                "point {} seed {}: cost {:.3} ({}); {:.0} s",
                r.point,
                r.seed_index,
                r.cost,
                r.headline.map_or(String::new(), |h| h.to_string()),
                r.wall_seconds
            );
        }
    };
    let done = run_shard(&prepared.spec, &dir, &prepared.points, &prepared.exps, shard, &mut runner, &mut report)?;
    if !g.quiet {
        eprintln!("{done} runs done here in {:.1} s (the rest were saved before)", t0.elapsed().as_secs_f64());
    }
    if shard.count > 1 {
        if !g.quiet {
            println!(
                "shard {}/{} done; `terafab sweep collect {}` merges the shards",
                shard.index,
                shard.count,
                dir.display()
            );
        }
        return Ok(());
    }
    write(&prepared, &dir, g.quiet)
}

/// Removes the temporary files a killed run left among the point results. Only a process
/// that holds the whole folder's lock does this, and only files a minute old: a shard
/// still running beside it writes a result in milliseconds.
fn remove_leftovers(dir: &Path) {
    let abandoned = |e: &std::fs::DirEntry| {
        e.file_name().to_string_lossy().starts_with(crate::atomic::TEMP_PREFIX)
            && e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 60))
    };
    if let Ok(entries) = std::fs::read_dir(dir.join("points")) {
        for e in entries.flatten().filter(abandoned) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Writes the outputs from the saved results; an error (exit 1) names what is missing.
fn write(p: &Prepared, dir: &Path, quiet: bool) -> Result<()> {
    let c = outputs::collect(&p.spec, dir, &p.exps)?;
    outputs::write_outputs(&p.spec, dir, &p.points, &p.exps, &c)?;
    if !c.missing.is_empty() {
        let shown: Vec<String> = c.missing.iter().take(20).map(|(p, k)| format!("point {p} seed {k}")).collect();
        anyhow::bail!(
            "{} of {} runs are missing ({}{}); points.csv holds the rest. Rerun the sweep (or the shards that failed) \
             into {} and collect again",
            c.missing.len(),
            c.missing.len() + c.results.len(),
            shown.join(", "),
            if c.missing.len() > 20 { ", ..." } else { "" },
            dir.display()
        );
    }
    if !quiet {
        println!("wrote {}/points.csv, report.md and the design's measures ({} runs)", dir.display(), c.results.len());
    }
    Ok(())
}

fn collect(dir: &Path, quiet: bool) -> Result<()> {
    let m = read_manifest(dir)?.ok_or_else(|| {
        BadInput(format!("sweep collect {}: no sweep.json there; is it a folder `terafab sweep` wrote?", dir.display()))
    })?;
    if let Some(why) = m.spec.problem() {
        return Err(BadInput(format!(
            "{}/sweep.json: edited or damaged ({why}); it cannot be collected",
            dir.display()
        ))
        .into());
    }
    let _lock = lock_run_folder(dir, Writer::Sweep)?;
    remove_leftovers(dir);
    let prepared = prepare(m.spec)?;
    if crate::sweep::SweepManifest::new(&prepared)?.design_sha256 != m.design_sha256 {
        return Err(BadInput(format!(
            "{}/sweep.json: its design no longer gives the configs it was run with (another terafab version?)",
            dir.display()
        ))
        .into());
    }
    write(&prepared, dir, quiet)
}

fn slurm(s: &SlurmArgs, g: &GlobalArgs) -> Result<()> {
    if let Some(p) = s.partition.as_deref().filter(|p| !crate::sweep::slurm::plain_name(p)) {
        return Err(BadInput(format!(
            "--partition `{p}`: a Slurm partition name is letters, digits and _ - . , (several separated by commas)"
        ))
        .into());
    }
    let spec = SweepSpec::load(&s.file)?;
    let prepared = prepare(spec)?;
    let runs = prepared.points.len() * prepared.spec.seeds_per_point();
    let shards = match s.shards {
        Some(n) => (n as usize).min(runs),
        None => match prepared.spec.action {
            Action::Optimize { .. } => runs,
            Action::Evaluate { .. } => prepared.points.len().div_ceil(4096),
        },
    }
    .max(1);
    let dir = sweep_dir(g, &s.file);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    claim_folder(&dir, &prepared)?;
    let abs = |p: &Path| std::fs::canonicalize(p).with_context(|| format!("cannot resolve {}", p.display()));
    let (bin, file, out) = (std::env::current_exe()?, abs(&s.file)?, abs(&dir)?);
    let mut flags = Vec::new();
    if let Some(b) = g.backend {
        flags.push(format!("--backend {}", format!("{b:?}").to_lowercase()));
    }
    if let Some(a) = &g.adapter {
        flags.push(format!("--adapter {}", crate::sweep::slurm::quote(a)));
    }
    flags.push("--quiet".into());
    let plan = crate::sweep::slurm::SlurmPlan {
        terafab: &bin,
        sweep_file: &file,
        out: &out,
        shards,
        partition: s.partition.as_deref(),
        gpus_per_task: s.gpus_per_task,
        array_limit: s.array_limit.map(|k| k as usize),
        flags: &flags.join(" "),
    };
    let folder = out.join("slurm");
    std::fs::create_dir_all(folder.join("logs")).with_context(|| format!("cannot create {}", folder.display()))?;
    for (name, text) in crate::sweep::slurm::scripts(&plan) {
        crate::atomic::write_atomic(&folder.join(&name), text.as_bytes())?;
    }
    if !g.quiet {
        println!("{}", describe(&prepared));
        println!("wrote {}/submit.sh: {shards} array tasks, then a collect job", folder.display());
    }
    if s.submit {
        let status = std::process::Command::new("bash")
            .arg(folder.join("submit.sh"))
            .status()
            .with_context(|| "cannot run bash to submit the Slurm jobs")?;
        if !status.success() {
            anyhow::bail!("{}/submit.sh failed ({status}); is Slurm's sbatch on PATH?", folder.display());
        }
    }
    Ok(())
}
