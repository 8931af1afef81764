#include "cli/host_dispatch.hpp"

#include "cli/command.hpp"
#include "cli/host_children.hpp"
#include "cli/render/table.hpp"
#include "cli/render/terminal.hpp"
#include "cli/ssh_transport.hpp"
#include "common/files.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace rein::cli {

namespace {

constexpr std::size_t k_max_hosts_file_bytes = 1024 * 1024;

// The canonical name of the command the words name (the first word not an option), "" when
// there is none, or the word itself when it names no command.
std::string command_name(const std::vector<char*>& argv) {
    for (std::size_t i = 1; i < argv.size(); ++i) {
        const char* w = argv[i];
        if (!std::strcmp(w, "--")) break;
        if (w[0] == '-' || w[0] == '\0') continue;
        for (const auto& def : command_table()) {
            if (w == std::string(def.name)) return def.name;
            for (const auto& alias : def.aliases)
                if (w == alias) return def.name;
        }
        return w;
    }
    return {};
}

// Commands about this machine itself: refused over --host (run them on the host, over ssh).
bool local_only(const std::string& cmd) {
    for (const char* c : {"startup", "unstartup", "run", "import", "proxy", "ecosystem"})
        if (cmd == c) return true;
    return false;
}

std::vector<std::string> words_after_command(const std::vector<char*>& argv) {
    std::vector<std::string> out;
    for (std::size_t i = 1; i < argv.size(); ++i) out.emplace_back(argv[i]);
    return out;
}

bool has_word(const std::vector<char*>& argv, const char* word) {
    for (std::size_t i = 1; i < argv.size(); ++i)
        if (!std::strcmp(argv[i], "--"))
            break;
        else if (!std::strcmp(argv[i], word))
            return true;
    return false;
}

// ls/jlist on several hosts: each host's jlist at once, one array with a "host" field.
int list_hosts(const std::vector<HostUrl>& hosts, const std::vector<char*>& argv, bool table) {
    std::vector<HostChild> children;
    for (const auto& h : hosts) children.push_back(spawn_for_host(h, {"jlist"}));
    std::vector<std::string> text(children.size());
    drain_children(children, [&](const HostChild& c, const std::string& line) {
        text[std::size_t(&c - children.data())] += line;
    });
    nlohmann::json rows = nlohmann::json::array();
    int code = k_exit_ok;
    for (std::size_t i = 0; i < children.size(); ++i) {
        auto parsed = nlohmann::json::parse(text[i], nullptr, false);
        if (children[i].status != 0 || !parsed.is_array()) {
            // The child said why on stderr, naming the host.
            std::cerr << "rein: " << hosts[i].label << ": no process list (exit "
                      << children[i].status << ")\n";
            code = k_exit_failed;
            continue;
        }
        for (auto& row : parsed) {
            row["host"] = hosts[i].label;
            rows.push_back(std::move(row));
        }
    }
    if (table) {
        bool color =
            !has_word(argv, "--no-color") && !std::getenv("NO_COLOR") && isatty(STDOUT_FILENO);
        std::cout << render::process_table(rows, color, render::terminal_columns(STDOUT_FILENO));
    } else {
        std::cout << rows.dump() << "\n";
    }
    return code;
}

// Prints each line a child writes as "host | line".
void print_prefixed(const HostChild& c, const std::string& line) {
    std::cout << c.host->label << " | " << line << "\n" << std::flush;
}

// logs: every host at once (a follow too), each line prefixed by its host.
int logs_hosts(const std::vector<HostUrl>& hosts, const std::vector<char*>& argv) {
    std::vector<HostChild> children;
    for (const auto& h : hosts) children.push_back(spawn_for_host(h, words_after_command(argv)));
    drain_children(children, print_prefixed);
    int code = k_exit_ok;
    for (const auto& c : children)
        if (c.status != 0) code = c.status;
    return code;
}

// Any other command: host by host in the order given, stopping at the first that fails (a
// rolling deploy goes no further than a broken host).
int each_host(const std::vector<HostUrl>& hosts, const std::vector<char*>& argv) {
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        std::vector<HostChild> one{spawn_for_host(hosts[i], words_after_command(argv))};
        drain_children(one, print_prefixed);
        if (one[0].status == 0) continue;
        std::string rest;
        for (std::size_t j = i + 1; j < hosts.size(); ++j)
            rest += (rest.empty() ? "" : ", ") + hosts[j].label;
        std::cerr << "rein: failed on " << hosts[i].label << " (exit " << one[0].status << ")"
                  << (rest.empty() ? std::string() : "; not run on " + rest) << "\n";
        return one[0].status;
    }
    return k_exit_ok;
}

} // namespace

bool wants_hosts(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (argv[i][0] != '-') continue;
        if (!std::strcmp(argv[i], "--")) break;
        if (!std::strncmp(argv[i], "--host", 6)) return true;
    }
    const char* h = std::getenv("REIN_HOST");
    const char* f = std::getenv("REIN_HOSTS_FILE");
    return (h && *h) || (f && *f);
}

int run_with_hosts(int argc, char** argv, int (*run_here)(int, char**)) {
    HostArgs args = extract_host_args(argc, argv);
    if (!args.error.empty()) {
        std::cerr << "rein: " << args.error << "\n";
        return k_exit_usage;
    }
    const std::string cmd = command_name(args.rest);
    const bool flagged = !args.hosts.empty() || !args.hosts_file.empty();
    int rest_argc = int(args.rest.size());
    args.rest.push_back(nullptr);
    // rein proxy runs on the host: a REIN_HOST in the host's own environment is not for it.
    if (cmd == "proxy" && !flagged) return run_here(rest_argc, args.rest.data());
    // Help, version and an unknown command's error are this rein's.
    const bool known = std::any_of(command_table().begin(), command_table().end(),
                                   [&](const CommandDef& def) { return cmd == def.name; });
    if (!known) return run_here(rest_argc, args.rest.data());

    std::string file = args.hosts_file;
    if (file.empty())
        if (const char* f = std::getenv("REIN_HOSTS_FILE"); f && *f && !flagged) file = f;
    std::string file_text;
    if (!file.empty()) {
        auto text = read_whole_file(file, k_max_hosts_file_bytes);
        if (!text) {
            std::cerr << "rein: cannot read the hosts file " << file << ": " << text.error().message
                      << "\n";
            return k_exit_usage;
        }
        file_text = std::move(*text);
    }
    // Options on the command line replace both variables.
    auto hosts = resolve_hosts(args.hosts, flagged ? nullptr : std::getenv("REIN_HOST"), file_text);
    if (!hosts) {
        std::cerr << "rein: " << hosts.error().message << "\n";
        return k_exit_usage;
    }
    if (hosts->empty()) {
        std::cerr << "rein: the hosts file " << file << " names no host\n";
        return k_exit_usage;
    }
    if (local_only(cmd)) {
        std::cerr << "rein: '" << cmd << "' works on this machine only, not over --host (run it "
                  << "on the host: ssh HOST rein " << cmd << ")\n";
        return k_exit_usage;
    }
    if (hosts->size() == 1) {
        set_remote(hosts->front());
        return run_here(rest_argc, args.rest.data());
    }
    args.rest.pop_back();
    if (cmd == "monit") {
        std::cerr << "rein: monit shows one host; give one --host\n";
        return k_exit_usage;
    }
    if (cmd == "list" || cmd == "jlist") return list_hosts(*hosts, args.rest, cmd == "list");
    if (cmd == "logs") return logs_hosts(*hosts, args.rest);
    return each_host(*hosts, args.rest);
}

} // namespace rein::cli
