#pragma once
// How wide the user's terminal is, for output that must fit it (the process table).
#include <cstddef>

namespace rein::cli::render {

/// $COLUMNS when set to a number (the user's explicit width), else the width of the terminal
/// on `fd`, else 0: not a terminal, no limit (pipes and files get the full layout).
std::size_t terminal_columns(int fd);

} // namespace rein::cli::render
