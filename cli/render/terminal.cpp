#include "cli/render/terminal.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>
#include <sys/ioctl.h>
#include <unistd.h>

namespace rein::cli::render {

std::size_t terminal_columns(int fd) {
    if (const char* env = std::getenv("COLUMNS")) {
        std::string_view s(env);
        std::size_t n = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec == std::errc() && end == s.data() + s.size() && n > 0) return n;
    }
    winsize ws{};
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 0;
}

} // namespace rein::cli::render
