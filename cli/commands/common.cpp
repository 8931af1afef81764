// Helpers every command shares: errors, selectors, connecting, the table after a change.
#include "cli/command.hpp"
#include "cli/ecosystem_js.hpp"
#include "cli/render/table.hpp"
#include "cli/render/terminal.hpp"
#include "common/ecosystem.hpp"

#include "common/cores.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace rein::cli {

std::map<std::string, std::string> current_env() {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return env;
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string part; std::getline(ss, part, ',');)
        if (!part.empty()) out.push_back(part);
    return out;
}

std::map<std::string, std::string> caller_env() {
    if (!remote()) return current_env();
    auto env = remote_env();
    if (!env) std::exit(report(env.error()));
    return std::move(*env);
}

LoadOptions caller_load_options() {
    LoadOptions opts;
    opts.base_env = caller_env();
    char cwd[4096];
    opts.caller_cwd = getcwd(cwd, sizeof cwd) ? cwd : "/";
    // This machine's cores: over --host `instances: max` counts these too (docs/remote.md).
    opts.usable_cores = usable_cores();
    opts.paths_elsewhere = remote() != nullptr;
    opts.evaluate_js = evaluate_js_config; // common/ does not run programs; the CLI does
    opts.warn = [](const std::string& w) { std::cerr << "rein: " << w << "\n"; };
    return opts;
}

std::optional<Client> Context::connect() {
    auto c = connect_or_start(paths);
    if (!c) {
        report(c.error());
        return std::nullopt;
    }
    return std::move(*c);
}

int report(const std::string& message) {
    std::cerr << "rein: " << message << "\n";
    return k_exit_failed;
}

int report(const Error& error) {
    return report(error.message);
}

namespace {

/// A selector as the daemon reads it: an existing script file becomes its absolute path (the
/// daemon matches it against the apps' scripts); anything else is sent as typed.
std::string selector_word(const std::string& arg) {
    const bool regex = arg.size() >= 2 && arg.front() == '/' && arg.back() == '/';
    if (regex ||
        (arg.find('/') == std::string::npos && std::filesystem::path(arg).extension().empty()))
        return arg;
    struct stat st {};
    if (::stat(arg.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return arg;
    return std::filesystem::absolute(arg).lexically_normal().string();
}

} // namespace

Result<nlohmann::json> selector_params(const std::vector<std::string>& args) {
    if (args.size() == 1) return selector_params(args.front());
    std::vector<std::string> words;
    for (const auto& arg : args) {
        if (!is_ecosystem_path(arg)) {
            words.push_back(selector_word(arg));
            continue;
        }
        auto apps = load_ecosystem(arg, caller_load_options());
        if (!apps) return apps.error();
        for (const auto& a : *apps) words.push_back(a.name);
    }
    return nlohmann::json{{"selectors", words}};
}

Result<nlohmann::json> selector_params(const std::string& arg) {
    if (!is_ecosystem_path(arg)) return nlohmann::json{{"selector", selector_word(arg)}};
    auto apps = load_ecosystem(arg, caller_load_options());
    if (!apps) return apps.error();
    std::vector<std::string> names;
    for (const auto& a : *apps) names.push_back(a.name);
    return nlohmann::json{{"names", names}};
}

int show_table(Context& ctx, Client& client) {
    auto list = client.call("list", {{"fields", render::process_table_fields()}});
    if (!list) return report(list.error());
    std::cout << render::process_table(list->at("rows"), ctx.color,
                                       render::terminal_columns(STDOUT_FILENO));
    return k_exit_ok;
}

} // namespace rein::cli
