#include "daemon/metrics/collect.hpp"

#include "common/version.hpp"
#include "daemon/control/handlers/handler.hpp"
#include "daemon/metrics/counters.hpp"
#include "daemon/metrics/exposition.hpp"
#include "daemon/reactor/clock.hpp"

#include <array>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace rein::daemon::metrics {

namespace {

constexpr std::array k_statuses{Status::launching, Status::online,  Status::stopping,
                                Status::stopped,   Status::errored, Status::waiting_restart};

// One listed instance and its label set (app, namespace, id, index), escaped once per body.
struct Row {
    const Instance* inst;
    const App* app;
    std::size_t begin, end; // of its labels in the shared buffer
};

std::uint64_t open_fds() {
    std::uint64_t n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (const dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++n;
        closedir(d);
        if (n > 0) --n; // the directory's own descriptor
    }
    return n;
}

std::uint64_t resident_bytes() {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "re")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return std::uint64_t(resident) * std::uint64_t(sysconf(_SC_PAGESIZE));
}

void instance_families(Exposition& x, const std::vector<Row>& rows, const std::string& buf) {
    static const double hz = double(sysconf(_SC_CLK_TCK));
    std::int64_t now = wall_ms();
    auto L = [&](const Row& r) { return std::string_view(buf).substr(r.begin, r.end - r.begin); };
    std::string info;
    x.family("rein_instance_info", "gauge",
             "Identity of an instance: its current pid (0 when none), mode and interpreter.");
    for (const Row& r : rows) {
        info.assign(L(r));
        add_label(info, "pid", std::to_string(r.inst->pid));
        add_label(info, "mode", r.app->spec.exec_mode == ExecMode::cluster ? "cluster" : "fork");
        add_label(info, "interpreter", r.app->spec.interpreter);
        x.sample("rein_instance_info", info, std::uint64_t(1));
    }
    x.family("rein_instance_up", "gauge", "1 when the instance is online, else 0.");
    for (const Row& r : rows)
        x.sample("rein_instance_up", L(r), std::uint64_t(r.inst->status == Status::online));
    x.family("rein_instance_status", "gauge",
             "1 for the instance's current status, 0 for every other status.");
    for (const Row& r : rows)
        for (Status s : k_statuses)
            x.sample("rein_instance_status", L(r), "status", to_string(s),
                     std::uint64_t(r.inst->status == s));
    x.family("rein_instance_restarts_total", "counter", "Restarts of the instance (jlist's).");
    for (const Row& r : rows)
        x.sample("rein_instance_restarts_total", L(r), std::uint64_t(r.inst->restarts));
    x.family("rein_instance_unstable_restarts_total", "counter",
             "Restarts after a run shorter than min_uptime.");
    for (const Row& r : rows)
        x.sample("rein_instance_unstable_restarts_total", L(r),
                 r.inst->counters.unstable_restarts_total);
    x.family("rein_instance_uptime_seconds", "gauge",
             "Seconds since the current run started, 0 when not running.");
    for (const Row& r : rows) {
        bool up = is_running(r.inst->status) && r.inst->started_wall > 0;
        x.sample("rein_instance_uptime_seconds", L(r),
                 up ? double(now - r.inst->started_wall) / 1000.0 : 0.0);
    }
    x.family("rein_instance_start_time_seconds", "gauge",
             "Unix time the current run started (absent when not running).");
    for (const Row& r : rows)
        if (is_running(r.inst->status) && r.inst->started_wall > 0)
            x.sample("rein_instance_start_time_seconds", L(r),
                     double(r.inst->started_wall) / 1000.0);
    x.family("rein_instance_cpu_seconds_total", "counter",
             "CPU time (user and system) of the instance's process tree, as last sampled.");
    for (const Row& r : rows)
        x.sample("rein_instance_cpu_seconds_total", L(r),
                 double(r.inst->counters.cpu_ticks_total) / hz);
    x.family("rein_instance_memory_bytes", "gauge",
             "Resident memory of the instance's process tree, as last sampled.");
    for (const Row& r : rows)
        x.sample("rein_instance_memory_bytes", L(r),
                 is_running(r.inst->status) ? r.inst->memory_bytes : 0);
    x.family("rein_instance_memory_limit_bytes", "gauge",
             "max_memory_restart of the instance's app (absent without a limit).");
    for (const Row& r : rows)
        if (r.app->spec.max_memory_restart > 0)
            x.sample("rein_instance_memory_limit_bytes", L(r),
                     std::uint64_t(r.app->spec.max_memory_restart));
    x.family("rein_instance_last_exit_code", "gauge",
             "Exit code of the instance's last run, 128+N after signal N (absent until one "
             "ended).");
    for (const Row& r : rows)
        if (r.inst->counters.last_exit >= 0)
            x.sample("rein_instance_last_exit_code", L(r),
                     std::uint64_t(r.inst->counters.last_exit));
    struct LogFamily {
        const char* name;
        const char* help;
        std::uint64_t StreamCounts::*field;
    };
    static constexpr std::array<LogFamily, 4> k_log{{
        {"rein_instance_log_bytes_total", "Bytes of output written to the log files.",
         &StreamCounts::bytes},
        {"rein_instance_log_lines_total", "Lines of output written to the log files.",
         &StreamCounts::lines},
        {"rein_instance_log_dropped_lines_total",
         "Lines of output lost (no log file could be opened).", &StreamCounts::dropped_lines},
        {"rein_instance_log_dropped_bytes_total",
         "Bytes of output lost (no log file could be opened).", &StreamCounts::dropped_bytes},
    }};
    static const StreamCounts k_none{};
    for (const LogFamily& f : k_log) {
        x.family(f.name, "counter", f.help);
        for (const Row& r : rows)
            for (Stream s : {Stream::out, Stream::err}) {
                const StreamCounts* c = r.app->logs ? r.app->logs->counts(r.inst->id, s) : nullptr;
                x.sample(f.name, L(r), "stream", s == Stream::out ? "out" : "err",
                         (c ? *c : k_none).*f.field);
            }
    }
}

void daemon_families(Exposition& x, const Context& ctx, const std::vector<Row>& rows) {
    const DaemonCounters& dc = counters();
    x.family("rein_apps", "gauge", "Apps in the registry.");
    x.sample("rein_apps", "", std::uint64_t(ctx.registry.apps().size()));
    x.family("rein_instances", "gauge", "Instances by status.");
    for (Status s : k_statuses) {
        std::uint64_t n = 0;
        for (const Row& r : rows) n += r.inst->status == s;
        x.sample("rein_instances", "", "status", to_string(s), n);
    }
    x.family("rein_control_requests_total", "counter", "Control requests handled, by command.");
    for (const auto& [cmd, n] : dc.requests)
        x.sample("rein_control_requests_total", "", "command", cmd, n);
    std::string labels;
    x.family("rein_reload_duration_seconds", "histogram",
             "Whole reloads of an app, from the request to its last instance replaced.");
    for (const auto& [app, h] : dc.reloads) {
        labels.clear();
        add_label(labels, "app", app);
        x.histogram("rein_reload_duration_seconds", labels, h);
    }
    x.family("rein_restart_duration_seconds", "histogram",
             "Restarts of an instance, from their cause (request, exit) to online again.");
    for (const auto& [key, h] : dc.restarts) {
        labels.clear();
        add_label(labels, "app", key.first);
        add_label(labels, "trigger", to_string(key.second));
        x.histogram("rein_restart_duration_seconds", labels, h);
    }
    labels.clear();
    add_label(labels, "version", k_version);
    add_label(labels, "revision", revision());
    x.family("rein_build_info", "gauge", "The daemon's version and git revision.");
    x.sample("rein_build_info", labels, std::uint64_t(1));

    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    auto secs = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    x.family("process_cpu_seconds_total", "counter", "CPU time of the daemon (user and system).");
    x.sample("process_cpu_seconds_total", "", secs(ru.ru_utime) + secs(ru.ru_stime));
    x.family("process_resident_memory_bytes", "gauge", "Resident memory of the daemon.");
    x.sample("process_resident_memory_bytes", "", resident_bytes());
    x.family("process_open_fds", "gauge", "Descriptors the daemon has open.");
    x.sample("process_open_fds", "", open_fds());
    x.family("process_max_fds", "gauge", "The daemon's limit of open descriptors.");
    x.sample("process_max_fds", "", std::uint64_t(rl.rlim_cur));
    x.family("process_start_time_seconds", "gauge", "Unix time the daemon started.");
    x.sample("process_start_time_seconds", "", double(ctx.started_wall) / 1000.0);
    x.family("rein_metrics_scrape_duration_seconds", "gauge",
             "Seconds building the previous metrics body took.");
    x.sample("rein_metrics_scrape_duration_seconds", "", dc.last_scrape_seconds);
}

} // namespace

std::string render(const Context& ctx) {
    std::int64_t started = mono_us();
    std::vector<Row> rows;
    rows.reserve(ctx.registry.instances().size());
    std::string labels; // every instance's label set, one after another
    labels.reserve(ctx.registry.instances().size() * 64);
    std::string one;
    for (const auto& [id, inst] : ctx.registry.instances()) {
        if (is_shadow(inst)) continue;
        auto app = ctx.registry.apps().find(inst.app);
        if (app == ctx.registry.apps().end()) continue;
        std::size_t begin = labels.size();
        one.clear();
        add_label(one, "app", inst.app);
        add_label(one, "namespace", app->second.spec.namespace_name);
        add_label(one, "id", std::to_string(id));
        add_label(one, "index", std::to_string(inst.index));
        labels += one;
        rows.push_back({&inst, &app->second, begin, labels.size()});
    }
    std::string body;
    // About 3 KiB per instance (some 30 series); the reserve keeps it to one allocation.
    body.reserve(8192 + rows.size() * 3600);
    Exposition x(body);
    instance_families(x, rows, labels);
    daemon_families(x, ctx, rows);
    counters().last_scrape_seconds = double(mono_us() - started) / 1e6;
    return body;
}

} // namespace rein::daemon::metrics
