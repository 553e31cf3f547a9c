//! Config files: TOML text -> the serde mirror (`raw`) -> a validated [`Experiment`] that
//! everything else uses. Every error names the file, line and column, the key, the bad
//! value and what is allowed. Parsing takes a `&str`, so tests need no files.

mod error;
mod raw;

pub use error::{ConfigError, line_col, suggest};
pub use raw::PARAM_SECTIONS;

use crate::model::params::fmt_num;
use crate::model::state::MAX_SUSTAIN_MONTHS;
use crate::model::{Aggregate, Alloc, Distribution, Objective, PARAM_SPECS, Params, RunSpec, Uncertainty, YearMonth};
use raw::{RawConfig, RawDist};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The default scenario, carried in the binary so the main job runs from any directory.
pub const DEFAULT_CONFIG: &str = include_str!("../../configs/terafab.toml");
/// How errors and summaries name the embedded default.
pub const DEFAULT_CONFIG_SOURCE: &str = "<embedded default configs/terafab.toml>";

/// Which evaluator runs the trajectories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// The GPU when an adapter exists, else the CPU (saying so).
    Auto,
    Gpu,
    Cpu,
}

/// The population solver of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SolverChoice {
    Cmaes,
    Pso,
}

/// The covariance CMA-ES adapts: a full matrix (learns correlations between genes, at
/// a learning rate ~2/n^2), or its diagonal only (separable CMA-ES, Ros and Hansen 2008:
/// one scale per gene, learnt ~n/3 times faster).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CmaCovariance {
    Full,
    Diagonal,
}

/// The hand-written policies, built in so `--policy balanced` and the report's comparisons
/// work from any directory.
pub const BUILTIN_POLICIES: [(&str, &str); 2] = [
    ("balanced", include_str!("../../configs/policies/balanced.toml")),
    ("ground-only", include_str!("../../configs/policies/ground-only.toml")),
];

/// A built-in policy for `run`: as written when it has the run's knots, else its
/// straight-line path re-sampled at the run's knots (both placed as fractions of the
/// horizon). Returns the allocations and how many knots the file has.
pub fn builtin_policy(text: &str, run: &RunSpec) -> anyhow::Result<(Vec<Alloc<f64>>, usize)> {
    use crate::model::policy::{PolicyError, parse_policy_toml};
    // The parser says how many knots the file has when they are not the ones asked for.
    let own = match parse_policy_toml(text, run.knots, None) {
        Err(PolicyError::KnotCount { got, .. }) => parse_policy_toml(text, got, None),
        parsed => parsed,
    }
    .map_err(|e| anyhow::anyhow!("a built-in policy does not parse: {e}"))?;
    if own.len() == run.knots {
        return Ok((own, run.knots));
    }
    let last = own.len() - 1;
    let mapped = (0..run.knots)
        .map(|i| {
            let at = if run.knots > 1 { i as f64 * last as f64 / (run.knots - 1) as f64 } else { 0.0 };
            let j = (at.floor() as usize).min(last);
            Alloc::lerp(&own[j], &own[(j + 1).min(last)], at - j as f64)
        })
        .collect();
    Ok((mapped, own.len()))
}

/// Keys of earlier model versions, and what replaced them.
const RENAMED_KEYS: [(&str, &str); 6] = [
    (
        "chip.market_eff_growth_per_year",
        "gone in model version 4: the market's chips are the process trend (chip.process_eff_growth_per_year) with \
         chip.market_iterations_per_year architecture steps a year, on the venture's own architecture curve",
    ),
    (
        "chip.eff_tflops_per_w_2026",
        "renamed chip.eff_tflops_per_w_at_start in model version 3: it is the value at run.start, whatever the year",
    ),
    (
        "demand.market_busd_per_year_2026",
        "renamed demand.market_busd_per_year_at_start in model version 3: it is the value at run.start, whatever the year",
    ),
    (
        "demand.price_elasticity",
        "renamed demand.price_flexibility in model version 3 (it is an inverse price elasticity: the price falls as \
         (1 + supply / market)^-flexibility)",
    ),
    (
        "demand.price_decline_per_year",
        "gone in model version 3: the price per FLOP now falls as the market's chips get more efficient; set the \
         rent per watt's trend with demand.rental_trend_per_year",
    ),
    (
        "demand.reference_eff_tflops_per_w",
        "gone in model version 3: demand.rental_busd_per_gw_year is now the rent of the market's own chip at run.start",
    ),
];

/// Policy knots by default (README, "How the default was chosen").
pub const DEFAULT_KNOTS: usize = 20;
/// Months the target must hold by default (docs/model.md, "Objectives").
pub const DEFAULT_SUSTAIN_MONTHS: usize = 12;
/// The scenario seed of a config that does not name one.
pub const DEFAULT_SCENARIO_SEED: u64 = 1;

/// Independent population searches by default: three, so every report has the search's
/// own error bar; one search with all the budget did 0.16 months better on average over
/// seeds 1-3 at 1,000,000 evaluations (README, "How the default was chosen").
pub const DEFAULT_POPULATION_RUNS: usize = 3;

/// `[search]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSettings {
    /// Quasi-random candidates screened first; `None`: chosen by backend.
    pub screening_samples: Option<usize>,
    /// How many of the best screened candidates seed the population search.
    pub seeds_from_screening: usize,
    pub solver: SolverChoice,
    /// Population per generation; `None`: the solver's default for the dimension.
    pub population: Option<usize>,
    /// Total evaluations (candidates, each over all scenarios); `None`: chosen by device.
    pub budget_evals: Option<u64>,
    pub time_seconds: Option<f64>,
    pub checkpoint_every: usize,
    pub polish_evals: u64,
    /// Also run a random search of the same budget, for the report's comparison.
    pub compare_random: bool,
    /// CMA-ES's initial step size, in policy-vector units (the box is [-10, 10]).
    pub step_size: f64,
    /// Independent population searches the budget is split between.
    pub population_runs: usize,
    /// The covariance CMA-ES adapts.
    pub covariance: CmaCovariance,
    /// CMA-ES keeps its best point so far in the selection while no newer point beats it.
    pub elitist: bool,
}

/// `[scenarios]`, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScenarioSettings {
    pub count: usize,
    pub aggregate: Aggregate,
    /// Draws the scenarios (`scenarios.seed`): fixed by the config, so every run of a
    /// config, whatever its search seed, sees the same scenarios (common random numbers).
    pub seed: u64,
}

/// A validated experiment: what a config file means.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    /// Where it came from (a path or the embedded default).
    pub source: String,
    pub text: String,
    pub sha256: String,
    pub run: RunSpec,
    /// The nominal scenario (central values).
    pub params: Params<f64>,
    pub uncertainty: Uncertainty,
    pub scenarios: ScenarioSettings,
    /// The search's seed (`run.seed`, `--seed`); the scenarios have their own.
    pub seed: u64,
    pub backend: BackendChoice,
    pub search: SearchSettings,
}

impl Experiment {
    /// The scenarios every candidate is evaluated on (scenarios 0 .. count-1 of the
    /// scenario seed). With no uncertain parameter there is one scenario: the nominal one.
    pub fn sampled_scenarios(&self) -> Vec<Params<f64>> {
        self.scenarios_of_seed(self.scenarios.seed)
    }
    /// The same draws from another scenario seed (to measure the sampling error).
    pub fn scenarios_of_seed(&self, seed: u64) -> Vec<Params<f64>> {
        if self.uncertainty.entries.is_empty() {
            vec![self.params]
        } else {
            self.uncertainty.scenarios(&self.params, seed, self.scenarios.count)
        }
    }
    /// Scenario `k` of the config's scenario seed (what `simulate --scenario K` runs).
    pub fn scenario(&self, k: usize) -> Params<f64> {
        self.uncertainty.scenario(&self.params, self.scenarios.seed, k)
    }
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Experiment, ConfigError> {
    let file = path.display().to_string();
    let fail = |message: String| ConfigError { file: file.clone(), position: None, message };
    if path.is_dir() {
        return Err(fail("is a directory; give a .toml config file".into()));
    }
    let text = crate::input::read_bounded_text(path, crate::input::MAX_TEXT_FILE_BYTES).map_err(fail)?;
    let name = path.file_stem().map_or("config".into(), |s| s.to_string_lossy().into_owned());
    parse(&text, &file, &name)
}

/// The embedded default, validated.
pub fn default_experiment() -> Experiment {
    parse(DEFAULT_CONFIG, DEFAULT_CONFIG_SOURCE, "terafab").expect("the embedded default config is valid (tested)")
}

/// `load(path)` or the embedded default.
pub fn load_or_default(path: Option<&Path>) -> Result<Experiment, ConfigError> {
    path.map_or_else(|| Ok(default_experiment()), load)
}

/// Longest `run.name`: the run folder's name adds a 16-character timestamp.
const MAX_RUN_NAME: usize = 64;

/// A run name is used as a folder name under `runs/`: nothing that leaves it or hides.
fn is_safe_run_name(name: &str) -> bool {
    (1..=MAX_RUN_NAME).contains(&name.chars().count())
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The run name a config file's own name gives (its stem), made safe: other characters
/// become '-', and it is cut to [`MAX_RUN_NAME`].
fn safe_run_name(stem: &str) -> String {
    let cleaned: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .take(MAX_RUN_NAME)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() { "config".into() } else { cleaned }
}

/// Validation context: the file's text and name, for positions in errors.
struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn err_at(&self, span: Option<Range<usize>>, message: String) -> ConfigError {
        ConfigError { file: self.file.to_string(), position: span.map(|s| line_col(self.text, s.start)), message }
    }
    fn err<T>(&self, v: &Spanned<T>, message: String) -> ConfigError {
        self.err_at(Some(v.span()), message)
    }
    fn int(&self, v: &Option<Spanned<i64>>, key: &str, default: i64, lo: i64, hi: i64) -> Result<i64, ConfigError> {
        match v {
            None => Ok(default),
            Some(s) if (lo..=hi).contains(s.get_ref()) => Ok(*s.get_ref()),
            Some(s) => Err(self.err(s, format!("{key} = {}: must be between {lo} and {hi}", s.get_ref()))),
        }
    }
    /// An optional integer key: `None` when absent (the caller sizes it), else checked.
    fn opt_int(&self, v: &Option<Spanned<i64>>, key: &str, lo: i64, hi: i64) -> Result<Option<i64>, ConfigError> {
        v.as_ref().map(|_| self.int(v, key, lo, lo, hi)).transpose()
    }
    fn float(&self, v: &Option<Spanned<f64>>, key: &str, default: f64, lo: f64, hi: f64) -> Result<f64, ConfigError> {
        match v {
            None => Ok(default),
            Some(s) => {
                let x = *s.get_ref();
                if !x.is_finite() {
                    Err(self.err(s, format!("{key} = {x}: must be a finite number")))
                } else if !(lo..=hi).contains(&x) {
                    Err(self.err(s, format!("{key} = {x}: must be between {} and {}", fmt_num(lo), fmt_num(hi))))
                } else {
                    Ok(x)
                }
            }
        }
    }
    fn choice(
        &self,
        v: &Option<Spanned<String>>,
        key: &str,
        default: &str,
        allowed: &[&str],
    ) -> Result<String, ConfigError> {
        match v {
            None => Ok(default.to_string()),
            Some(s) if allowed.contains(&s.get_ref().as_str()) => Ok(s.get_ref().clone()),
            Some(s) => Err(self.err(
                s,
                format!(
                    "{key} = \"{}\": unknown; allowed: {}{}",
                    s.get_ref(),
                    allowed.join(", "),
                    suggest(s.get_ref(), allowed.iter().copied())
                ),
            )),
        }
    }
}

/// Parses and validates config text. `file` names it in errors; `name` names the run.
pub fn parse(text: &str, file: &str, name: &str) -> Result<Experiment, ConfigError> {
    let cx = Ctx { text, file };
    if text.trim().is_empty() {
        return Err(cx.err_at(None, "the config file is empty; start from `terafab config show`".into()));
    }
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let mut message = e.message().trim().to_string();
        if let Some(unknown) = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next()) {
            let expected: Vec<&str> = message.split('`').skip(3).step_by(2).collect();
            message.push_str(&suggest(unknown, expected));
        } else {
            message = error::plain_parse_error(text, e.span().map(|s| s.start), &message);
        }
        cx.err_at(e.span(), message)
    })?;

    let params = parse_params(&cx, &raw)?;
    let run_t = raw.run.as_ref();
    let start = match run_t.and_then(|r| r.start.as_ref()) {
        None => YearMonth { year: 2026, month: 4 },
        Some(s) => s.get_ref().parse().map_err(|m: String| cx.err(s, format!("run.start: {m}")))?,
    };
    let horizon = cx.int(&run_t.and_then(|r| r.horizon_months.clone()), "run.horizon_months", 240, 12, 1200)? as usize;
    if let Some(p) = run_t.and_then(|r| r.phases.as_ref()) {
        return Err(cx.err(
            p,
            format!(
                "run.phases = {}: policies have knots since model version 2 ({}); write run.knots instead",
                p.get_ref(),
                crate::model::version::what_changed_since(1)
            ),
        ));
    }
    let knots = cx.int(&run_t.and_then(|r| r.knots.clone()), "run.knots", DEFAULT_KNOTS as i64, 1, 64)? as usize;
    if knots > horizon {
        let at = run_t.and_then(|r| r.knots.as_ref()).map(|k| k.span());
        return Err(cx.err_at(at, format!("run.knots = {knots}: must be at most run.horizon_months = {horizon}")));
    }
    let seed = cx.int(&run_t.and_then(|r| r.seed.clone()), "run.seed", 42, 0, i64::MAX)? as u64;
    let backend = match cx
        .choice(&run_t.and_then(|r| r.backend.clone()), "run.backend", "auto", &["auto", "gpu", "cpu"])?
        .as_str()
    {
        "gpu" => BackendChoice::Gpu,
        "cpu" => BackendChoice::Cpu,
        _ => BackendChoice::Auto,
    };
    let run_name = match run_t.and_then(|r| r.name.as_ref()) {
        None => safe_run_name(name),
        Some(n) if is_safe_run_name(n.get_ref()) => n.get_ref().clone(),
        Some(n) => {
            let shown: String = n.get_ref().chars().take(80).collect();
            return Err(cx.err(
                n,
                format!(
                    "run.name = {shown:?}: must be a plain file name (the run folder is runs/NAME-TIMESTAMP): 1 to \
                     {MAX_RUN_NAME} characters of letters, digits, '.', '_' and '-', not starting with '.'"
                ),
            ));
        }
    };

    let obj = raw.objective.as_ref();
    let kind = cx.choice(&obj.and_then(|o| o.kind.clone()), "objective.kind", "time_to_target", &Objective::NAMES)?;
    let objective = Objective::from_name(&kind).expect("checked against NAMES");
    let target =
        cx.float(&obj.and_then(|o| o.target_gw_per_year.clone()), "objective.target_gw_per_year", 1000.0, 1e-6, 1e9)?;
    let penalty = cx.float(
        &obj.and_then(|o| o.penalty_months_per_doubling.clone()),
        "objective.penalty_months_per_doubling",
        24.0,
        0.0,
        1e4,
    )?;
    let retreat = cx.float(
        &obj.and_then(|o| o.retreat_months_per_doubling.clone()),
        "objective.retreat_months_per_doubling",
        1.0,
        0.0,
        1e4,
    )?;
    let sustain = cx.int(
        &obj.and_then(|o| o.sustain_months.clone()),
        "objective.sustain_months",
        DEFAULT_SUSTAIN_MONTHS as i64,
        1,
        MAX_SUSTAIN_MONTHS as i64,
    )? as usize;
    if sustain > horizon {
        let at = obj.and_then(|o| o.sustain_months.as_ref()).map(|k| k.span());
        return Err(cx.err_at(
            at,
            format!("objective.sustain_months = {sustain}: must be at most run.horizon_months = {horizon}"),
        ));
    }

    let funding = parse_funding(&cx, &raw, start, horizon)?;
    let basis = cx.choice(&obj.and_then(|o| o.basis.clone()), "objective.basis", "chip", &["chip", "system"])?;
    let run = RunSpec {
        start,
        horizon_months: horizon,
        knots,
        objective,
        target_gw_per_year: target,
        sustain_months: sustain,
        system_basis: basis == "system",
        penalty_months_per_doubling: penalty,
        retreat_months_per_doubling: retreat,
        funding_busd_per_month: funding,
    };

    let sc = raw.scenarios.as_ref();
    let count = cx.int(&sc.and_then(|s| s.count.clone()), "scenarios.count", 16, 1, 65_536)? as usize;
    let scenario_seed =
        cx.int(&sc.and_then(|s| s.seed.clone()), "scenarios.seed", DEFAULT_SCENARIO_SEED as i64, 0, i64::MAX)? as u64;
    let level = cx.float(&sc.and_then(|s| s.level.clone()), "scenarios.level", 0.9, 0.0, 1.0)?;
    let aggregate = match cx
        .choice(&sc.and_then(|s| s.aggregate.clone()), "scenarios.aggregate", "mean", &Aggregate::NAMES)?
        .as_str()
    {
        "quantile" => Aggregate::Quantile(level),
        "cvar" => Aggregate::Cvar(level),
        "worst" => Aggregate::Worst,
        _ => Aggregate::Mean,
    };
    let uncertainty = parse_uncertainty(&cx, &raw)?;
    let search = parse_search(&cx, &raw)?;

    Ok(Experiment {
        name: run_name,
        source: file.to_string(),
        text: text.to_string(),
        sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
        run,
        params,
        uncertainty,
        scenarios: ScenarioSettings { count, aggregate, seed: scenario_seed },
        seed,
        backend,
        search,
    })
}

fn parse_params(cx: &Ctx, raw: &RawConfig) -> Result<Params<f64>, ConfigError> {
    let mut values = Params::defaults().to_vec();
    // Where each key was written, for rules that involve several keys.
    let mut spans: Vec<Option<Range<usize>>> = vec![None; values.len()];
    for (section, table) in raw.sections() {
        let Some(table) = table else { continue };
        for (key, value) in table {
            let path = format!("{section}.{key}");
            if let Some((_, why)) = RENAMED_KEYS.iter().find(|(old, _)| *old == path) {
                return Err(cx.err(value, format!("{path}: {why}")));
            }
            let Some(index) = Params::index_of(&path) else {
                let known: Vec<&str> = PARAM_SPECS.iter().filter(|s| s.section == section).map(|s| s.key).collect();
                return Err(cx.err(
                    value,
                    format!(
                        "unknown key `{path}`{}; [{section}] allows: {}",
                        suggest(key, known.iter().copied()),
                        known.join(", ")
                    ),
                ));
            };
            let spec = &PARAM_SPECS[index];
            let x = match value.get_ref() {
                toml::Value::Float(f) => *f,
                toml::Value::Integer(i) => *i as f64,
                other => {
                    return Err(cx.err(
                        value,
                        format!("{path} = {other}: must be a number ({}), found {}", spec.unit, other.type_str()),
                    ));
                }
            };
            if !x.is_finite() {
                return Err(cx.err(value, format!("{path} = {x}: must be a finite number ({})", spec.unit)));
            }
            if !spec.bounds.contains(x) {
                return Err(
                    cx.err(value, format!("{path} = {}: {} ({})", fmt_num(x), spec.bounds.describe(), spec.unit))
                );
            }
            values[index] = x;
            spans[index] = Some(value.span());
        }
    }
    let p = Params::from_slice(&values).expect("registry layout");
    match cross_rule_problem(&p) {
        // At the first key the rule names that the file sets (the other may be a default).
        Some(why) => {
            let named = |i: &usize| why.contains(&format!("{} =", PARAM_SPECS[*i].path()));
            let at = (0..spans.len()).filter(named).find_map(|i| spans[i].clone());
            Err(cx.err_at(at, why))
        }
        None => Ok(p),
    }
}

/// The cross-parameter rules the per-key bounds cannot express, as the sentence that
/// refuses a config breaking one (`None` when all hold).
pub fn cross_rule_problem(p: &Params<f64>) -> Option<String> {
    for (floor, base, stage) in [
        (p.design_design_min_months, p.design_design_months, "design"),
        (p.design_mask_min_months, p.design_mask_months, "mask"),
        (p.design_hot_lot_min_months, p.design_hot_lot_months, "hot_lot"),
        (p.design_test_min_months, p.design_test_months, "test"),
    ] {
        if floor > base {
            return Some(format!(
                "design.{stage}_min_months = {} is above design.{stage}_months = {}: a stage's floor cannot exceed its \
                 base time; lower the first or raise the second",
                fmt_num(floor),
                fmt_num(base)
            ));
        }
    }
    (p.design_design_months + p.design_mask_months + p.design_hot_lot_months + p.design_test_months <= 0.0)
        .then(|| "design: the four stage times sum to 0; at least one must be > 0".to_string())
}

/// The most evaluations a run may ask for, in the config or with `--budget` (2^40: weeks
/// on the fastest device measured).
pub const MAX_BUDGET_EVALS: u64 = 1 << 40;
/// The largest `search.population`, `search.seeds_from_screening` and
/// `search.population_runs` a config takes; a resumed run's saved plan is held to them too.
pub const MAX_POPULATION: usize = 1 << 20;
pub const MAX_SEEDS_FROM_SCREENING: usize = 4096;
pub const MAX_POPULATION_RUNS: usize = 64;

/// A run's wall-clock limit, seconds: `search.time_seconds`, `--time` and a resumed
/// run.json all take this range (below it no chunk of work finishes).
pub const TIME_SECONDS: std::ops::RangeInclusive<f64> = 0.1..=1e7;

/// `[funding] schedule` of a config that leaves it out: the default config's.
pub const DEFAULT_FUNDING: [(&str, f64); 3] = [("2026-04", 15.0), ("2030-01", 10.0), ("2036-01", 0.0)];

fn parse_funding(cx: &Ctx, raw: &RawConfig, start: YearMonth, horizon: usize) -> Result<Vec<f64>, ConfigError> {
    let mut per_month = vec![0.0; horizon];
    let Some(steps) = raw.funding.as_ref().and_then(|f| f.schedule.as_ref()) else {
        // Left out, the schedule is the default's, like every other omitted key (from
        // run.start if that is later than a step).
        for (from, busd_per_year) in DEFAULT_FUNDING {
            let from: YearMonth = from.parse().expect("a valid month");
            let offset = start.months_until(from).max(0) as usize;
            for m in per_month.iter_mut().skip(offset) {
                *m = busd_per_year / 12.0;
            }
        }
        return Ok(per_month);
    };
    let mut previous: Option<i64> = None;
    for (i, step) in steps.iter().enumerate() {
        let s = step.get_ref();
        let key = format!("funding.schedule[{i}]");
        let from: YearMonth = s.from.parse().map_err(|m: String| cx.err(step, format!("{key}.from: {m}")))?;
        let offset = start.months_until(from);
        if offset < 0 {
            return Err(cx.err(step, format!("{key}.from = \"{from}\": must not be before run.start = \"{start}\"")));
        }
        if offset >= horizon as i64 {
            let last = start.plus(horizon as i64 - 1);
            return Err(cx.err(
                step,
                format!("{key}.from = \"{from}\": is after the run's last month ({last}, run.start + run.horizon_months - 1), so it would never apply"),
            ));
        }
        if previous.is_some_and(|p| offset <= p) {
            return Err(cx.err(step, format!("{key}.from = \"{from}\": steps must be in increasing date order")));
        }
        if !(s.busd_per_year.is_finite() && (0.0..=1e6).contains(&s.busd_per_year)) {
            return Err(
                cx.err(step, format!("{key}.busd_per_year = {}: must be between 0 and 1e6 ($B/yr)", s.busd_per_year))
            );
        }
        for m in per_month.iter_mut().skip(offset as usize) {
            *m = s.busd_per_year / 12.0;
        }
        previous = Some(offset);
    }
    Ok(per_month)
}

fn parse_uncertainty(cx: &Ctx, raw: &RawConfig) -> Result<Uncertainty, ConfigError> {
    let mut entries = Vec::new();
    let Some(table) = raw.uncertainty.as_ref() else { return Ok(Uncertainty::default()) };
    for (path, spanned) in table {
        let Some(index) = Params::index_of(path) else {
            let all: Vec<String> = PARAM_SPECS.iter().map(|s| s.path()).collect();
            return Err(cx.err(
                spanned,
                format!("uncertainty: unknown parameter `{path}`{}", suggest(path, all.iter().map(String::as_str))),
            ));
        };
        let d: &RawDist = spanned.get_ref();
        let need = |v: Option<f64>, field: &str| {
            v.filter(|x| x.is_finite()).ok_or_else(|| {
                cx.err(spanned, format!("uncertainty.\"{path}\": dist = \"{}\" needs a finite `{field}`", d.dist))
            })
        };
        // A field the distribution does not use is a mistake (`mode` on a uniform reads
        // as if it centred it), never silently ignored.
        let used: &[&str] = match d.dist.as_str() {
            "uniform" => &["low", "high"],
            "triangular" => &["low", "mode", "high"],
            _ => &["median", "sigma", "low", "high"],
        };
        let given = [("low", d.low), ("high", d.high), ("mode", d.mode), ("median", d.median), ("sigma", d.sigma)];
        if let Some((field, _)) = given.iter().find(|(f, v)| v.is_some() && !used.contains(f))
            && ["uniform", "triangular", "lognormal"].contains(&d.dist.as_str())
        {
            return Err(cx.err(
                spanned,
                format!(
                    "uncertainty.\"{path}\": dist = \"{}\" does not use `{field}`; it takes {}",
                    d.dist,
                    used.join(", ")
                ),
            ));
        }
        let dist = match d.dist.as_str() {
            "uniform" => Distribution::Uniform { low: need(d.low, "low")?, high: need(d.high, "high")? },
            "triangular" => Distribution::Triangular {
                low: need(d.low, "low")?,
                mode: need(d.mode, "mode")?,
                high: need(d.high, "high")?,
            },
            "lognormal" => {
                let median = need(d.median, "median")?;
                let spec = &PARAM_SPECS[index];
                Distribution::LogNormal {
                    median,
                    sigma: need(d.sigma, "sigma")?,
                    low: d.low.unwrap_or(if spec.bounds.lo_open {
                        spec.bounds.lo.max(median * 1e-6)
                    } else {
                        spec.bounds.lo
                    }),
                    high: d.high.unwrap_or(spec.bounds.hi),
                }
            }
            other => {
                return Err(cx.err(
                    spanned,
                    format!(
                        "uncertainty.\"{path}\": dist = \"{other}\": unknown; allowed: uniform, triangular, lognormal{}",
                        suggest(other, ["uniform", "triangular", "lognormal"])
                    ),
                ));
            }
        };
        let (lo, hi) = dist.support();
        let ordered = match dist {
            Distribution::Triangular { low, mode, high } => low <= mode && mode <= high && low < high,
            Distribution::LogNormal { median, sigma, low, high } => {
                median > 0.0 && sigma >= 0.0 && low <= median && median <= high
            }
            Distribution::Uniform { low, high } => low < high,
        };
        if !ordered {
            return Err(cx.err(
                spanned,
                format!(
                    "uncertainty.\"{path}\": {}: needs low < high (low <= mode <= high; median > 0 within the bounds, sigma >= 0)",
                    describe_dist(&dist)
                ),
            ));
        }
        let b = PARAM_SPECS[index].bounds;
        if !(b.contains(lo) && b.contains(hi)) {
            return Err(cx.err(
                spanned,
                format!(
                    "uncertainty.\"{path}\": values from {} to {}: {path} {}",
                    fmt_num(lo),
                    fmt_num(hi),
                    b.describe()
                ),
            ));
        }
        entries.push((index, dist));
    }
    Ok(Uncertainty { entries })
}

/// The uncertain parameters whose distribution is not centred on the config's nominal
/// value: the nominal value then reaches only the nominal scenario of reports, never the
/// scenarios the search costs, which a config's author should know.
pub fn off_centre(exp: &Experiment) -> Vec<String> {
    let nominal = exp.params.to_vec();
    exp.uncertainty
        .entries
        .iter()
        .filter(|(i, d)| (d.centre() - nominal[*i]).abs() > 1e-9 * nominal[*i].abs().max(1e-12))
        .map(|(i, d)| {
            format!(
                "warning: {}: the nominal value {} is not the centre of its [uncertainty] distribution ({}); the \
                 scenarios the search costs are drawn from the distribution and never use it, only reports' nominal \
                 scenario does",
                PARAM_SPECS[*i].path(),
                fmt_num(nominal[*i]),
                fmt_num(d.centre())
            )
        })
        .collect()
}

fn parse_search(cx: &Ctx, raw: &RawConfig) -> Result<SearchSettings, ConfigError> {
    let empty = raw::RawSearch::default();
    let s = raw.search.as_ref().unwrap_or(&empty);
    let solver = match cx.choice(&s.solver, "search.solver", "cmaes", &["cmaes", "pso"])?.as_str() {
        "pso" => SolverChoice::Pso,
        _ => SolverChoice::Cmaes,
    };
    Ok(SearchSettings {
        screening_samples: cx
            .opt_int(&s.screening_samples, "search.screening_samples", 1, 1 << 30)?
            .map(|v| v as usize),
        seeds_from_screening: cx.int(
            &s.seeds_from_screening,
            "search.seeds_from_screening",
            8,
            1,
            MAX_SEEDS_FROM_SCREENING as i64,
        )? as usize,
        solver,
        population: cx.opt_int(&s.population, "search.population", 4, MAX_POPULATION as i64)?.map(|v| v as usize),
        budget_evals: cx.opt_int(&s.budget_evals, "search.budget_evals", 1, MAX_BUDGET_EVALS as i64)?.map(|v| v as u64),
        time_seconds: s
            .time_seconds
            .as_ref()
            .map(|_| cx.float(&s.time_seconds, "search.time_seconds", 0.0, *TIME_SECONDS.start(), *TIME_SECONDS.end()))
            .transpose()?,
        checkpoint_every: cx.int(&s.checkpoint_every, "search.checkpoint_every", 10, 1, 1 << 20)? as usize,
        polish_evals: cx.int(&s.polish_evals, "search.polish_evals", 2_000, 0, 1 << 40)? as u64,
        compare_random: s.compare_random.unwrap_or(true),
        step_size: cx.float(&s.step_size, "search.step_size", 0.5, 0.01, 20.0)?,
        population_runs: cx.int(
            &s.population_runs,
            "search.population_runs",
            DEFAULT_POPULATION_RUNS as i64,
            1,
            MAX_POPULATION_RUNS as i64,
        )? as usize,
        covariance: match cx.choice(&s.covariance, "search.covariance", "diagonal", &["diagonal", "full"])?.as_str() {
            "full" => CmaCovariance::Full,
            _ => CmaCovariance::Diagonal,
        },
        elitist: s.elitist.unwrap_or(false),
    })
}

/// A distribution as its config table reads: `triangular low = 2, mode = 1, high = 3`.
fn describe_dist(d: &Distribution) -> String {
    match *d {
        Distribution::Uniform { low, high } => format!("uniform low = {}, high = {}", fmt_num(low), fmt_num(high)),
        Distribution::Triangular { low, mode, high } => {
            format!("triangular low = {}, mode = {}, high = {}", fmt_num(low), fmt_num(mode), fmt_num(high))
        }
        Distribution::LogNormal { median, sigma, low, high } => format!(
            "lognormal median = {}, sigma = {}, low = {}, high = {}",
            fmt_num(median),
            fmt_num(sigma),
            fmt_num(low),
            fmt_num(high)
        ),
    }
}
