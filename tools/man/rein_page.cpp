// rein(1), from command_docs() (the command table's CLI11 declarations) and the exit codes.
#include "cli/command.hpp"
#include "cli/command_docs.hpp"
#include "cli/global_options.hpp"
#include "tools/man/pages.hpp"
#include "tools/man/roff.hpp"

namespace rein::man {

namespace {

/// "-a, --update-env TEXT" in roff.
std::string option_label(const cli::OptionDoc& opt) {
    std::string out;
    for (const auto& name : opt.names) out += (out.empty() ? "" : ", ") + bold(name);
    if (!opt.value.empty()) out += " " + italic(opt.value);
    return out;
}

/// "start [options] target..." for a command's paragraph tag.
std::string command_line(const cli::CommandDoc& cmd) {
    std::string out = bold(cmd.name);
    if (!cmd.options.empty()) out += " [" + italic("options") + "]";
    for (const auto& arg : cmd.args) {
        std::string a = italic(arg.names.front()) + (arg.repeated ? "..." : "");
        out += " " + (arg.required ? a : "[" + a + "]");
    }
    return out;
}

/// The help text as a sentence: its own words (a leading `all` or `bash` stays as typed), a period.
std::string sentence(std::string s) {
    if (!s.empty() && s.back() != '.') s += '.';
    return s;
}

std::string command_entry(const cli::CommandDoc& cmd) {
    std::string out = ".TP\n" + command_line(cmd) + "\n" + text(sentence(cmd.help)) + "\n";
    if (!cmd.aliases.empty()) {
        std::string names;
        for (const auto& a : cmd.aliases) names += (names.empty() ? "" : ", ") + bold(a);
        out += ".br\nAlso: " + names + ".\n";
    }
    if (cmd.args.empty() && cmd.options.empty()) return out;
    out += ".RS\n";
    for (const auto& arg : cmd.args)
        out += ".TP\n" + italic(arg.names.front()) + "\n" + text(sentence(arg.help)) + "\n";
    for (const auto& opt : cmd.options)
        out += ".TP\n" + option_label(opt) + "\n" + text(sentence(opt.help)) + "\n";
    return out + ".RE\n";
}

} // namespace

std::string rein_page() {
    std::string out = header("rein", 1, cli::k_rein_summary);
    out += ".SH SYNOPSIS\n" + bold("rein") + " [" + italic("global options") + "] " +
           italic("command") + " [" + italic("options") + "] [" + italic("arguments") + "]\n.br\n" +
           bold("rein") + " " + bold("--version") + "\n";
    out += ".SH DESCRIPTION\n" +
           text("`rein` keeps programs running: it starts them, restarts them when they exit, "
                "captures their output into log files, and runs several instances of one "
                "behind shared sockets. The programs are described by an ecosystem file "
                "(rein-ecosystem(5), the keys of PM2's) or named on the command line.") +
           "\n.PP\n" +
           text("The apps belong to a daemon, reind(8), which `rein` starts on first use (one "
                "per REIN_HOME) and talks to through a Unix socket. The daemon outlives the "
                "shell; `rein startup` makes it start at boot.") +
           "\n.PP\n" +
           text("Commands that take a selector accept `all`, an instance id, an app name, a "
                "namespace, or an ecosystem file (its apps). The commands and their names are "
                "PM2's: a PM2 user's habits and scripts work unchanged.") +
           "\n";
    out += ".SH COMMANDS\n";
    for (const auto& cmd : cli::command_docs()) out += command_entry(cmd);
    out += ".SH GLOBAL OPTIONS\n" + text("These go before or after the command.") + "\n";
    for (const auto& opt : cli::global_option_docs())
        out += ".TP\n" + option_label(opt) + "\n" + text(sentence(opt.help)) + "\n";
    out += ".SH EXIT STATUS\n.TP\n" + std::to_string(cli::k_exit_ok) + "\n" + text("Success.") +
           "\n.TP\n" + std::to_string(cli::k_exit_failed) + "\n" +
           text("The command failed: the daemon refused it, an app or file was not found, the "
                "daemon could not be reached or started. The reason is on stderr.") +
           "\n.TP\n" + std::to_string(cli::k_exit_usage) + "\n" +
           text("The command line is wrong (an unknown command or option, a missing argument).") +
           "\n";
    out += ".SH ENVIRONMENT\n" + environment_entries(false);
    out += ".SH FILES\n" + files_entries();
    out += ".SH SEE ALSO\n" + bold("reind") + "(8), " + bold("rein-ecosystem") + "(5), " +
           bold("pm2") + "(1)\n";
    return out;
}

} // namespace rein::man
