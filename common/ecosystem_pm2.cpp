// PM2's app keys with a rein meaning beyond rein's own keys (autostart, treekill, merge_logs,
// log_type, port, filter_env, ...), PM2's aliases, and the keys rein ignores with a warning.
// The list of keys and what each means lives in pm2_keys.cpp.
#include "common/ecosystem_detail.hpp"
#include "common/paths.hpp"
#include "common/pm2_keys.hpp"

#include <algorithm>

namespace rein::ecosystem_detail {

namespace {

struct Pm2Setter {
    std::string_view key;
    Setter set;
};

const Pm2Setter k_pm2_setters[] = {
    {"autostart", [](Draft& d, const YAML::Node& v, const Where& w,
                     const LoadOptions&) { return set_bool(d.spec.autostart, v, w); }},
    {"treekill", [](Draft& d, const YAML::Node& v, const Where& w,
                    const LoadOptions&) { return set_bool(d.spec.treekill, v, w); }},
    {"merge_logs", [](Draft& d, const YAML::Node& v, const Where& w,
                      const LoadOptions&) { return set_bool(d.spec.merge_logs, v, w); }},
    {"shutdown_with_message",
     [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) {
         return set_bool(d.spec.shutdown_with_message, v, w);
     }},
    {"disable_logs", [](Draft& d, const YAML::Node& v, const Where& w,
                        const LoadOptions&) { return set_bool(d.disable_logs, v, w); }},
    {"append_env_to_name", [](Draft& d, const YAML::Node& v, const Where& w,
                              const LoadOptions&) { return set_bool(d.append_env_to_name, v, w); }},
    {"log_type",
     [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
         // PM2 knows one log type; its plain lines are the absence of the key.
         const auto s = text(v);
         if (!s || (*s != "json" && *s != "raw" && !s->empty()))
             return value_error(w, "expected 'json' (JSON lines in the log files)");
         d.spec.log_json = *s == "json";
         return ok();
     }},
    {"port",
     [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
         const auto n = integer(v);
         if (!n || *n < 1 || *n > 65535) return value_error(w, "expected a port number 1..65535");
         d.port = std::to_string(*n);
         return ok();
     }},
    {"filter_env",
     [](Draft& d, const YAML::Node& v, const Where& w, const LoadOptions&) -> Status {
         d.filter_all_env = false;
         d.filter_env.clear();
         if (const auto b = boolean(v)) {
             d.filter_all_env = *b;
             return ok();
         }
         auto parts = word_list(v, w);
         if (!parts) return parts.error();
         // An empty part would match every name: PM2 reads such a list as no filter.
         for (auto& p : *parts)
             if (!p.empty()) d.filter_env.push_back(std::move(p));
         return ok();
     }},
};

} // namespace

Setter pm2_setter(std::string_view key) {
    for (const auto& s : k_pm2_setters)
        if (s.key == key) return s.set;
    return nullptr;
}

std::string canonical_key(std::string_view key) {
    const Pm2Key* k = find_pm2_key(key);
    return std::string(k && k->kind == Pm2KeyKind::alias ? k->target : key);
}

std::string ignored_key_warning(std::string_view key) {
    const Pm2Key* k = find_pm2_key(key);
    const std::string quoted = "'" + std::string(key) + "'";
    if (k && k->kind == Pm2KeyKind::service)
        return quoted + " is a PM2 service key; rein ignores it";
    return quoted + " is ignored: " + std::string(k ? k->note : "rein does not know it");
}

void apply_pm2_keys(Draft& d, const LoadOptions& opts) {
    if (d.port) d.spec.env["PORT"] = *d.port; // PM2 sets PORT over env and the profile
    if (d.append_env_to_name && !opts.env_profile.empty()) d.spec.name += "-" + opts.env_profile;
    if (d.log_file_default) {
        // The daemon's logs folder: the CLI and the daemon it talks to share REIN_HOME.
        if (auto paths = resolve_paths())
            d.spec.log_file = paths->logs_dir() + "/" + d.spec.name + ".log";
    }
    if (d.disable_logs) {
        d.spec.out_file = d.spec.error_file = "/dev/null";
        d.spec.log_file.clear();
    }
    if (d.filter_all_env) {
        // PATH stays: without it neither the interpreter nor a bare script could be found.
        const auto path = d.spec.base_env.find("PATH");
        std::map<std::string, std::string> kept;
        if (path != d.spec.base_env.end()) kept.insert(*path);
        d.spec.base_env = std::move(kept);
    }
    // PM2 drops every variable whose name contains one of the parts.
    std::erase_if(d.spec.base_env.edit(), [&](const auto& kv) {
        return std::any_of(d.filter_env.begin(), d.filter_env.end(), [&](const std::string& p) {
            return kv.first.find(p) != std::string::npos;
        });
    });
}

} // namespace rein::ecosystem_detail
