// Starting reind at boot: startup installs and enables a systemd unit, unstartup removes it.
#include "cli/command.hpp"
#include "cli/render/systemd_unit.hpp"
#include "common/files.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace rein::cli {

namespace {

constexpr const char* k_unit_dir = "/etc/systemd/system";

struct StartupOpts {
    std::string system = "systemd";
    bool print = false;
    std::string user;
};

// Runs a program (found on PATH) and waits for it; returns a sentence when it failed.
std::string run_program(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    if (int e = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ); e != 0)
        return "cannot run " + argv[0] + ": " + std::strerror(e);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    return "'" + cmd + "' failed (status " +
           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + ")";
}

// Installing needs a machine that systemd runs (what sd_booted() checks) and root.
std::string cannot_install(const std::string& verb) {
    struct stat st {};
    if (stat("/run/systemd/system", &st) != 0 || !S_ISDIR(st.st_mode))
        return "`rein " + verb +
               "` needs a system run by systemd, and this one is not (no /run/systemd/system); "
               "`rein startup --print` shows the unit, to adapt for another init system";
    if (geteuid() != 0)
        return "`rein " + verb + "` writes to " + k_unit_dir +
               ", which needs root: run it with sudo";
    return {};
}

// What startup and unstartup act on: the unit for the user reind runs as, and the REIN_HOME it
// serves (--user's home when REIN_HOME is not set).
struct Target {
    render::UnitParams params;
    std::string name; ///< rein-USER.service
    std::string path; ///< in k_unit_dir
};

Result<Target> target(const Context& ctx, const StartupOpts& o) {
    if (o.system != "systemd")
        return make_error("failed", "'" + o.system + "' is not supported: rein knows systemd only");
    render::UnitParams p;
    p.home = ctx.paths.home;
    if (o.user.empty()) {
        passwd* pw = getpwuid(geteuid());
        if (!pw)
            return make_error("failed",
                              "cannot find the name of user " + std::to_string(geteuid()));
        p.user = pw->pw_name;
    } else {
        passwd* pw = getpwnam(o.user.c_str());
        if (!pw) return make_error("failed", "no user named '" + o.user + "'");
        p.user = o.user;
        const char* env = std::getenv("REIN_HOME");
        if (!env || !*env) p.home = std::string(pw->pw_dir) + "/.rein";
    }
    auto reind = find_reind();
    if (!reind) return reind.error();
    p.reind = *reind;
    p.rein = executable_path();
    std::string name = render::unit_name(p.user);
    return Target{p, name, std::string(k_unit_dir) + "/" + name};
}

void add_target_options(CLI::App& sub, StartupOpts& o) {
    sub.add_option("system", o.system, "the init system (systemd, the only one known)");
    sub.add_option("--user", o.user, "the user reind runs as (default: you)");
}

} // namespace

// rein startup [systemd] [--print] [--user NAME]: writes /etc/systemd/system/rein-USER.service
// and enables it, so that at boot reind starts and brings back the apps of `rein save`.
Runner setup_startup(CLI::App& sub) {
    auto o = std::make_shared<StartupOpts>();
    add_target_options(sub, *o);
    sub.add_flag("--print", o->print, "only print the unit");
    return [o](Context& ctx) {
        auto t = target(ctx, *o);
        if (!t) return report(t.error());
        std::string unit = render::systemd_unit(t->params);
        if (o->print) {
            std::cout << unit;
            return k_exit_ok;
        }
        if (auto why = cannot_install("startup"); !why.empty()) return report(why);
        const std::string &name = t->name, &path = t->path;
        if (auto s = write_file_atomically(path, unit, 0644); !s) return report(s.error());
        std::string failed = run_program({"systemctl", "daemon-reload"});
        if (failed.empty()) failed = run_program({"systemctl", "enable", name});
        if (!failed.empty()) {
            unlink(path.c_str()); // nothing half-installed
            run_program({"systemctl", "daemon-reload"});
            return report(failed + "; " + path + " was removed again");
        }
        std::cout << "installed and enabled " << path << ": at boot reind starts for "
                  << t->params.user << " and brings back the apps of `rein save` ("
                  << t->params.home << "/dump.json)\n"
                  << "run `rein save` now to keep the apps that are running\n";
        return k_exit_ok;
    };
}

// rein unstartup [systemd] [--user NAME]: disables and removes the unit of `rein startup`.
Runner setup_unstartup(CLI::App& sub) {
    auto o = std::make_shared<StartupOpts>();
    add_target_options(sub, *o);
    return [o](Context& ctx) {
        auto t = target(ctx, *o);
        if (!t) return report(t.error());
        if (auto why = cannot_install("unstartup"); !why.empty()) return report(why);
        const std::string &name = t->name, &path = t->path;
        if (access(path.c_str(), F_OK) != 0) {
            std::cerr << "rein: no " << path << " to remove\n";
            return k_exit_ok;
        }
        if (auto failed = run_program({"systemctl", "disable", name}); !failed.empty())
            return report(failed);
        if (unlink(path.c_str()) != 0)
            return report("cannot remove " + path + ": " + std::strerror(errno));
        run_program({"systemctl", "daemon-reload"});
        std::cout << "disabled and removed " << path
                  << " (the daemon running now goes on until `rein kill`)\n";
        return k_exit_ok;
    };
}

} // namespace rein::cli
