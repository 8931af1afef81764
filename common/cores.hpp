#pragma once
// How many CPUs this process may really use: `instances: max` means this many.
#include <string_view>

namespace rein {

/// CPUs in this process's affinity mask, further limited by every cgroup v2 `cpu.max` quota from
/// its own cgroup up to the root (containers and systemd CPUQuota=); at least 1.
int usable_cores();

/// The pure part of usable_cores(): `affinity_count` limited by the contents of one `cpu.max`
/// file ("max 100000" is unlimited; "150000 100000" is 1.5 CPUs, rounded up to 2). Empty or
/// malformed contents impose no limit. At least 1.
int cores_from(int affinity_count, std::string_view cpu_max_contents);

} // namespace rein
