//! The serde mirror of a config file: exactly the tables and keys a file may contain,
//! with spans kept so that validation can point at the line of a bad value.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A table of model parameters: keys are checked against the parameter registry.
pub type Section = BTreeMap<String, Spanned<toml::Value>>;

/// The tables of model parameters, in registry order; `RawConfig` has one field each.
pub const PARAM_SECTIONS: [&str; 11] =
    ["initial", "fab", "packaging", "market", "chip", "design", "ground", "space", "fleet", "demand", "finance"];

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub run: Option<RawRun>,
    pub objective: Option<RawObjective>,
    pub scenarios: Option<RawScenarios>,
    pub funding: Option<RawFunding>,
    pub search: Option<RawSearch>,
    pub uncertainty: Option<BTreeMap<String, Spanned<RawDist>>>,
    pub initial: Option<Section>,
    pub fab: Option<Section>,
    pub packaging: Option<Section>,
    pub market: Option<Section>,
    pub chip: Option<Section>,
    pub design: Option<Section>,
    pub ground: Option<Section>,
    pub space: Option<Section>,
    pub fleet: Option<Section>,
    pub demand: Option<Section>,
    pub finance: Option<Section>,
}

impl RawConfig {
    /// The parameter tables, by name.
    pub fn sections(&self) -> [(&'static str, Option<&Section>); 11] {
        [
            (PARAM_SECTIONS[0], self.initial.as_ref()),
            (PARAM_SECTIONS[1], self.fab.as_ref()),
            (PARAM_SECTIONS[2], self.packaging.as_ref()),
            (PARAM_SECTIONS[3], self.market.as_ref()),
            (PARAM_SECTIONS[4], self.chip.as_ref()),
            (PARAM_SECTIONS[5], self.design.as_ref()),
            (PARAM_SECTIONS[6], self.ground.as_ref()),
            (PARAM_SECTIONS[7], self.space.as_ref()),
            (PARAM_SECTIONS[8], self.fleet.as_ref()),
            (PARAM_SECTIONS[9], self.demand.as_ref()),
            (PARAM_SECTIONS[10], self.finance.as_ref()),
        ]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    pub name: Option<Spanned<String>>,
    pub start: Option<Spanned<String>>,
    pub horizon_months: Option<Spanned<i64>>,
    pub knots: Option<Spanned<i64>>,
    /// Model version 1's step-wise phases: kept only to say what replaced it.
    pub phases: Option<Spanned<i64>>,
    pub seed: Option<Spanned<i64>>,
    pub backend: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    pub kind: Option<Spanned<String>>,
    pub target_gw_per_year: Option<Spanned<f64>>,
    pub sustain_months: Option<Spanned<i64>>,
    pub basis: Option<Spanned<String>>,
    pub penalty_months_per_doubling: Option<Spanned<f64>>,
    pub retreat_months_per_doubling: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenarios {
    pub count: Option<Spanned<i64>>,
    pub seed: Option<Spanned<i64>>,
    pub aggregate: Option<Spanned<String>>,
    pub level: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunding {
    pub schedule: Option<Vec<Spanned<RawFundingStep>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFundingStep {
    pub from: String,
    pub busd_per_year: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub dist: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub mode: Option<f64>,
    pub median: Option<f64>,
    pub sigma: Option<f64>,
}

/// `[search]` as written; `Default` is an empty table (every key takes its default).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSearch {
    pub screening_samples: Option<Spanned<i64>>,
    pub seeds_from_screening: Option<Spanned<i64>>,
    pub solver: Option<Spanned<String>>,
    pub population: Option<Spanned<i64>>,
    pub budget_evals: Option<Spanned<i64>>,
    pub time_seconds: Option<Spanned<f64>>,
    pub checkpoint_every: Option<Spanned<i64>>,
    pub polish_evals: Option<Spanned<i64>>,
    pub compare_random: Option<bool>,
    pub step_size: Option<Spanned<f64>>,
    pub population_runs: Option<Spanned<i64>>,
    pub covariance: Option<Spanned<String>>,
    pub elitist: Option<bool>,
}
