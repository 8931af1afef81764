#include "cli/run.hpp"

#include "cli/command.hpp"
#include "cli/global_options.hpp"
#include "cli/host_dispatch.hpp"
#include "common/version.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace rein::cli {

namespace {

bool is_help_flag(const char* word) {
    return !std::strcmp(word, "-h") || !std::strcmp(word, "--help") ||
           !std::strcmp(word, "--help-all");
}

bool names(const CommandDef& def, const std::string& word) {
    if (word == def.name) return true;
    for (const auto& alias : def.aliases)
        if (word == alias) return true;
    return false;
}

int run_local(int argc, char** argv);

} // namespace

int run(int argc, char** argv) {
    if (wants_hosts(argc, argv)) return run_with_hosts(argc, argv, run_local);
    return run_local(argc, argv);
}

namespace {

// The command line run in this process: against the local daemon, or the one remote host
// that set_remote() named.
int run_local(int argc, char** argv) {
    CLI::App app{std::string("rein: ") + k_rein_summary, "rein"};
    app.require_subcommand(1);
    bool no_color = false;
    add_global_options(app, no_color, version_line("rein"));

    // The first word that is not an option names the command (no global option takes a value).
    // Only that command's CLI11 subcommand is built: building all of them took most of the
    // CLI's start-up. Help with no command yet (`rein --help`, `rein --help ls`) lists them all.
    const CommandDef* chosen = nullptr;
    bool help_first = false;
    std::vector<std::string> passthrough;
    for (int i = 1; i < argc; ++i) {
        if (is_help_flag(argv[i])) help_first = true;
        if (argv[i][0] == '-' || argv[i][0] == '\0') continue;
        std::string word = argv[i];
        for (const auto& def : command_table())
            if (names(def, word)) chosen = &def;
        // An unknown command gets its own sentence rather than CLI11's "a subcommand is
        // required".
        if (!chosen) {
            std::cerr << "rein: unknown command '" << word << "' (see rein --help)\n";
            return k_exit_usage;
        }
        // `start a.js b.js -- x`: the words before `--` are scripts, those after are arguments
        // (PM2's rule). CLI11 would mix both into one list, so they are kept aside here.
        if (!std::strcmp(chosen->name, "start"))
            for (int j = i + 1; j < argc; ++j)
                if (std::string(argv[j]) == "--") {
                    passthrough.assign(argv + j + 1, argv + argc);
                    argc = j;
                    break;
                }
        break;
    }

    if (help_first || !chosen) add_host_options(app); // shown in help, never parsed
    // Each subcommand fills its Runner when parsed; only the chosen one runs.
    std::vector<std::pair<CLI::App*, Runner>> runners;
    for (const auto& def : command_table()) {
        if (&def != chosen && !(help_first || (!chosen && argc <= 1))) continue;
        CLI::App* sub = app.add_subcommand(def.name, def.help);
        sub->fallthrough(); // `rein ls --no-color` works as well as `rein --no-color ls`
        for (const auto& alias : def.aliases) sub->alias(alias);
        if (def.hidden) sub->group(""); // plumbing: in the man page, not in the list
        runners.emplace_back(sub, def.setup(*sub));
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "rein: " << e.what() << " (see rein --help)\n";
        return k_exit_usage;
    }

    Context ctx;
    auto paths = resolve_paths();
    if (!paths) return report(paths.error());
    ctx.paths = *paths;
    ctx.passthrough = std::move(passthrough);
    ctx.color = !no_color && std::getenv("NO_COLOR") == nullptr && isatty(STDOUT_FILENO);
    for (auto& [sub, runner] : runners)
        if (sub->parsed()) return runner(ctx);
    return k_exit_usage;
}

} // namespace

} // namespace rein::cli
