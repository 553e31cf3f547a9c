//! Counting the floating-point work of one trajectory-step: a [`Real`] type that runs the
//! model's own generic step and counts every operation it performs. The WGSL kernel and
//! the SIMD lanes follow the same code operation for operation, so the count is theirs
//! too. exp and ln are counted apart: each is one WGSL builtin but a polynomial of about
//! [`FLOPS_PER_TRANSCENDENTAL`] operations underneath (wide's f32x8 exp/ln, Mesa's).

use super::policy::Alloc;
use super::real::Real;
use super::{Params, Paths, RunSpec, trajectory_cost_on};
use std::cell::Cell;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// Operations one exp or ln costs when the FLOP estimate counts them (range reduction
/// plus a degree-5 to 7 polynomial: ~15-25 multiply-adds; 20 is the round middle).
pub const FLOPS_PER_TRANSCENDENTAL: f64 = 20.0;

/// Operations counted, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct OpCount {
    /// + - * / and negation.
    pub arithmetic: u64,
    /// min, max, and compare-and-select.
    pub compare: u64,
    pub exp: u64,
    pub ln: u64,
}

impl OpCount {
    /// The FLOP estimate: every counted operation is one, exp and ln
    /// [`FLOPS_PER_TRANSCENDENTAL`] each.
    pub fn flops(&self) -> f64 {
        (self.arithmetic + self.compare) as f64 + FLOPS_PER_TRANSCENDENTAL * (self.exp + self.ln) as f64
    }
    fn per(&self, n: f64) -> [f64; 4] {
        [self.arithmetic as f64 / n, self.compare as f64 / n, self.exp as f64 / n, self.ln as f64 / n]
    }
}

thread_local! {
    static COUNT: Cell<OpCount> = Cell::new(OpCount::default());
}

/// Counts one arithmetic operation (a function, so operator impls hold no `+=` of their own).
fn count_arithmetic() {
    bump(|c| c.arithmetic += 1);
}

fn bump(f: impl Fn(&mut OpCount)) {
    COUNT.with(|c| {
        let mut v = c.get();
        f(&mut v);
        c.set(v);
    });
}

/// An f64 that counts the operations done on it (on this thread).
#[derive(Debug, Clone, Copy)]
pub struct Counted(pub f64);

macro_rules! counted_binop {
    ($tr:ident, $f:ident, $op:tt) => {
        impl $tr for Counted {
            type Output = Counted;
            #[inline]
            fn $f(self, o: Counted) -> Counted {
                count_arithmetic();
                Counted(self.0 $op o.0)
            }
        }
    };
}
counted_binop!(Add, add, +);
counted_binop!(Sub, sub, -);
counted_binop!(Mul, mul, *);
counted_binop!(Div, div, /);

impl Neg for Counted {
    type Output = Counted;
    fn neg(self) -> Counted {
        count_arithmetic();
        Counted(-self.0)
    }
}

impl Real for Counted {
    fn lit(value: f64) -> Self {
        Counted(value)
    }
    fn to_f64(self) -> f64 {
        self.0
    }
    fn min(self, other: Self) -> Self {
        bump(|c| c.compare += 1);
        Counted(self.0.min(other.0))
    }
    fn max(self, other: Self) -> Self {
        bump(|c| c.compare += 1);
        Counted(self.0.max(other.0))
    }
    fn exp(self) -> Self {
        bump(|c| c.exp += 1);
        Counted(self.0.exp())
    }
    fn ln(self) -> Self {
        bump(|c| c.ln += 1);
        Counted(self.0.ln())
    }
    fn select_ge(a: Self, b: Self, t: Self, f: Self) -> Self {
        bump(|c| c.compare += 1);
        if a.0 >= b.0 { t } else { f }
    }
}

fn counted(phases: &[Alloc<f64>]) -> Vec<Alloc<Counted>> {
    phases
        .iter()
        .map(|a| Alloc {
            shares: a.shares.map(Counted),
            design_fraction: Counted(a.design_fraction),
            spend_fraction: Counted(a.spend_fraction),
            borrow_fraction: Counted(a.borrow_fraction),
        })
        .collect()
}

/// Operations per trajectory-step of `run` for this scenario and policy, averaged over
/// the horizon (the count does not depend on the values: the step has no branches).
pub fn ops_per_step(run: &RunSpec, p: &Params<f64>, phases: &[Alloc<f64>]) -> (OpCount, [f64; 4]) {
    COUNT.with(|c| c.set(OpCount::default()));
    // The exogenous paths are counted as the step computed them before they were hoisted
    // into a table (DECISIONS.md): hoisting shows as speed, not as fewer FLOP.
    let pc = p.map(Counted);
    let paths = Paths::series(&pc, run.horizon_months);
    let _ = trajectory_cost_on(run, &pc, |m| paths[m], &counted(phases));
    let total = COUNT.with(|c| c.get());
    (total, total.per(run.horizon_months as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trajectory_cost;

    #[test]
    fn the_count_is_the_same_for_any_policy_and_scenario_and_matches_f64() {
        let exp = crate::config::default_experiment();
        let a = crate::model::policy::decode(&vec![0.5; exp.run.policy_len()]);
        let b = crate::model::policy::decode(&vec![-3.0; exp.run.policy_len()]);
        let (ca, per) = ops_per_step(&exp.run, &exp.params, &a);
        let (cb, _) = ops_per_step(&exp.run, &exp.uncertainty.scenario(&exp.params, 1, 2), &b);
        assert_eq!(ca, cb, "the step is branch-free: its work does not depend on the values");
        assert!(per[0] > 50.0 && per[2] >= 1.0, "{per:?}");
        // Counting changes nothing: the cost is the f64 model's.
        let with_counting = trajectory_cost(&exp.run, &exp.params.map(Counted), &counted(&a)).0;
        assert_eq!(with_counting, trajectory_cost(&exp.run, &exp.params, &a));
    }
}
