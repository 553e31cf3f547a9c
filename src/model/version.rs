//! The model's version: what a policy file, a run folder and a summary were computed
//! with. A policy or a run from another version means something else under this model,
//! so the commands that read them refuse it with a sentence saying what changed.

/// Bumped whenever the meaning of a policy or of a cost changes.
pub const MODEL_VERSION: u32 = 6;

/// The oldest model version whose policy files this one reads as they are: a policy is
/// an allocation per knot, and the allocation's encoding (knots, genes, interpolation)
/// has not changed since version 4. Runs and sweeps, whose stored costs depend on the
/// whole model, must match `MODEL_VERSION` exactly.
pub const POLICY_READABLE_SINCE: u32 = 4;

/// What changed between `older` and this version, in one sentence a user can act on.
pub fn what_changed_since(older: u32) -> &'static str {
    match older {
        0 | 1 => {
            "model version 1 held each of the policy's phases constant and scored the peak trailing 12-month \
             deployment; version 2 interpolates linearly between knots and scores the sustained level (the \
             trailing 12-month deployment held for objective.sustain_months)"
        }
        2 => {
            "model version 3 adds a spending channel (satellite_factory), financing (a debt facility), server \
             costs and IT power per chip, learning on satellites and packages, and prices tied to chip \
             efficiency, so a version-2 policy or cost means something else now"
        }
        3 => {
            "model version 4 lets the ground_power channel contract grid connections (a share of the world's new \
             datacentre grid supply, a connection price, the utility's queue and its tariff) before it builds \
             plants, and puts the market's chips on the venture's architecture curve (one design iteration a \
             year on the shared process trend), so a version-3 policy or cost means something else now"
        }
        4 => {
            "model version 5 caps the venture's revenue at the addressable market (price_flexibility below 1 \
             used to let it grow past any number) and stops learning curves at a millionth of their starting \
             cost; costs differ only for such configs (the default config's are unchanged), but a stored cost \
             or search state is not re-used across versions"
        }
        5 => {
            "model version 6 charges time_to_target for retreat: each month the sustained level spends below the \
             best it already held, before the target is reached, adds objective.retreat_months_per_doubling (1) \
             months per doubling of the drop, so a policy that saves for the scored window by letting deployment \
             collapse no longer scores best; a policy whose sustained level never falls costs what it did"
        }
        _ => "this terafab is older than the file; use the terafab that wrote it",
    }
}

/// The refusal for a file written by another model version (`None` when it matches).
pub fn mismatch(what: &str, found: u32) -> Option<String> {
    (found != MODEL_VERSION).then(|| {
        format!(
            "{what} was written for model version {found}, this terafab computes version {MODEL_VERSION}: {}",
            what_changed_since(found)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mismatch_says_what_changed() {
        assert_eq!(mismatch("x", MODEL_VERSION), None);
        let m = mismatch("best_policy.toml", 1).unwrap();
        assert!(m.contains("model version 1") && m.contains("interpolates linearly"), "{m}");
    }
}
