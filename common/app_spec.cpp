#include "common/app_spec.hpp"

#include "common/cron.hpp"
#include "common/json_fields.hpp"
#include "common/listen_address.hpp"
#include "common/signals.hpp"

#include <nlohmann/json.hpp>

namespace rein {

using nlohmann::json;

const char* to_string(ExecMode m) {
    return m == ExecMode::cluster ? "cluster" : "fork";
}

namespace {

json optional_id(const std::optional<std::uint32_t>& id) {
    return id ? json(*id) : json(nullptr);
}

/// Reads `key` into `out` when present; a missing key keeps the struct's default.
template <typename T>
void read_opt(const json& j, const char* key, T& out) {
    const auto it = j.find(key);
    if (it == j.end()) return;
    if constexpr (std::is_same_v<T, bool>)
        out = strict_bool(*it, key);
    else if constexpr (std::is_integral_v<T>)
        out = strict_integer<T>(*it, key);
    else
        it->get_to(out);
}

void read_id(const json& j, const char* key, std::optional<std::uint32_t>& out) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        out.reset();
        return;
    }
    // get<uint32_t>() would wrap -1 silently; an id out of range is a malformed spec.
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
        it->get<std::int64_t>() > std::int64_t{UINT32_MAX})
        throw json::type_error::create(302, std::string(key) + " must be an id 0..4294967295", &j);
    out = it->get<std::uint32_t>();
}

json listen_json(const std::vector<ListenSpec>& listen) {
    json out = json::array();
    for (const auto& l : listen) out.push_back({{"address", l.address}, {"mode", l.mode}});
    return out;
}

void read_listen(const json& j, std::vector<ListenSpec>& out) {
    const auto it = j.find("listen");
    if (it == j.end()) return;
    out.clear();
    for (const auto& e : *it) {
        ListenSpec l;
        e.at("address").get_to(l.address);
        if (const auto m = e.find("mode"); m != e.end()) m->get_to(l.mode);
        auto parsed = parse_listen_address(l.address);
        if (!parsed) throw json::other_error::create(501, "listen: " + parsed.error().message, &j);
        if (l.mode < 0 || l.mode > 07777)
            throw json::other_error::create(501, "listen: mode must be 0..07777", &j);
        out.push_back(std::move(l));
    }
}

} // namespace

void to_json(json& j, const AppSpec& s) {
    // Keys are the ecosystem file's, so dump.json reads like a resolved ecosystem file.
    j = json{
        {"name", s.name},
        {"script", s.script},
        {"args", s.args},
        {"interpreter", s.interpreter},
        {"interpreter_args", s.interpreter_args},
        {"cwd", s.cwd},
        {"namespace", s.namespace_name},
        {"source_file", s.source_file},
        {"base_env", s.base_env},
        {"env", s.env},
        {"instances", s.instances},
        {"exec_mode", to_string(s.exec_mode)},
        {"listen", listen_json(s.listen)},
        {"wait_ready", s.wait_ready},
        {"listen_timeout", s.listen_timeout_ms},
        {"autorestart", s.autorestart},
        {"stop_exit_codes", s.stop_exit_codes},
        {"max_restarts", s.max_restarts},
        {"min_uptime", s.min_uptime_ms},
        {"restart_delay", s.restart_delay_ms},
        {"exp_backoff_restart_delay", s.exp_backoff_restart_delay_ms},
        {"kill_signal", signal_name(s.kill_signal)},
        {"kill_timeout", s.kill_timeout_ms},
        {"max_memory_restart", s.max_memory_restart},
        {"cron_restart", s.cron_restart},
        {"watch", s.watch},
        {"ignore_watch", s.ignore_watch},
        {"watch_delay", s.watch_delay_ms},
        {"out_file", s.out_file},
        {"error_file", s.error_file},
        {"log_file", s.log_file},
        {"time", s.time},
        {"log_date_format", s.log_date_format},
        {"log_max_size", s.log_max_size},
        {"log_max_files", s.log_max_files},
        {"instance_var", s.instance_var},
        {"increment_var", s.increment_var},
        {"pid_file", s.pid_file},
        {"uid", optional_id(s.uid)},
        {"gid", optional_id(s.gid)},
        {"user", s.user},
        {"autostart", s.autostart},
        {"treekill", s.treekill},
        {"merge_logs", s.merge_logs},
        {"log_json", s.log_json},
        {"bind_handoff", s.bind_handoff},
        {"shutdown_with_message", s.shutdown_with_message},
        {"env_profile", s.env_profile},
    };
}

json apps_request(const std::vector<AppSpec>& apps) {
    json out = {{"apps", json::array()}};
    bool shared = !apps.empty();
    for (const auto& a : apps) shared = shared && a.base_env == apps.front().base_env;
    for (const auto& a : apps) {
        json j = a;
        if (shared) j.erase("base_env");
        out["apps"].push_back(std::move(j));
    }
    if (shared) out["base_env"] = apps.front().base_env;
    return out;
}

void from_json(const json& j, AppSpec& s) {
    s = AppSpec{};
    // at() throws out_of_range for a missing required key; get_to throws type_error.
    j.at("name").get_to(s.name);
    j.at("script").get_to(s.script);
    read_opt(j, "args", s.args);
    read_opt(j, "interpreter", s.interpreter);
    read_opt(j, "interpreter_args", s.interpreter_args);
    read_opt(j, "cwd", s.cwd);
    read_opt(j, "namespace", s.namespace_name);
    read_opt(j, "source_file", s.source_file);
    read_opt(j, "base_env", s.base_env);
    read_opt(j, "env", s.env);
    read_opt(j, "instances", s.instances);
    if (const auto it = j.find("exec_mode"); it != j.end()) {
        const auto mode = it->get<std::string>();
        if (mode == "fork") {
            s.exec_mode = ExecMode::fork;
        } else if (mode == "cluster") {
            s.exec_mode = ExecMode::cluster;
        } else {
            throw json::other_error::create(
                501, "exec_mode must be \"fork\" or \"cluster\", not \"" + mode + "\"", &j);
        }
    }
    read_listen(j, s.listen);
    read_opt(j, "wait_ready", s.wait_ready);
    read_opt(j, "listen_timeout", s.listen_timeout_ms);
    read_opt(j, "autorestart", s.autorestart);
    read_opt(j, "stop_exit_codes", s.stop_exit_codes);
    read_opt(j, "max_restarts", s.max_restarts);
    read_opt(j, "min_uptime", s.min_uptime_ms);
    read_opt(j, "restart_delay", s.restart_delay_ms);
    read_opt(j, "exp_backoff_restart_delay", s.exp_backoff_restart_delay_ms);
    if (const auto it = j.find("kill_signal"); it != j.end()) {
        const auto name = it->get<std::string>();
        const auto sig = parse_signal(name);
        if (!sig) throw json::other_error::create(501, "kill_signal: " + sig.error().message, &j);
        s.kill_signal = *sig;
    }
    read_opt(j, "kill_timeout", s.kill_timeout_ms);
    read_opt(j, "max_memory_restart", s.max_memory_restart);
    read_opt(j, "cron_restart", s.cron_restart);
    read_opt(j, "watch", s.watch);
    read_opt(j, "ignore_watch", s.ignore_watch);
    read_opt(j, "watch_delay", s.watch_delay_ms);
    if (!s.cron_restart.empty()) {
        auto cron = CronExpr::parse(s.cron_restart);
        if (!cron)
            throw json::other_error::create(501, "cron_restart: " + cron.error().message, &j);
    }
    read_opt(j, "out_file", s.out_file);
    read_opt(j, "error_file", s.error_file);
    read_opt(j, "log_file", s.log_file);
    read_opt(j, "time", s.time);
    read_opt(j, "log_date_format", s.log_date_format);
    read_opt(j, "log_max_size", s.log_max_size);
    read_opt(j, "log_max_files", s.log_max_files);
    read_opt(j, "instance_var", s.instance_var);
    read_opt(j, "increment_var", s.increment_var);
    read_opt(j, "pid_file", s.pid_file);
    read_id(j, "uid", s.uid);
    read_id(j, "gid", s.gid);
    read_opt(j, "user", s.user);
    read_opt(j, "autostart", s.autostart);
    read_opt(j, "treekill", s.treekill);
    read_opt(j, "merge_logs", s.merge_logs);
    read_opt(j, "log_json", s.log_json);
    read_opt(j, "bind_handoff", s.bind_handoff);
    read_opt(j, "shutdown_with_message", s.shutdown_with_message);
    read_opt(j, "env_profile", s.env_profile);
}

} // namespace rein
