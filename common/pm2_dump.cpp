#include "common/pm2_dump.hpp"

#include "common/pm2_dump_keys.hpp"
#include "common/protocol.hpp"
#include "common/shell_split.hpp"
#include "common/spec_check.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

namespace rein {

using nlohmann::json;

// Inside the detail namespace, so that its names are found before any of another file's that a
// unity build puts in the same translation unit.
namespace pm2_dump_detail {
namespace {

std::string text_of(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

/// A value as the user would recognise it in a one-line report (control characters, which a
/// terminal would act on, shown as '?').
std::string shown(const json& v) {
    std::string text = text_of(v);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    std::replace_if(
        text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }, '?');
    return text;
}

std::string string_at(const json& e, const char* key) {
    const auto it = e.find(key);
    return it != e.end() && it->is_string() ? it->get<std::string>() : "";
}

/// PM2 saves args and node_args as lists; a hand-written or older dump may hold one string.
Status read_words(const json& e, const char* key, std::vector<std::string>& out) {
    const auto it = e.find(key);
    if (it == e.end() || it->is_null()) return Ok{};
    if (it->is_string()) {
        auto words = shell_split(it->get<std::string>());
        if (!words) return make_error("bad_dump", std::string(key) + ": " + words.error().message);
        out = std::move(*words);
        return Ok{};
    }
    if (!it->is_array()) return make_error("bad_dump", std::string(key) + " is not a list");
    out.clear();
    for (const auto& w : *it) {
        if (w.is_object() || w.is_array() || w.is_null())
            return make_error("bad_dump", std::string(key) + " is not a list of words");
        out.push_back(text_of(w));
    }
    return Ok{};
}

bool is_env_name(const std::string& k) {
    return !k.empty() && k.find('=') == std::string::npos && k.find('\0') == std::string::npos;
}

/// PM2's saved environment without PM2's own variables: the CLI's PM2_* settings, the id PM2
/// gives each process, the marker object PM2 files under the app's name, and the instance
/// variable rein sets itself. Values become text as the app would have seen them.
std::map<std::string, std::string> user_env(const json& env, const AppSpec& s,
                                            std::vector<std::string>& notes) {
    std::map<std::string, std::string> out;
    if (!env.is_object()) return out;
    for (const auto& [k, v] : env.items()) {
        if (k.rfind("PM2_", 0) == 0 || k == "unique_id" || k == s.instance_var) continue;
        if (k == s.name && (v.is_object() || v == "{}")) continue;
        if (k.rfind("pm_", 0) == 0 || k.rfind("axm_", 0) == 0) continue; // PM2 inside PM2
        const std::string value = text_of(v);
        if (!is_env_name(k) || value.find('\0') != std::string::npos) {
            notes.push_back("environment variable '" + k.substr(0, k.find('\0')) +
                            "' has a bad name or value: left out");
            continue;
        }
        out[k] = value;
    }
    return out;
}

/// Whether `path` lies inside `dir`/`sub`.
bool inside(const std::string& path, const std::string& dir, const char* sub) {
    if (dir.empty()) return false;
    const std::string prefix = absolute_in(dir, sub) + "/";
    return path.compare(0, prefix.size(), prefix) == 0;
}

/// PM2's resolved log or pid path as the user's own setting: "" when PM2 chose it (a file in
/// its home), else without the "-<pm_id>" PM2 put before `ext` for per-instance files.
std::string own_path(const json& e, const char* key, const std::vector<std::string>& homes,
                     const char* sub, const std::string& ext, bool per_instance) {
    std::string path = string_at(e, key);
    if (path.empty() || path.front() != '/') return "";
    path = absolute_in("/", path);
    for (const auto& home : homes)
        if (inside(path, home, sub)) return "";
    if (!per_instance || path.size() <= ext.size() ||
        path.compare(path.size() - ext.size(), ext.size(), ext) != 0)
        return path;
    std::size_t stem_end = path.size() - ext.size();
    std::size_t i = stem_end;
    while (i > 0 && std::isdigit(static_cast<unsigned char>(path[i - 1]))) --i;
    if (i < stem_end && i > 0 && path[i - 1] == '-') path.erase(i - 1, stem_end - (i - 1));
    return path;
}

/// Sets script, cwd, interpreter, args and mode: what decides which program runs, where.
Status set_program(const json& e, AppSpec& s) {
    std::string script = string_at(e, "pm_exec_path");
    if (script.empty()) script = string_at(e, "script");
    if (script.empty()) return make_error("bad_dump", "no script (pm_exec_path)");
    s.cwd = string_at(e, "pm_cwd");
    if (s.cwd.empty()) s.cwd = string_at(e, "cwd");
    if (s.cwd.empty() && script.front() == '/')
        s.cwd = std::filesystem::path(script).parent_path().string();
    if (s.cwd.empty() || s.cwd.front() != '/')
        return make_error("bad_dump", "no absolute working directory (pm_cwd)");
    s.cwd = absolute_in("/", s.cwd);
    // PM2 resolves the script against cwd, or on PATH for a bare command.
    s.script = absolute_in(s.cwd, script);
    const std::string interpreter = string_at(e, "exec_interpreter");
    if (!interpreter.empty() && interpreter != "none")
        s.interpreter = interpreter.find('/') == std::string::npos
                            ? interpreter
                            : absolute_in(s.cwd, interpreter);
    if (auto st = read_words(e, "args", s.args); !st) return st;
    if (auto st = read_words(e, "node_args", s.interpreter_args); !st) return st;
    if (s.interpreter_args.empty())
        if (auto st = read_words(e, "interpreter_args", s.interpreter_args); !st) return st;
    const std::string mode = string_at(e, "exec_mode");
    s.exec_mode = mode == "cluster_mode" || mode == "cluster" ? ExecMode::cluster : ExecMode::fork;
    return Ok{};
}

/// The entry PM2 gave instance 0: its environment holds increment_var's base value.
const json& first_instance(const std::vector<const json*>& entries) {
    const json* best = entries.front();
    std::int64_t best_index = INT64_MAX;
    for (const json* e : entries) {
        const auto it = e->find(e->contains("instance_var") ? string_at(*e, "instance_var")
                                                            : AppSpec{}.instance_var);
        const auto index = it == e->end() ? std::nullopt : whole_number(*it);
        if (index && *index < best_index) best = e, best_index = *index;
    }
    return *best;
}

void apply_settings(const json& e, const std::vector<std::string>& homes, Pm2App& app) {
    AppSpec& s = app.spec;
    const json env = e.contains("env") ? e["env"] : json::object();
    // PM2 copies every environment variable, and the instance variables, to the top level.
    const auto is_env_copy = [&](const std::string& key) {
        return env.contains(key) || key == string_at(e, "increment_var") ||
               key == (e.contains("instance_var") ? string_at(e, "instance_var")
                                                  : AppSpec{}.instance_var);
    };
    for (const auto& [key, v] : e.items()) {
        bool known = false;
        if (auto problem = apply_setting(key, v, s, known))
            app.notes.push_back(key + " '" + shown(v) + "' " + *problem + ": rein's default kept");
        if (known || is_bookkeeping(key) || is_env_copy(key)) continue;
        if (is_reportable(key, v)) app.ignored.push_back(key + "=" + shown(v));
    }
    if (!s.uid) s.user.clear(); // PM2 always saves the uid a user name resolved to
    if (!s.instance_var.empty() && !is_env_name(s.instance_var)) {
        app.notes.push_back("instance_var '" + shown(s.instance_var) +
                            "' is not a variable name: rein's default kept");
        s.instance_var = AppSpec{}.instance_var;
    }

    // merge_logs absent or false: PM2 wrote one file per instance, "-<pm_id>" before ".log".
    const bool per_instance = !(e.contains("merge_logs") && e["merge_logs"] == true);
    s.out_file = own_path(e, "pm_out_log_path", homes, "logs", ".log", per_instance);
    s.error_file = own_path(e, "pm_err_log_path", homes, "logs", ".log", per_instance);
    s.log_file = own_path(e, "pm_log_path", homes, "logs", ".log", per_instance);
    s.pid_file = own_path(e, "pm_pid_path", homes, "pids", ".pid", true);
}

Result<Pm2App> convert_app(const std::string& name, const std::vector<const json*>& entries,
                           const std::string& pm2_home) {
    const json& e = first_instance(entries);
    Pm2App app;
    AppSpec& s = app.spec;
    s.name = name;
    if (auto p = name_problem(name)) return make_error("bad_dump", "its name " + *p);
    const std::string ns = string_at(e, "namespace");
    if (!ns.empty()) s.namespace_name = ns;
    if (auto st = set_program(e, s); !st) return st.error();
    s.instances = int(std::min<std::size_t>(entries.size(), std::size_t(k_max_instances) + 1));

    std::vector<std::string> homes = {pm2_home};
    if (const auto it = e.find("env"); it != e.end() && it->is_object())
        homes.push_back(string_at(*it, "PM2_HOME"));
    apply_settings(e, homes, app);
    s.base_env = user_env(e.value("env", json::object()), s, app.notes);

    // PM2's resurrect leaves an app stopped when it was saved stopped.
    std::size_t stopped = 0;
    for (const json* inst : entries) stopped += string_at(*inst, "status") == "stopped";
    if (stopped == entries.size()) s.autostart = false;
    for (const json* inst : entries)
        if (string_at(*inst, "pm_exec_path") != string_at(e, "pm_exec_path") ||
            inst->value("args", json()) != e.value("args", json())) {
            app.notes.push_back("PM2 had instances of it running different programs: all run " +
                                s.script);
            break;
        }
    return app;
}

} // namespace
} // namespace pm2_dump_detail

Result<Pm2Dump> convert_pm2_dump(std::string_view text, const std::string& pm2_home) {
    const json dump = protocol::parse_untrusted(text);
    if (dump.is_discarded()) return make_error("bad_dump", "not valid JSON");
    if (!dump.is_array())
        return make_error("bad_dump", "not a PM2 dump (expected a JSON list of processes)");

    Pm2Dump out;
    std::vector<std::string> order;
    std::map<std::string, std::vector<const json*>> groups;
    for (std::size_t i = 0; i < dump.size(); ++i) {
        const json& e = dump[i];
        if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) {
            out.skipped.push_back("entry " + std::to_string(i + 1) + ": no name");
            continue;
        }
        const auto name = e["name"].get<std::string>();
        auto& group = groups[name];
        if (group.empty()) order.push_back(name);
        group.push_back(&e);
    }
    for (const auto& name : order) {
        auto app = pm2_dump_detail::convert_app(name, groups[name], pm2_home);
        if (app)
            out.apps.push_back(std::move(*app));
        else
            out.skipped.push_back("app '" + pm2_dump_detail::shown(name) +
                                  "': " + app.error().message);
    }
    return out;
}

std::string default_pm2_dump_path(const char* pm2_home, const char* home) {
    if (pm2_home && *pm2_home) return std::string(pm2_home) + "/dump.pm2";
    return std::string(home && *home ? home : "") + "/.pm2/dump.pm2";
}

} // namespace rein
