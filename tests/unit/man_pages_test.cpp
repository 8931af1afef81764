// The generated man pages and completion scripts against the tables they come from: every
// command, alias and option of the CLI, every reind flag and signal, every ecosystem key, every
// environment variable the sources read.
#include "cli/command.hpp"
#include "cli/global_options.hpp"
#include "cli/render/completion.hpp"
#include "cli/run.hpp"
#include "common/ecosystem.hpp"
#include "common/env_vars.hpp"
#include "common/pm2_keys.hpp"
#include "common/signals.hpp"
#include "daemon/flags.hpp"
#include "tools/man/pages.hpp"
#include "tools/man/roff.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

using namespace rein;

namespace {

bool mentions(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// Every command of the table with its CLI11 subcommand, read here independently of
/// command_docs() so that a mistake there shows.
struct Declared {
    std::string name;
    std::vector<std::string> aliases, options, args;
};

std::vector<Declared> declared_commands() {
    std::vector<Declared> out;
    CLI::App root;
    for (const auto& def : cli::command_table()) {
        CLI::App* sub = root.add_subcommand(def.name, def.help);
        def.setup(*sub);
        Declared d{def.name, def.aliases, {}, {}};
        for (const CLI::Option* opt : sub->get_options()) {
            if (opt == sub->get_help_ptr() || opt->get_group().empty()) continue;
            if (!opt->nonpositional()) d.args.push_back(opt->get_name());
            for (const auto& s : opt->get_snames()) d.options.push_back("-" + s);
            for (const auto& l : opt->get_lnames()) d.options.push_back("--" + l);
        }
        out.push_back(d);
    }
    return out;
}

} // namespace

TEST_CASE("rein(1) names every command, alias, argument and option of the command table") {
    const std::string page = man::rein_page();
    const auto commands = declared_commands();
    REQUIRE(commands.size() == cli::command_table().size());
    for (const auto& cmd : commands) {
        CAPTURE(cmd.name);
        CHECK(mentions(page, ".TP\n" + man::bold(cmd.name)));
        for (const auto& alias : cmd.aliases) CHECK(mentions(page, man::bold(alias)));
        for (const auto& arg : cmd.args) CHECK(mentions(page, man::italic(arg)));
        for (const auto& opt : cmd.options) CHECK(mentions(page, man::bold(opt)));
    }
    for (const char* global : {"--no-color", "--version", "-v", "--help"})
        CHECK(mentions(page, man::bold(global)));
    const auto exit_section = page.substr(page.find(".SH EXIT STATUS\n"));
    for (int code : {cli::k_exit_ok, cli::k_exit_failed, cli::k_exit_usage})
        CHECK(mentions(exit_section, ".TP\n" + std::to_string(code) + "\n"));
    CHECK(mentions(page, man::italic("$REIN_HOME/rein.sock")));
    CHECK(mentions(page, man::bold("REIN_TIMEOUT")));
    // The completion command's own helper flag is for the scripts: not on the page.
    CHECK_FALSE(mentions(page, man::bold("--apps")));
}

TEST_CASE("the bash script completes every command, alias and option of the command table") {
    const std::string script = *cli::completion_script("bash");
    for (const auto& cmd : declared_commands()) {
        CAPTURE(cmd.name);
        // Each command has its own case branch: "name|alias|...)".
        std::string pattern = cmd.name;
        for (const auto& alias : cmd.aliases) pattern += "|" + alias;
        const auto at = script.find("    " + pattern + ")\n");
        REQUIRE(at != std::string::npos);
        std::string branch = script.substr(at, script.find(";;", at) - at);
        std::replace(branch.begin(), branch.end(), '"', ' '); // opts="-a --b": words apart
        for (const auto& opt : cmd.options) CHECK(mentions(branch, " " + opt + " "));
    }
    CHECK(mentions(script, "complete -F _rein rein"));
    CHECK(mentions(script, "SIGUSR2"));
    for (const char* shell : {"zsh", "fish"}) {
        auto other = cli::completion_script(shell);
        REQUIRE(other);
        for (const auto& cmd : declared_commands()) CHECK(mentions(*other, cmd.name));
    }
    CHECK_FALSE(cli::completion_script("tcsh"));
}

TEST_CASE("completion: positionals complete by their kind, ecosystem globs match the parser") {
    for (auto glob : cli::k_ecosystem_globs)
        CHECK(is_ecosystem_path("x" + std::string(glob.substr(1))));
    auto kinds = [](const std::string& name) {
        for (const auto& cmd : cli::command_docs())
            if (cmd.name == name) {
                std::vector<cli::ArgKind> out;
                for (const auto& arg : cmd.args) out.push_back(cli::arg_kind(arg));
                return out;
            }
        return std::vector<cli::ArgKind>{};
    };
    CHECK(kinds("stop") == std::vector{cli::ArgKind::selector});
    CHECK(kinds("start") == std::vector{cli::ArgKind::files});
    CHECK(kinds("signal") == std::vector{cli::ArgKind::signal, cli::ArgKind::selector});
    CHECK(kinds("startOrReload") == std::vector{cli::ArgKind::ecosystem});
    const auto signals = cli::signal_words();
    CHECK(std::find(signals.begin(), signals.end(), "SIGTERM") != signals.end());
    for (const auto& s : signals) CHECK(parse_signal(s));
}

TEST_CASE("reind(8) names every flag and handled signal, the table --help is printed from") {
    const std::string page = man::reind_page();
    for (const auto& f : daemon::daemon_flags()) {
        CAPTURE(f.name);
        CHECK(mentions(page, man::bold(f.name)));
        CHECK(daemon::find_daemon_flag(f.name) == &f);
        if (f.short_name) CHECK(daemon::find_daemon_flag(f.short_name) == &f);
    }
    CHECK(daemon::find_daemon_flag("--nope") == nullptr);
    for (const auto& s : daemon::daemon_signals())
        CHECK(mentions(page, man::bold(signal_name(s.number))));
    CHECK(mentions(page, "Type=notify"));
    CHECK(mentions(page, man::bold("REIN_PRELOAD")));
}

TEST_CASE("rein-ecosystem(5) names every key of the parser's table, with defaults and aliases") {
    const std::string page = man::ecosystem_page();
    for (const Pm2Key& k : pm2_keys()) {
        CAPTURE(k.name);
        CHECK(mentions(page, man::bold(k.name)));
        // A rein key says what it is when the file leaves it out.
        if (k.kind == Pm2KeyKind::rein) CHECK_FALSE(k.default_value.empty());
    }
    CHECK(mentions(page, ".TP\n" + man::bold("kill_timeout") + "\n"));
    CHECK(mentions(page, "Default: 1600."));
    CHECK(mentions(page, "Also: " + man::bold("exec") + "."));
    CHECK(mentions(page, ".SH PM2 SERVICE KEYS\n"));
}

TEST_CASE("every environment variable the sources read or set for apps is in the table") {
    std::set<std::string> known;
    for (const auto& v : env_vars()) known.insert(std::string(v.name));
    // Sanitizer settings are passed through for sanitizer builds only: not user-facing.
    const std::set<std::string> internal = {"ASAN_OPTIONS"};
    const std::regex reads(R"re(getenv\("([A-Z_0-9]+)"\))re");
    const std::regex sets(R"re(env\["([A-Z_0-9]+)"\]\s*=)re");
    int seen = 0;
    for (const char* dir : {"cli", "common", "daemon", "holder", "preload"}) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(
                 std::string(REIN_SOURCE_DIR) + "/" + dir)) {
            const auto ext = entry.path().extension();
            if (ext != ".cpp" && ext != ".hpp" && ext != ".c" && ext != ".h") continue;
            std::ifstream in(entry.path());
            std::stringstream text;
            text << in.rdbuf();
            const std::string s = text.str();
            for (const auto* re : {&reads, &sets})
                for (std::sregex_iterator it(s.begin(), s.end(), *re), end; it != end; ++it) {
                    const std::string name = (*it)[1];
                    CAPTURE(entry.path().string());
                    CAPTURE(name);
                    ++seen;
                    CHECK((known.count(name) || internal.count(name)));
                }
        }
    }
    CHECK(seen > 10); // the scan did find the sources
}

TEST_CASE("the global options of the man page and completion are those rein --help shows") {
    // run() builds its own command line; until it calls add_global_options, this is what keeps
    // the two lists equal.
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    std::vector<std::string> words = {"rein", "--help"};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    const int code = cli::run(int(argv.size()), argv.data());
    std::cout.rdbuf(old);
    CHECK(code == 0);
    const std::string help = captured.str();
    CHECK(help.rfind(std::string("rein: ") + cli::k_rein_summary + "\n", 0) == 0);
    std::set<std::string> shown;
    const auto from = help.find("Options:\n"), to = help.find("Subcommands:");
    REQUIRE(from != std::string::npos);
    std::istringstream lines(help.substr(from, to - from));
    for (std::string line; std::getline(lines, line);) {
        std::istringstream first(line);
        std::string names;
        first >> names; // "-h,--help"
        if (names.empty() || names[0] != '-') continue;
        std::istringstream parts(names);
        for (std::string name; std::getline(parts, name, ',');) shown.insert(name);
    }
    std::set<std::string> documented;
    for (const auto& opt : cli::global_option_docs())
        documented.insert(opt.names.begin(), opt.names.end());
    CHECK(shown == documented);
}
