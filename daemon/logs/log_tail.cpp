#include "daemon/logs/log_tail.hpp"

#include "common/unique_fd.hpp"

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::daemon {

std::vector<std::string> tail_lines(const std::string& path, std::size_t count) {
    std::vector<std::string> lines;
    if (count == 0) return lines;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return lines;

    // Read blocks from the end until the buffer holds `count` newlines before its last line.
    constexpr off_t k_block = 64 * 1024;
    off_t end = st.st_size;
    std::string buf; // the file's tail, from offset `end`
    std::size_t newlines = 0;
    while (end > 0) {
        off_t start = std::max<off_t>(0, end - k_block);
        std::string block(std::size_t(end - start), '\0');
        ssize_t n = pread(fd.get(), block.data(), block.size(), start);
        if (n <= 0) break;
        block.resize(std::size_t(n));
        newlines += std::size_t(std::count(block.begin(), block.end(), '\n'));
        buf.insert(0, block);
        end = start;
        if (newlines > count) break; // one more than needed: the line before is complete
    }
    std::size_t stop = buf.size();
    if (!buf.empty() && buf.back() == '\n') --stop; // the file's final newline ends, not starts
    while (lines.size() < count) {
        std::size_t nl = stop == 0 ? std::string::npos : buf.rfind('\n', stop - 1);
        std::size_t begin = nl == std::string::npos ? 0 : nl + 1;
        if (nl == std::string::npos && end > 0) break; // a line longer than what was read
        lines.push_back(buf.substr(begin, stop - begin));
        if (nl == std::string::npos) break;
        stop = nl;
    }
    std::reverse(lines.begin(), lines.end());
    return lines;
}

} // namespace rein::daemon
