#include "cli/global_options.hpp"

namespace rein::cli {

void add_global_options(CLI::App& app, bool& no_color, const std::string& version) {
    app.set_version_flag("-v,--version", version);
    app.add_flag("--no-color", no_color, "no colours even on a terminal");
}

} // namespace rein::cli
