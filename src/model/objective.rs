//! The objectives a run can minimise, each as a cost computed from a final state.

use super::real::Real;
use super::state::State;
use super::step::LEVEL_FLOOR_OF_TARGET;
use serde::{Deserialize, Serialize};

/// Which quantity a run optimises. Every objective is a cost to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Months until the trailing 12-month deployment first reaches the target and holds it
    /// for `objective.sustain_months`; if it never does, the last month that could still
    /// be confirmed plus a penalty per doubling the best sustained level falls short.
    TimeToTarget,
    /// `-log10` of installed FLOP/s at the horizon.
    FinalFlops,
    /// `-log10` of FLOP delivered (installed and running) over the horizon.
    CumulativeFlops,
}

impl Objective {
    pub const NAMES: [&'static str; 3] = ["time_to_target", "final_flops", "cumulative_flops"];

    pub fn name(self) -> &'static str {
        match self {
            Objective::TimeToTarget => Self::NAMES[0],
            Objective::FinalFlops => Self::NAMES[1],
            Objective::CumulativeFlops => Self::NAMES[2],
        }
    }
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "time_to_target" => Some(Objective::TimeToTarget),
            "final_flops" => Some(Objective::FinalFlops),
            "cumulative_flops" => Some(Objective::CumulativeFlops),
            _ => None,
        }
    }
    /// The numeric code the GPU kernel switches on.
    pub fn code(self) -> u32 {
        self as u32
    }
    /// Unit of the cost, for reports.
    pub fn cost_unit(self) -> &'static str {
        match self {
            Objective::TimeToTarget => "months",
            Objective::FinalFlops => "-log10(FLOP/s)",
            Objective::CumulativeFlops => "-log10(FLOP)",
        }
    }
}

/// Seconds in an average month (365.25 days / 12).
pub const SECONDS_PER_MONTH: f64 = 2_629_800.0;

/// The settings every objective needs, in the trajectory's float type.
#[derive(Debug, Clone, Copy)]
pub struct ObjectiveSpec<R> {
    pub objective: Objective,
    /// `T - L + 1`: where the not-reached cost starts (continuous with the reached one).
    pub last_confirmable_month: R,
    pub target_gw_per_year: R,
    pub penalty_months_per_doubling: R,
    /// Months of cost per month the sustained level spends a doubling below its best so
    /// far, before the target is reached (0: the sustained-target formula alone).
    pub retreat_months_per_doubling: R,
}

impl<R: Real> ObjectiveSpec<R> {
    /// The months a finished trajectory's cost carries for its retreat (0 for the FLOP
    /// objectives, which have no charge).
    #[inline(always)]
    pub fn retreat_charge(&self, s: &State<R>) -> R {
        match self.objective {
            Objective::TimeToTarget => self.retreat_months_per_doubling * s.retreat_doubling_months,
            Objective::FinalFlops | Objective::CumulativeFlops => R::lit(0.0),
        }
    }
}

/// The cost of a finished trajectory.
#[inline(always)]
pub fn cost<R: Real>(s: &State<R>, o: &ObjectiveSpec<R>) -> R {
    let ln10 = R::lit(std::f64::consts::LN_10);
    match o.objective {
        Objective::TimeToTarget => {
            // Shortfall of the best *sustained* level in doublings (a one-off peak earns
            // nothing), floored at 2^-40 of the target so it stays finite.
            let best = s.best_sustained_gw.max(o.target_gw_per_year * R::lit(LEVEL_FLOOR_OF_TARGET));
            let doublings_short = (o.target_gw_per_year / best).ln() / R::lit(std::f64::consts::LN_2);
            let missed = o.last_confirmable_month + o.penalty_months_per_doubling * doublings_short.max(R::lit(0.0));
            // Months below a level already held count too (`retreat_doubling_months`),
            // so saving for the scored window costs what the retreat before it lasts.
            R::select_ge(s.reached, R::lit(0.5), s.time_to_target_months, missed) + o.retreat_charge(s)
        }
        Objective::FinalFlops => -(s.installed_eflops().max(R::lit(1e-18)).ln() / ln10 + R::lit(18.0)),
        Objective::CumulativeFlops => {
            -(s.cum_eflops_months.max(R::lit(1e-18)).ln() / ln10 + R::lit(18.0 + SECONDS_PER_MONTH.log10()))
        }
    }
}

/// The sustained level from each month `i` that can be confirmed within the series:
/// `S(i) = min(D(i) .. D(i + L - 1))`, for `i = 0 ..= len - L`. `d` is the trailing
/// 12-month deployment `D` month by month (GW/yr), `sustain` is `L`.
pub fn sustained_levels(d: &[f64], sustain: usize) -> Vec<f64> {
    if sustain == 0 || d.len() < sustain {
        return Vec::new();
    }
    d.windows(sustain).map(|w| w.iter().copied().fold(f64::INFINITY, f64::min)).collect()
}

/// The two levels every summary reports, over the months the objective scores: up to the
/// month the target is confirmed (its sustained window's last month), or, when it never
/// is, the whole horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Levels {
    /// The best sustained level `max S(i)` (GW/yr).
    pub sustained_gw_per_year: f64,
    /// The peak of `D` (GW/yr).
    pub peak_gw_per_year: f64,
    /// Months scored (from the start).
    pub scored_months: usize,
}

impl Levels {
    pub fn of(d: &[f64], sustain: usize, target_gw_per_year: f64) -> Self {
        let s = sustained_levels(d, sustain);
        let first = s.iter().position(|&x| x >= target_gw_per_year);
        let (s_end, d_end) = match first {
            Some(i) => (i + 1, i + sustain),
            None => (s.len(), d.len()),
        };
        Levels {
            sustained_gw_per_year: s[..s_end].iter().copied().fold(0.0, f64::max),
            peak_gw_per_year: d[..d_end].iter().copied().fold(0.0, f64::max),
            scored_months: d_end,
        }
    }
    /// Peak over sustained: 1 for steady growth, large for a one-off burst.
    pub fn peak_ratio(&self) -> f64 {
        if self.sustained_gw_per_year > 0.0 {
            self.peak_gw_per_year / self.sustained_gw_per_year
        } else {
            f64::INFINITY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sustained_levels_are_window_minima_and_levels_stop_at_the_confirmation() {
        let d = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
        assert_eq!(sustained_levels(&d, 2), [1.0, 2.0, 2.0, 4.0, 4.0]);
        assert_eq!(sustained_levels(&d, 1), d);
        assert!(sustained_levels(&d, 7).is_empty());
        // Target 4, L = 2: first reached from month 3 (min(5, 4) = 4), confirmed in month 4.
        let l = Levels::of(&d, 2, 4.0);
        assert_eq!(l, Levels { sustained_gw_per_year: 4.0, peak_gw_per_year: 5.0, scored_months: 5 });
        // Never reached: the whole horizon.
        let l = Levels::of(&d, 2, 10.0);
        assert_eq!((l.sustained_gw_per_year, l.peak_gw_per_year, l.scored_months), (4.0, 6.0, 6));
        assert_eq!(l.peak_ratio(), 1.5);
    }
}
