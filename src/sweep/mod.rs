//! `terafab sweep`: experiments over a config's keys. A sweep file names a base config,
//! the keys to vary and a design; every point's config is built and validated before any
//! runs; fixed-policy points run as batched evaluator calls, optimize points as searches;
//! each finished point is saved at once (resume, shards, Slurm arrays), and the outputs
//! are made from the saved points alone. Above `search` and `report`, below `commands`.

pub mod design;
pub mod outputs;
pub mod point;
pub mod run;
pub mod sensitivity;
pub mod sequences;
pub mod slurm;
pub mod spec;

use crate::atomic::write_atomic;
use crate::config::Experiment;
use crate::input::BadInput;
use anyhow::Result;
use design::DesignPoint;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use spec::SweepSpec;
use std::path::Path;

/// A sweep made concrete: its points and each point's validated experiment.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub spec: SweepSpec,
    pub points: Vec<DesignPoint>,
    pub exps: Vec<Experiment>,
}

/// Builds every point's config and validates it: the first bad one is the error, and
/// nothing has run.
pub fn prepare(spec: SweepSpec) -> Result<Prepared, BadInput> {
    let base: toml::Table = toml::from_str(&spec.base_text)
        .map_err(|e| BadInput(format!("{}: base = \"{}\" is not TOML: {e}", spec.path, spec.base)))?;
    let points = design::points(&spec);
    let exps = points
        .iter()
        .enumerate()
        .map(|(i, p)| point::materialize(&spec, &base, i, p).map(|(_, e)| e))
        .collect::<Result<Vec<_>, _>>()?;
    // A sweep ranks its points by cost: every point must count it in the same unit.
    if let Some((i, e)) = exps.iter().enumerate().find(|(_, e)| e.run.objective != exps[0].run.objective) {
        return Err(BadInput(format!(
            "{}: {} has objective {} but point 0 has {}: a sweep compares costs, so every point needs the same \
             objective.kind (run one sweep per objective)",
            spec.path,
            point::describe_point(&spec, i, &points[i]),
            e.run.objective.name(),
            exps[0].run.objective.name()
        )));
    }
    // An optimize point's plan (sized for the CPU class on every node): check it now.
    if let spec::Action::Optimize { budget, .. } = spec.action {
        for (i, e) in exps.iter().enumerate() {
            crate::search::plan::resolve_plan(&e.search, 0, budget, crate::eval::DeviceClass::Cpu).map_err(|err| {
                BadInput(format!("{}: {}: {err:#}", spec.path, point::describe_point(&spec, i, &points[i])))
            })?;
        }
    }
    // A fixed policy must fit every point's knots and horizon: check it now, not mid-run.
    if matches!(spec.action, spec::Action::Evaluate { .. }) {
        let mut checked: Vec<&crate::model::RunSpec> = Vec::new();
        for (i, e) in exps.iter().enumerate() {
            if checked.contains(&&e.run) {
                continue;
            }
            run::fixed_policy(&spec, e).map_err(|err| {
                BadInput(format!("{}: {}: {err:#}", spec.path, point::describe_point(&spec, i, &points[i])))
            })?;
            checked.push(&e.run);
        }
    }
    Ok(Prepared { spec, points, exps })
}

/// `sweep.json`: what the sweep is, so its results can be trusted and merged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepManifest {
    pub terafab_version: String,
    pub model_version: u32,
    pub sweep_file: String,
    /// SHA-256 of the sweep file's meaning (design, keys, values, action, base config
    /// text) and of every point's config: another sweep in the same folder is refused.
    pub design_sha256: String,
    pub base_sha256: String,
    pub points: usize,
    pub runs: usize,
    pub point_config_sha256: Vec<String>,
    pub spec: SweepSpec,
}

impl SweepManifest {
    pub fn new(p: &Prepared) -> Result<Self> {
        let mut h = Sha256::new();
        // The file's own path is left out: the same sweep run from another folder (a
        // cluster node) is the same sweep.
        let meaning = SweepSpec { path: String::new(), shards: None, ..p.spec.clone() };
        h.update(serde_json::to_string(&meaning)?.as_bytes());
        for e in &p.exps {
            h.update(e.sha256.as_bytes());
        }
        Ok(SweepManifest {
            terafab_version: env!("CARGO_PKG_VERSION").into(),
            model_version: crate::model::MODEL_VERSION,
            sweep_file: p.spec.path.clone(),
            design_sha256: format!("{:x}", h.finalize()),
            base_sha256: format!("{:x}", Sha256::digest(p.spec.base_text.as_bytes())),
            points: p.points.len(),
            runs: p.points.len() * p.spec.seeds_per_point(),
            point_config_sha256: p.exps.iter().map(|e| e.sha256.clone()).collect(),
            spec: p.spec.clone(),
        })
    }
}

/// Reads `dir/sweep.json`, if there is one.
pub fn read_manifest(dir: &Path) -> Result<Option<SweepManifest>> {
    let path = dir.join("sweep.json");
    if !path.exists() {
        return Ok(None);
    }
    let text = crate::input::read_bounded_text(&path, crate::input::MAX_STATE_FILE_BYTES)
        .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    let m: SweepManifest = serde_json::from_str(&text)
        .map_err(|e| BadInput(format!("{}: not a terafab sweep manifest ({e})", path.display())))?;
    if let Some(why) = crate::model::version::mismatch(&format!("the sweep in {}", dir.display()), m.model_version) {
        return Err(BadInput(format!("{why}; start the sweep in a new folder")).into());
    }
    Ok(Some(m))
}

/// Writes sweep.json, or checks that the folder's is this sweep's.
pub fn claim_folder(dir: &Path, p: &Prepared) -> Result<SweepManifest> {
    let m = SweepManifest::new(p)?;
    match read_manifest(dir)? {
        Some(old) if old.design_sha256 != m.design_sha256 => Err(BadInput(format!(
            "--out {}: holds another sweep (from {}); choose another folder, or delete it to start over",
            dir.display(),
            old.sweep_file
        ))
        .into()),
        Some(old) => Ok(old),
        None => {
            write_atomic(&dir.join("sweep.json"), serde_json::to_string_pretty(&m)?.as_bytes())?;
            Ok(m)
        }
    }
}
