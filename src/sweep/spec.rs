//! The sweep file: a base config, the keys to vary and how, the design, and what each
//! point does; read and checked whole before anything runs, every error naming the file
//! and the entry.

use crate::config::{self, MAX_BUDGET_EVALS};
use crate::input::BadInput;
use crate::model::PARAM_SPECS;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The most points one sweep runs (each point is at least one evaluation of its scenarios).
/// The most points one sweep runs. Every point's config is built and validated before
/// anything runs (and again by each shard and by `collect`): about a millisecond and 9 KB
/// a point here, so 200,000 points take ~3 minutes and ~1.8 GB to prepare.
pub const MAX_POINTS: usize = 200_000;
/// The most search seeds an optimize point takes.
pub const MAX_SEEDS_PER_POINT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DesignKind {
    Grid,
    OneAtATime,
    LatinHypercube,
    Sobol,
    Morris,
}

impl DesignKind {
    pub const NAMES: &'static str = "grid, one-at-a-time, latin-hypercube, sobol, morris";
    /// As a sweep file spells it.
    pub fn name(self) -> &'static str {
        match self {
            DesignKind::Grid => "grid",
            DesignKind::OneAtATime => "one-at-a-time",
            DesignKind::LatinHypercube => "latin-hypercube",
            DesignKind::Sobol => "sobol",
            DesignKind::Morris => "morris",
        }
    }
    fn continuous(self) -> bool {
        matches!(self, DesignKind::LatinHypercube | DesignKind::Sobol | DesignKind::Morris)
    }
}

/// What every point does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Cost a fixed policy (a file, relative to the sweep file, or a built-in name) on the
    /// point's scenarios: cheap, and batched over all points.
    Evaluate { policy: String, policy_text: String },
    /// Run the search at the point, `seeds_per_point` times with independent search seeds.
    Optimize { budget: Option<u64>, seeds_per_point: usize },
}

/// One varied key and the values it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// As written, e.g. `market.supply_gw_per_year` or `uncertainty."market.max_share".hi`.
    pub key: String,
    /// The table path the key names.
    pub path: Vec<String>,
    /// An explicit list (grid cells, tornado swings).
    pub values: Vec<toml::Value>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub nominal: Option<toml::Value>,
    /// Values between low and high, for a grid.
    pub steps: Option<usize>,
    /// Sample and space the range in log.
    pub log: bool,
    /// The key takes integers (the base config holds one there, or the spec gave only
    /// integers): sampled values are rounded.
    pub integer: bool,
    /// The key's value in the base config (or its parameter's default), if any.
    pub base: Option<toml::Value>,
}

/// Two config values are the same value (an integer 20 and a float 20.0 are).
pub fn same_value(a: &toml::Value, b: &toml::Value) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `values` without repeats, first occurrence kept.
fn distinct(values: Vec<toml::Value>) -> Vec<toml::Value> {
    let mut out: Vec<toml::Value> = Vec::new();
    for v in values {
        if !out.iter().any(|o| same_value(o, &v)) {
            out.push(v);
        }
    }
    out
}

impl Factor {
    fn number(&self, x: f64) -> toml::Value {
        if self.integer { toml::Value::Integer(x.round() as i64) } else { toml::Value::Float(x) }
    }
    /// The value at `u` in [0, 1] of the range (linear or log). On a scenario parameter
    /// whose range is 0 or at least a floor (`Bounds::min_positive`), a value that falls
    /// between them moves to the nearer of the two, as sampled scenarios do: a range from
    /// 0 would otherwise make points `check` refuses.
    pub fn at_unit(&self, u: f64) -> toml::Value {
        let (lo, hi) = (self.low.unwrap_or(0.0), self.high.unwrap_or(1.0));
        let x = if self.log { lo * (hi / lo).powf(u) } else { lo + u * (hi - lo) };
        let param = match self.path.as_slice() {
            [section, key] => crate::model::PARAM_SPECS.iter().find(|s| s.section == section && s.key == key),
            _ => None,
        };
        self.number(
            param.map_or(x, |spec| if spec.bounds.contains(x) || x <= 0.0 { x } else { spec.bounds.nearest(x) }),
        )
    }
    pub fn nominal_value(&self) -> toml::Value {
        self.nominal.clone().or_else(|| self.base.clone()).unwrap_or(toml::Value::Float(f64::NAN))
    }
    /// A grid's values for this key, each once (steps on an integer key that round to the
    /// same integer give it once).
    pub fn grid_values(&self) -> Vec<toml::Value> {
        if !self.values.is_empty() {
            return distinct(self.values.clone());
        }
        distinct(match self.steps {
            Some(n) => (0..n).map(|i| self.at_unit(if n == 1 { 0.5 } else { i as f64 / (n - 1) as f64 })).collect(),
            None => {
                vec![self.number(self.low.unwrap_or(0.0)), self.nominal_value(), self.number(self.high.unwrap_or(1.0))]
            }
        })
    }
    /// The values a tornado moves the factor to, away from its nominal value.
    pub fn swing_values(&self) -> Vec<toml::Value> {
        let nominal = self.nominal_value();
        let all = if self.values.is_empty() {
            vec![self.number(self.low.unwrap_or(0.0)), self.number(self.high.unwrap_or(1.0))]
        } else {
            self.values.clone()
        };
        distinct(all).into_iter().filter(|v| !same_value(v, &nominal)).collect()
    }
}

/// A sweep file, read and checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepSpec {
    /// The sweep file, as given.
    pub path: String,
    /// `default`, or the base config's path as written in the file.
    pub base: String,
    pub base_text: String,
    pub design: DesignKind,
    /// Latin hypercube: points; Sobol: base rows N (N (k + 2) points); Morris: trajectories.
    pub samples: usize,
    /// Morris: grid levels.
    pub levels: usize,
    pub seed: u64,
    pub action: Action,
    pub factors: Vec<Factor>,
    /// Keys set the same at every point (`[set]`).
    pub set: Vec<(Vec<String>, toml::Value)>,
    /// Shards a Kubernetes Indexed Job splits the sweep into (its completion count): how
    /// `JOB_COMPLETION_INDEX` is read. Not part of what the sweep computes.
    pub shards: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    base: Option<String>,
    design: String,
    samples: Option<i64>,
    levels: Option<i64>,
    seed: Option<i64>,
    shards: Option<i64>,
    point: RawPoint,
    #[serde(default)]
    set: toml::Table,
    #[serde(default)]
    vary: Vec<RawFactor>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoint {
    action: String,
    policy: Option<String>,
    budget: Option<i64>,
    seeds_per_point: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactor {
    key: String,
    values: Option<Vec<toml::Value>>,
    low: Option<toml::Value>,
    high: Option<toml::Value>,
    nominal: Option<toml::Value>,
    steps: Option<i64>,
    scale: Option<String>,
}

/// The table path a dotted key names, in TOML's own key syntax (quotes keep dots in a
/// part: `uncertainty."market.max_share".hi`).
pub fn key_path(key: &str) -> Result<Vec<String>, String> {
    let doc: toml::Table =
        toml::from_str(&format!("{key} = 0")).map_err(|_| format!("`{key}` is not a TOML key path"))?;
    let mut path = Vec::new();
    let mut at = &doc;
    loop {
        let (k, v) = at.iter().next().ok_or_else(|| format!("`{key}` is not a TOML key path"))?;
        path.push(k.clone());
        match v {
            toml::Value::Table(t) => at = t,
            _ => return Ok(path),
        }
    }
}

/// The value at `path` in `table`, if there is one.
pub fn get_path<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (last, head) = path.split_last()?;
    let mut at = table;
    for k in head {
        at = at.get(k)?.as_table()?;
    }
    at.get(last)
}

fn number(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

impl SweepSpec {
    /// Reads and checks the sweep file at `path`.
    pub fn load(path: &Path) -> Result<SweepSpec, BadInput> {
        let shown = path.display().to_string();
        let text = crate::input::read_bounded_text(path, crate::input::MAX_TEXT_FILE_BYTES)
            .map_err(|e| BadInput(format!("{shown}: {e}")))?;
        Self::parse(&text, &shown, path.parent().unwrap_or(Path::new(".")))
    }

    /// Checks a sweep file's text; `dir` is where its relative paths start.
    pub fn parse(text: &str, shown: &str, dir: &Path) -> Result<SweepSpec, BadInput> {
        let bad = |what: String| BadInput(format!("{shown}: {what}"));
        let raw: RawSweep = toml::from_str(text).map_err(|e| bad(e.to_string().trim_end().replace('\n', " ")))?;
        let base = raw.base.unwrap_or_else(|| "default".into());
        let base_text = if base == "default" {
            config::DEFAULT_CONFIG.to_string()
        } else {
            let p = resolve(dir, &base);
            crate::input::read_bounded_text(&p, crate::input::MAX_TEXT_FILE_BYTES)
                .map_err(|e| bad(format!("base = \"{base}\": {} {e}", p.display())))?
        };
        let base_table: toml::Table =
            toml::from_str(&base_text).map_err(|e| bad(format!("base = \"{base}\" is not TOML: {e}")))?;
        let design = match raw.design.as_str() {
            "grid" => DesignKind::Grid,
            "one-at-a-time" => DesignKind::OneAtATime,
            "latin-hypercube" => DesignKind::LatinHypercube,
            "sobol" => DesignKind::Sobol,
            "morris" => DesignKind::Morris,
            other => return Err(bad(format!("design = \"{other}\": must be one of {}", DesignKind::NAMES))),
        };
        let seed = match raw.seed {
            None => 1,
            Some(s) if s >= 0 => s as u64,
            Some(s) => return Err(bad(format!("seed = {s}: must be 0 or more"))),
        };
        let action = match raw.point.action.as_str() {
            "evaluate" => {
                if raw.point.budget.is_some() || raw.point.seeds_per_point.is_some() {
                    return Err(bad("[point] budget and seeds_per_point are for action = \"optimize\"".into()));
                }
                let policy = raw.point.policy.ok_or_else(|| {
                    bad("[point] action = \"evaluate\" needs policy = a policy file or balanced / ground-only".into())
                })?;
                let policy_text = match config::BUILTIN_POLICIES.iter().find(|(n, _)| *n == policy) {
                    Some((_, t)) => t.to_string(),
                    None => {
                        let p = resolve(dir, &policy);
                        crate::input::read_bounded_text(&p, crate::input::MAX_TEXT_FILE_BYTES)
                            .map_err(|e| bad(format!("[point] policy = \"{policy}\": {} {e}", p.display())))?
                    }
                };
                Action::Evaluate { policy, policy_text }
            }
            "optimize" => {
                if raw.point.policy.is_some() {
                    return Err(bad("[point] policy is for action = \"evaluate\"".into()));
                }
                let budget = match raw.point.budget {
                    None => None,
                    Some(b) if (1..=MAX_BUDGET_EVALS as i64).contains(&b) => Some(b as u64),
                    Some(b) => return Err(bad(format!("[point] budget = {b}: must be 1 to 2^40"))),
                };
                let seeds_per_point = match raw.point.seeds_per_point.unwrap_or(1) {
                    s if (1..=MAX_SEEDS_PER_POINT as i64).contains(&s) => s as usize,
                    s => return Err(bad(format!("[point] seeds_per_point = {s}: must be 1 to {MAX_SEEDS_PER_POINT}"))),
                };
                Action::Optimize { budget, seeds_per_point }
            }
            other => return Err(bad(format!("[point] action = \"{other}\": must be evaluate or optimize"))),
        };
        let mut set = Vec::new();
        flatten_set(&raw.set, &[], &mut set);
        if raw.vary.is_empty() {
            return Err(bad("no [[vary]] entry: name at least one key to vary".into()));
        }
        let mut factors: Vec<Factor> = Vec::new();
        for (i, rf) in raw.vary.into_iter().enumerate() {
            let f = factor(rf, design, &base_table).map_err(|e| bad(format!("[[vary]] entry {}: {e}", i + 1)))?;
            if let Some(other) = factors.iter().find(|o| o.path == f.path) {
                return Err(bad(format!("[[vary]] entry {}: key {} is varied twice", i + 1, other.key)));
            }
            factors.push(f);
        }
        if let Some(f) = factors.iter().find(|f| set.iter().any(|(p, _)| *p == f.path)) {
            return Err(bad(format!("{} is both in [set] and varied; keep it in one place", f.key)));
        }
        let k = factors.len();
        let samples = raw.samples;
        let need_samples = |min: i64, what: &str| -> Result<usize, BadInput> {
            match samples {
                Some(s) if s >= min => Ok(s as usize),
                Some(s) => Err(bad(format!("samples = {s}: {what} needs at least {min}"))),
                None => Err(bad(format!("design = \"{}\" needs samples = ({what})", raw.design))),
            }
        };
        let (samples, levels) = match design {
            DesignKind::Grid | DesignKind::OneAtATime => {
                if samples.is_some() {
                    return Err(bad(format!("samples is for latin-hypercube, sobol and morris, not {}", raw.design)));
                }
                (0, 0)
            }
            DesignKind::LatinHypercube => (need_samples(2, "points")?, 0),
            DesignKind::Sobol => {
                let n = need_samples(2, "base rows N, N (k + 2) points")?;
                if n > super::sequences::SOBOL_MAX_POINTS || 2 * k > super::sequences::SOBOL_MAX_DIMENSIONS {
                    return Err(bad(format!(
                        "samples = {n} with {k} factors: a Sobol design takes at most 65,536 base rows and 128 factors"
                    )));
                }
                (n, 0)
            }
            DesignKind::Morris => {
                let levels = match raw.levels.unwrap_or(4) {
                    l if (2..=100).contains(&l) && l % 2 == 0 => l as usize,
                    l => return Err(bad(format!("levels = {l}: must be an even number from 2 to 100"))),
                };
                (need_samples(2, "trajectories")?, levels)
            }
        };
        if raw.levels.is_some() && design != DesignKind::Morris {
            return Err(bad("levels is for design = \"morris\"".into()));
        }
        let shards = match raw.shards {
            None => None,
            Some(s) if (1..=1_000_000).contains(&s) => Some(s as usize),
            Some(s) => return Err(bad(format!("shards = {s}: must be 1 to 1000000"))),
        };
        let spec = SweepSpec {
            path: shown.into(),
            base,
            base_text,
            design,
            samples,
            levels,
            seed,
            action,
            factors,
            set,
            shards,
        };
        let n = spec.count_points();
        if n > MAX_POINTS as u128 {
            return Err(bad(format!("the design has {n} points; at most {MAX_POINTS} are allowed")));
        }
        Ok(spec)
    }

    /// Why a spec read back from a sweep folder cannot be built, if it cannot (what
    /// `parse` ensures for a spec it makes).
    pub fn problem(&self) -> Option<String> {
        let k = self.factors.len();
        let bad = [
            (self.factors.is_empty(), "no factor"),
            (self.count_points() > MAX_POINTS as u128, "more points than allowed"),
            (
                self.design == DesignKind::Sobol
                    && (self.samples < 2
                        || self.samples > super::sequences::SOBOL_MAX_POINTS
                        || 2 * k > super::sequences::SOBOL_MAX_DIMENSIONS),
                "a Sobol design beyond the sequence",
            ),
            (
                self.design == DesignKind::Morris && (self.levels < 2 || self.levels % 2 == 1 || self.samples < 2),
                "bad Morris levels or trajectories",
            ),
            (self.design == DesignKind::LatinHypercube && self.samples < 2, "too few samples"),
            (self.seeds_per_point() == 0 || self.seeds_per_point() > MAX_SEEDS_PER_POINT, "bad seeds_per_point"),
        ];
        bad.iter().find(|(b, _)| *b).map(|(_, why)| why.to_string())
    }

    /// Points in the design (without building them).
    pub fn count_points(&self) -> u128 {
        let k = self.factors.len() as u128;
        match self.design {
            // Saturating: ten keys of 8,192 steps would wrap a u128 to 0 and pass the limit.
            DesignKind::Grid => self.factors.iter().fold(1u128, |n, f| n.saturating_mul(f.grid_values().len() as u128)),
            DesignKind::OneAtATime => 1 + self.factors.iter().map(|f| f.swing_values().len() as u128).sum::<u128>(),
            DesignKind::LatinHypercube => self.samples as u128,
            DesignKind::Sobol => (self.samples as u128).saturating_mul(k + 2),
            DesignKind::Morris => (self.samples as u128).saturating_mul(k + 1),
        }
    }

    /// Runs (point, seed) the sweep holds: points x seeds per point.
    pub fn seeds_per_point(&self) -> usize {
        match self.action {
            Action::Evaluate { .. } => 1,
            Action::Optimize { seeds_per_point, .. } => seeds_per_point,
        }
    }
}

fn resolve(dir: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() { p.to_path_buf() } else { dir.join(p) }
}

/// `[set]`'s entries as (path, value), tables opened into their keys; a quoted dotted
/// key (`"search.budget_evals" = 5`) is a path too.
fn flatten_set(t: &toml::Table, prefix: &[String], out: &mut Vec<(Vec<String>, toml::Value)>) {
    for (k, v) in t {
        let parts = if prefix.is_empty() { key_path(k).unwrap_or_else(|_| vec![k.clone()]) } else { vec![k.clone()] };
        let mut path = prefix.to_vec();
        path.extend(parts);
        match v {
            toml::Value::Table(inner) if !is_value_table(&path) => flatten_set(inner, &path, out),
            _ => out.push((path, v.clone())),
        }
    }
}

/// Tables that are values rather than sections: an `[uncertainty]` entry.
fn is_value_table(path: &[String]) -> bool {
    path.len() == 2 && path[0] == "uncertainty"
}

fn factor(rf: RawFactor, design: DesignKind, base: &toml::Table) -> Result<Factor, String> {
    let path = key_path(&rf.key)?;
    let key = rf.key.clone();
    let param_default = (path.len() == 2)
        .then(|| PARAM_SPECS.iter().find(|s| s.section == path[0] && s.key == path[1]))
        .flatten()
        .map(|s| toml::Value::Float(s.default));
    let base_value = get_path(base, &path).cloned().or(param_default);
    let num = |v: &Option<toml::Value>, what: &str| -> Result<Option<f64>, String> {
        match v {
            None => Ok(None),
            Some(x) => number(x)
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| format!("{key}: {what} = {x} is not a number")),
        }
    };
    let values = rf.values.unwrap_or_default();
    let mut low = num(&rf.low, "low")?;
    let mut high = num(&rf.high, "high")?;
    let log = match rf.scale.as_deref() {
        None | Some("linear") => false,
        Some("log") => true,
        Some(s) => return Err(format!("{key}: scale = \"{s}\": must be linear or log")),
    };
    if !values.is_empty() && (low.is_some() || high.is_some() || rf.steps.is_some()) {
        return Err(format!("{key}: give either values = [...] or low / high (with steps), not both"));
    }
    let numeric: Vec<f64> = values.iter().filter_map(number).collect();
    if values.is_empty() {
        if low.is_none() || high.is_none() {
            return Err(format!("{key}: needs values = [...] or both low and high"));
        }
    } else if numeric.len() == values.len() {
        low = numeric.iter().copied().reduce(f64::min);
        high = numeric.iter().copied().reduce(f64::max);
    } else if design.continuous() {
        return Err(format!(
            "{key}: a {} design samples a numeric range; values = [...] must be numbers",
            design.name()
        ));
    }
    if let (Some(lo), Some(hi)) = (low, high) {
        if lo > hi {
            return Err(format!("{key}: low = {lo} is above high = {hi}"));
        }
        if log && lo <= 0.0 {
            return Err(format!("{key}: scale = \"log\" needs low > 0 (low = {lo})"));
        }
        if design.continuous() && lo == hi {
            return Err(format!("{key}: low and high are both {lo}: nothing to sample"));
        }
    }
    let steps = match rf.steps {
        None => None,
        Some(s) if (1..=10_000).contains(&s) && design == DesignKind::Grid => Some(s as usize),
        Some(s) if design == DesignKind::Grid => return Err(format!("{key}: steps = {s}: must be 1 to 10000")),
        Some(_) => return Err(format!("{key}: steps is for design = \"grid\"")),
    };
    // Integers stay integers: where the base config holds one, or, where it holds
    // nothing, when everything the entry gives is one.
    let given: Vec<&toml::Value> = [&rf.low, &rf.high, &rf.nominal].into_iter().flatten().chain(&values).collect();
    let integer = match &base_value {
        Some(v) => matches!(v, toml::Value::Integer(_)),
        None => !given.is_empty() && given.iter().all(|v| matches!(v, toml::Value::Integer(_))),
    };
    let nominal = rf.nominal.clone();
    if nominal.is_some() && design.continuous() {
        return Err(format!(
            "{key}: nominal is for one-at-a-time and grid designs; a {} design samples low to high",
            design.name()
        ));
    }
    if let (Some(n), Some(lo), Some(hi)) = (nominal.as_ref().and_then(number), low, high)
        && !(lo..=hi).contains(&n)
    {
        return Err(format!("{key}: nominal = {n} is outside low = {lo} to high = {hi}"));
    }
    if design == DesignKind::OneAtATime && nominal.is_none() && base_value.is_none() {
        return Err(format!("{key}: the base config has no value here; give nominal = ..."));
    }
    if design == DesignKind::Grid && values.is_empty() && steps.is_none() && nominal.is_none() && base_value.is_none() {
        return Err(format!("{key}: the base config has no value here; give nominal = ..., steps or values"));
    }
    Ok(Factor { key, path, values, low, high, nominal, steps, log, integer, base: base_value })
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_range_from_0_never_lands_between_0_and_the_parameters_floor() {
        // initial.cash_busd takes 0 or at least 0.02 (model version 5).
        let f = Factor {
            key: "initial.cash_busd".into(),
            path: vec!["initial".into(), "cash_busd".into()],
            values: vec![],
            low: Some(0.0),
            high: Some(100.0),
            nominal: None,
            steps: None,
            log: false,
            integer: false,
            base: None,
        };
        assert_eq!(f.at_unit(0.0), toml::Value::Float(0.0));
        assert_eq!(f.at_unit(0.00005), toml::Value::Float(0.0)); // 0.005: nearer 0
        assert_eq!(f.at_unit(0.00015), toml::Value::Float(0.02)); // 0.015: nearer the floor
        assert_eq!(f.at_unit(0.5), toml::Value::Float(50.0));
    }

    use super::*;

    #[test]
    fn key_paths_follow_toml_quoting() {
        assert_eq!(key_path("fab.capex_busd_per_kwspm").unwrap(), ["fab", "capex_busd_per_kwspm"]);
        assert_eq!(key_path("uncertainty.\"market.max_share\".hi").unwrap(), ["uncertainty", "market.max_share", "hi"]);
        assert!(key_path("fab..x").is_err());
    }
}
