#include "common/files.hpp"

#include "common/unique_fd.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace rein {

Result<std::string> read_all(int fd, std::size_t limit) {
    std::string out;
    char buf[65536];
    while (true) {
        if (out.size() > limit)
            return make_error("too_large", "larger than " + std::to_string(limit) + " bytes");
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        // e.g. EISDIR: open() of a directory succeeds, read() fails
        if (n < 0) return make_error("failed", std::strerror(errno));
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

Status write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error("failed", std::strerror(n < 0 ? errno : EIO));
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return Ok{};
}

std::string executable_path() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

Result<std::string> read_whole_file(const std::string& path, std::size_t limit) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return make_error(errno == ENOENT ? "not_found" : "failed", std::strerror(errno));
    return read_all(fd.get(), limit);
}

Status write_file_atomically(const std::string& path, const std::string& text, int mode) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return make_error("failed", "cannot write " + tmp + ": " + std::strerror(errno));
    int err = write_all(fd, text) && fsync(fd) == 0 ? 0 : (errno ? errno : EIO);
    ::close(fd);
    if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
        ::unlink(tmp.c_str());
        return make_error("failed", "cannot write " + path + ": " + std::strerror(err));
    }
    return Ok{};
}

} // namespace rein
