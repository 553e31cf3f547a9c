//! Mutation fuzzing of the two text inputs users write, on stable Rust and in CI: the
//! config parser and the policy-file parser get 10,000 mutated copies each of real files
//! (bytes dropped, lines repeated or swapped, numbers replaced by extreme values, junk
//! inserted, the text cut short) and must answer every one with a value or an error,
//! never a panic. Seeded, so a failure reproduces; the seed and the input are printed.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::panic::{AssertUnwindSafe, catch_unwind};

const CASES: usize = 10_000;
const EXTREMES: &[&str] = &[
    "1e308",
    "-1e308",
    "1e400",
    "-0.0",
    "0",
    "1e-300",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999",
    "-1",
    "\"x\"",
    "[]",
    "{}",
    "{ dist = \"uniform\" }",
    "true",
    "1979-01",
    "2026-13",
    "0.5",
];

fn mutate(text: &str, rng: &mut Xoshiro256PlusPlus) -> String {
    let mut t = text.to_string();
    for _ in 0..rng.random_range(1..=3) {
        let lines: Vec<&str> = t.lines().collect();
        if lines.is_empty() {
            break;
        }
        let i = rng.random_range(0..lines.len());
        t = match rng.random_range(0..7) {
            // Replace the value on a line with an extreme one.
            0 => {
                let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                if let Some((k, _)) = ls[i].split_once('=') {
                    ls[i] = format!("{k}= {}", EXTREMES[rng.random_range(0..EXTREMES.len())]);
                }
                ls.join("\n")
            }
            // Repeat a line.
            1 => {
                let mut ls = lines.clone();
                ls.insert(i, lines[i]);
                ls.join("\n")
            }
            // Drop a line.
            2 => {
                let mut ls = lines.clone();
                ls.remove(i);
                ls.join("\n")
            }
            // Swap two lines.
            3 => {
                let mut ls = lines.clone();
                let j = rng.random_range(0..lines.len());
                ls.swap(i, j);
                ls.join("\n")
            }
            // Cut the text short at a character boundary.
            4 => t.chars().take(rng.random_range(0..=t.chars().count())).collect(),
            // Insert junk characters.
            5 => {
                let at = t.char_indices().nth(rng.random_range(0..t.chars().count().max(1))).map_or(0, |(b, _)| b);
                let junk: String = (0..rng.random_range(1..8))
                    .map(|_| ['[', ']', '"', '=', '\n', '.', '#', 'é', '\0'][rng.random_range(0..9)])
                    .collect();
                format!("{}{junk}{}", &t[..at], &t[at..])
            }
            // Drop a character.
            _ => {
                let n = t.chars().count();
                if n == 0 {
                    t
                } else {
                    let k = rng.random_range(0..n);
                    t.chars().enumerate().filter(|&(j, _)| j != k).map(|(_, c)| c).collect()
                }
            }
        };
    }
    t
}

fn never_panics(name: &str, seed: u64, base: &str, parse: impl Fn(&str)) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for case in 0..CASES {
        let text = mutate(base, &mut rng);
        if catch_unwind(AssertUnwindSafe(|| parse(&text))).is_err() {
            panic!("{name}: case {case} (seed {seed}) panicked on this input:\n{text}");
        }
    }
}

#[test]
fn the_config_parser_answers_every_mutated_config_without_panicking() {
    never_panics("config", 1, terafab::config::DEFAULT_CONFIG, |text| {
        if let Ok(exp) = terafab::config::parse(text, "fuzz.toml", "fuzz") {
            // What an accepted config builds next must not panic either.
            let _ = exp.run.knot_labels();
            let _ = exp.scenario(0);
        }
    });
    let smoke = std::fs::read_to_string("configs/smoke.toml").unwrap();
    never_panics("smoke config", 2, &smoke, |text| {
        let _ = terafab::config::parse(text, "fuzz.toml", "fuzz");
    });
}

#[test]
fn the_policy_parser_answers_every_mutated_policy_without_panicking() {
    let exp = terafab::config::default_experiment();
    let labels = exp.run.knot_labels();
    let policy = std::fs::read_to_string("docs/default-run-v3/best_policy.toml").unwrap();
    never_panics("policy", 3, &policy, |text| {
        let _ = terafab::model::policy::parse_policy_toml(text, exp.run.knots, Some(&labels));
        let _ = terafab::model::policy::parse_policy_toml(text, exp.run.knots, None);
    });
}
