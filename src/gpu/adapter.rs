//! Finding a GPU adapter: listing every adapter wgpu can see, and choosing one by name or
//! by wgpu's defaults (which honour `WGPU_BACKEND` and `WGPU_POWER_PREF`), with errors
//! that list what exists and say what to install, never a panic.

use std::fmt;

/// What a user needs to know about one adapter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
}

impl From<&wgpu::AdapterInfo> for AdapterSummary {
    fn from(i: &wgpu::AdapterInfo) -> Self {
        AdapterSummary {
            name: i.name.clone(),
            backend: format!("{:?}", i.backend),
            device_type: format!("{:?}", i.device_type),
            driver: format!("{} {}", i.driver, i.driver_info).trim().to_string(),
        }
    }
}

impl fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {}, driver: {})", self.name, self.backend, self.device_type, self.driver)
    }
}

/// What to install when no adapter is found.
pub const INSTALL_HINT: &str = "no GPU adapter found. On Debian/Ubuntu install the software Vulkan driver \
(`apt-get install mesa-vulkan-drivers`) or a GPU driver; or run with `--backend cpu`";

/// A wgpu instance built from the environment (`WGPU_BACKEND` picks backends).
pub fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Every adapter wgpu can see.
pub fn list_adapters() -> Vec<wgpu::Adapter> {
    pollster::block_on(instance().enumerate_adapters(wgpu::Backends::all()))
}

/// Chooses an adapter: the one whose name contains `wanted` (case-insensitive), or
/// wgpu's default choice.
pub fn choose_adapter(wanted: Option<&str>) -> anyhow::Result<wgpu::Adapter> {
    match wanted {
        Some(blank) if blank.trim().is_empty() => Err(crate::input::BadInput(format!(
            "--adapter {blank:?}: give part of an adapter's name (see `terafab devices`)"
        ))
        .into()),
        Some(name) => {
            let adapters = list_adapters();
            let needle = name.to_lowercase();
            if let Some(pos) = adapters.iter().position(|a| a.get_info().name.to_lowercase().contains(&needle)) {
                return Ok(adapters.into_iter().nth(pos).expect("position is in range"));
            }
            let known: Vec<String> =
                adapters.iter().map(|a| format!("  {}", AdapterSummary::from(&a.get_info()))).collect();
            if known.is_empty() {
                anyhow::bail!("--adapter {name:?}: {INSTALL_HINT}");
            }
            Err(crate::input::BadInput(format!(
                "--adapter {name:?} matches no adapter; the adapters are:\n{}",
                known.join("\n")
            ))
            .into())
        }
        None => {
            let options = wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::from_env().unwrap_or(wgpu::PowerPreference::HighPerformance),
                ..Default::default()
            };
            pollster::block_on(instance().request_adapter(&options))
                .map_err(|e| anyhow::anyhow!("{INSTALL_HINT} ({e})"))
        }
    }
}

/// The adapter wgpu would choose by default, when it is a software one (a CPU rasteriser
/// such as Mesa's lavapipe): what `--backend auto` needs to know to prefer the CPU lanes.
pub fn default_adapter_if_software() -> Option<AdapterSummary> {
    let adapter = choose_adapter(None).ok()?;
    let info = adapter.get_info();
    (info.device_type == wgpu::DeviceType::Cpu).then(|| AdapterSummary::from(&info))
}
