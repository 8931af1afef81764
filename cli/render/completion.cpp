#include "cli/render/completion.hpp"

#include "common/signals.hpp"

#include <algorithm>
#include <cctype>
#include <csignal>

namespace rein::cli {

ArgKind arg_kind(const OptionDoc& arg) {
    const std::string& name = arg.names.front();
    if (name == "selector") return ArgKind::selector;
    if (name == "name" || name == "id") return ArgKind::apps;
    if (name == "target" || name == "path") return ArgKind::files;
    if (name == "ecosystem") return ArgKind::ecosystem;
    if (name == "signal") return ArgKind::signal;
    return ArgKind::none;
}

std::vector<std::string> signal_words() {
    std::vector<std::string> out;
    for (int n = 1; n < SIGRTMIN; ++n) {
        std::string name = signal_name(n);
        // Numbers without a standard name come back as "SIG<n>": `rein signal 33` is typed so.
        if (name.size() > 3 && !std::isdigit(static_cast<unsigned char>(name[3])) &&
            std::find(out.begin(), out.end(), name) == out.end())
            out.push_back(name);
    }
    return out;
}

std::optional<std::string> completion_script(std::string_view shell) {
    if (shell == "bash") return bash_script(command_docs(), global_option_docs());
    if (shell == "zsh") return zsh_script(command_docs(), global_option_docs());
    if (shell == "fish") return fish_script(command_docs(), global_option_docs());
    return std::nullopt;
}

} // namespace rein::cli
