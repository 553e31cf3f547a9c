//! `terafab optimize`: the main job. Sizes the search plan to the device, runs or resumes
//! the pipeline with its checkpoints in the run folder, and leaves the results there.

use super::backend::make_evaluator;
use super::setup::{load_experiment, out_dir};
use crate::atomic::write_atomic;
use crate::config::{self, BackendChoice, Experiment};
use crate::eval::simd::SimdPath;
use crate::eval::{DeviceClass, Evaluator, Problem};
use crate::flags::{GlobalArgs, OptimizeArgs};
use crate::input::BadInput;
use crate::report::optimize::{Outcome, write_outputs};
use crate::search::pipeline::{self, Plan, checkpoint_dir};
pub use crate::search::plan::resolve_plan;
use crate::search::progress;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// How a run was started, kept in its folder as `run.json` so `--resume` continues it
/// exactly (the config's text is kept too: editing the file later changes nothing).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The model version the run computes (absent in runs of model version 1).
    #[serde(default = "model_version_1")]
    pub model_version: u32,
    pub config_source: String,
    pub config_name: String,
    pub config_text: String,
    pub config_sha256: String,
    pub seed: u64,
    pub backend: BackendChoice,
    pub adapter: Option<String>,
    pub plan: Plan,
    pub time_seconds: Option<f64>,
    pub terafab_version: String,
    /// The evaluator the run started on (`--backend auto`'s choice and why is in its
    /// words, e.g. `cpu (2 threads, f32 x 8 SIMD lanes)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluator: Option<String>,
    /// The CPU lanes' instruction set the run started on (none on a GPU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simd: Option<SimdPath>,
    /// SHA-256 of this manifest as compact JSON with this field empty: `--resume` refuses
    /// a run.json that was edited or damaged.
    #[serde(default)]
    pub sha256: Option<String>,
}

impl Manifest {
    /// The signed manifest of a new run of `exp` under `plan`.
    pub fn new(exp: &Experiment, plan: Plan, adapter: Option<String>, ev: &dyn Evaluator) -> Result<Self> {
        Manifest {
            model_version: crate::model::MODEL_VERSION,
            config_source: exp.source.clone(),
            config_name: exp.name.clone(),
            config_text: exp.text.clone(),
            config_sha256: exp.sha256.clone(),
            seed: exp.seed,
            backend: exp.backend,
            adapter,
            plan,
            time_seconds: exp.search.time_seconds,
            terafab_version: env!("CARGO_PKG_VERSION").into(),
            evaluator: Some(ev.describe()),
            simd: ev.simd_path(),
            sha256: None,
        }
        .signed()
    }
    fn digest(&self) -> Result<String> {
        let unsigned = Manifest { sha256: None, ..self.clone() };
        Ok(format!("{:x}", Sha256::digest(serde_json::to_string(&unsigned)?.as_bytes())))
    }
    /// The manifest with its checksum set.
    pub fn signed(self) -> Result<Self> {
        let sha256 = Some(self.digest()?);
        Ok(Manifest { sha256, ..self })
    }
    /// Why this manifest cannot be trusted, if it cannot: a missing or wrong checksum, a
    /// config text that is not the one hashed, a plan for another seed.
    fn damage(&self) -> Result<Option<String>> {
        Ok(match &self.sha256 {
            None => Some("has no checksum (written before terafab checked run state)".into()),
            Some(s) if *s != self.digest()? => Some("was edited or damaged (its sha256 does not match)".into()),
            Some(_) if format!("{:x}", Sha256::digest(self.config_text.as_bytes())) != self.config_sha256 => {
                Some("holds a config_text whose hash is not its config_sha256".into())
            }
            Some(_) if self.plan.seed != self.seed => Some("names a seed its plan was not made with".into()),
            Some(_) if let Some(why) = self.plan.problem() => Some(format!("holds a plan that cannot run ({why})")),
            Some(_) if self.time_seconds.is_some_and(|t| !config::TIME_SECONDS.contains(&t)) => {
                Some("holds a time limit outside 0.1 to 1e7 s".into())
            }
            Some(_) => None,
        })
    }
}

fn model_version_1() -> u32 {
    1
}

pub fn run(args: &OptimizeArgs, g: &GlobalArgs) -> Result<()> {
    let (exp, out, manifest) = match &args.resume {
        Some(dir) => resume(dir, args, g)?,
        None => {
            let mut exp = load_experiment(args.config.as_deref(), g)?;
            if let Some(t) = args.time {
                exp.search.time_seconds = Some(t);
            }
            let out = out_dir(g, &exp);
            if out.join("run.json").exists() {
                return Err(BadInput(format!(
                    "--out {}: already holds a terafab run; continue it with --resume {0}, or choose another folder",
                    out.display()
                ))
                .into());
            }
            (exp, out, None)
        }
    };
    let adapter = g.adapter.clone().or_else(|| manifest.as_ref().and_then(|m| m.adapter.clone()));
    let resumed = args.resume.is_some();
    let how = RunHow {
        budget: args.budget,
        adapter,
        quiet: g.quiet,
        json: args.json,
        resumed,
        plan_class: None,
        adopt: false,
    };
    let outcome = run_folder(exp, &out, manifest, how)?;
    if args.json {
        println!("{}", serde_json::json!({"event": "done", "out": out, "summary": outcome.summary}));
    } else if !g.quiet {
        println!("{}", outcome.headline());
        println!("wrote {}/report.md, summary.json, best_policy.toml, plots", out.display());
    }
    Ok(())
}

/// How a run folder's search runs (besides its experiment).
struct RunHow {
    budget: Option<u64>,
    adapter: Option<String>,
    quiet: bool,
    json: bool,
    resumed: bool,
    /// Size the plan's defaults for this class rather than the evaluator's own.
    plan_class: Option<DeviceClass>,
    /// Continue a run the folder already holds if it is this one (same config and seed),
    /// read once the lock is held, so two processes cannot both start it afresh.
    adopt: bool,
}

/// Runs the search for `exp` in the run folder `out` (continuing `manifest`'s run when
/// given) and writes its outputs there.
fn run_folder(exp: Experiment, out: &Path, manifest: Option<Manifest>, how: RunHow) -> Result<Outcome> {
    let RunHow { budget, adapter, quiet, json, resumed, plan_class, adopt } = how;
    let _lock = super::lock::lock_run_folder(out, super::lock::Writer::Optimize)?;
    let manifest = match manifest {
        None if adopt && out.join("run.json").exists() => Some(adopt_manifest(out, &exp)?),
        m => m,
    };
    let resumed = resumed || (adopt && manifest.is_some());
    let problem = Problem::from_experiment(&exp);
    let mut ev = make_evaluator(problem.clone(), exp.backend, adapter.as_deref(), quiet)?;
    // The backend's change is noted where the flag is read; here, the lanes' instruction
    // set (another CPU, or one with other features, resuming the run).
    if let Some(m) = manifest.as_ref().filter(|m| m.backend == exp.backend)
        && m.simd.is_some()
        && m.simd != ev.simd_path()
        && !quiet
    {
        eprintln!(
            "note: resuming on {}, started on {}: results can differ slightly (within the tolerance \
             src/eval/tolerance.rs states)",
            ev.describe(),
            m.evaluator.as_deref().unwrap_or("another SIMD path")
        );
    }
    let manifest = match manifest {
        Some(m) => m,
        None => {
            let plan = resolve_plan(&exp.search, exp.seed, budget, plan_class.unwrap_or(ev.device_class()))?;
            let m = Manifest::new(&exp, plan, adapter, ev.as_ref())?;
            write_atomic(&out.join("run.json"), serde_json::to_string_pretty(&m)?.as_bytes())?;
            m
        }
    };
    let unit = exp.run.objective.cost_unit();
    let reporter = progress::for_output(json, quiet, unit);
    if !quiet && !json {
        eprintln!(
            "optimizing {} on {}: {} evaluations ({} screened, {} population {}, {} polish){}; run folder {}",
            exp.name,
            ev.describe(),
            manifest.plan.budget_evals,
            manifest.plan.screening,
            pipeline::solver_name(manifest.plan.solver),
            manifest.plan.population,
            manifest.plan.polish_evals,
            manifest.time_seconds.map_or(String::new(), |t| format!(", at most {t} s")),
            out.display()
        );
    }
    // Checkpoints are bound to this run: its manifest's checksum.
    let run_id: [u8; 32] = Sha256::digest(manifest.sha256.as_deref().unwrap_or_default().as_bytes()).into();
    let ckpt = checkpoint_dir(out, run_id);
    if resumed && !ckpt.has_run_state() && !quiet {
        eprintln!(
            "note: {} holds no checkpoint yet (the run stopped before its first save): it starts from the beginning",
            out.display()
        );
    }
    let reporter = progress::WithEstimate::new(reporter.as_ref(), manifest.plan.budget_evals, resumed);
    let st = pipeline::run(&mut ev, manifest.plan.clone(), Some(&ckpt), manifest.time_seconds, &reporter)?;
    let outcome = Outcome::new(&exp, &problem, &st, ev.as_ref())?;
    write_outputs(out, &exp, &outcome)?;
    Ok(outcome)
}

/// A sweep point's search: runs `exp` into `out`, or continues the run already there
/// (which must be this point's: the same config and search seed). Its plan is sized for
/// the CPU class whatever device runs it, as `sweep` checked before anything ran, so a
/// point's result does not depend on which node ran it.
pub fn sweep_point(
    exp: Experiment,
    out: &Path,
    budget: Option<u64>,
    adapter: Option<String>,
    quiet: bool,
) -> Result<Outcome> {
    let how =
        RunHow { budget, adapter, quiet, json: false, resumed: false, plan_class: Some(DeviceClass::Cpu), adopt: true };
    run_folder(exp, out, None, how)
}

/// The manifest of the run `out` holds, which must be `exp`'s (a sweep point's).
fn adopt_manifest(out: &Path, exp: &Experiment) -> Result<Manifest> {
    let m = read_manifest(out)?;
    if m.config_sha256 != exp.sha256 || m.seed != exp.seed {
        return Err(BadInput(format!(
            "{}: holds another run than this sweep point's (config or seed differ); delete it to rerun the point",
            out.display()
        ))
        .into());
    }
    Ok(m)
}

/// Reads a run folder's manifest and rebuilds its experiment from the saved config text.
fn resume(
    dir: &Path,
    args: &OptimizeArgs,
    g: &GlobalArgs,
) -> Result<(Experiment, std::path::PathBuf, Option<Manifest>)> {
    let fixed = [
        (args.config.is_some(), "CONFIG"),
        (args.budget.is_some(), "--budget"),
        (args.time.is_some(), "--time"),
        (g.seed.is_some(), "--seed"),
        (g.out.is_some(), "--out"),
    ];
    if let Some((_, flag)) = fixed.iter().find(|(given, _)| *given) {
        return Err(BadInput(format!(
            "--resume {}: {flag} cannot be given; a resumed run keeps the settings it was started with (see its run.json)",
            dir.display()
        ))
        .into());
    }
    let m = read_manifest(dir)?;
    let mut exp = config::parse(&m.config_text, &m.config_source, &m.config_name)
        .map_err(|e| BadInput(format!("--resume {}: the saved config no longer parses: {e}", dir.display())))?;
    exp.seed = m.seed;
    exp.search.time_seconds = m.time_seconds;
    exp.backend = m.backend;
    if let Some(flag) = g.backend {
        exp.backend = crate::flags::backend_choice(flag)?;
        if exp.backend != m.backend && !g.quiet {
            eprintln!("note: resuming on {:?}, started on {:?}: results can differ slightly", exp.backend, m.backend);
        }
    }
    Ok((exp, dir.to_path_buf(), Some(m)))
}

/// A run folder's manifest, checked: its model version, its checksum, its plan.
fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("run.json");
    let text = crate::input::read_bounded_text(&path, crate::input::MAX_STATE_FILE_BYTES).map_err(|e| {
        BadInput(format!(
            "--resume {}: {} {e}; is it a folder `terafab optimize` wrote?",
            dir.display(),
            path.display()
        ))
    })?;
    let not_a_manifest = |e: serde_json::Error| {
        BadInput(format!("--resume {}: {} is not a terafab run manifest ({e})", dir.display(), path.display()))
    };
    let raw: serde_json::Value = serde_json::from_str(&text).map_err(not_a_manifest)?;
    // Runs started before CMA-ES had a covariance choice (2026-12-01) saved their search
    // state in a layout this terafab does not read: say so rather than "damaged".
    if raw.get("plan").is_some_and(|p| p.is_object() && p.get("covariance").is_none()) {
        return Err(BadInput(format!(
            "--resume {}: the run was started by an earlier terafab, before the search had \
             search.covariance and search.elitist; this version cannot continue its search \
             state: start a new run (its config is in {})",
            dir.display(),
            path.display()
        ))
        .into());
    }
    let m: Manifest = serde_json::from_value(raw).map_err(not_a_manifest)?;
    if let Some(why) = crate::model::version::mismatch(&format!("the run in {}", dir.display()), m.model_version) {
        return Err(BadInput(format!("--resume {}: {why}; start a new run instead", dir.display())).into());
    }
    if let Some(why) = m.damage()? {
        return Err(BadInput(format!(
            "--resume {}: {} {why}; the run cannot resume from it: restore the file, or start a new run",
            dir.display(),
            path.display()
        ))
        .into());
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_re_signed_manifest_with_a_plan_that_cannot_run_is_refused() {
        // Issue 12 (hostile review): run.json re-signed with sweep_chunk = 0 resumed into
        // an endless loop.
        let exp = crate::config::default_experiment();
        let plan = resolve_plan(&exp.search, exp.seed, Some(12_345), DeviceClass::Cpu).unwrap();
        let ev = crate::eval::cpu::CpuEvaluator::new(Problem::from_experiment(&exp), crate::eval::cpu::Precision::Simd);
        let m = Manifest::new(&exp, plan, None, &ev).unwrap();
        assert_eq!(m.damage().unwrap(), None);
        let mut broken = m.clone();
        broken.plan.sweep_chunk = 0;
        let why = broken.signed().unwrap().damage().unwrap().unwrap();
        assert!(why.contains("cannot run (sweep_chunk is 0)"), "{why}");
        // Re-signed with a budget or seed past what the flags and the config take.
        let mut endless = m.clone();
        endless.plan.budget_evals = u64::MAX;
        let why = endless.signed().unwrap().damage().unwrap().unwrap();
        assert!(why.contains("budget_evals is above 2^40"), "{why}");
        let mut seeded = m.clone();
        (seeded.seed, seeded.plan.seed) = (1 << 63, 1 << 63);
        let why = seeded.signed().unwrap().damage().unwrap().unwrap();
        assert!(why.contains("seed is above 2^63 - 1"), "{why}");
        let mut slow = m;
        slow.time_seconds = Some(-1.0);
        assert!(slow.signed().unwrap().damage().unwrap().unwrap().contains("time limit"));
    }

    #[test]
    fn the_manifest_round_trips_the_plan_exactly() {
        // --resume compares the saved plan with the checkpoint's: floats must come back
        // bit for bit from run.json.
        let exp = crate::config::default_experiment();
        let mut plan = resolve_plan(&exp.search, 42, Some(12_345), DeviceClass::Cpu).unwrap();
        for sigma in [0.1, 0.3, 2.0 / 3.0, 1e-2, 19.999999999999996, std::f64::consts::PI] {
            plan.sigma0 = sigma;
            let text = serde_json::to_string_pretty(&plan).unwrap();
            let back: Plan = serde_json::from_str(&text).unwrap();
            assert_eq!(back, plan, "{text}");
            assert_eq!(back.sigma0.to_bits(), sigma.to_bits());
        }
    }
}
