//! A design point made concrete: the base config with the sweep's `[set]` keys and the
//! point's values written in, parsed and validated like any config file. A model
//! parameter a point sets is fixed in every scenario: its `[uncertainty]` entry is dropped.

use super::design::DesignPoint;
use super::spec::SweepSpec;
use crate::config::{self, Experiment};
use crate::input::BadInput;
use crate::model::PARAM_SPECS;

/// Writes `value` at `path` in `table`, making the tables on the way.
fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let (last, head) = path.split_last().ok_or("an empty key")?;
    let mut at = table;
    for k in head {
        let entry = at.entry(k.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        at = entry.as_table_mut().ok_or_else(|| format!("`{k}` holds a value, not a table"))?;
    }
    at.insert(last.clone(), value);
    Ok(())
}

/// The config text of `point` (number `index`) and its experiment, or an error naming the
/// sweep file, the point, its values and the key at fault.
pub fn materialize(
    spec: &SweepSpec,
    base: &toml::Table,
    index: usize,
    point: &DesignPoint,
) -> Result<(String, Experiment), BadInput> {
    let bad = |why: String| BadInput(format!("{}: {}: {why}", spec.path, describe_point(spec, index, point)));
    let mut table = base.clone();
    let assignments =
        spec.set.iter().cloned().chain(spec.factors.iter().map(|f| f.path.clone()).zip(point.values.iter().cloned()));
    for (path, value) in assignments {
        set_path(&mut table, &path, value)
            .map_err(|e| bad(format!("{}: {e} (in the base config or the sweep's [set])", path.join("."))))?;
        if let [section, key] = path.as_slice()
            && PARAM_SPECS.iter().any(|s| s.section == section && s.key == key)
            && let Some(u) = table.get_mut("uncertainty").and_then(|u| u.as_table_mut())
        {
            u.remove(&format!("{section}.{key}"));
        }
    }
    let text = toml::to_string(&table).map_err(|e| bad(format!("cannot write the config: {e}")))?;
    let name = format!("sweep-point-{index}");
    // The config error's line and column would point into the generated text, not a
    // file the user has: its message names the key and the value.
    let exp = config::parse(&text, &format!("{} point {index}", spec.path), &name)
        .map_err(|e| bad(crate::input::shorten_words(&e.message)))?;
    Ok((text, exp))
}

/// `point 7 (market.max_share = 0.1, ...)`, for messages.
pub fn describe_point(spec: &SweepSpec, index: usize, point: &DesignPoint) -> String {
    let shown: Vec<String> = spec.factors.iter().zip(&point.values).map(|(f, v)| format!("{} = {v}", f.key)).collect();
    format!("point {index} ({})", shown.join(", "))
}
