#include "common/spec_check.hpp"

#include "common/cron.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

namespace rein {

namespace {

bool has_nul(const std::string& s) {
    return s.find('\0') != std::string::npos;
}

bool is_env_name(const std::string& s) {
    return !s.empty() && s.find('=') == std::string::npos && !has_nul(s);
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_regular(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The PATH the app will see: its env over the environment it was started from.
std::string app_path_var(const AppSpec& s) {
    if (auto it = s.env.find("PATH"); it != s.env.end()) return it->second;
    if (auto it = s.base_env.find("PATH"); it != s.base_env.end()) return it->second;
    return "/usr/local/bin:/usr/bin:/bin";
}

bool on_path(const std::string& name, const std::string& path_var) {
    std::size_t start = 0;
    while (start <= path_var.size()) {
        auto end = path_var.find(':', start);
        if (end == std::string::npos) end = path_var.size();
        std::string dir = end == start ? "." : path_var.substr(start, end - start);
        std::string candidate = dir + "/" + name;
        if (is_regular(candidate) && ::access(candidate.c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}

/// What is wrong with the fields, without the file system; empty when nothing.
std::string field_problem(const AppSpec& s) {
    if (auto p = name_problem(s.name)) return "name " + *p;
    if (s.script.empty()) return "script must not be empty";
    if (s.script.find('/') != std::string::npos && s.script.front() != '/')
        return "script must be an absolute path or a command name, not '" + s.script + "'";
    if (s.cwd.empty() || s.cwd.front() != '/')
        return "cwd must be an absolute path, not '" + s.cwd + "'";
    if (!s.interpreter.empty() && s.interpreter.find('/') != std::string::npos &&
        s.interpreter.front() != '/')
        return "interpreter must be an absolute path or a command name";
    if (s.instances < 1 || s.instances > k_max_instances)
        return "instances must be 1.." + std::to_string(k_max_instances);
    if (s.kill_timeout_ms < 0 || s.min_uptime_ms < 0 || s.restart_delay_ms < 0 ||
        s.exp_backoff_restart_delay_ms < 0 || s.listen_timeout_ms < 0 || s.watch_delay_ms < 0)
        return "durations cannot be negative";
    if (s.max_restarts < 0 || s.log_max_files < 0) return "counts cannot be negative";
    if (s.log_max_size < 0 || s.max_memory_restart < 0) return "sizes cannot be negative";
    if (s.log_max_files > 1000) return "log_max_files must be at most 1000";
    if (s.kill_signal < 1 || s.kill_signal >= NSIG) return "kill_signal is not a signal";
    for (const std::string* p : {&s.out_file, &s.error_file, &s.log_file, &s.pid_file})
        if (!p->empty() && p->front() != '/') return "log and pid files need absolute paths";
    for (const auto& w : s.watch)
        if (w.empty() || w.front() != '/') return "watch paths must be absolute";
    if (!s.cron_restart.empty()) {
        auto cron = CronExpr::parse(s.cron_restart);
        if (!cron) return "cron_restart: " + cron.error().message;
    }
    if (!s.instance_var.empty() && !is_env_name(s.instance_var))
        return "instance_var is not a variable name";
    if (!s.increment_var.empty() && !is_env_name(s.increment_var))
        return "increment_var is not a variable name";
    if (!s.user.empty() && !s.uid) return "user needs uid";
    // Strings reach execve, open and the environment as C strings: a NUL would cut them short.
    std::vector<const std::string*> texts = {
        &s.name,     &s.script,   &s.interpreter,    &s.cwd,  &s.out_file,       &s.error_file,
        &s.log_file, &s.pid_file, &s.namespace_name, &s.user, &s.log_date_format};
    for (const auto& a : s.args) texts.push_back(&a);
    for (const auto& a : s.interpreter_args) texts.push_back(&a);
    for (const auto& w : s.watch) texts.push_back(&w);
    for (const std::string* t : texts)
        if (has_nul(*t)) return "a value contains a NUL character";
    for (const auto* env : {&s.base_env.map(), &s.env})
        for (const auto& [k, v] : *env)
            if (!is_env_name(k) || has_nul(v))
                return "environment variable '" + k.substr(0, k.find('\0')) +
                       "' has a bad name or a NUL character";
    return {};
}

} // namespace

std::optional<std::string> name_problem(const std::string& name) {
    if (name.empty()) return "must not be empty";
    if (name.size() > 200) return "must be at most 200 characters";
    if (name.find('/') != std::string::npos) return "must not contain '/'";
    if (name == "." || name == "..") return "must not be '.' or '..'";
    if (std::any_of(name.begin(), name.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        return "must not contain control characters";
    if (std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
        return "must not be a number (numbers select instances by id)";
    if (name == "all") return "'all' is reserved (it selects every app)";
    return std::nullopt;
}

Status check_spec(const AppSpec& s) {
    auto fail = [&](const std::string& why) {
        std::string name = s.name.substr(0, 200);
        std::replace_if(
            name.begin(), name.end(), [](unsigned char c) { return c < 0x20; }, '?');
        return make_error("bad_request", "app '" + name + "': " + why);
    };
    if (auto p = field_problem(s); !p.empty()) return fail(p);
    if (!is_dir(s.cwd)) return fail("cwd '" + s.cwd + "' is not a directory");
    if (s.script.front() == '/') {
        if (!is_regular(s.script)) return fail("script '" + s.script + "' does not exist");
        if (s.interpreter.empty() && ::access(s.script.c_str(), X_OK) != 0)
            return fail("script '" + s.script + "' is not executable");
    } else if (!on_path(s.script, app_path_var(s))) {
        return fail("no command '" + s.script + "' on the app's PATH");
    }
    return Ok{};
}

} // namespace rein
