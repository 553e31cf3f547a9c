//! Config errors that say where (file, line, column), what (key, value) and what is allowed.

use std::fmt;

pub use crate::spelling::suggest;

/// One problem with a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// The file's path, or `<embedded default>`.
    pub file: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = crate::input::shorten_words(&self.message);
        match self.position {
            Some((line, col)) => write!(f, "{}:{}:{}: {message}", self.file, line, col),
            None => write!(f, "{}: {message}", self.file),
        }
    }
}

impl std::error::Error for ConfigError {}

pub use crate::input::line_col;

/// The key a byte offset of a TOML text falls on, as `section.key` (or `section."a.b"`),
/// and the value written after its `=` (cut by [`crate::input::shorten`]). Read
/// from the text itself, so it works where the parser gave up.
pub fn key_at(text: &str, offset: usize) -> Option<(String, String)> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.starts_with('#') || key.starts_with('[') {
        return None;
    }
    let section = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_start_matches('[').split(']').next().unwrap_or("").trim().to_string());
    let path = match section {
        Some(s) if !s.is_empty() => format!("{s}.{key}"),
        _ => key.to_string(),
    };
    let value = value.split(" #").next().unwrap_or(value).trim();
    Some((path, crate::input::shorten(value)))
}

/// A TOML or serde parse error in plain words, naming the key and the value where the
/// text shows them: `run.horizon_months = 240.0: must be a whole number`.
pub fn plain_parse_error(text: &str, offset: Option<usize>, message: &str) -> String {
    let m = message.trim();
    let plain = if m.starts_with("invalid type: floating point") && m.ends_with("expected i64") {
        "must be a whole number (no decimal point)".to_string()
    } else if m.contains("expected struct RawDist") {
        "must be a distribution table, e.g. { dist = \"triangular\", low = 1.0, mode = 2.0, high = 3.0 }".into()
    } else if m.starts_with("invalid type:") && m.ends_with("expected f64") {
        "must be a number".into()
    } else if m.starts_with("invalid type:") && m.ends_with("expected i64") {
        "must be a whole number".into()
    } else if m.starts_with("invalid value: integer") && m.ends_with("expected i64") {
        "is too large for an integer (the largest is 9223372036854775807)".into()
    } else if m.starts_with("invalid type:") && m.ends_with("expected a boolean") {
        "must be true or false".into()
    } else if m.starts_with("invalid type:") && m.ends_with("expected a sequence") {
        "must be a list in brackets, e.g. [ ... ]".into()
    } else if let Some(field) = m.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
        format!("the key `{field}` is missing")
    } else if let Some(rest) = m.strip_prefix("unknown field `") {
        // serde: "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
        let (field, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = allowed.split('`').skip(1).step_by(2).collect();
        format!("unknown key or table `{field}`; allowed: {}{}", allowed.join(", "), suggest(field, allowed))
    } else if m.starts_with("invalid type:") && m.ends_with("expected a string") {
        "must be a string in quotes".into()
    } else if m == "floating-point number overflowed" {
        "is too large for a number (the largest is about 1.8e308)".into()
    } else if m.contains("as i128") || m == "integer number overflowed" {
        "is too large for an integer".into()
    } else if m.contains("expected struct Raw") {
        "must be a table: a [section] header with its keys on the lines below".into()
    } else if m == "duplicate key" {
        if let Some(header) = offset.and_then(|o| table_header_at(text, o)) {
            return format!("{header} is given twice; keep one table");
        }
        "is given twice; keep one".into()
    } else {
        m.to_string()
    };
    match offset.and_then(|o| key_at(text, o)) {
        Some((key, value)) => format!("{key} = {value}: {plain}"),
        None => plain,
    }
}

/// The `[table]` header on the line at byte `offset`, if that line is one.
fn table_header_at(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?.trim();
    let header = line.split('#').next()?.trim();
    (header.starts_with('[') && header.ends_with(']')).then(|| header.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_key_and_value_in_plain_words() {
        let t = "[run]\nhorizon_months = 240.0  # months\n[uncertainty]\n\"fab.wafer_cost_kusd\" = 3\n";
        let at = |needle: &str| Some(t.find(needle).unwrap());
        assert_eq!(
            plain_parse_error(t, at("240.0"), "invalid type: floating point `240.0`, expected i64"),
            "run.horizon_months = 240.0: must be a whole number (no decimal point)"
        );
        let m = plain_parse_error(t, at("= 3"), "invalid type: integer `3`, expected struct RawDist");
        assert!(m.starts_with("uncertainty.\"fab.wafer_cost_kusd\" = 3: must be a distribution table"), "{m}");
        let long = format!("[fab]\nwafer_cost_kusd = {}\n", "9".repeat(500));
        let m = plain_parse_error(&long, Some(25), "invalid type: integer as i128, expected any valid TOML value");
        assert!(m.contains("...: is too large for an integer") && m.len() < 200, "{m}");
        assert_eq!(plain_parse_error(t, None, "duplicate key"), "is given twice; keep one");
        let twice = "[run]\nname = \"a\"\n[run]  # again\nname = \"b\"\n";
        assert_eq!(plain_parse_error(twice, Some(18), "duplicate key"), "[run] is given twice; keep one table");
        let m = plain_parse_error("run = 5\n", Some(6), "invalid type: integer `5`, expected struct RawRun");
        assert_eq!(m, "run = 5: must be a table: a [section] header with its keys on the lines below");
    }

    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 8), (2, 3));
    }
}
