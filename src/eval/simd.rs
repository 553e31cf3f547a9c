//! Which instructions the CPU lanes use, chosen at run time: AVX-512 (16 candidates a
//! vector) where the CPU has it, AVX2 + FMA (16 in two registers, [`x86::Pair`]) where it has that, SSE2 (8, `wide`'s
//! f32x8 in two registers) on any other x86-64, so one binary built for the baseline runs
//! on every x86-64 CPU at its own width (issue 13; DECISIONS.md, "SIMD dispatch").
//!
//! The lane code is the model's own generic step, instantiated with a lane type and
//! compiled inside a function that enables the instructions; calling that function is
//! the one `unsafe` act, after [`SimdPath::supported`] saw the CPU report the features.
//! The AVX lane types wrap the intrinsics' vector registers. They are private to this
//! module, so no code outside it can make one, and every method is `#[inline(always)]`,
//! so they compile into the enabling function (a copy left outside would still only run
//! from there). exp and ln are Cephes' polynomials (Moshier) with fused multiply-adds,
//! branch-free (exp gives 0 below f32's smallest normal number, as the GPU does); `wide`
//! computes the SSE2 path's with the same polynomials.
#![allow(unsafe_code)]

use crate::model::Real;
use serde::{Deserialize, Serialize};

/// An instruction set for the lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SimdPath {
    Avx512,
    Avx2,
    Sse2,
}

impl SimdPath {
    /// The widest path this CPU runs.
    pub fn detect() -> Self {
        Self::supported()[0]
    }

    /// Every path this CPU runs, widest first (the tests run them all). Detected once
    /// per process: the dispatch asks for every group of candidates.
    pub fn supported() -> &'static [SimdPath] {
        static PATHS: std::sync::OnceLock<Vec<SimdPath>> = std::sync::OnceLock::new();
        PATHS.get_or_init(Self::detect_all)
    }

    fn detect_all() -> Vec<SimdPath> {
        let mut v = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512dq") && has!("avx2") && has!("fma") {
                v.push(SimdPath::Avx512);
            }
            if has!("avx2") && has!("fma") {
                v.push(SimdPath::Avx2);
            }
        }
        v.push(SimdPath::Sse2);
        v
    }

    /// Candidates per vector.
    pub fn lanes(self) -> usize {
        match self {
            SimdPath::Avx512 | SimdPath::Avx2 => 16,
            SimdPath::Sse2 => 8,
        }
    }

    /// E.g. `AVX2+FMA, 16 lanes in two registers`.
    pub fn describe(self) -> &'static str {
        match self {
            SimdPath::Avx512 => "AVX-512, 16 lanes",
            SimdPath::Avx2 => "AVX2+FMA, 16 lanes in two registers",
            SimdPath::Sse2 => "SSE2, 8 lanes",
        }
    }
}

/// The most lanes any path has (AVX-512's 16): a stack buffer this long holds any group.
pub const MAX_LANES: usize = 16;

/// A lane type: the model's [`Real`] over `LANES` candidates at once.
pub trait LaneVec: Real {
    const LANES: usize;
    /// Lane `l` takes `v[l]` (`v.len() == LANES`).
    fn from_lanes(v: &[f32]) -> Self;
    /// Writes the lanes into `out` (`out.len() == LANES`).
    fn write_lanes(self, out: &mut [f32]);
    fn splat(v: f32) -> Self;
}

impl LaneVec for wide::f32x8 {
    const LANES: usize = 8;
    #[inline(always)]
    fn from_lanes(v: &[f32]) -> Self {
        wide::f32x8::new(std::array::from_fn(|l| v[l]))
    }
    #[inline(always)]
    fn write_lanes(self, out: &mut [f32]) {
        out.copy_from_slice(&self.to_array());
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        wide::f32x8::splat(v)
    }
}

/// A group of candidates, costed by the caller's generic code at lane type `V`.
pub trait LaneGroup {
    fn run<V: LaneVec>(&mut self);
}

/// Runs `g` on `path`'s instructions. Evaluators hold a path `SimdPath::supported` gave,
/// so the SSE2 fallback below is reached only for SSE2 itself (a wider path it stood in
/// for would hand it more candidates than its 8 lanes, which `group_costs` asserts).
pub fn run<G: LaneGroup>(path: SimdPath, g: &mut G) {
    #[cfg(target_arch = "x86_64")]
    {
        let have = SimdPath::supported();
        match path {
            // SAFETY: the CPU reported AVX-512F/DQ, AVX2 and FMA (SimdPath::supported).
            SimdPath::Avx512 if have.contains(&SimdPath::Avx512) => return unsafe { x86::avx512(g) },
            // SAFETY: the CPU reported AVX2 and FMA.
            SimdPath::Avx2 if have.contains(&SimdPath::Avx2) => return unsafe { x86::avx2(g) },
            _ => {}
        }
    }
    g.run::<wide::f32x8>();
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{LaneGroup, LaneVec};
    use crate::model::Real;
    use std::arch::x86_64::*;
    use std::ops::{Add, Div, Mul, Neg, Sub};

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn avx2<G: LaneGroup>(g: &mut G) {
        g.run::<Pair<V8>>();
    }

    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub(super) fn avx512<G: LaneGroup>(g: &mut G) {
        g.run::<V16>();
    }

    // Cephes expf / logf constants.
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const C1: f32 = 0.693_359_4;
    const C2: f32 = -2.121_944_4e-4;
    /// Above 127.5 / log2(e) the rounding gives n = 128, whose 2^n is not a float: the
    /// lanes give +inf from here (libm stays finite up to 88.7228, f32's largest value).
    const EXP_HI: f32 = 88.376_26;
    const EXP_LO: f32 = -87.336_55;
    /// 1.5 x 2^23: adding it rounds a float below 2^22 to an integer held in the low
    /// mantissa bits.
    const MAGIC: f32 = 12_582_912.0;
    const EXP_P: [f32; 6] = [1.987_569_1e-4, 1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 0.166_666_65, 0.5];
    const LN_P: [f32; 9] = [
        7.037_683_6e-2,
        -0.115_146_1,
        0.116_769_98,
        -0.124_201_41,
        0.142_493_23,
        -0.166_680_57,
        0.200_007_15,
        -0.249_999_94,
        0.333_333_3,
    ];

    /// One arithmetic operator of a lane type through its intrinsic (sound where the
    /// type's constructor is: only inside the enabling `target_feature` functions).
    macro_rules! lane_binop {
        ($v:ident, $trait:ident, $method:ident, $intrinsic:ident) => {
            impl $trait for $v {
                type Output = Self;
                #[inline(always)]
                fn $method(self, o: Self) -> Self {
                    unsafe { $v($intrinsic(self.0, o.0)) }
                }
            }
        };
    }

    /// One AVX lane type: `$v` wraps `$reg`; `$p` prefixes its intrinsics.
    macro_rules! avx_lanes {
        ($v:ident, $reg:ty, $n:expr, $mask:ty,
         set1: $set1:ident, add: $add:ident, sub: $sub:ident, mul: $mul:ident, div: $div:ident,
         min: $min:ident, max: $max:ident, fmadd: $fmadd:ident, fnmadd: $fnmadd:ident,
         loadu: $loadu:ident, storeu: $storeu:ident, cvtss: $cvtss:ident,
         lt: $lt:ident, ge: $ge:ident, gt: $gt:ident, eq: $eq:ident, unord: $unord:ident, or_mask: $or_mask:ident,
         blend: $blend:ident, castps_si: $castps_si:ident, castsi_ps: $castsi_ps:ident,
         add_epi32: $add_epi32:ident, sub_epi32: $sub_epi32:ident, set1_epi32: $set1_epi32:ident,
         and_si: $and_si:ident, or_si: $or_si:ident, slli: $slli:ident, srli: $srli:ident, cvtepi32: $cvtepi32:ident) => {
            /// Lanes in one vector register (see the module's safety note).
            #[derive(Clone, Copy, Debug)]
            pub(super) struct $v($reg);

            // SAFETY (every `unsafe` below): values of this type exist only inside the
            // enabling function `avx2`/`avx512`, entered after the CPU reported the
            // features; the intrinsics need nothing else (unaligned loads and stores
            // from slices of the right length).
            impl $v {
                #[inline(always)]
                fn c(v: f32) -> $reg {
                    unsafe { $set1(v) }
                }
                /// `if m { t } else { f }` lane-wise.
                #[inline(always)]
                fn pick(m: $mask, t: $reg, f: $reg) -> $reg {
                    unsafe { $blend(m, t, f) }
                }
                #[inline(always)]
                fn exp_v(x: $reg) -> $reg {
                    unsafe {
                        let xc = $min($max(x, Self::c(EXP_LO)), Self::c(EXP_HI));
                        let t = $fmadd(xc, Self::c(LOG2E), Self::c(MAGIC));
                        let n = $sub(t, Self::c(MAGIC));
                        let r = $fnmadd(n, Self::c(C2), $fnmadd(n, Self::c(C1), xc));
                        let z = $mul(r, r);
                        let mut p = Self::c(EXP_P[0]);
                        for &k in &EXP_P[1..] {
                            p = $fmadd(p, r, Self::c(k));
                        }
                        let y = $add($fmadd(p, z, r), Self::c(1.0));
                        // The low bits of t hold n: n + 127 shifted into the exponent.
                        let scale = $castsi_ps($slli::<23>($add_epi32($castps_si(t), $set1_epi32(127))));
                        let v = $mul(y, scale);
                        let v = Self::pick($gt(x, Self::c(EXP_HI)), Self::c(f32::INFINITY), v);
                        Self::pick($lt(x, Self::c(EXP_LO)), Self::c(0.0), v)
                    }
                }
                #[inline(always)]
                fn ln_v(x: $reg) -> $reg {
                    unsafe {
                        let tiny = $lt(x, Self::c(f32::MIN_POSITIVE));
                        let xs = Self::pick(tiny, $mul(x, Self::c(16_777_216.0)), x);
                        let bits = $castps_si(xs);
                        let e = $sub_epi32($and_si($srli::<23>(bits), $set1_epi32(0xff)), $set1_epi32(126));
                        let m0 = $castsi_ps($or_si(
                            $and_si(bits, $set1_epi32(0x807f_ffff_u32 as i32)),
                            $set1_epi32(0x3f00_0000),
                        ));
                        let low = $lt(m0, Self::c(std::f32::consts::FRAC_1_SQRT_2));
                        let ef = $sub($cvtepi32(e), Self::pick(low, Self::c(1.0), Self::c(0.0)));
                        let ef = $sub(ef, Self::pick(tiny, Self::c(24.0), Self::c(0.0)));
                        let m = Self::pick(low, $sub($add(m0, m0), Self::c(1.0)), $sub(m0, Self::c(1.0)));
                        let z = $mul(m, m);
                        let mut p = Self::c(LN_P[0]);
                        for &k in &LN_P[1..] {
                            p = $fmadd(p, m, Self::c(k));
                        }
                        let y = $fmadd(ef, Self::c(C2), $mul($mul(p, m), z));
                        let y = $fnmadd(Self::c(0.5), z, y);
                        let v = $fmadd(ef, Self::c(C1), $add(m, y));
                        let v = Self::pick($eq(x, Self::c(f32::INFINITY)), Self::c(f32::INFINITY), v);
                        let v = Self::pick($eq(x, Self::c(0.0)), Self::c(f32::NEG_INFINITY), v);
                        Self::pick($or_mask($lt(x, Self::c(0.0)), $unord(x, x)), Self::c(f32::NAN), v)
                    }
                }
            }

            lane_binop!($v, Add, add, $add);
            lane_binop!($v, Sub, sub, $sub);
            lane_binop!($v, Mul, mul, $mul);
            lane_binop!($v, Div, div, $div);
            impl Neg for $v {
                type Output = Self;
                #[inline(always)]
                fn neg(self) -> Self {
                    unsafe { $v($sub(Self::c(0.0), self.0)) }
                }
            }

            impl Real for $v {
                #[inline(always)]
                fn lit(value: f64) -> Self {
                    $v(Self::c(value as f32))
                }
                #[inline(always)]
                fn to_f64(self) -> f64 {
                    f64::from(unsafe { $cvtss(self.0) })
                }
                // minps/maxps: the model never makes NaN from finite inputs (as `wide`'s
                // fast_min and fast_max assume).
                #[inline(always)]
                fn min(self, o: Self) -> Self {
                    unsafe { $v($min(self.0, o.0)) }
                }
                #[inline(always)]
                fn max(self, o: Self) -> Self {
                    unsafe { $v($max(self.0, o.0)) }
                }
                #[inline(always)]
                fn exp(self) -> Self {
                    $v(Self::exp_v(self.0))
                }
                #[inline(always)]
                fn ln(self) -> Self {
                    $v(Self::ln_v(self.0))
                }
                #[inline(always)]
                fn select_ge(a: Self, b: Self, if_true: Self, if_false: Self) -> Self {
                    $v(Self::pick(unsafe { $ge(a.0, b.0) }, if_true.0, if_false.0))
                }
            }

            impl LaneVec for $v {
                const LANES: usize = $n;
                #[inline(always)]
                fn from_lanes(v: &[f32]) -> Self {
                    assert_eq!(v.len(), $n);
                    unsafe { $v($loadu(v.as_ptr())) }
                }
                #[inline(always)]
                fn write_lanes(self, out: &mut [f32]) {
                    assert_eq!(out.len(), $n);
                    unsafe { $storeu(out.as_mut_ptr(), self.0) }
                }
                #[inline(always)]
                fn splat(v: f32) -> Self {
                    $v(Self::c(v))
                }
            }
        };
    }

    /// Two registers of lanes side by side. Each operation of the step is issued for both
    /// before the next begins, so two independent chains keep the FMA pipes busy where
    /// one register's chain (the exp and ln polynomials, the month's running sums) would
    /// leave them waiting on latency. Lane by lane the arithmetic is `V`'s, so results
    /// are bit-identical to one register's.
    #[derive(Clone, Copy, Debug)]
    pub(super) struct Pair<V>(V, V);

    macro_rules! pair_binop {
        ($trait:ident, $method:ident) => {
            impl<V: LaneVec> $trait for Pair<V> {
                type Output = Self;
                #[inline(always)]
                fn $method(self, o: Self) -> Self {
                    Pair(self.0.$method(o.0), self.1.$method(o.1))
                }
            }
        };
    }
    pair_binop!(Add, add);
    pair_binop!(Sub, sub);
    pair_binop!(Mul, mul);
    pair_binop!(Div, div);
    impl<V: LaneVec> Neg for Pair<V> {
        type Output = Self;
        #[inline(always)]
        fn neg(self) -> Self {
            Pair(-self.0, -self.1)
        }
    }
    impl<V: LaneVec> Real for Pair<V> {
        #[inline(always)]
        fn lit(value: f64) -> Self {
            Pair(V::lit(value), V::lit(value))
        }
        #[inline(always)]
        fn to_f64(self) -> f64 {
            self.0.to_f64()
        }
        #[inline(always)]
        fn min(self, o: Self) -> Self {
            Pair(self.0.min(o.0), self.1.min(o.1))
        }
        #[inline(always)]
        fn max(self, o: Self) -> Self {
            Pair(self.0.max(o.0), self.1.max(o.1))
        }
        #[inline(always)]
        fn exp(self) -> Self {
            Pair(self.0.exp(), self.1.exp())
        }
        #[inline(always)]
        fn ln(self) -> Self {
            Pair(self.0.ln(), self.1.ln())
        }
        #[inline(always)]
        fn select_ge(a: Self, b: Self, if_true: Self, if_false: Self) -> Self {
            Pair(V::select_ge(a.0, b.0, if_true.0, if_false.0), V::select_ge(a.1, b.1, if_true.1, if_false.1))
        }
    }
    impl<V: LaneVec> LaneVec for Pair<V> {
        const LANES: usize = 2 * V::LANES;
        #[inline(always)]
        fn from_lanes(v: &[f32]) -> Self {
            let (a, b) = v.split_at(V::LANES);
            Pair(V::from_lanes(a), V::from_lanes(b))
        }
        #[inline(always)]
        fn write_lanes(self, out: &mut [f32]) {
            let (a, b) = out.split_at_mut(V::LANES);
            self.0.write_lanes(a);
            self.1.write_lanes(b);
        }
        #[inline(always)]
        fn splat(v: f32) -> Self {
            Pair(V::splat(v), V::splat(v))
        }
    }

    // Comparisons and blends, as plain functions the macro can name.
    #[inline(always)]
    unsafe fn lt8(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(a, b) }
    }
    #[inline(always)]
    unsafe fn ge8(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_GE_OQ>(a, b) }
    }
    #[inline(always)]
    unsafe fn gt8(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(a, b) }
    }
    #[inline(always)]
    unsafe fn eq8(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_EQ_OQ>(a, b) }
    }
    #[inline(always)]
    unsafe fn unord8(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_UNORD_Q>(a, b) }
    }
    #[inline(always)]
    unsafe fn blend8(m: __m256, t: __m256, f: __m256) -> __m256 {
        unsafe { _mm256_blendv_ps(f, t, m) }
    }
    #[inline(always)]
    unsafe fn lt16(a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b) }
    }
    #[inline(always)]
    unsafe fn ge16(a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_GE_OQ>(a, b) }
    }
    #[inline(always)]
    unsafe fn gt16(a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, b) }
    }
    #[inline(always)]
    unsafe fn eq16(a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, b) }
    }
    #[inline(always)]
    unsafe fn unord16(a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(a, b) }
    }
    #[inline(always)]
    fn or16(a: __mmask16, b: __mmask16) -> __mmask16 {
        a | b
    }
    #[inline(always)]
    unsafe fn blend16(m: __mmask16, t: __m512, f: __m512) -> __m512 {
        unsafe { _mm512_mask_blend_ps(m, f, t) }
    }

    avx_lanes!(V8, __m256, 8, __m256,
        set1: _mm256_set1_ps, add: _mm256_add_ps, sub: _mm256_sub_ps, mul: _mm256_mul_ps, div: _mm256_div_ps,
        min: _mm256_min_ps, max: _mm256_max_ps, fmadd: _mm256_fmadd_ps, fnmadd: _mm256_fnmadd_ps,
        loadu: _mm256_loadu_ps, storeu: _mm256_storeu_ps, cvtss: _mm256_cvtss_f32,
        lt: lt8, ge: ge8, gt: gt8, eq: eq8, unord: unord8, or_mask: _mm256_or_ps,
        blend: blend8, castps_si: _mm256_castps_si256, castsi_ps: _mm256_castsi256_ps,
        add_epi32: _mm256_add_epi32, sub_epi32: _mm256_sub_epi32, set1_epi32: _mm256_set1_epi32,
        and_si: _mm256_and_si256, or_si: _mm256_or_si256, slli: _mm256_slli_epi32, srli: _mm256_srli_epi32,
        cvtepi32: _mm256_cvtepi32_ps);

    avx_lanes!(V16, __m512, 16, __mmask16,
        set1: _mm512_set1_ps, add: _mm512_add_ps, sub: _mm512_sub_ps, mul: _mm512_mul_ps, div: _mm512_div_ps,
        min: _mm512_min_ps, max: _mm512_max_ps, fmadd: _mm512_fmadd_ps, fnmadd: _mm512_fnmadd_ps,
        loadu: _mm512_loadu_ps, storeu: _mm512_storeu_ps, cvtss: _mm512_cvtss_f32,
        lt: lt16, ge: ge16, gt: gt16, eq: eq16, unord: unord16, or_mask: or16,
        blend: blend16, castps_si: _mm512_castps_si512, castsi_ps: _mm512_castsi512_ps,
        add_epi32: _mm512_add_epi32, sub_epi32: _mm512_sub_epi32, set1_epi32: _mm512_set1_epi32,
        and_si: _mm512_and_si512, or_si: _mm512_or_si512, slli: _mm512_slli_epi32, srli: _mm512_srli_epi32,
        cvtepi32: _mm512_cvtepi32_ps);

    #[cfg(test)]
    mod tests {
        use super::*;

        /// exp and ln of `V` against libm over their whole range, special values too.
        fn check<V: LaneVec>() {
            let n = V::LANES;
            let mut xs: Vec<f32> = (0..4000).map(|i| -87.0 + 175.0 * i as f32 / 3999.0).collect();
            xs.extend([100.0, -100.0, 0.0, 88.3, 88.37, 88.38, 88.5, 88.72]);
            xs.resize(xs.len().div_ceil(n) * n, 1.0);
            let mut out = vec![0.0f32; n];
            for chunk in xs.chunks(n) {
                V::from_lanes(chunk).exp().write_lanes(&mut out);
                for (x, e) in chunk.iter().zip(&out) {
                    let want = x.exp();
                    // Below f32's smallest normal number the lanes give 0, as the GPU does.
                    let ok = if *x > EXP_HI {
                        *e == f32::INFINITY
                    } else if want < f32::MIN_POSITIVE {
                        *e == 0.0
                    } else if want.is_finite() {
                        (e - want).abs() <= 4.0 * f32::EPSILON * want
                    } else {
                        *e == want
                    };
                    assert!(ok, "exp({x}) = {e} vs {want}");
                }
            }
            let mut ys: Vec<f32> =
                (-126..=127).flat_map(|k| [1.0f32, 1.3, 1.41, 1.9].map(|m| m * 2f64.powi(k) as f32)).collect();
            ys.extend([1e-40, 0.0, -1.0, f32::INFINITY]);
            ys.resize(ys.len().div_ceil(n) * n, 1.0);
            for chunk in ys.chunks(n) {
                V::from_lanes(chunk).ln().write_lanes(&mut out);
                for (y, l) in chunk.iter().zip(&out) {
                    let want = y.ln();
                    let ok = if want.is_finite() {
                        (l - want).abs() <= 4.0 * f32::EPSILON * want.abs().max(1.0)
                    } else {
                        *l == want || (l.is_nan() && want.is_nan())
                    };
                    assert!(ok, "ln({y:e}) = {l} vs {want}");
                }
            }
        }

        #[target_feature(enable = "avx2,fma")]
        fn check_v8() {
            check::<V8>();
        }

        #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
        fn check_v16() {
            check::<V16>();
        }

        #[test]
        fn the_avx_lanes_exp_and_ln_match_libm_on_every_path_this_cpu_runs() {
            let have = super::super::SimdPath::supported();
            if have.contains(&super::super::SimdPath::Avx2) {
                // SAFETY: the CPU reported AVX2 and FMA.
                unsafe { check_v8() };
                println!("AVX2+FMA lanes: exp and ln checked");
            }
            if have.contains(&super::super::SimdPath::Avx512) {
                // SAFETY: the CPU reported AVX-512F/DQ.
                unsafe { check_v16() };
                println!("AVX-512 lanes: exp and ln checked");
            } else {
                println!("AVX-512: this CPU lacks it; not run here");
            }
        }
    }
}
