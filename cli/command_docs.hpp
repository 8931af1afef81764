#pragma once
// What the man page and the completion scripts say about rein's command line, read from the
// CLI11 subcommands `rein` itself parses with (every command_table() entry's setup), so that
// neither can miss a command or an option.
#include <string>
#include <vector>

namespace rein::cli {

/// One option or positional argument.
struct OptionDoc {
    /// "-a", "--update-env" for an option; the argument's name ("selector") for a positional.
    std::vector<std::string> names;
    std::string value; ///< what a value looks like ("TEXT", "INT"); empty for a flag
    std::string help;
    bool positional = false;
    bool required = false;
    bool repeated = false; ///< takes several values (a positional: several words)
};

/// One command of `rein`.
struct CommandDoc {
    std::string name;
    std::string help;
    std::vector<std::string> aliases;
    std::vector<OptionDoc> args;    ///< positionals, in order
    std::vector<OptionDoc> options; ///< named options, in declaration order, without -h/--help
};

/// Every command of command_table(), in its order. Options in no group (CLI11's hidden ones)
/// are left out.
std::vector<CommandDoc> command_docs();

/// rein's own options (add_global_options, and -h/--help).
std::vector<OptionDoc> global_option_docs();

} // namespace rein::cli
