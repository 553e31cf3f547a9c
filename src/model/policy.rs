//! The policy the optimizer chooses: per phase, the share of spending on each channel,
//! the share of compute fed back into design and the share of cash spent each month.
//!
//! It lives in three forms: the unconstrained real vector every search works on (softmax
//! for shares, logistic for fractions, so any vector in the box is a valid policy), the
//! decoded allocation the simulator reads, and the human-readable TOML policy file.

use serde::{Deserialize, Serialize};
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
    SpacePower,
}

pub const N_CHANNELS: usize = 9;

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
            Channel::SpacePower => "orbital compute satellites, launched",
        }
    }
}

/// Encoded values per phase: one logit per channel, then design and spend logits.
pub const GENES_PER_PHASE: usize = N_CHANNELS + 2;
/// Decoded values per phase in the GPU layout: shares, design fraction, spend fraction.
pub const ALLOC_PER_PHASE: usize = N_CHANNELS + 2;
/// Every coordinate of an encoded policy must lie in `[-GENE_BOUND, GENE_BOUND]`:
/// softmax ratios up to e^40 and fractions within 5e-5 of 0 and 1 are reachable.
pub const GENE_BOUND: f64 = 10.0;

/// What one phase does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseAlloc<R> {
    /// Shares of the month's discretionary spending, per channel; they sum to 1.
    pub shares: [R; N_CHANNELS],
    /// Share of running compute fed back into chip design (earns nothing).
    pub design_fraction: R,
    /// Share of the cash on hand spent each month.
    pub spend_fraction: R,
}

impl PhaseAlloc<f64> {
    pub fn cast<R: super::Real>(&self) -> PhaseAlloc<R> {
        PhaseAlloc {
            shares: self.shares.map(R::lit),
            design_fraction: R::lit(self.design_fraction),
            spend_fraction: R::lit(self.spend_fraction),
        }
    }
}

/// Problems with an encoded vector or a policy file.
#[derive(Debug, Error, PartialEq)]
pub enum PolicyError {
    #[error("policy vector has {got} values; {phases} phases need {want} ({GENES_PER_PHASE} per phase)")]
    Length { got: usize, want: usize, phases: usize },
    #[error("policy value {index} is {value}: every value must be finite and within [-{GENE_BOUND}, {GENE_BOUND}]")]
    OutOfBounds { index: usize, value: f64 },
    #[error("policy file: {0}")]
    Parse(String),
    #[error("policy has {got} phases; the config's run.phases = {want}")]
    PhaseCount { got: usize, want: usize },
    #[error(
        "phase {phase}: unknown key `{key}`{hint}; allowed: the channels ({channels}), design_compute_fraction, spend_fraction"
    )]
    UnknownKey { phase: usize, key: String, hint: String, channels: String },
    #[error("phase {phase}: `{key}` is missing")]
    Missing { phase: usize, key: String },
    #[error("phase {phase}: {key} = {value}: {rule}")]
    BadValue { phase: usize, key: String, value: f64, rule: String },
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Column names of an encoded vector: `p1_fab`, ..., `p1_design_compute`, `p1_spend`, `p2_fab`...
pub fn gene_names(phases: usize) -> Vec<String> {
    (1..=phases)
        .flat_map(|p| {
            Channel::ALL
                .iter()
                .map(move |c| format!("p{p}_{}", c.name()))
                .chain([format!("p{p}_design_compute"), format!("p{p}_spend")])
        })
        .collect()
}

/// Checks length and bounds of an encoded vector (before any evaluation or dispatch).
pub fn validate_vector(x: &[f64], phases: usize) -> Result<(), PolicyError> {
    let want = phases * GENES_PER_PHASE;
    if x.len() != want {
        return Err(PolicyError::Length { got: x.len(), want, phases });
    }
    match x.iter().position(|v| !v.is_finite() || v.abs() > GENE_BOUND) {
        Some(index) => Err(PolicyError::OutOfBounds { index, value: x[index] }),
        None => Ok(()),
    }
}

/// Decodes an encoded vector (already validated) into per-phase allocations.
pub fn decode(x: &[f64]) -> Vec<PhaseAlloc<f64>> {
    x.chunks_exact(GENES_PER_PHASE)
        .map(|g| {
            let peak = g[..N_CHANNELS].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut shares = [0.0; N_CHANNELS];
            for (s, &v) in shares.iter_mut().zip(&g[..N_CHANNELS]) {
                *s = (v - peak).exp();
            }
            let total: f64 = shares.iter().sum();
            shares.iter_mut().for_each(|s| *s /= total);
            PhaseAlloc { shares, design_fraction: logistic(g[N_CHANNELS]), spend_fraction: logistic(g[N_CHANNELS + 1]) }
        })
        .collect()
}

/// Decodes into the flat f32 layout the GPU reads (`ALLOC_PER_PHASE` per phase).
pub fn decode_flat_f32(x: &[f64], out: &mut Vec<f32>) {
    for a in decode(x) {
        out.extend(a.shares.iter().map(|&s| s as f32));
        out.push(a.design_fraction as f32);
        out.push(a.spend_fraction as f32);
    }
}

/// Encodes allocations back into a vector in the box (the inverse of [`decode`] for
/// allocations whose shares and fractions are representable; zeros become e^-20 ratios).
pub fn encode(phases: &[PhaseAlloc<f64>]) -> Vec<f64> {
    let floor = (-2.0 * GENE_BOUND).exp();
    let mut x = Vec::with_capacity(phases.len() * GENES_PER_PHASE);
    for a in phases {
        let logs: Vec<f64> = a.shares.iter().map(|&s| s.max(floor).ln()).collect();
        // Centre the logits between their extremes so the widest spread fits the box.
        let (lo, hi) = logs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        let centre = 0.5 * (lo + hi);
        x.extend(logs.iter().map(|v| (v - centre).clamp(-GENE_BOUND, GENE_BOUND)));
        let frac = |p: f64| logit(p.clamp(1e-9, 1.0 - 1e-9)).clamp(-GENE_BOUND, GENE_BOUND);
        x.push(frac(a.design_fraction));
        x.push(frac(a.spend_fraction));
    }
    x
}

/// The policy file as written on disk: `[[phase]]` tables of named values.
#[derive(Debug, Serialize, Deserialize)]
struct PolicyFile {
    phase: Vec<BTreeMap<String, toml::Value>>,
}

const DESIGN_KEY: &str = "design_compute_fraction";
const SPEND_KEY: &str = "spend_fraction";

/// Parses a policy file's text into allocations, checking it against the run's phases.
pub fn parse_policy_toml(text: &str, phases: usize) -> Result<Vec<PhaseAlloc<f64>>, PolicyError> {
    let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string().trim().to_string()))?;
    if file.phase.len() != phases {
        return Err(PolicyError::PhaseCount { got: file.phase.len(), want: phases });
    }
    let names: Vec<&str> = Channel::ALL.iter().map(|c| c.name()).collect();
    file.phase
        .iter()
        .enumerate()
        .map(|(i, table)| {
            let phase = i + 1;
            for key in table.keys() {
                if !names.contains(&key.as_str()) && key != DESIGN_KEY && key != SPEND_KEY {
                    let mut all = names.clone();
                    all.extend([DESIGN_KEY, SPEND_KEY]);
                    return Err(PolicyError::UnknownKey {
                        phase,
                        key: key.clone(),
                        hint: crate::config::suggest(key, all.iter().copied()),
                        channels: names.join(", "),
                    });
                }
            }
            let number = |key: &str| -> Result<f64, PolicyError> {
                let v = table.get(key).ok_or_else(|| PolicyError::Missing { phase, key: key.into() })?;
                let value = match v {
                    toml::Value::Float(f) => *f,
                    toml::Value::Integer(n) => *n as f64,
                    other => {
                        return Err(PolicyError::BadValue {
                            phase,
                            key: key.into(),
                            value: f64::NAN,
                            rule: format!("must be a number, found {}", other.type_str()),
                        });
                    }
                };
                if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
                    return Err(PolicyError::BadValue {
                        phase,
                        key: key.into(),
                        value,
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
                    phase,
                    key: "channel shares".into(),
                    value: total,
                    rule: "the nine channel shares must sum to 1 (within 0.001)".into(),
                });
            }
            shares.iter_mut().for_each(|s| *s /= total);
            Ok(PhaseAlloc { shares, design_fraction: number(DESIGN_KEY)?, spend_fraction: number(SPEND_KEY)? })
        })
        .collect()
}

/// Writes allocations as a policy file, with a header saying what the phases cover.
pub fn to_policy_toml(phases: &[PhaseAlloc<f64>], phase_labels: &[String], header: &str) -> String {
    let mut s = String::new();
    for line in header.lines() {
        s.push_str(&format!("# {line}\n"));
    }
    s.push_str("# Shares of each month's spending per channel (they sum to 1), the share of running\n");
    s.push_str("# compute fed back into chip design, and the share of cash on hand spent each month.\n");
    for (i, a) in phases.iter().enumerate() {
        let label = phase_labels.get(i).map(String::as_str).unwrap_or("");
        s.push_str(&format!("\n[[phase]] # {} {label}\n", i + 1));
        // Shortest exact form (`{:?}`): the file reads back to the very same numbers.
        for (c, share) in Channel::ALL.iter().zip(a.shares) {
            s.push_str(&format!("{:<24}= {:?}\n", c.name(), share));
        }
        s.push_str(&format!("{DESIGN_KEY:<24}= {:?}\n", a.design_fraction));
        s.push_str(&format!("{SPEND_KEY:<24}= {:?}\n", a.spend_fraction));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random_vector(rng: &mut impl Rng, phases: usize) -> Vec<f64> {
        (0..phases * GENES_PER_PHASE).map(|_| rng.random_range(-4.0..4.0)).collect()
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
    fn vector_round_trips_through_the_policy_file() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
        let x = random_vector(&mut rng, 4);
        let phases = decode(&x);
        let text = to_policy_toml(&phases, &[], "test");
        let back = parse_policy_toml(&text, 4).unwrap();
        for (a, b) in phases.iter().zip(&back) {
            for (s, t) in a.shares.iter().zip(&b.shares) {
                assert!((s - t).abs() < 2e-6, "{s} vs {t}");
            }
            assert!((a.spend_fraction - b.spend_fraction).abs() < 1e-6);
        }
        // Encoding the decoded policy gives a vector that decodes to the same policy.
        let again = decode(&encode(&phases));
        for (a, b) in phases.iter().zip(&again) {
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
        let x = encode(&[PhaseAlloc { shares, design_fraction: 0.0, spend_fraction: 1.0 }]);
        validate_vector(&x, 1).unwrap();
        let back = decode(&x);
        assert!(back[0].shares[0] > 0.999_999);
    }

    #[test]
    fn out_of_box_and_wrong_length_vectors_are_rejected() {
        assert_eq!(validate_vector(&[0.0; 5], 1), Err(PolicyError::Length { got: 5, want: 11, phases: 1 }));
        let mut x = vec![0.0; 11];
        x[3] = f64::NAN;
        assert!(matches!(validate_vector(&x, 1), Err(PolicyError::OutOfBounds { index: 3, .. })));
        x[3] = 10.5;
        assert!(validate_vector(&x, 1).unwrap_err().to_string().contains("within [-10, 10]"));
    }

    fn one_phase(body: &str) -> String {
        format!("[[phase]]\n{body}")
    }
    const OK: &str = "fab=0.2\npackaging=0.1\nmarket_chips=0.1\ndesign=0.1\niteration_infra=0.1\nground_power=0.1\ndatacenters=0.1\nlaunch=0.1\nspace_power=0.1\ndesign_compute_fraction=0.05\nspend_fraction=0.1\n";

    #[test]
    fn policy_file_errors_name_the_phase_key_and_rule() {
        assert!(parse_policy_toml(&one_phase(OK), 1).is_ok());
        let e = parse_policy_toml(&one_phase(OK), 2).unwrap_err().to_string();
        assert_eq!(e, "policy has 1 phases; the config's run.phases = 2");
        let e = parse_policy_toml(&one_phase(&OK.replace("launch=", "lanch=")), 1).unwrap_err().to_string();
        assert!(e.contains("unknown key `lanch`") && e.contains("did you mean `launch`"), "{e}");
        let e = parse_policy_toml(&one_phase(&OK.replace("fab=0.2", "fab=-0.2")), 1).unwrap_err().to_string();
        assert!(e.contains("phase 1: fab = -0.2: must be between 0 and 1"), "{e}");
        let e = parse_policy_toml(&one_phase(&OK.replace("fab=0.2", "fab=nan")), 1).unwrap_err().to_string();
        assert!(e.contains("fab = NaN"), "{e}");
        let e = parse_policy_toml(&one_phase(&OK.replace("fab=0.2", "fab=0.5")), 1).unwrap_err().to_string();
        assert!(e.contains("must sum to 1"), "{e}");
        let e = parse_policy_toml(&one_phase(&OK.replace("spend_fraction=0.1\n", "")), 1).unwrap_err().to_string();
        assert!(e.contains("`spend_fraction` is missing"), "{e}");
        let e = parse_policy_toml(&one_phase(&OK.replace("fab=0.2", "fab=\"lots\"")), 1).unwrap_err().to_string();
        assert!(e.contains("must be a number, found string"), "{e}");
    }
}
