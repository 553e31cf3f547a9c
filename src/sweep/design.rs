//! A sweep's design: which points it runs, as values of the varied keys, and what role
//! each point plays (the nominal point and the swings of a tornado, a grid cell, a row of
//! Saltelli's A, B or AB_i matrices, a step of a Morris trajectory).

use super::sequences::{latin_hypercube, sobol};
use super::spec::{DesignKind, Factor, SweepSpec};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// What a point is for, in its design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "kebab-case")]
pub enum Role {
    /// Every factor at its nominal value (one-at-a-time's centre).
    Nominal,
    /// Factor `factor` moved to its `value`-th swing value, the others nominal.
    Swing {
        factor: usize,
        value: usize,
    },
    Grid,
    LatinHypercube,
    SobolA {
        row: usize,
    },
    SobolB {
        row: usize,
    },
    /// Row `row` of A with factor `factor` taken from B.
    SobolAb {
        factor: usize,
        row: usize,
    },
    /// Step `step` (0 = the start) of Morris trajectory `trajectory`; the step moved
    /// factor `moved` (none for the start).
    Morris {
        trajectory: usize,
        step: usize,
        moved: Option<usize>,
    },
}

/// One point: a value for every factor, in the spec's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignPoint {
    pub values: Vec<toml::Value>,
    #[serde(flatten)]
    pub role: Role,
}

/// Saltelli's matrices on the unit cube: A and B (N rows of k), and AB_i for each factor.
#[derive(Debug, Clone)]
pub struct SaltelliRows {
    pub a: Vec<Vec<f64>>,
    pub b: Vec<Vec<f64>>,
    pub ab: Vec<Vec<Vec<f64>>>,
}

/// A and B from one 2k-dimensional Sobol sequence (A the first k coordinates, B the
/// rest: Saltelli et al. 2010), and AB_i = A with column i from B.
pub fn saltelli_rows(n: usize, k: usize, seed: u64) -> SaltelliRows {
    let pts = sobol(n, 2 * k, seed);
    let a: Vec<Vec<f64>> = pts.iter().map(|p| p[..k].to_vec()).collect();
    let b: Vec<Vec<f64>> = pts.iter().map(|p| p[k..].to_vec()).collect();
    let ab = (0..k)
        .map(|i| {
            a.iter()
                .zip(&b)
                .map(|(ra, rb)| {
                    let mut r = ra.clone();
                    r[i] = rb[i];
                    r
                })
                .collect()
        })
        .collect();
    SaltelliRows { a, b, ab }
}

/// One Morris trajectory on the unit cube: `k + 1` points, each moving one factor (in
/// `order`) by Delta = levels / (2 (levels - 1)) from the one before.
#[derive(Debug, Clone)]
pub struct MorrisTrajectory {
    pub points: Vec<Vec<f64>>,
    pub order: Vec<usize>,
}

/// `r` Morris trajectories on a `levels`-level grid (Morris 1991): a random grid start,
/// the factors in a random order, each moved up by Delta where that stays in [0, 1], else
/// down.
pub fn morris_trajectories(r: usize, k: usize, levels: usize, seed: u64) -> Vec<MorrisTrajectory> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let p = levels as f64;
    let delta = p / (2.0 * (p - 1.0));
    (0..r)
        .map(|_| {
            let mut x: Vec<f64> = (0..k).map(|_| rng.random_range(0..levels) as f64 / (p - 1.0)).collect();
            let mut order: Vec<usize> = (0..k).collect();
            order.shuffle(&mut rng);
            let mut points = vec![x.clone()];
            for &i in &order {
                x[i] = if x[i] + delta <= 1.0 + 1e-12 { x[i] + delta } else { x[i] - delta };
                points.push(x.clone());
            }
            MorrisTrajectory { points, order }
        })
        .collect()
}

/// The design's points, in the order they are numbered (point `i` is `points[i]`).
pub fn points(spec: &SweepSpec) -> Vec<DesignPoint> {
    let f = &spec.factors;
    let at = |u: &[f64]| -> Vec<toml::Value> { f.iter().zip(u).map(|(f, &u)| f.at_unit(u)).collect() };
    match spec.design {
        DesignKind::Grid => {
            let mut out = vec![Vec::new()];
            for factor in f {
                out = out
                    .into_iter()
                    .flat_map(|head: Vec<toml::Value>| {
                        factor.grid_values().into_iter().map(move |v| {
                            let mut row = head.clone();
                            row.push(v);
                            row
                        })
                    })
                    .collect();
            }
            out.into_iter().map(|values| DesignPoint { values, role: Role::Grid }).collect()
        }
        DesignKind::OneAtATime => {
            let nominal: Vec<toml::Value> = f.iter().map(Factor::nominal_value).collect();
            let mut out = vec![DesignPoint { values: nominal.clone(), role: Role::Nominal }];
            for (i, factor) in f.iter().enumerate() {
                for (j, v) in factor.swing_values().into_iter().enumerate() {
                    let mut values = nominal.clone();
                    values[i] = v;
                    out.push(DesignPoint { values, role: Role::Swing { factor: i, value: j } });
                }
            }
            out
        }
        DesignKind::LatinHypercube => latin_hypercube(spec.samples, f.len(), spec.seed)
            .iter()
            .map(|u| DesignPoint { values: at(u), role: Role::LatinHypercube })
            .collect(),
        DesignKind::Sobol => {
            let rows = saltelli_rows(spec.samples, f.len(), spec.seed);
            let mut out: Vec<DesignPoint> = rows
                .a
                .iter()
                .enumerate()
                .map(|(row, u)| DesignPoint { values: at(u), role: Role::SobolA { row } })
                .collect();
            out.extend(
                rows.b.iter().enumerate().map(|(row, u)| DesignPoint { values: at(u), role: Role::SobolB { row } }),
            );
            for (factor, m) in rows.ab.iter().enumerate() {
                out.extend(
                    m.iter()
                        .enumerate()
                        .map(|(row, u)| DesignPoint { values: at(u), role: Role::SobolAb { factor, row } }),
                );
            }
            out
        }
        DesignKind::Morris => morris_trajectories(spec.samples, f.len(), spec.levels, spec.seed)
            .iter()
            .enumerate()
            .flat_map(|(trajectory, t)| {
                t.points
                    .iter()
                    .enumerate()
                    .map(|(step, u)| DesignPoint {
                        values: at(u),
                        role: Role::Morris { trajectory, step, moved: step.checked_sub(1).map(|s| t.order[s]) },
                    })
                    .collect::<Vec<_>>()
            })
            .collect(),
    }
}
