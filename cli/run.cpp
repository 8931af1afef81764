#include "cli/run.hpp"

#include "cli/command.hpp"
#include "common/version.hpp"

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace rein::cli {

int run(int argc, char** argv) {
    CLI::App app{"rein: a process manager for programs in any language (PM2's workflow)", "rein"};
    app.require_subcommand(1);
    app.set_version_flag("-v,--version", version_line("rein"));
    bool no_color = false;
    app.add_flag("--no-color", no_color, "no colours even on a terminal");

    // Each subcommand fills its Runner when parsed; only the chosen one runs.
    std::vector<std::pair<CLI::App*, Runner>> runners;
    for (const auto& def : command_table()) {
        CLI::App* sub = app.add_subcommand(def.name, def.help);
        sub->fallthrough(); // `rein ls --no-color` works as well as `rein --no-color ls`
        for (const auto& alias : def.aliases) sub->alias(alias);
        runners.emplace_back(sub, def.setup(*sub));
    }

    // The first word that is not an option names the command: an unknown one gets its own
    // sentence rather than CLI11's "a subcommand is required".
    std::vector<std::string> passthrough;
    for (int i = 1; i < argc; ++i) {
        std::string word = argv[i];
        if (word.empty() || word[0] == '-') continue;
        auto named = app.get_subcommands([&](CLI::App* sub) { return sub->check_name(word); });
        if (named.empty()) {
            std::cerr << "rein: unknown command '" << word << "' (see rein --help)\n";
            return k_exit_usage;
        }
        // `start a.js b.js -- x`: the words before `--` are scripts, those after are arguments
        // (PM2's rule). CLI11 would mix both into one list, so they are kept aside here.
        if (named.front()->get_name() == "start")
            for (int j = i + 1; j < argc; ++j)
                if (std::string(argv[j]) == "--") {
                    passthrough.assign(argv + j + 1, argv + argc);
                    argc = j;
                    break;
                }
        break;
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

} // namespace rein::cli
