//! What the process has used and what the machine has left: peak resident memory for
//! reports, available memory for refusing work that cannot fit.

/// Peak resident set size of this process (`VmHWM` in /proc/self/status), where the OS
/// reports it (Linux); `None` elsewhere.
pub fn peak_rss_bytes() -> Option<u64> {
    kib_field(&std::fs::read_to_string("/proc/self/status").ok()?, "VmHWM:")
}

/// [`peak_rss_bytes`] in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    peak_rss_bytes().map(|b| b as f64 / (1u64 << 20) as f64)
}

/// Memory this process may still allocate, where the OS reports it (Linux); `None`
/// elsewhere. The least of: what the machine has available (`MemAvailable` in
/// /proc/meminfo), the room under the process's address-space limit (`ulimit -v`: "Max
/// address space" in /proc/self/limits, less the `VmSize` already mapped), and the room
/// under its cgroup's memory limit (cgroup v2 `memory.max` less `memory.current`, as Slurm
/// and containers set it). A check against the machine alone let `ulimit -v` runs abort.
pub fn available_memory_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let machine = kib_field(&meminfo, "MemAvailable:")?;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let address_space = std::fs::read_to_string("/proc/self/limits").ok().and_then(|limits| {
        let limit: u64 =
            limits.lines().find(|l| l.starts_with("Max address space"))?.split_whitespace().nth(3)?.parse().ok()?;
        Some(limit.saturating_sub(kib_field(&status, "VmSize:").unwrap_or(0)))
    });
    Some([Some(machine), address_space, cgroup_room()].into_iter().flatten().min().unwrap_or(machine))
}

/// A `Key:   123 kB` field of a /proc file, in bytes.
fn kib_field(text: &str, key: &str) -> Option<u64> {
    let kib: u64 = text.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Room under this process's cgroup v2 memory limits, when it has any: the least over its
/// cgroup and every ancestor (Slurm sets the limit on the job or step and runs tasks in a
/// child without one). `memory.current` counts reclaimable page cache, so this errs low.
fn cgroup_room() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroup.lines().find_map(|l| l.strip_prefix("0::"))?;
    let root = std::path::Path::new("/sys/fs/cgroup");
    let mut dir = root.join(path.trim_start_matches('/'));
    let mut least: Option<u64> = None;
    while dir.starts_with(root) && dir != root {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok()?.trim().parse::<u64>().ok();
        // "max" (no limit) does not parse: that level adds nothing.
        if let (Some(max), Some(current)) = (read("memory.max"), read("memory.current")) {
            let room = max.saturating_sub(current);
            least = Some(least.map_or(room, |l| l.min(room)));
        }
        if !dir.pop() {
            break;
        }
    }
    least
}
