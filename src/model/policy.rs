//! The policy the optimizer chooses: at each of a few knots spread evenly over the
//! horizon, the share of spending on each channel, the share of compute fed back into
//! design and the share of cash spent each month; every month in between takes the
//! straight line between its two knots, so nothing jumps at a knot.
//!
//! It lives in three forms: the unconstrained real vector every search works on (softmax
//! for shares, logistic for fractions, so any vector in the box is a valid policy), the
//! decoded allocation at each knot that the simulator interpolates, and the
//! human-readable TOML policy file.

use serde::Deserialize;
use std::collections::BTreeMap;
use thiserror::Error;

/// Where money can go, in the order of the encoded vector and the GPU layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Fab,
    Packaging,
    MarketChips,
    Design,
    IterationInfra,
    GroundPower,
    Datacenters,
    Launch,
    SatelliteFactory,
    SpacePower,
}

pub const N_CHANNELS: usize = 10;

impl Channel {
    pub const ALL: [Channel; N_CHANNELS] = [
        Channel::Fab,
        Channel::Packaging,
        Channel::MarketChips,
        Channel::Design,
        Channel::IterationInfra,
        Channel::GroundPower,
        Channel::Datacenters,
        Channel::Launch,
        Channel::SatelliteFactory,
        Channel::SpacePower,
    ];
    /// The name used in policy files and CSV columns.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Fab => "fab",
            Channel::Packaging => "packaging",
            Channel::MarketChips => "market_chips",
            Channel::Design => "design",
            Channel::IterationInfra => "iteration_infra",
            Channel::GroundPower => "ground_power",
            Channel::Datacenters => "datacenters",
            Channel::Launch => "launch",
            Channel::SatelliteFactory => "satellite_factory",
            Channel::SpacePower => "space_power",
        }
    }
    /// What the money buys, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Channel::Fab => "logic fab capacity (wafer starts/month)",
            Channel::Packaging => "advanced packaging + HBM capacity",
            Channel::MarketChips => "accelerators bought on the market",
            Channel::Design => "chip design staff and mask sets",
            Channel::IterationInfra => "mask shop, hot-lot line and test automation",
            Channel::GroundPower => "ground power plants",
            Channel::Datacenters => "ground datacentre halls",
            Channel::Launch => "launch capacity (tonnes/month)",
            Channel::SatelliteFactory => "satellite factories (GW/month of satellites)",
            Channel::SpacePower => "orbital compute satellites, launched",
        }
    }
}

/// Encoded values per knot: one logit per channel, then design, spend and borrow logits.
pub const GENES_PER_KNOT: usize = N_CHANNELS + 3;
/// Decoded values per knot in the GPU layout: shares, design, spend and borrow fractions.
pub const ALLOC_PER_KNOT: usize = N_CHANNELS + 3;
/// Every coordinate of an encoded policy must lie in `[-GENE_BOUND, GENE_BOUND]`:
/// softmax ratios up to e^40 and fractions within 5e-5 of 0 and 1 are reachable.
pub const GENE_BOUND: f64 = 10.0;

/// What the policy does at one knot, or in one month once interpolated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alloc<R> {
    /// Shares of the month's discretionary spending, per channel; they sum to 1.
    pub shares: [R; N_CHANNELS],
    /// Share of running compute fed back into chip design (earns nothing).
    pub design_fraction: R,
    /// Share of the cash on hand spent each month.
    pub spend_fraction: R,
    /// Share of the credit line's headroom drawn each month (borrowed, when cash is spent).
    pub borrow_fraction: R,
}

impl Alloc<f64> {
    pub fn cast<R: super::Real>(&self) -> Alloc<R> {
        Alloc {
            shares: self.shares.map(R::lit),
            design_fraction: R::lit(self.design_fraction),
            spend_fraction: R::lit(self.spend_fraction),
            borrow_fraction: R::lit(self.borrow_fraction),
        }
    }
}

impl<R: super::Real> Alloc<R> {
    /// `a + w (b - a)`, value by value. Shares stay a convex combination (they sum to 1)
    /// and fractions stay in [0, 1], so every month's allocation is a valid one.
    #[inline(always)]
    pub fn lerp(a: &Self, b: &Self, w: R) -> Self {
        let mix = |x: R, y: R| x + w * (y - x);
        Alloc {
            shares: std::array::from_fn(|c| mix(a.shares[c], b.shares[c])),
            design_fraction: mix(a.design_fraction, b.design_fraction),
            spend_fraction: mix(a.spend_fraction, b.spend_fraction),
            borrow_fraction: mix(a.borrow_fraction, b.borrow_fraction),
        }
    }
}

/// Problems with an encoded vector or a policy file.
#[derive(Debug, Error, PartialEq)]
pub enum PolicyError {
    #[error("policy vector has {got} values; {knots} knots need {want} ({GENES_PER_KNOT} per knot)")]
    Length { got: usize, want: usize, knots: usize },
    #[error("policy value {index} is {value}: every value must be finite and within [-{GENE_BOUND}, {GENE_BOUND}]")]
    OutOfBounds { index: usize, value: f64 },
    #[error("policy file: {0}")]
    Parse(String),
    #[error("policy has {got} knots; the config's run.knots = {want}")]
    KnotCount { got: usize, want: usize },
    #[error("{0}")]
    Format(String),
    #[error(
        "knot {knot}: month = \"{got}\", but this run's knot {knot} falls on {want} (knots are evenly spaced from run.start to the last month)"
    )]
    KnotMonth { knot: usize, got: String, want: String },
    #[error(
        "knot {knot}: unknown key `{key}`{hint}; allowed: month, the channels ({channels}), design_compute_fraction, spend_fraction, borrow_fraction"
    )]
    UnknownKey { knot: usize, key: String, hint: String, channels: String },
    #[error("knot {knot}: `{key}` is missing")]
    Missing { knot: usize, key: String },
    #[error("line {line}: {inner}")]
    At { line: usize, inner: Box<PolicyError> },
    #[error("knot {knot}: {key} = {value}: {rule}")]
    /// `value` as written (a number as Rust prints it, anything else as TOML writes it).
    BadValue { knot: usize, key: String, value: String, rule: String },
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Column names of an encoded vector: `k1_fab`, ..., `k1_design_compute`, `k1_spend`, `k2_fab`...
pub fn gene_names(knots: usize) -> Vec<String> {
    (1..=knots)
        .flat_map(|k| {
            Channel::ALL.iter().map(move |c| format!("k{k}_{}", c.name())).chain([
                format!("k{k}_design_compute"),
                format!("k{k}_spend"),
                format!("k{k}_borrow"),
            ])
        })
        .collect()
}

/// Checks length and bounds of an encoded vector (before any evaluation or dispatch).
pub fn validate_vector(x: &[f64], knots: usize) -> Result<(), PolicyError> {
    let want = knots * GENES_PER_KNOT;
    if x.len() != want {
        return Err(PolicyError::Length { got: x.len(), want, knots });
    }
    match x.iter().position(|v| !v.is_finite() || v.abs() > GENE_BOUND) {
        Some(index) => Err(PolicyError::OutOfBounds { index, value: x[index] }),
        None => Ok(()),
    }
}

/// Decodes an encoded vector (already validated) into the allocation at each knot.
pub fn decode(x: &[f64]) -> Vec<Alloc<f64>> {
    x.chunks_exact(GENES_PER_KNOT)
        .map(|g| {
            let peak = g[..N_CHANNELS].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut shares = [0.0; N_CHANNELS];
            for (s, &v) in shares.iter_mut().zip(&g[..N_CHANNELS]) {
                *s = (v - peak).exp();
            }
            let total: f64 = shares.iter().sum();
            shares.iter_mut().for_each(|s| *s /= total);
            Alloc {
                shares,
                design_fraction: logistic(g[N_CHANNELS]),
                spend_fraction: logistic(g[N_CHANNELS + 1]),
                borrow_fraction: logistic(g[N_CHANNELS + 2]),
            }
        })
        .collect()
}

/// Decodes into the flat f32 layout the GPU reads (`ALLOC_PER_KNOT` per knot).
pub fn decode_flat_f32(x: &[f64], out: &mut Vec<f32>) {
    for a in decode(x) {
        out.extend(a.shares.iter().map(|&s| s as f32));
        out.push(a.design_fraction as f32);
        out.push(a.spend_fraction as f32);
        out.push(a.borrow_fraction as f32);
    }
}

/// Encodes allocations back into a vector in the box (the inverse of [`decode`] for
/// allocations whose shares and fractions are representable; zeros become e^-20 ratios).
pub fn encode(knots: &[Alloc<f64>]) -> Vec<f64> {
    let floor = (-2.0 * GENE_BOUND).exp();
    let mut x = Vec::with_capacity(knots.len() * GENES_PER_KNOT);
    for a in knots {
        let logs: Vec<f64> = a.shares.iter().map(|&s| s.max(floor).ln()).collect();
        // Centre the logits between their extremes so the widest spread fits the box.
        let (lo, hi) = logs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        let centre = 0.5 * (lo + hi);
        x.extend(logs.iter().map(|v| (v - centre).clamp(-GENE_BOUND, GENE_BOUND)));
        let frac = |p: f64| logit(p.clamp(1e-9, 1.0 - 1e-9)).clamp(-GENE_BOUND, GENE_BOUND);
        x.push(frac(a.design_fraction));
        x.push(frac(a.spend_fraction));
        x.push(frac(a.borrow_fraction));
    }
    x
}

/// The version of the policy file format this terafab writes and reads.
pub const POLICY_FORMAT_VERSION: i64 = 2;
/// How months between knots are filled, as the file states it.
pub const INTERPOLATION: &str = "linear";

/// The policy file as written on disk: a header, then `[[knot]]` tables of named values.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    format_version: Option<toml::Value>,
    model_version: Option<toml::Value>,
    interpolation: Option<toml::Value>,
    knot: Option<Vec<BTreeMap<String, toml::Value>>>,
    /// The step-wise phases of model version 1: recognised only to refuse them clearly.
    phase: Option<toml::Value>,
}

const DESIGN_KEY: &str = "design_compute_fraction";
const SPEND_KEY: &str = "spend_fraction";
const BORROW_KEY: &str = "borrow_fraction";
const MONTH_KEY: &str = "month";

/// A header key that must be present with one exact value.
fn header_key(v: &Option<toml::Value>, key: &str, want: &toml::Value) -> Result<(), PolicyError> {
    match v {
        Some(got) if got == want => Ok(()),
        Some(got) => {
            let what = if key == "model_version" {
                got.as_integer()
                    .and_then(|n| u32::try_from(n).ok())
                    .and_then(|n| super::version::mismatch("this policy file", n))
                    .unwrap_or_else(|| format!("model_version = {got}: must be {want}"))
            } else {
                format!("{key} = {got}: this terafab reads {key} = {want}")
            };
            Err(PolicyError::Format(what))
        }
        None => Err(PolicyError::Format(format!(
            "the top-level key `{key}` is missing; a policy file starts with format_version = \
             {POLICY_FORMAT_VERSION}, model_version = {}, interpolation = \"{INTERPOLATION}\" (see \
             configs/policies/balanced.toml)",
            super::version::MODEL_VERSION
        ))),
    }
}

/// `err`, about knot `knot` (1-based), with the line it is on: the line of its key when
/// it names one, else the knot's `[[knot]]` header.
fn at_line(text: &str, knot: usize, err: PolicyError) -> PolicyError {
    let key = match &err {
        PolicyError::BadValue { key, .. } | PolicyError::UnknownKey { key, .. } => Some(key.clone()),
        PolicyError::KnotMonth { .. } => Some(MONTH_KEY.to_string()),
        _ => None,
    };
    let lines: Vec<&str> = text.lines().collect();
    let Some(header) =
        lines.iter().enumerate().filter(|(_, l)| l.trim_start().starts_with("[[knot]]")).nth(knot - 1).map(|(i, _)| i)
    else {
        return err;
    };
    let key_line = key.and_then(|key| {
        lines[header + 1..]
            .iter()
            .take_while(|l| !l.trim_start().starts_with('['))
            .position(|l| l.trim_start().strip_prefix(key.as_str()).is_some_and(|r| r.trim_start().starts_with('=')))
            .map(|i| header + 1 + i)
    });
    PolicyError::At { line: key_line.unwrap_or(header) + 1, inner: Box::new(err) }
}

/// Parses a policy file's text into the allocation at each of `knots` knots. With
/// `months`, a knot's optional `month` key must name the run's month for that knot.
pub fn parse_policy_toml(text: &str, knots: usize, months: Option<&[String]>) -> Result<Vec<Alloc<f64>>, PolicyError> {
    let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string().trim().to_string()))?;
    if file.phase.is_some() && file.format_version.is_none() {
        return Err(PolicyError::Format(format!(
            "this policy file has [[phase]] tables: {}. Rewrite it as [[knot]] tables under the header \
             format_version = {POLICY_FORMAT_VERSION}, model_version = {}, interpolation = \"{INTERPOLATION}\"",
            super::version::what_changed_since(1),
            super::version::MODEL_VERSION
        )));
    }
    header_key(&file.format_version, "format_version", &toml::Value::Integer(POLICY_FORMAT_VERSION))?;
    let readable = super::version::POLICY_READABLE_SINCE..=super::version::MODEL_VERSION;
    match &file.model_version {
        // The encoding is the same from POLICY_READABLE_SINCE on: read such a file as it is.
        Some(toml::Value::Integer(n)) if u32::try_from(*n).is_ok_and(|n| readable.contains(&n)) => {}
        v => header_key(v, "model_version", &toml::Value::Integer(super::version::MODEL_VERSION.into()))?,
    }
    header_key(&file.interpolation, "interpolation", &toml::Value::String(INTERPOLATION.into()))?;
    if file.phase.is_some() {
        return Err(PolicyError::Format("[[phase]] tables are not part of format_version 2; use [[knot]]".into()));
    }
    let tables = file.knot.unwrap_or_default();
    if tables.len() != knots {
        return Err(PolicyError::KnotCount { got: tables.len(), want: knots });
    }
    let names: Vec<&str> = Channel::ALL.iter().map(|c| c.name()).collect();
    tables
        .iter()
        .enumerate()
        .map(|(i, table)| {
            (|| -> Result<Alloc<f64>, PolicyError> {
                let knot = i + 1;
                for key in table.keys() {
                    if !names.contains(&key.as_str())
                        && ![DESIGN_KEY, SPEND_KEY, BORROW_KEY, MONTH_KEY].contains(&key.as_str())
                    {
                        let mut all = names.clone();
                        all.extend([MONTH_KEY, DESIGN_KEY, SPEND_KEY, BORROW_KEY]);
                        return Err(PolicyError::UnknownKey {
                            knot,
                            key: key.clone(),
                            hint: crate::spelling::suggest(key, all.iter().copied()),
                            channels: names.join(", "),
                        });
                    }
                }
                if let (Some(month), Some(want)) = (table.get(MONTH_KEY), months.and_then(|m| m.get(i))) {
                    let got = month.as_str().map_or_else(|| month.to_string(), str::to_string);
                    if &got != want {
                        return Err(PolicyError::KnotMonth { knot, got, want: want.clone() });
                    }
                }
                let number = |key: &str| -> Result<f64, PolicyError> {
                    let v = table.get(key).ok_or_else(|| PolicyError::Missing { knot, key: key.into() })?;
                    let value = match v {
                        toml::Value::Float(f) => *f,
                        toml::Value::Integer(n) => *n as f64,
                        other => {
                            return Err(PolicyError::BadValue {
                                knot,
                                key: key.into(),
                                value: crate::input::shorten(&other.to_string()),
                                rule: format!("must be a number, found {}", other.type_str()),
                            });
                        }
                    };
                    if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
                        return Err(PolicyError::BadValue {
                            knot,
                            key: key.into(),
                            value: value.to_string(),
                            rule: "must be between 0 and 1".into(),
                        });
                    }
                    Ok(value)
                };
                let mut shares = [0.0; N_CHANNELS];
                for (s, name) in shares.iter_mut().zip(&names) {
                    *s = number(name)?;
                }
                let total: f64 = shares.iter().sum();
                if (total - 1.0).abs() > 1e-3 {
                    return Err(PolicyError::BadValue {
                        knot,
                        key: "channel shares".into(),
                        value: total.to_string(),
                        rule: "the channel shares must sum to 1 (within 0.001)".into(),
                    });
                }
                shares.iter_mut().for_each(|s| *s /= total);
                Ok(Alloc {
                    shares,
                    design_fraction: number(DESIGN_KEY)?,
                    spend_fraction: number(SPEND_KEY)?,
                    borrow_fraction: number(BORROW_KEY)?,
                })
            })()
            .map_err(|e| at_line(text, i + 1, e))
        })
        .collect()
}

/// Writes the allocation at each knot as a policy file: a header saying what it is, the
/// format and model versions and the interpolation, then one `[[knot]]` per knot month.
pub fn to_policy_toml(knots: &[Alloc<f64>], months: &[String], header: &str) -> String {
    let mut s = String::new();
    for line in header.lines() {
        s.push_str(&format!("# {line}\n"));
    }
    s.push_str("# Each knot gives, at its month, the shares of the month's spending per channel (they sum\n");
    s.push_str("# to 1), the share of running compute fed back into chip design, the share of cash on hand\n");
    s.push_str("# spent each month and the share of the credit line's headroom drawn each month. Months\n");
    s.push_str("# between knots take the straight line between them.\n");
    s.push_str(&format!("format_version = {POLICY_FORMAT_VERSION}\n"));
    s.push_str(&format!("model_version = {}\n", super::version::MODEL_VERSION));
    s.push_str(&format!("interpolation = \"{INTERPOLATION}\"\n"));
    for (i, a) in knots.iter().enumerate() {
        s.push_str(&format!("\n[[knot]] # {}\n", i + 1));
        if let Some(m) = months.get(i) {
            s.push_str(&format!("{MONTH_KEY:<24}= \"{m}\"\n"));
        }
        // Shortest exact form (`{:?}`): the file reads back to the very same numbers.
        for (c, share) in Channel::ALL.iter().zip(a.shares) {
            s.push_str(&format!("{:<24}= {:?}\n", c.name(), share));
        }
        s.push_str(&format!("{DESIGN_KEY:<24}= {:?}\n", a.design_fraction));
        s.push_str(&format!("{SPEND_KEY:<24}= {:?}\n", a.spend_fraction));
        s.push_str(&format!("{BORROW_KEY:<24}= {:?}\n", a.borrow_fraction));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random_vector(rng: &mut impl Rng, knots: usize) -> Vec<f64> {
        (0..knots * GENES_PER_KNOT).map(|_| rng.random_range(-4.0..4.0)).collect()
    }

    #[test]
    fn decoded_shares_sum_to_one_and_fractions_lie_in_unit_interval() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        for _ in 0..100 {
            for a in decode(&random_vector(&mut rng, 3)) {
                assert!((a.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                assert!(a.shares.iter().all(|&s| s > 0.0));
                assert!(a.design_fraction > 0.0 && a.design_fraction < 1.0);
                assert!(a.spend_fraction > 0.0 && a.spend_fraction < 1.0);
            }
        }
    }

    #[test]
    fn interpolated_allocations_stay_valid_and_hit_the_knots() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let k = decode(&random_vector(&mut rng, 2));
        assert_eq!(Alloc::lerp(&k[0], &k[1], 0.0), k[0]);
        for w in [0.0, 0.25, 0.5, 0.9] {
            let a = Alloc::lerp(&k[0], &k[1], w);
            assert!((a.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(a.spend_fraction > 0.0 && a.spend_fraction < 1.0);
        }
        let end = Alloc::lerp(&k[0], &k[1], 1.0);
        assert!((end.spend_fraction - k[1].spend_fraction).abs() < 1e-15);
    }

    #[test]
    fn vector_round_trips_through_the_policy_file() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
        let x = random_vector(&mut rng, 4);
        let knots = decode(&x);
        let months: Vec<String> = ["2026-04", "2032-11", "2039-07", "2046-03"].map(String::from).to_vec();
        let text = to_policy_toml(&knots, &months, "test");
        let back = parse_policy_toml(&text, 4, Some(&months)).unwrap();
        for (a, b) in knots.iter().zip(&back) {
            for (s, t) in a.shares.iter().zip(&b.shares) {
                assert!((s - t).abs() < 2e-6, "{s} vs {t}");
            }
            assert!((a.spend_fraction - b.spend_fraction).abs() < 1e-6);
        }
        // Encoding the decoded policy gives a vector that decodes to the same policy.
        let again = decode(&encode(&knots));
        for (a, b) in knots.iter().zip(&again) {
            for (s, t) in a.shares.iter().zip(&b.shares) {
                assert!((s - t).abs() < 1e-12);
            }
            assert!((a.design_fraction - b.design_fraction).abs() < 1e-12);
        }
    }

    #[test]
    fn zero_shares_encode_inside_the_box() {
        let mut shares = [0.0; N_CHANNELS];
        shares[0] = 1.0;
        let x = encode(&[Alloc { shares, design_fraction: 0.0, spend_fraction: 1.0, borrow_fraction: 0.0 }]);
        validate_vector(&x, 1).unwrap();
        let back = decode(&x);
        assert!(back[0].shares[0] > 0.999_999);
    }

    #[test]
    fn out_of_box_and_wrong_length_vectors_are_rejected() {
        assert_eq!(validate_vector(&[0.0; 5], 1), Err(PolicyError::Length { got: 5, want: 13, knots: 1 }));
        let mut x = vec![0.0; 13];
        x[3] = f64::NAN;
        assert!(matches!(validate_vector(&x, 1), Err(PolicyError::OutOfBounds { index: 3, .. })));
        x[3] = 10.5;
        assert!(validate_vector(&x, 1).unwrap_err().to_string().contains("within [-10, 10]"));
    }

    const HEADER: &str = "format_version = 2\nmodel_version = 6\ninterpolation = \"linear\"\n";
    fn one_knot(body: &str) -> String {
        format!("{HEADER}[[knot]]\n{body}")
    }
    const OK: &str = "fab=0.2\npackaging=0.1\nmarket_chips=0.1\ndesign=0.1\niteration_infra=0.1\nground_power=0.1\ndatacenters=0.1\nlaunch=0.05\nsatellite_factory=0.05\nspace_power=0.1\ndesign_compute_fraction=0.05\nspend_fraction=0.1\nborrow_fraction=0.0\n";

    #[test]
    fn policy_file_errors_name_the_knot_key_and_rule() {
        assert!(parse_policy_toml(&one_knot(OK), 1, None).is_ok());
        let e = parse_policy_toml(&one_knot(OK), 2, None).unwrap_err().to_string();
        assert_eq!(e, "policy has 1 knots; the config's run.knots = 2");
        let e = parse_policy_toml(&one_knot(&OK.replace("launch=", "lanch=")), 1, None).unwrap_err().to_string();
        assert!(e.contains("unknown key `lanch`") && e.contains("did you mean `launch`"), "{e}");
        let e = parse_policy_toml(&one_knot(&OK.replace("fab=0.2", "fab=-0.2")), 1, None).unwrap_err().to_string();
        assert!(e.contains("knot 1: fab = -0.2: must be between 0 and 1"), "{e}");
        // The line of the key (one_knot puts the header on line 4, fab on line 5).
        assert!(e.starts_with("line 5: knot 1: fab = -0.2"), "{e}");
        let e = parse_policy_toml(&one_knot(&OK.replace("fab=0.2", "fab=nan")), 1, None).unwrap_err().to_string();
        assert!(e.contains("fab = NaN"), "{e}");
        let e = parse_policy_toml(&one_knot(&OK.replace("fab=0.2", "fab=0.5")), 1, None).unwrap_err().to_string();
        assert!(e.contains("must sum to 1"), "{e}");
        let e = parse_policy_toml(&one_knot(&OK.replace("spend_fraction=0.1\n", "")), 1, None).unwrap_err().to_string();
        assert!(e.contains("`spend_fraction` is missing"), "{e}");
        let e = parse_policy_toml(&one_knot(&OK.replace("fab=0.2", "fab=\"lots\"")), 1, None).unwrap_err().to_string();
        assert!(e.contains("fab = \"lots\": must be a number, found string"), "{e}");
        let months = ["2026-04".to_string()];
        let dated = one_knot(&format!("month = \"2026-05\"\n{OK}"));
        let e = parse_policy_toml(&dated, 1, Some(&months)).unwrap_err().to_string();
        assert!(e.contains("knot 1: month = \"2026-05\", but this run's knot 1 falls on 2026-04"), "{e}");
    }

    #[test]
    fn files_of_another_format_or_model_version_are_refused_saying_what_changed() {
        let v1 = format!("[[phase]]\n{OK}");
        let e = parse_policy_toml(&v1, 1, None).unwrap_err().to_string();
        assert!(e.contains("[[phase]]") && e.contains("interpolates linearly between knots"), "{e}");
        let current = format!("model_version = {}", crate::model::MODEL_VERSION);
        let e =
            parse_policy_toml(&one_knot(OK).replace(&current, "model_version = 1"), 1, None).unwrap_err().to_string();
        assert!(e.contains("written for model version 1"), "{e}");
        let e =
            parse_policy_toml(&one_knot(OK).replace(&current, "model_version = 3"), 1, None).unwrap_err().to_string();
        assert!(e.contains("written for model version 3") && e.contains("grid connections"), "{e}");
        // Version 5 changed the economics of extreme configs, not the policy encoding.
        let v4 = parse_policy_toml(&one_knot(OK).replace(&current, "model_version = 4"), 1, None).unwrap();
        assert_eq!(v4, parse_policy_toml(&one_knot(OK), 1, None).unwrap());
        let e = parse_policy_toml(&one_knot(OK).replace("format_version = 2\n", ""), 1, None).unwrap_err().to_string();
        assert!(e.contains("`format_version` is missing"), "{e}");
        let e = parse_policy_toml(&format!("colour = 1\n{}", one_knot(OK)), 1, None).unwrap_err().to_string();
        assert!(e.contains("unknown field `colour`"), "{e}");
        let e = parse_policy_toml(&one_knot(OK).replace("\"linear\"", "\"step\""), 1, None).unwrap_err().to_string();
        assert!(e.contains("interpolation = \"step\""), "{e}");
    }
}
