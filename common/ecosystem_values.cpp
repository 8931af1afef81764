// One key at a time: is the value well-formed, and what does it mean for the AppSpec.
#include "common/cron.hpp"
#include "common/ecosystem_detail.hpp"
#include "common/listen_address.hpp"
#include "common/pm2_keys.hpp"
#include "common/shell_split.hpp"
#include "common/signals.hpp"
#include "common/units.hpp"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <set>
#include <vector>

namespace rein::ecosystem_detail {

namespace {

struct KeySetter {
    std::string_view key;
    Setter set;
};

// Every supported app key, in the contract's order (nearest_key() breaks ties by this order).
const KeySetter
    k_setters[] =
        {
            {"name",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto s = text(v);
                 if (!s) return value_error(w, "expected a string");
                 if (auto problem = name_problem(*s)) return value_error(w, *problem);
                 d.spec.name = *s;
                 d.has_name = true;
                 d.name_at = w;
                 return ok();
             }},
            {"script",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto s = text(v);
                 if (!s || s->empty())
                     return value_error(w, "expected the path or name of a program");
                 d.script = *s;
                 d.has_script = true;
                 d.script_at = w;
                 return ok();
             }},
            {"args",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto words = word_list(v, w);
                 if (!words) return words.error();
                 d.spec.args = std::move(*words);
                 return ok();
             }},
            {"interpreter",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto s = text(v);
                 if (!s || s->empty()) return value_error(w, "expected a program or 'none'");
                 d.interpreter = *s == "none" ? "" : *s;
                 return ok();
             }},
            {"interpreter_args",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto words = word_list(v, w);
                 if (!words) return words.error();
                 d.spec.interpreter_args = std::move(*words);
                 return ok();
             }},
            {"cwd",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions& opts) -> Status {
                 auto s = text(v);
                 if (!s || s->empty()) return value_error(w, "expected a directory");
                 d.cwd = *s;
                 d.cwd_at = w;
                 // `--cwd sub` means the caller's ./sub, as any command-line path would.
                 d.cwd_base = w.cli && !opts.caller_cwd.empty() ? opts.caller_cwd : d.file_dir;
                 return ok();
             }},
            {"env",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto env = env_map(v, w);
                 if (!env) return env.error();
                 d.spec.env = std::move(*env);
                 return ok();
             }},
            {"instances",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions& opts) -> Status {
                 const int cores = std::max(opts.usable_cores, 1);
                 auto n = integer(v);
                 if (n && *n >= 1 && *n <= INT_MAX) {
                     d.spec.instances = static_cast<int>(*n);
                 } else if (n && *n < 0) {
                     // PM2: -N leaves N cores free, but one instance always runs.
                     d.spec.instances = static_cast<int>(std::max<long long>(cores + *n, 1));
                 } else if (text(v) == "max" || (n && *n == 0)) {
                     d.spec.instances = cores; // PM2 reads 'max' as 0: every core
                 } else {
                     return value_error(w, "expected a positive integer, 'max', 0 or -N");
                 }
                 return ok();
             }},
            {"exec_mode",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto s = text(v).value_or("");
                 // PM2 writes "fork_mode"/"cluster_mode" into its own dumps; accept both spellings.
                 if (s == "fork" || s == "fork_mode") {
                     d.spec.exec_mode = ExecMode::fork;
                 } else if (s == "cluster" || s == "cluster_mode") {
                     d.spec.exec_mode = ExecMode::cluster;
                 } else {
                     return value_error(w, "expected 'fork' or 'cluster'");
                 }
                 d.has_exec_mode = true;
                 return ok();
             }},
            {"listen",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 d.spec.listen.clear();
                 if (v.IsSequence()) {
                     for (const auto& item : v)
                         if (auto s = add_listen(d.spec.listen, item, w); !s) return s;
                     return ok();
                 }
                 return add_listen(d.spec.listen, v, w);
             }},
            {"wait_ready", [](Draft& d, const YAML::Node& v, const Where& w,
                              const LoadOptions&) { return set_bool(d.spec.wait_ready, v, w); }},
            {"listen_timeout",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_duration(d.spec.listen_timeout_ms, v, w);
             }},
            {"namespace",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto s = text(v);
                 if (!s || s->empty()) return value_error(w, "expected a non-empty name");
                 d.spec.namespace_name = *s;
                 return ok();
             }},
            {"autorestart", [](Draft& d, const YAML::Node& v, const Where& w,
                               const LoadOptions&) { return set_bool(d.spec.autorestart, v, w); }},
            {"stop_exit_codes",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 const std::string problem = "expected an exit code 0..255 or a list of them";
                 auto code = [&](const YAML::Node& n) -> std::optional<int> {
                     auto c = integer(n);
                     if (!c || *c < 0 || *c > 255) return std::nullopt;
                     return static_cast<int>(*c);
                 };
                 std::vector<int> codes;
                 if (v.IsSequence()) {
                     for (const auto& item : v) {
                         auto c = code(item);
                         if (!c) return value_error(inner(w, item), problem);
                         codes.push_back(*c);
                     }
                 } else if (!v.IsNull()) {
                     auto c = code(v);
                     if (!c) return value_error(w, problem);
                     codes.push_back(*c);
                 }
                 d.spec.stop_exit_codes = std::move(codes);
                 return ok();
             }},
            {"max_restarts",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto n = integer(v);
                 if (!n || *n < 0 || *n > INT_MAX)
                     return value_error(w, "expected an integer >= 0");
                 d.spec.max_restarts = static_cast<int>(*n);
                 return ok();
             }},
            {"min_uptime",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_duration(d.spec.min_uptime_ms, v, w);
             }},
            {"restart_delay",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_duration(d.spec.restart_delay_ms, v, w);
             }},
            {"exp_backoff_restart_delay",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_duration(d.spec.exp_backoff_restart_delay_ms, v, w);
             }},
            {"kill_signal",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto s = text(v);
                 if (!s) return value_error(w, "expected a signal name like SIGTERM");
                 auto sig = parse_signal(*s);
                 if (!sig) return value_error(w, sig.error().message);
                 d.spec.kill_signal = *sig;
                 return ok();
             }},
            {"kill_timeout",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_duration(d.spec.kill_timeout_ms, v, w);
             }},
            {"out_file", [](Draft& d, const YAML::Node& v, const Where& w,
                            const LoadOptions&) { return set_log_path(d.spec.out_file, v, w); }},
            {"error_file",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_log_path(d.spec.error_file, v, w);
             }},
            {"log_file",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 // PM2: true is a combined log in the logs folder, false none.
                 if (const auto b = boolean(v)) {
                     d.log_file_default = *b;
                     d.spec.log_file.clear();
                     return ok();
                 }
                 d.log_file_default = false;
                 return set_log_path(d.spec.log_file, v, w);
             }},
            {"time", [](Draft& d, const YAML::Node& v, const Where& w,
                        const LoadOptions&) { return set_bool(d.spec.time, v, w); }},
            {"log_date_format",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto s = text(v);
                 if (!s) return value_error(w, "expected a strftime format string");
                 d.spec.log_date_format = *s;
                 return ok();
             }},
            {"watch",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 // true: the app's cwd ("." until finish() resolves it); a list: those paths.
                 if (auto b = boolean(v)) {
                     d.spec.watch = *b ? std::vector<std::string>{"."} : std::vector<std::string>{};
                     return ok();
                 }
                 // YAML 1.1's booleans are refused, not taken as a path named "yes".
                 static const std::set<std::string> k_yaml11 = {
                     "yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO"};
                 const bool number = integer(v) && v.Tag() != "!"; // `watch: 3`, unquoted
                 if (v.IsScalar() && !v.Scalar().empty() && !k_yaml11.count(v.Scalar()) &&
                     !number) {
                     d.spec.watch = {v.Scalar()}; // PM2's `watch: '.'`: one path
                     return ok();
                 }
                 if (v.IsScalar()) return value_error(w, "expected true, false or a list of paths");
                 auto paths = word_list(v, w);
                 if (!paths) return paths.error();
                 d.spec.watch = std::move(*paths);
                 return ok();
             }},
            {"ignore_watch",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 if (v.IsScalar()) {
                     d.spec.ignore_watch = {v.Scalar()}; // one pattern, spaces and all
                     return ok();
                 }
                 auto patterns = word_list(v, w);
                 if (!patterns) return patterns.error();
                 d.spec.ignore_watch = std::move(*patterns);
                 return ok();
             }},
            {"watch_delay",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_duration(d.spec.watch_delay_ms, v, w);
             }},
            {"cron_restart",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto s = text(v);
                 if (!s) return value_error(w, "expected a cron expression like '0 3 * * *'");
                 if (*s == "0") { // PM2: 0 turns cron restarts off
                     d.spec.cron_restart.clear();
                     return ok();
                 }
                 auto cron = CronExpr::parse(*s);
                 if (!cron) return value_error(w, cron.error().message);
                 d.spec.cron_restart = *s;
                 return ok();
             }},
            {"max_memory_restart",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_size(d.spec.max_memory_restart, v, w);
             }},
            {"log_max_size",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 return set_size(d.spec.log_max_size, v, w);
             }},
            {"log_max_files",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
                 auto n = integer(v);
                 if (!n || *n < 0 || *n > 1000)
                     return value_error(w, "expected an integer 0..1000");
                 d.spec.log_max_files = static_cast<int>(*n);
                 return ok();
             }},
            {"instance_var",
             [](Draft& d, const YAML::Node& v, const Where& w,
                const LoadOptions&) { return set_identifier(d.spec.instance_var, v, w); }},
            {"increment_var",
             [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
                 d.increment_var_at = w; // finish() checks it names an integer in env
                 return set_identifier(d.spec.increment_var, v, w);
             }},
            {"pid_file", [](Draft& d, const YAML::Node& v, const Where& w,
                            const LoadOptions&) { return set_path(d.spec.pid_file, v, w); }},
            {"uid", [](Draft& d, const YAML::Node& v, const Where& w,
                       const LoadOptions&) { return set_uid(d, v, w); }},
            {"gid", [](Draft& d, const YAML::Node& v, const Where& w,
                       const LoadOptions&) { return set_gid(d, v, w); }},
            {"bind_handoff",
             [](Draft& d, const YAML::Node& v, const Where& w,
                const LoadOptions&) { return set_bool(d.spec.bind_handoff, v, w); }},
};

bool is_profile_key(std::string_view key) {
    return key.size() > 4 && key.substr(0, 4) == "env_";
}

} // namespace

KeyKind classify_key(std::string_view key) {
    for (const auto& s : k_setters)
        if (s.key == key) return KeyKind::known;
    if (is_profile_key(key)) return KeyKind::env_profile;
    if (pm2_setter(key)) return KeyKind::known;
    if (const Pm2Key* k = find_pm2_key(key)) {
        if (k->kind == Pm2KeyKind::alias) return KeyKind::alias;
        if (k->kind != Pm2KeyKind::rein) return KeyKind::ignored;
        return KeyKind::known; // a rein key whose setter this build lacks: set_value says so
    }
    return KeyKind::unknown;
}

std::string nearest_key(std::string_view key) {
    const std::size_t limit = std::max<std::size_t>(2, key.size() / 3);
    std::string_view best;
    std::size_t best_distance = limit + 1;
    auto consider = [&](std::string_view candidate) {
        const std::size_t dist = edit_distance(key, candidate);
        if (dist < best_distance) {
            best = candidate;
            best_distance = dist;
        }
    };
    for (const auto& s : k_setters) consider(s.key);
    for (const auto& k : pm2_keys()) consider(k.name);
    return std::string(best);
}

Status set_value(Draft& d, const std::string& key, const YAML::Node& value, const Where& w,
                 const LoadOptions& opts) {
    if (is_profile_key(key)) {
        auto env = env_map(value, w);
        if (!env) return env.error();
        d.profiles[key.substr(4)] = std::move(*env);
        return ok();
    }
    for (const auto& s : k_setters)
        if (s.key == key) return s.set(d, value, w, opts);
    if (Setter set = pm2_setter(key)) return set(d, value, w, opts);
    // Callers classify keys first; reaching here is a bug in the caller, reported, not thrown.
    return value_error(w, "internal error: no setter for '" + key + "'");
}

} // namespace rein::ecosystem_detail
