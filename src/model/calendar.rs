//! Months as calendar dates: the run's start month and the labels of later months.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A calendar month, e.g. 2026-04.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl YearMonth {
    /// The month `offset` months later.
    pub fn plus(self, offset: i64) -> Self {
        let index = self.year as i64 * 12 + (self.month as i64 - 1) + offset;
        YearMonth { year: index.div_euclid(12) as i32, month: index.rem_euclid(12) as u32 + 1 }
    }
    /// Months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        (later.year as i64 - self.year as i64) * 12 + later.month as i64 - self.month as i64
    }
    /// Fractional year of a fractional month offset, e.g. 2031.25.
    pub fn decimal_year(self, offset_months: f64) -> f64 {
        self.year as f64 + (self.month as f64 - 1.0 + offset_months) / 12.0
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The years a month may name: the model's sources describe the industry of the 2020s,
/// and a calendar far from it is a typo, not a scenario.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

impl FromStr for YearMonth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a month: write it as YYYY-MM, e.g. 2026-04");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if y.len() != 4 || m.len() != 2 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        if !YEARS.contains(&year) {
            return Err(format!("`{s}`: the year must be {} to {}", YEARS.start(), YEARS.end()));
        }
        Ok(YearMonth { year, month })
    }
}

impl TryFrom<String> for YearMonth {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<YearMonth> for String {
    fn from(y: YearMonth) -> String {
        y.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_add_across_years_and_parse_strictly() {
        let start: YearMonth = "2026-04".parse().unwrap();
        assert_eq!(start.plus(9).to_string(), "2027-01");
        assert_eq!(start.plus(-4).to_string(), "2025-12");
        assert_eq!(start.months_until("2028-04".parse().unwrap()), 24);
        assert!("2026-13".parse::<YearMonth>().is_err());
        assert!("26-01".parse::<YearMonth>().unwrap_err().contains("YYYY-MM"));
        assert!("0000-01".parse::<YearMonth>().unwrap_err().contains("1900 to 2200"), "a typo, not a year");
        assert_eq!(start.decimal_year(3.0), 2026.5);
    }
}
