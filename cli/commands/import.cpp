// rein import: PM2's saved process list becomes rein apps (docs/import.md).
#include "cli/command.hpp"
#include "common/files.hpp"
#include "common/pm2_dump.hpp"
#include "common/spec_check.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

namespace rein::cli {

namespace {

// A real dump is a few KiB per process; this bounds what one bad path makes rein read.
constexpr std::size_t k_max_dump_bytes = 64 * 1024 * 1024;

std::string summary(const AppSpec& s) {
    std::string out = s.name + ": " + std::to_string(s.instances) +
                      (s.instances == 1 ? " instance, " : " instances, ") + to_string(s.exec_mode) +
                      ", " + (s.interpreter.empty() ? "" : s.interpreter + " ") + s.script;
    if (s.namespace_name != "default") out += ", namespace " + s.namespace_name;
    if (!s.autostart) out += " (stopped, as in PM2)";
    return out;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

int run_import(Context& ctx, const std::string& arg) {
    const std::string path =
        arg.empty() ? default_pm2_dump_path(std::getenv("PM2_HOME"), std::getenv("HOME")) : arg;
    auto text = read_whole_file(path, k_max_dump_bytes);
    if (!text && text.error().code == "not_found")
        return report("no PM2 dump at " + path + " (pm2 save writes it; or name the file)");
    if (!text) return report("cannot read " + path + ": " + text.error().message);
    // The dump lives in PM2's home: its logs/ and pids/ hold PM2's default files.
    const std::string pm2_home =
        std::filesystem::absolute(path).lexically_normal().parent_path().string();
    auto dump = convert_pm2_dump(*text, pm2_home);
    if (!dump) return report(path + ": " + dump.error().message);

    bool failed = false;
    for (const auto& why : dump->skipped) {
        std::cerr << "rein: skipped " << why << "\n";
        failed = true;
    }
    if (dump->apps.empty() && !failed) {
        std::cout << "nothing to import: " << path << " lists no apps\n";
        return k_exit_ok;
    }

    auto client = ctx.connect();
    if (!client) return k_exit_failed;
    auto list = client->call("list");
    if (!list) return report(list.error());
    std::set<std::string> present;
    for (const auto& row : list->at("rows")) present.insert(row.value("name", ""));

    // PM2's resurrect does not touch a process that is already there; neither does import.
    std::vector<AppSpec> specs;
    std::vector<const Pm2App*> taken;
    for (const auto& app : dump->apps) {
        if (present.count(app.spec.name)) {
            std::cerr << "rein: " << app.spec.name << " is already present, left as it is\n";
            continue;
        }
        // Checked one by one here, so one app whose script is gone does not hold back the rest
        // (the daemon's start takes a request whole or not at all).
        if (auto ok = check_spec(app.spec); !ok) {
            std::cerr << "rein: skipped " << ok.error().message << "\n";
            failed = true;
            continue;
        }
        specs.push_back(app.spec);
        taken.push_back(&app);
    }
    if (!specs.empty()) {
        auto reply = client->call("start", apps_request(specs));
        if (!reply) return report(reply.error());
    }
    for (const Pm2App* app : taken) {
        std::cout << "imported " << summary(app->spec) << "\n";
        if (!app->ignored.empty())
            std::cout << "  ignored (no use in rein): " << joined(app->ignored) << "\n";
        for (const auto& note : app->notes)
            std::cerr << "rein: " << app->spec.name << ": " << note << "\n";
    }
    int shown = show_table(ctx, *client);
    return failed ? k_exit_failed : shown;
}

} // namespace

// rein import [PATH]
Runner setup_import(CLI::App& sub) {
    auto path = std::make_shared<std::string>();
    sub.add_option("path", *path, "PM2's dump (default $PM2_HOME/dump.pm2, else ~/.pm2/dump.pm2)");
    return [path](Context& ctx) { return run_import(ctx, *path); };
}

} // namespace rein::cli
