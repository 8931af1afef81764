// After every key of an app is read: paths against cwd, defaults that depend on other keys, and
// checks that span keys. The only part of the parser that looks at the file system.
#include "common/ecosystem_detail.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>

namespace rein::ecosystem_detail {

namespace fs = std::filesystem;

namespace {

/// `p` made absolute against `base` and lexically normalised, without a trailing slash.
std::string absolute_in(const std::string& base, const std::string& p) {
    fs::path out = fs::path(p).is_absolute() ? fs::path(p) : fs::path(base) / p;
    out = out.lexically_normal();
    if (!out.has_filename() && out.has_parent_path() && out != out.root_path())
        out = out.parent_path(); // "/srv/app/" -> "/srv/app"
    return out.string();
}

bool is_regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The first executable regular file called `name` in the directories of `path_var`.
std::optional<std::string> find_on_path(const std::string& name, const std::string& path_var) {
    std::size_t start = 0;
    while (start <= path_var.size()) {
        auto end = path_var.find(':', start);
        if (end == std::string::npos) end = path_var.size();
        // POSIX: an empty PATH entry is the current directory.
        std::string candidate;
        if (end == start)
            candidate.push_back('.');
        else
            candidate.append(path_var, start, end - start);
        candidate.push_back('/');
        candidate.append(name);
        if (is_regular_file(candidate) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

/// PM2's interpreter-by-extension table.
std::string interpreter_for(const std::string& script) {
    const std::string ext = fs::path(script).extension().string();
    if (ext == ".js" || ext == ".mjs" || ext == ".cjs") return "node";
    if (ext == ".py") return "python3";
    if (ext == ".sh") return "bash";
    if (ext == ".rb") return "ruby";
    if (ext == ".pl") return "perl";
    if (ext == ".php") return "php";
    return "";
}

bool is_integer(const std::string& s) {
    std::string_view t = s;
    if (!t.empty() && (t.front() == '-' || t.front() == '+')) t.remove_prefix(1);
    if (t.empty()) return false;
    long long n = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    return ec == std::errc{} && end == t.data() + t.size();
}

Status resolve_cwd(Draft& d, const LoadOptions& opts) {
    if (!d.cwd) {
        d.spec.cwd = d.file_dir; // exists: the file was just read from it
        return Ok{};
    }
    d.spec.cwd = absolute_in(d.cwd_base, *d.cwd);
    if (opts.paths_elsewhere) return Ok{};
    struct stat st {};
    if (::stat(d.spec.cwd.c_str(), &st) != 0)
        return where_error(d.cwd_at, "cwd '" + d.spec.cwd + "' does not exist");
    if (!S_ISDIR(st.st_mode))
        return where_error(d.cwd_at, "cwd '" + d.spec.cwd + "' is not a directory");
    return Ok{};
}

/// Sets spec.script and spec.interpreter (the two decide together whether X_OK is needed).
Status resolve_script(Draft& d, const LoadOptions& opts) {
    const std::string& raw = d.script;
    const auto not_found = [&] {
        return where_error(d.script_at, "script '" + raw + "' not found");
    };
    std::string resolved;
    if (opts.paths_elsewhere) {
        // Another host's file system: a path, or a script an interpreter runs, is taken in
        // cwd; a bare command name stays bare (found on that host's PATH when it starts).
        const bool in_cwd = raw.find('/') != std::string::npos || !interpreter_for(raw).empty();
        d.spec.script = in_cwd ? absolute_in(d.spec.cwd, raw) : raw;
        const std::string i = d.interpreter ? *d.interpreter : interpreter_for(d.spec.script);
        d.spec.interpreter = i.find('/') != std::string::npos ? absolute_in(d.spec.cwd, i) : i;
        return Ok{};
    }
    if (raw.find('/') != std::string::npos) {
        resolved = absolute_in(d.spec.cwd, raw);
        struct stat st {};
        if (::stat(resolved.c_str(), &st) != 0) return not_found();
        // A folder is a Node package, as node runs it (PM2's template has `./service-worker/`).
        if (S_ISDIR(st.st_mode) && !is_regular_file(resolved + "/index.js"))
            return where_error(d.script_at,
                               "script '" + resolved + "' is a directory (without index.js)");
        if (S_ISDIR(st.st_mode)) resolved += "/index.js";
    } else if (const auto local = absolute_in(d.spec.cwd, raw); is_regular_file(local)) {
        resolved = local; // PM2 runs `script: app.js` from cwd before looking at PATH
    } else {
        const auto it = opts.base_env.find("PATH");
        const char* own = std::getenv("PATH");
        const std::string path_var = it != opts.base_env.end() ? it->second : own ? own : "";
        const auto hit = find_on_path(raw, path_var);
        if (!hit) return not_found();
        resolved = *hit;
    }

    if (d.interpreter) {
        // A bare interpreter name stays bare: it is looked up on PATH when the app starts.
        const std::string& i = *d.interpreter;
        d.spec.interpreter = i.find('/') != std::string::npos ? absolute_in(d.spec.cwd, i) : i;
    } else {
        d.spec.interpreter = interpreter_for(resolved);
    }

    if (d.spec.interpreter.empty()) {
        if (::access(resolved.c_str(), X_OK) != 0)
            return where_error(d.script_at, "script '" + resolved + "' is not executable");
        // Stored resolved, as PM2 does (`ls` is shown and run as /bin/ls); restarts run the
        // same program even when PATH changes.
        d.spec.script = resolved;
    } else {
        // An interpreter does not search PATH for its script, so hand it the full path.
        d.spec.script = resolved;
    }
    return Ok{};
}

Status check_increment_var(const Draft& d) {
    const std::string& var = d.spec.increment_var;
    if (var.empty()) return Ok{};
    const auto it = d.spec.env.find(var);
    if (it == d.spec.env.end())
        return where_error(d.increment_var_at,
                           "increment_var '" + var + "' is not set in the app's env");
    if (!is_integer(it->second))
        return where_error(d.increment_var_at, "increment_var '" + var + "' needs an integer " +
                                                   "in env, not '" + it->second + "'");
    return Ok{};
}

} // namespace

Status settle_name(Draft& d) {
    if (d.has_name) return Ok{};
    fs::path script(d.script);
    if (!script.has_filename()) script = script.parent_path(); // "./service-worker/"
    d.spec.name = script.stem().string();
    if (auto problem = name_problem(d.spec.name))
        return where_error(d.script_at, "app name '" + d.spec.name +
                                            "' taken from the script's file name " + *problem +
                                            "; set 'name'");
    return Ok{};
}

Result<AppSpec> finish(Draft& d, const LoadOptions& opts) {
    if (auto s = resolve_cwd(d, opts); !s) return s.error();
    if (auto s = resolve_script(d, opts); !s) return s.error();
    for (std::string* p :
         {&d.spec.out_file, &d.spec.error_file, &d.spec.log_file, &d.spec.pid_file})
        if (!p->empty()) *p = absolute_in(d.spec.cwd, *p);
    for (auto& path : d.spec.watch) path = absolute_in(d.spec.cwd, path); // "." is cwd itself
    for (auto& l : d.spec.listen)
        if (l.address.rfind("unix:", 0) == 0 && l.address.size() > 5 && l.address[5] != '/')
            l.address = "unix:" + absolute_in(d.spec.cwd, l.address.substr(5));
    if (!d.has_exec_mode)
        d.spec.exec_mode = d.spec.instances > 1 ? ExecMode::cluster : ExecMode::fork;
    // PM2 prefixes log lines whenever a log_date_format is given (`time` only supplies one).
    if (!d.spec.log_date_format.empty()) d.spec.time = true;
    if (!opts.env_profile.empty()) {
        // An app without this profile keeps its env (load() rejects a profile no app has).
        const auto it = d.profiles.find(opts.env_profile);
        if (it != d.profiles.end()) {
            for (const auto& [k, v] : it->second) d.spec.env[k] = v;
            d.spec.env_profile = opts.env_profile;
        }
    }
    if (auto s = check_increment_var(d); !s) return s.error();
    if (!d.has_gid && d.user_gid) d.spec.gid = d.user_gid;
    d.spec.base_env = opts.base_env;
    apply_pm2_keys(d, opts);
    return d.spec;
}

} // namespace rein::ecosystem_detail
