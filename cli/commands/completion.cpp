// rein completion [bash|zsh|fish|install]: prints a completion script generated from the command
// table (as `pm2 completion` does), or installs the bash one for the user. The scripts call
// `rein completion --apps` for app names: it reads a running daemon and never starts one.
#include "cli/render/completion.hpp"
#include "cli/command.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace rein::cli {

namespace {

/// The running daemon's app names, then its instance ids, one a line; nothing when no daemon
/// runs (no start: a Tab must not launch anything) or when it does not answer within 1 s.
int print_apps(Context& ctx) {
    setenv("REIN_TIMEOUT", "1", 1); // a frozen daemon must not freeze the shell
    auto client = Client::connect(ctx.paths);
    if (!client) return k_exit_ok;
    auto list = client->call("list");
    if (!list) return k_exit_ok;
    std::vector<std::string> names, ids;
    for (const auto& row : list->value("rows", nlohmann::json::array())) {
        std::string name = row.value("name", "");
        if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
        if (row.contains("id")) ids.push_back(row["id"].dump());
    }
    for (const auto& name : names) std::cout << name << "\n";
    for (const auto& id : ids) std::cout << id << "\n";
    return k_exit_ok;
}

/// Writes the bash script where bash-completion looks for a user's completions.
int install_bash() {
    const char* data = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    if ((!data || !*data) && (!home || !*home))
        return report("neither XDG_DATA_HOME nor HOME is set: nowhere to install");
    std::filesystem::path dir =
        data && *data ? std::filesystem::path(data) : std::filesystem::path(home) / ".local/share";
    dir /= "bash-completion/completions";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return report("cannot create " + dir.string() + ": " + ec.message());
    const auto file = dir / "rein";
    std::ofstream out(file, std::ios::trunc);
    out << *completion_script("bash");
    if (!out.flush()) return report("cannot write " + file.string());
    std::cout << "rein: wrote " << file.string() << " (bash-completion loads it in new shells)\n";
    return k_exit_ok;
}

} // namespace

Runner setup_completion(CLI::App& sub) {
    struct Opts {
        std::string shell = "bash";
        bool apps = false;
    };
    auto o = std::make_shared<Opts>();
    sub.add_option("shell", o->shell, "bash (default), zsh, fish, or install (bash, for you)")
        ->check(CLI::IsMember({"bash", "zsh", "fish", "install"}));
    // For the scripts themselves, so left out of help, man page and completion (no group).
    sub.add_flag("--apps", o->apps, "print the running daemon's app names and ids")->group("");
    return [o](Context& ctx) {
        if (o->apps) return print_apps(ctx);
        if (o->shell == "install") return install_bash();
        std::cout << *completion_script(o->shell);
        return k_exit_ok;
    };
}

} // namespace rein::cli
