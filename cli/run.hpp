#pragma once
// The CLI's entry point: parses the command line with CLI11 and runs one subcommand.

namespace rein::cli {

/// Runs `rein` with these arguments; returns the exit status (0 ok, 1 failed, 2 usage).
int run(int argc, char** argv);

} // namespace rein::cli
