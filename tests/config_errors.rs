//! Bad config input gets a clear error naming the file, line, key, value and rule.

use terafab::config::{self, parse};

fn err(text: &str) -> String {
    parse(text, "configs/x.toml", "x").unwrap_err().to_string()
}

fn assert_has(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "expected {p:?} in: {msg}");
    }
}

#[test]
fn every_shipped_config_is_valid() {
    for entry in std::fs::read_dir("configs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            config::load(&path).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    config::default_experiment();
}

#[test]
fn default_config_lists_every_parameter_with_its_default() {
    let raw: toml::Table = toml::from_str(config::DEFAULT_CONFIG).unwrap();
    for spec in terafab::model::PARAM_SPECS {
        let v = raw
            .get(spec.section)
            .and_then(|t| t.get(spec.key))
            .unwrap_or_else(|| panic!("{} missing from configs/terafab.toml", spec.path()));
        let x = v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap();
        assert_eq!(x, spec.default, "{}: the file and the registry disagree", spec.path());
    }
}

#[test]
fn missing_file_and_directory_are_named() {
    let e = config::load(std::path::Path::new("configs/nope.toml")).unwrap_err().to_string();
    assert_has(&e, &["configs/nope.toml", "cannot read it (No such file"]);
    let e = config::load(std::path::Path::new("configs")).unwrap_err().to_string();
    assert_has(&e, &["configs", "is a directory"]);
}

#[test]
fn empty_file_says_where_to_start() {
    assert_has(&err("  \n"), &["configs/x.toml", "empty", "terafab config show"]);
}

#[test]
fn syntax_error_gives_line_and_column() {
    assert_has(&err("[run]\nhorizon_months = = 3\n"), &["configs/x.toml:2:"]);
}

#[test]
fn unknown_keys_suggest_the_nearest() {
    assert_has(
        &err("[fab]\ncapex_busd_per_kwsp = 1.0\n"),
        &["configs/x.toml:2:", "unknown key `fab.capex_busd_per_kwsp`", "did you mean `capex_busd_per_kwspm`"],
    );
    assert_has(
        &err("[run]\nhorizon_month = 12\n"),
        &["configs/x.toml:2:", "unknown field `horizon_month`", "did you mean `horizon_months`"],
    );
    assert_has(&err("[fabb]\nx = 1\n"), &["configs/x.toml:1:", "unknown field `fabb`", "did you mean `fab`"]);
    assert_has(
        &err("[uncertainty]\n\"fab.capex\" = { dist = \"uniform\", low = 0.1, high = 1.0 }\n"),
        &["unknown parameter `fab.capex`"],
    );
}

#[test]
fn wrong_types_are_named() {
    assert_has(
        &err("[fab]\ncapex_busd_per_kwspm = \"cheap\"\n"),
        &["configs/x.toml:2:", "fab.capex_busd_per_kwspm", "must be a number", "found string"],
    );
    // Issue 12 (hostile re-test): these kept serde's words ("invalid type: string, expected i64").
    let cases = [
        ("[run]\nhorizon_months = \"long\"\n", "run.horizon_months = \"long\": must be a whole number"),
        ("[run]\nknots = true\n", "run.knots = true: must be a whole number"),
        ("[run]\nseed = 9223372036854775808\n", "run.seed = 9223372036854775808: is too large for an integer"),
        ("[search]\nelitist = \"yes\"\n", "search.elitist = \"yes\": must be true or false"),
    ];
    for (text, want) in cases {
        let m = err(text);
        assert_has(&m, &["configs/x.toml:2:", want]);
        assert!(!m.contains("invalid type") && !m.contains("expected i64"), "{m}");
    }
}

#[test]
fn a_huge_value_is_never_echoed_whole() {
    let m = err(&format!("[run]\nhorizon_months = \"{}\"\n", "x".repeat(1_000_000)));
    assert!(m.len() < 300, "{} bytes", m.len());
    let m = err(&format!("[fab]\n{} = 1\n", "k".repeat(100_000)));
    assert!(m.len() < 600, "{} bytes", m.len());
}

#[test]
fn out_of_range_values_name_key_value_and_rule() {
    assert_eq!(
        err("[fab]\ncapex_busd_per_kwspm = -3\n"),
        "configs/x.toml:2:24: fab.capex_busd_per_kwspm = -3: must be >= 5e-4 and <= 100 ($B per 1000 WSPM)"
    );
    assert_has(&err("[run]\nhorizon_months = 5\n"), &["run.horizon_months = 5: must be between 12 and 1200"]);
    // Issue 12: a learning ratio of 0.3 made fab capacity inf from month 42; a divisor
    // of 1e-300 made the first month NaN. Floors now keep what check accepts computable.
    assert_has(&err("[fab]\ncapex_learning_ratio = 0.3\n"), &["must be >= 0.5 and <= 1"]);
    assert_has(&err("[space]\nspecific_power_kw_per_t = 1e-300\n"), &["must be >= 0.1"]);
    assert_has(&err("[scenarios]\nlevel = 1.5\n"), &["scenarios.level = 1.5"]);
    assert_has(
        &err("[design]\ndesign_min_months = 30\n"),
        &["design.design_min_months = 30 is above design.design_months = 18"],
    );
    assert_has(&err("[search]\nstep_size = 0\n"), &["search.step_size = 0: must be between 0.01 and 20"]);
    assert_has(&err("[search]\npopulation = 2\n"), &["search.population = 2: must be between 4 and"]);
    assert_has(&err("[search]\npopulation_runs = 0\n"), &["search.population_runs = 0: must be between 1 and 64"]);
}

#[test]
fn nan_and_infinity_are_rejected() {
    assert_has(
        &err("[fab]\ncapex_busd_per_kwspm = nan\n"),
        &["configs/x.toml:2:", "fab.capex_busd_per_kwspm = NaN: must be a finite number"],
    );
    assert_has(
        &err("[objective]\ntarget_gw_per_year = inf\n"),
        &["objective.target_gw_per_year = inf: must be a finite number"],
    );
}

#[test]
fn unknown_objective_backend_and_distribution_list_the_allowed() {
    assert_has(
        &err("[objective]\nkind = \"fastest\"\n"),
        &["configs/x.toml:2:", "objective.kind = \"fastest\"", "time_to_target, final_flops, cumulative_flops"],
    );
    assert_has(
        &err("[run]\nbackend = \"gpuu\"\n"),
        &["run.backend = \"gpuu\"", "auto, gpu, cpu", "did you mean `gpu`"],
    );
    assert_has(
        &err("[uncertainty]\n\"fab.wafer_cost_kusd\" = { dist = \"normal\", low = 1.0, high = 2.0 }\n"),
        &["dist = \"normal\"", "uniform, triangular, lognormal"],
    );
}

#[test]
fn distributions_outside_parameter_bounds_are_rejected() {
    assert_has(
        &err("[uncertainty]\n\"fab.yield_initial_fraction\" = { dist = \"uniform\", low = 0.5, high = 1.5 }\n"),
        &["configs/x.toml:2:", "values from 0.5 to 1.5", "must be >= 0.01 and <= 1"],
    );
    assert_has(
        &err("[uncertainty]\n\"fab.wafer_cost_kusd\" = { dist = \"triangular\", low = 3.0, mode = 1.0, high = 5.0 }\n"),
        &["needs low < high"],
    );
}

#[test]
fn funding_schedule_is_checked() {
    assert_has(
        &err("[funding]\nschedule = [{ from = \"2020-01\", busd_per_year = 1.0 }]\n"),
        &["must not be before run.start"],
    );
    assert_has(
        &err(
            "[funding]\nschedule = [{ from = \"2027-01\", busd_per_year = 1.0 }, { from = \"2026-05\", busd_per_year = 1.0 }]\n",
        ),
        &["increasing date order"],
    );
    assert_has(&err("[funding]\nschedule = [{ from = \"2027-1\", busd_per_year = 1.0 }]\n"), &["YYYY-MM"]);
    // Issue 12: a step after the horizon was accepted and never applied.
    assert_has(
        &err("[funding]\nschedule = [{ from = \"2050-01\", busd_per_year = 1.0 }]\n"),
        &["funding.schedule[0].from = \"2050-01\"", "after the run's last month (2046-03"],
    );
}

#[test]
fn a_calendar_far_from_the_sources_and_an_empty_screening_are_refused() {
    // Issue 12: run.start = "0000-01" and screening_samples = 0 (silently made 1) passed.
    assert_has(&err("[run]\nstart = \"0000-01\"\n"), &["run.start", "the year must be 1900 to 2200"]);
    assert_has(&err("[search]\nscreening_samples = 0\n"), &["search.screening_samples = 0", "between 1 and"]);
}

#[test]
fn omitted_keys_take_the_registry_defaults_and_funding_spreads_monthly() {
    let e = parse(
        "[run]\nhorizon_months = 24\n[funding]\nschedule = [{ from = \"2026-10\", busd_per_year = 12.0 }]\n",
        "t.toml",
        "t",
    )
    .unwrap();
    assert_eq!(e.params, terafab::model::Params::defaults());
    assert_eq!(e.run.funding_busd_per_month[5], 0.0);
    assert_eq!(e.run.funding_busd_per_month[6], 1.0);
    assert_eq!(e.sampled_scenarios().len(), 1, "no uncertainty: one nominal scenario");
}

#[test]
fn a_missing_search_table_means_every_search_default() {
    let without = terafab::config::parse("[run]\nhorizon_months = 24\n", "configs/x.toml", "x").unwrap();
    let empty = terafab::config::parse("[run]\nhorizon_months = 24\n[search]\n", "configs/x.toml", "x").unwrap();
    assert_eq!(without.search, empty.search);
    assert_eq!(without.search.population_runs, terafab::config::DEFAULT_POPULATION_RUNS);
    assert_eq!((without.search.population, without.search.budget_evals), (None, None), "sized to the device");
}

#[test]
fn keys_of_model_version_2_name_what_replaced_them() {
    for (text, want) in [
        ("[chip]\neff_tflops_per_w_2026 = 2.0\n", "renamed chip.eff_tflops_per_w_at_start"),
        ("[demand]\nmarket_busd_per_year_2026 = 500.0\n", "renamed demand.market_busd_per_year_at_start"),
        ("[demand]\nprice_elasticity = 1.0\n", "renamed demand.price_flexibility"),
        ("[demand]\nprice_decline_per_year = 0.3\n", "demand.rental_trend_per_year"),
    ] {
        let e = terafab::config::parse(text, "old.toml", "old").unwrap_err().to_string();
        assert!(e.contains("old.toml:2:") && e.contains(want), "{e}");
    }
}

#[test]
fn a_config_without_funding_gets_the_default_schedule_and_an_empty_one_gets_none() {
    let default = terafab::config::default_experiment();
    let omitted = terafab::config::parse("[run]\nname = \"x\"\n", "x.toml", "x").unwrap();
    assert_eq!(omitted.run.funding_busd_per_month, default.run.funding_busd_per_month);
    assert!(omitted.run.funding_busd_per_month[0] > 0.0);
    let empty = terafab::config::parse("[funding]\nschedule = []\n", "x.toml", "x").unwrap();
    assert!(empty.run.funding_busd_per_month.iter().all(|&f| f == 0.0));
}

#[test]
fn a_distribution_off_its_nominal_value_is_warned_about() {
    assert!(terafab::config::off_centre(&terafab::config::default_experiment()).is_empty());
    let text = "[space]\nspecific_power_kw_per_t = 100.0\n[uncertainty]\n\
                \"space.specific_power_kw_per_t\" = { dist = \"triangular\", low = 59.0, mode = 70.0, high = 150.0 }\n";
    let exp = terafab::config::parse(text, "x.toml", "x").unwrap();
    let w = terafab::config::off_centre(&exp);
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("space.specific_power_kw_per_t") && w[0].contains("100") && w[0].contains("70"), "{}", w[0]);
}

#[test]
fn parser_errors_name_the_key_and_value_in_plain_words() {
    // Issue 12: 1,802 of 4,901 rejections gave line:col but not the key, in Rust's words.
    assert_has(&err("[run]\nhorizon_months = 240.0\n"), &["x.toml:2:", "run.horizon_months = 240.0", "whole number"]);
    assert_has(&err("[run]\nseed = 1\nseed = 2\n"), &["x.toml:3:", "run.seed = 2", "given twice"]);
    // A table given twice is named, and a key where a table belongs says so in words.
    assert_has(&err("[run]\nseed = 1\n[run]\nseed = 2\n"), &["x.toml:3:", "[run] is given twice; keep one table"]);
    assert_has(&err("run = 5\n"), &["run = 5: must be a table"]);
    assert_has(
        &err("[uncertainty]\n\"fab.wafer_cost_kusd\" = 3\n"),
        &["\"fab.wafer_cost_kusd\" = 3", "distribution table"],
    );
    assert_has(&err("[fab]\nwafer_cost_kusd = 1e400\n"), &["fab.wafer_cost_kusd = 1e400", "too large"]);
    let huge = err(&format!("[fab]\nwafer_cost_kusd = {}\n", "9".repeat(1_000_000)));
    assert!(huge.len() < 300, "a 1 MB value is not echoed whole: {} bytes", huge.len());
    assert_has(&huge, &["fab.wafer_cost_kusd = 999", "...", "too large for an integer"]);
}

#[test]
fn the_stage_floor_rule_names_both_keys_without_float_noise() {
    // Issue 12: the rule blamed a key that was not edited and printed 1e-300 with ~300 digits.
    let m = err("[design]\ndesign_months = 0.5\n");
    assert_has(
        &m,
        &["x.toml:2:", "design.design_min_months = 2 is above design.design_months = 0.5", "lower the first"],
    );
    assert!(m.len() < 250, "{m}");
    // 1e-300 itself is now refused by its own range, without float noise either.
    let m = err("[design]\ndesign_months = 1e-300\n");
    assert_has(&m, &["x.toml:2:", "design.design_months = 1e-300: must be 0, or >= 0.01 and <= 240"]);
}

#[test]
fn a_positive_value_below_a_thousandth_of_the_default_is_refused_where_0_is_allowed() {
    // Issue 12: 1e-300 passed `check`; f64 computed it as a number and f32 as 0, so the
    // SIMD lanes and the GPU disagreed with the reference on an accepted config.
    let m = err("[initial]\ncash_busd = 1e-300\n");
    assert_has(&m, &["x.toml:2:", "initial.cash_busd = 1e-300: must be 0, or >= 0.02 and <= 100000 ($B)"]);
    let m = err("[initial]\ngrid_under_construction_gw = 0.0005\n");
    assert_has(&m, &["initial.grid_under_construction_gw = 5e-4: must be 0, or >= 0.001 and <= 10000"]);
}

#[test]
fn a_distribution_field_the_distribution_does_not_use_is_refused() {
    // Issue 12: `mode` on a uniform was silently ignored.
    let m =
        err("[uncertainty]\n\"fab.wafer_cost_kusd\" = { dist = \"uniform\", low = 20.0, mode = 30.0, high = 40.0 }\n");
    assert_has(&m, &["x.toml:2:", "dist = \"uniform\" does not use `mode`; it takes low, high"]);
}
