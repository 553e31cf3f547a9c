//! The WGSL source validates with naga (no GPU needed) and its structs match the host's.

use terafab::gpu::layout::{RunUniform, shader_source};
use terafab::model::PARAM_SPECS;

fn module() -> naga::Module {
    naga::front::wgsl::parse_str(&shader_source()).unwrap_or_else(|e| panic!("{}", e.emit_to_string(&shader_source())))
}

#[test]
fn every_shader_validates_with_naga() {
    for entry in std::fs::read_dir("shaders").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wgsl") {
            // Shaders are compiled with the generated prelude in front of them.
            let src =
                format!("{}\n{}", terafab::gpu::layout::shader_prelude(), std::fs::read_to_string(&path).unwrap());
            let m = naga::front::wgsl::parse_str(&src)
                .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&src)));
            naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
                .validate(&m)
                .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        }
    }
}

fn struct_layout(m: &naga::Module, name: &str) -> (u32, Vec<(String, u32)>) {
    let mut layouter = naga::proc::Layouter::default();
    layouter.update(m.to_ctx()).unwrap();
    let (handle, ty) = m.types.iter().find(|(_, t)| t.name.as_deref() == Some(name)).unwrap();
    match &ty.inner {
        naga::TypeInner::Struct { members, span } => {
            assert_eq!(*span, layouter[handle].size);
            (*span, members.iter().map(|m| (m.name.clone().unwrap(), m.offset)).collect())
        }
        _ => panic!("{name} is not a struct"),
    }
}

#[test]
fn params_struct_matches_the_registry_layout() {
    let (size, members) = struct_layout(&module(), "Params");
    assert_eq!(size as usize, 4 * PARAM_SPECS.len());
    for (i, (spec, (name, offset))) in PARAM_SPECS.iter().zip(&members).enumerate() {
        assert_eq!(name, spec.field);
        assert_eq!(*offset as usize, 4 * i, "{name}");
    }
}

#[test]
fn run_uniform_matches_the_wgsl_struct() {
    let (size, members) = struct_layout(&module(), "Run");
    assert_eq!(size as usize, std::mem::size_of::<RunUniform>());
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "horizon",
            "knots",
            "n_scenarios",
            "n_trajectories",
            "objective",
            "row_stride",
            "target_gw",
            "penalty_months",
            "sustain",
            "last_confirmable",
            "system_basis",
            "n_candidates",
            "retreat_months",
            "pad0",
            "pad1",
            "pad2"
        ]
    );
    for (i, (_, offset)) in members.iter().enumerate() {
        assert_eq!(*offset as usize, 4 * i);
    }
}

#[test]
fn prelude_constants_match_the_host_layout() {
    use terafab::model::Channel;
    use terafab::model::policy::{ALLOC_PER_KNOT, N_CHANNELS};
    let m = module();
    let constant = |name: &str| -> u32 {
        let (_, c) =
            m.constants.iter().find(|(_, c)| c.name.as_deref() == Some(name)).unwrap_or_else(|| panic!("{name}"));
        match m.global_expressions[c.init] {
            naga::Expression::Literal(naga::Literal::U32(v)) => v,
            ref other => panic!("{name}: {other:?}"),
        }
    };
    assert_eq!(constant("N_CHANNELS") as usize, N_CHANNELS);
    assert_eq!(constant("ALLOC_PER_KNOT") as usize, ALLOC_PER_KNOT);
    assert_eq!(constant("MAX_SUSTAIN") as usize, terafab::model::state::MAX_SUSTAIN_MONTHS);
    assert_eq!(constant("WORKGROUP_SIZE"), terafab::gpu::layout::WORKGROUP_SIZE);
    for c in Channel::ALL {
        assert_eq!(constant(&format!("CH_{}", c.name().to_uppercase())) as usize, c as usize);
    }
}
