#include "common/pm2_dump_keys.hpp"

#include "common/cron.hpp"
#include "common/signals.hpp"
#include "common/units.hpp"

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <string_view>

namespace rein::pm2_dump_detail {

using nlohmann::json;

namespace {

using Problem = std::optional<std::string>;
using Setter = Problem (*)(const json& v, AppSpec& s);

Problem read_bool(const json& v, bool& out) {
    if (!v.is_boolean()) return "is not true or false";
    out = v.get<bool>();
    return std::nullopt;
}

template <bool AppSpec::*Field>
Problem set_bool(const json& v, AppSpec& s) {
    return read_bool(v, s.*Field);
}

// PM2 saves durations as milliseconds; a hand-edited or older dump may still say "2s".
template <std::int64_t AppSpec::*Field>
Problem set_ms(const json& v, AppSpec& s) {
    if (auto n = whole_number(v); n && *n >= 0) {
        s.*Field = *n;
        return std::nullopt;
    }
    if (v.is_string())
        if (auto ms = parse_duration_ms(v.get<std::string>())) {
            s.*Field = *ms;
            return std::nullopt;
        }
    return "is not a duration";
}

template <std::string AppSpec::*Field>
Problem set_string(const json& v, AppSpec& s) {
    if (!v.is_string()) return "is not a string";
    s.*Field = v.get<std::string>();
    return std::nullopt;
}

Problem set_max_restarts(const json& v, AppSpec& s) {
    auto n = whole_number(v);
    if (!n || *n < 0 || *n > std::numeric_limits<int>::max()) return "is not a count";
    s.max_restarts = int(*n);
    return std::nullopt;
}

Problem set_memory(const json& v, AppSpec& s) {
    if (auto n = whole_number(v); n && *n >= 0) {
        s.max_memory_restart = *n;
        return std::nullopt;
    }
    if (v.is_string())
        if (auto bytes = parse_size_bytes(v.get<std::string>())) {
            s.max_memory_restart = *bytes;
            return std::nullopt;
        }
    return "is not a size";
}

Problem set_cron(const json& v, AppSpec& s) {
    if (!v.is_string()) return "is not a cron expression";
    const auto text = v.get<std::string>();
    if (text.empty()) return std::nullopt;
    if (auto cron = CronExpr::parse(text); !cron) return cron.error().message;
    s.cron_restart = text;
    return std::nullopt;
}

Problem set_kill_signal(const json& v, AppSpec& s) {
    if (!v.is_string() && !v.is_number_integer()) return "is not a signal";
    auto sig = parse_signal(v.is_string() ? v.get<std::string>() : v.dump());
    if (!sig) return sig.error().message;
    s.kill_signal = *sig;
    return std::nullopt;
}

Problem set_log_type(const json& v, AppSpec& s) {
    if (v == "json") {
        s.log_json = true;
        return std::nullopt;
    }
    return v.is_string() && v.get<std::string>().empty() ? Problem{} : "is not 'json'";
}

// PM2 keeps a single code as a number and several as a list.
Problem set_stop_exit_codes(const json& v, AppSpec& s) {
    std::vector<int> codes;
    for (const auto& c : v.is_array() ? v : json::array({v})) {
        auto n = whole_number(c);
        if (!n || *n < 0 || *n > 255) return "is not a list of exit codes 0..255";
        codes.push_back(int(*n));
    }
    s.stop_exit_codes = std::move(codes);
    return std::nullopt;
}

// true watches the app's folder; a path or a list of them are relative to it.
Problem set_watch(const json& v, AppSpec& s) {
    s.watch.clear();
    if (v.is_boolean()) {
        if (v.get<bool>()) s.watch.push_back(s.cwd);
        return std::nullopt;
    }
    for (const auto& p : v.is_array() ? v : json::array({v})) {
        if (!p.is_string() || p.get<std::string>().empty()) return "is not a list of paths";
        s.watch.push_back(absolute_in(s.cwd, p.get<std::string>()));
    }
    return std::nullopt;
}

Problem set_ignore_watch(const json& v, AppSpec& s) {
    s.ignore_watch.clear();
    for (const auto& p : v.is_array() ? v : json::array({v})) {
        if (!p.is_string()) return "is not a list of patterns";
        s.ignore_watch.push_back(p.get<std::string>());
    }
    return std::nullopt;
}

template <std::optional<std::uint32_t> AppSpec::*Field>
Problem set_id(const json& v, AppSpec& s) {
    auto n = whole_number(v);
    if (!n || *n < 0 || *n > std::int64_t{UINT32_MAX}) return "is not a numeric id";
    s.*Field = std::uint32_t(*n);
    return std::nullopt;
}

struct Rule {
    std::string_view key;
    Setter set;
};

// Every PM2 key with a rein meaning, as PM2 saves it (aliases are resolved before it saves).
constexpr Rule k_rules[] = {
    {"autorestart", set_bool<&AppSpec::autorestart>},
    {"autostart", set_bool<&AppSpec::autostart>},
    {"treekill", set_bool<&AppSpec::treekill>},
    {"merge_logs", set_bool<&AppSpec::merge_logs>},
    {"combine_logs", set_bool<&AppSpec::merge_logs>},
    {"wait_ready", set_bool<&AppSpec::wait_ready>},
    {"shutdown_with_message", set_bool<&AppSpec::shutdown_with_message>},
    {"time", set_bool<&AppSpec::time>},
    {"min_uptime", set_ms<&AppSpec::min_uptime_ms>},
    {"restart_delay", set_ms<&AppSpec::restart_delay_ms>},
    {"exp_backoff_restart_delay", set_ms<&AppSpec::exp_backoff_restart_delay_ms>},
    {"kill_timeout", set_ms<&AppSpec::kill_timeout_ms>},
    {"listen_timeout", set_ms<&AppSpec::listen_timeout_ms>},
    {"watch_delay", set_ms<&AppSpec::watch_delay_ms>},
    {"max_restarts", set_max_restarts},
    {"max_memory_restart", set_memory},
    {"cron_restart", set_cron},
    {"kill_signal", set_kill_signal},
    {"log_date_format", set_string<&AppSpec::log_date_format>},
    {"log_type", set_log_type},
    {"instance_var", set_string<&AppSpec::instance_var>},
    {"increment_var", set_string<&AppSpec::increment_var>},
    {"stop_exit_codes", set_stop_exit_codes},
    {"watch", set_watch},
    {"ignore_watch", set_ignore_watch},
    {"uid", set_id<&AppSpec::uid>},
    {"gid", set_id<&AppSpec::gid>},
    {"user", set_string<&AppSpec::user>},
};

// Read by convert_pm2_dump itself, filled in by PM2, or already folded into what PM2 saved.
const std::set<std::string_view> k_bookkeeping = {
    // read by the conversion
    "name", "namespace", "pm_exec_path", "script", "pm_cwd", "cwd", "exec_interpreter", "node_args",
    "interpreter_args", "args", "exec_mode", "env", "status", "instances", "pm_out_log_path",
    "pm_err_log_path", "pm_log_path", "pm_pid_path", "out_file", "error_file", "log_file",
    "pid_file",
    // applied before PM2 saved (into env, name, mode or the log paths)
    "filter_env", "port", "append_env_to_name", "force", "execute_command", "disable_logs",
    "windowsHide",
    // PM2's state and metrics of the running process
    "pm_id", "unique_id", "username", "pm_uptime", "created_at", "restart_time",
    "unstable_restarts", "prev_restart_delay", "exit_code", "_tree_pids", "axm_actions",
    "axm_monitor", "axm_options", "axm_dynamic", "_pm2_version", "node_version", "version",
    "versioning", "vizion_running", "km_link", "pmx_module"};

struct Default {
    std::string_view key;
    json value;
};

// PM2's own features: reported only when set away from PM2's default.
const Default k_pm2_only[] = {
    {"vizion", true},
    {"pmx", true},
    {"automation", true},
    {"kill_retry_time", 100},
    {"source_map_support", true},
    {"disable_source_map_support", false},
    {"trace", false},
    {"disable_trace", false},
    {"v8", false},
    {"event_loop_inspector", false},
    {"deep_monitoring", false},
    {"write", false},
    {"post_update", json::array()},
    {"watch_options", json::object()},
    {"io", json::object()},
    {"name_prefix", ""},
    {"install_url", ""},
};

} // namespace

std::optional<std::int64_t> whole_number(const json& v) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > std::uint64_t(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return std::int64_t(u);
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        // Beyond 2^53 a double no longer holds whole numbers exactly; nothing here is that big.
        if (!(d >= -9e15 && d <= 9e15) || d != double(std::int64_t(d))) return std::nullopt;
        return std::int64_t(d);
    }
    if (v.is_string()) {
        const auto text = v.get<std::string>();
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc{} && end == text.data() + text.size() && !text.empty()) return n;
    }
    return std::nullopt;
}

std::string absolute_in(const std::string& base, const std::string& p) {
    // operator/ keeps `p` when it is already absolute.
    return (std::filesystem::path(base) / p).lexically_normal().string();
}

std::optional<std::string> apply_setting(const std::string& key, const json& v, AppSpec& s,
                                         bool& known) {
    for (const auto& rule : k_rules) {
        if (rule.key != key) continue;
        known = true;
        // null is how JSON says "not set": the default stays, with nothing to report.
        return v.is_null() ? std::nullopt : rule.set(v, s);
    }
    known = false;
    return std::nullopt;
}

bool is_bookkeeping(const std::string& key) {
    return k_bookkeeping.count(key) != 0 || key.rfind("env_", 0) == 0;
}

bool is_reportable(const std::string& key, const json& v) {
    for (const auto& d : k_pm2_only)
        if (d.key == key) return !v.is_null() && v != d.value;
    return true;
}

} // namespace rein::pm2_dump_detail
