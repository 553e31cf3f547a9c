//! Spelling hints for unknown names: "did you mean" in error messages, used by every
//! layer that parses user input (config keys, policy keys, choices).

/// ` (did you mean `x`?)` for the closest candidate, or nothing when none is close.
pub fn suggest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(key, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggest_finds_near_misses_only() {
        assert_eq!(
            suggest("capex_busd_per_kwsp", ["capex_busd_per_kwspm", "construction_months"]),
            " (did you mean `capex_busd_per_kwspm`?)"
        );
        assert_eq!(suggest("zzz", ["capex_busd_per_kwspm"]), "");
    }
}
