//! Eight candidates in the lanes of one SIMD vector (`wide::f32x8`): the model's step is
//! generic over [`Real`], so the reference code itself runs eight trajectories per
//! instruction — no second copy of the model to keep in step.

use super::real::Real;
pub use wide::f32x8 as Lanes;

/// Trajectories per SIMD vector.
pub const LANES: usize = 8;

impl Real for Lanes {
    #[inline(always)]
    fn lit(value: f64) -> Self {
        Lanes::splat(value as f32)
    }
    /// The first lane.
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self.to_array()[0] as f64
    }
    // The model never produces NaN from finite inputs, so the NaN-agnostic forms suffice.
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        self.fast_min(other)
    }
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        self.fast_max(other)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        Lanes::exp(self)
    }
    #[inline(always)]
    fn ln(self) -> Self {
        Lanes::ln(self)
    }
    #[inline(always)]
    fn select_ge(a: Self, b: Self, if_true: Self, if_false: Self) -> Self {
        a.simd_ge(b).select(if_true, if_false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_agree_with_scalar_f32() {
        let xs = [-20.0f32, -1.5, -0.1, 0.0, 0.3, 1.0, 7.5, 40.0];
        let v = Lanes::new(xs);
        let e = Real::exp(v).to_array();
        let l = Real::ln(Real::exp(v)).to_array();
        for (i, &x) in xs.iter().enumerate() {
            assert!((e[i] - x.exp()).abs() <= 4.0 * f32::EPSILON * x.exp(), "exp({x})");
            assert!((l[i] - x).abs() <= 1e-5 * x.abs().max(1.0), "ln(exp({x})) = {}", l[i]);
        }
        let s = Lanes::select_ge(v, Lanes::splat(0.3), Lanes::splat(1.0), Lanes::splat(-1.0)).to_array();
        assert_eq!(s, [-1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(Real::min(v, Lanes::splat(0.0)).to_array()[7], 0.0);
        assert_eq!(Real::max(v, Lanes::splat(0.0)).to_array()[0], 0.0);
    }
}
