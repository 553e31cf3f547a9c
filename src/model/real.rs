//! The float abstraction the monthly step is written against, so that one body of code
//! runs as the f64 reference, as the f32 mirror of the GPU kernel, and in SIMD lanes.
//!
//! Only operations that exist in WGSL with the same meaning are offered, and branches are
//! expressed as `select`, so the kernel in `shaders/` can follow the Rust line by line.

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A real number type the model can be evaluated in.
pub trait Real:
    Copy
    + Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Send
    + Sync
    + 'static
{
    /// Converts a constant (parameters are stored in f64 and narrowed once).
    fn lit(value: f64) -> Self;
    /// Widens to f64 for output and tests (the first lane for SIMD types).
    fn to_f64(self) -> f64;
    fn min(self, other: Self) -> Self;
    fn max(self, other: Self) -> Self;
    fn exp(self) -> Self;
    /// Natural logarithm (`log` in WGSL).
    fn ln(self) -> Self;
    /// `if a >= b { if_true } else { if_false }`, lane-wise.
    fn select_ge(a: Self, b: Self, if_true: Self, if_false: Self) -> Self;

    /// `base^exponent` for `base > 0`, written as WGSL writes it.
    #[inline(always)]
    fn powf(self, exponent: Self) -> Self {
        (exponent * self.ln()).exp()
    }
    /// Division that never divides by (almost) zero: the denominator is floored at `tiny`.
    #[inline(always)]
    fn safe_div(self, denominator: Self) -> Self {
        self / denominator.max(Self::lit(TINY))
    }
    /// Clamp to `[lo, hi]`.
    #[inline(always)]
    fn clamp_to(self, lo: Self, hi: Self) -> Self {
        self.max(lo).min(hi)
    }
}

/// Floor used by [`Real::safe_div`]; far below any quantity the model carries, far above
/// f32's smallest normal number so GPU and CPU agree on it.
pub const TINY: f64 = 1e-30;

macro_rules! impl_real_for_float {
    ($t:ty) => {
        impl Real for $t {
            #[inline(always)]
            fn lit(value: f64) -> Self {
                value as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn select_ge(a: Self, b: Self, if_true: Self, if_false: Self) -> Self {
                if a >= b { if_true } else { if_false }
            }
        }
    };
}

impl_real_for_float!(f32);
impl_real_for_float!(f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powf_matches_std_for_positive_bases() {
        for (b, e) in [(2.0f64, 10.0), (0.7, 3.5), (1e6, -0.25)] {
            let got = Real::powf(b, e);
            assert!((got - b.powf(e)).abs() <= 1e-12 * b.powf(e), "{b}^{e}: {got}");
        }
    }

    #[test]
    fn safe_div_never_returns_inf() {
        assert!(Real::safe_div(1.0f32, 0.0).is_finite());
        assert_eq!(Real::safe_div(6.0f64, 3.0), 2.0);
    }

    #[test]
    fn select_ge_picks_by_comparison() {
        assert_eq!(<f64 as Real>::select_ge(1.0, 1.0, 5.0, 7.0), 5.0);
        assert_eq!(<f32 as Real>::select_ge(0.5, 1.0, 5.0, 7.0), 7.0);
    }
}
