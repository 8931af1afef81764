#include "cli/global_options.hpp"

namespace rein::cli {

void add_global_options(CLI::App& app, bool& no_color, const std::string& version) {
    app.set_version_flag("-v,--version", version);
    app.add_flag("--no-color", no_color, "no colours even on a terminal");
}

void add_host_options(CLI::App& app) {
    static std::vector<std::string> hosts;
    static std::string hosts_file;
    app.add_option("--host", hosts,
                   "run on this host over ssh: ssh://[user@]host[:port] (repeatable; env "
                   "REIN_HOST, commas between several)");
    app.add_option("--hosts-file", hosts_file,
                   "run on each host this file names, one URL a line (env REIN_HOSTS_FILE)");
}

} // namespace rein::cli
