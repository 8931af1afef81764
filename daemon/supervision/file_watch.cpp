#include "daemon/supervision/file_watch.hpp"

#include "daemon/reactor/reactor.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fnmatch.h>
#include <fstream>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::daemon {

namespace {

constexpr std::uint32_t k_watch_events = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE |
                                         IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_ONLYDIR;

std::string relative(const std::string& path, const std::string& root) {
    if (path == root) return ".";
    return path.rfind(root + "/", 0) == 0 ? path.substr(root.size() + 1) : path;
}

} // namespace

bool watch_ignored(const std::string& rel, const std::vector<std::string>& ignore) {
    std::string name = rel.substr(rel.rfind('/') + 1);
    // Version control and dependency trees change all the time and are never the app's code.
    for (const char* always : {".git", "node_modules"}) {
        if (name == always || rel.rfind(std::string(always) + "/", 0) == 0 ||
            rel.find("/" + std::string(always) + "/") != std::string::npos)
            return true;
    }
    for (const auto& pattern : ignore) {
        if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
        if (fnmatch(pattern.c_str(), rel.c_str(), FNM_PATHNAME) == 0) return true;
        // A directory pattern ignores what is below it.
        if (rel.rfind(pattern + "/", 0) == 0) return true;
    }
    return false;
}

FileWatch::FileWatch(Reactor& reactor, std::vector<std::string> ignore, std::int64_t delay_ms,
                     std::function<void(const std::string&, int)> on_change)
    : m_reactor(reactor), m_fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
      m_ignore(std::move(ignore)), m_delay_ms(delay_ms), m_on_change(std::move(on_change)) {
    if (m_fd) m_reactor.add(m_fd.get(), EPOLLIN, [this](std::uint32_t) { on_readable(); });
}

FileWatch::~FileWatch() {
    if (m_timer) m_reactor.cancel(m_timer);
    if (m_fd) m_reactor.remove(m_fd.get());
}

rein::Status FileWatch::add_tree(const std::string& root) {
    if (!m_fd) return make_error("watch_failed", std::string("inotify: ") + strerror(errno));
    struct stat st {};
    if (stat(root.c_str(), &st) != 0 && errno == ENOENT) {
        // Not there yet (PM2 accepts that): its folder's changes include its creation. When
        // that folder is missing too, there is nothing to watch until a restart.
        std::string dir = root.substr(0, root.rfind('/'));
        if (dir.empty()) dir = "/";
        struct stat parent {};
        if (stat(dir.c_str(), &parent) != 0 || !S_ISDIR(parent.st_mode)) return Ok{};
        return add_dir(dir, dir);
    }
    if (stat(root.c_str(), &st) != 0)
        return make_error("watch_failed", "cannot watch " + root + ": " + strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        // A single file: watch its directory, count only that file.
        std::string dir = root.substr(0, root.rfind('/'));
        return add_dir(dir.empty() ? "/" : dir, dir);
    }
    return add_dir(root, root);
}

rein::Status FileWatch::add_dir(const std::string& dir, const std::string& root) {
    if (m_dirs.size() >= k_max_watched_dirs)
        return make_error("watch_failed", "watch: more than " + std::to_string(k_max_watched_dirs) +
                                              " directories below " + root +
                                              "; narrow it with ignore_watch or watch: [paths]");
    int wd = inotify_add_watch(m_fd.get(), dir.c_str(), k_watch_events);
    if (wd < 0) {
        if (errno == ENOSPC) {
            std::string limit = "?";
            std::ifstream("/proc/sys/fs/inotify/max_user_watches") >> limit;
            return make_error("watch_failed",
                              "watch: the kernel's inotify limit is reached (fs.inotify."
                              "max_user_watches = " +
                                  limit + ") at " + dir +
                                  "; raise it with sysctl or narrow watch with ignore_watch");
        }
        if (errno == ENOENT || errno == EACCES) return Ok{}; // gone, or not ours to read
        return make_error("watch_failed", "watch " + dir + ": " + strerror(errno));
    }
    m_dirs[wd] = {dir, root};
    DIR* d = opendir(dir.c_str());
    if (!d) return Ok{};
    rein::Status result = Ok{};
    while (dirent* e = readdir(d)) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        std::string child = dir + "/" + e->d_name;
        bool is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st {};
            is_dir = lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        }
        if (!is_dir || watch_ignored(relative(child, root), m_ignore)) continue;
        result = add_dir(child, root);
        if (!result) break;
    }
    closedir(d);
    return result;
}

void FileWatch::on_readable() {
    alignas(inotify_event) char buf[16384];
    for (;;) {
        ssize_t n = read(m_fd.get(), buf, sizeof buf);
        if (n <= 0) break;
        for (char* p = buf; p < buf + n;) {
            auto* ev = reinterpret_cast<inotify_event*>(p);
            p += sizeof(inotify_event) + ev->len;
            auto it = m_dirs.find(ev->wd);
            if (it == m_dirs.end()) continue;
            if (ev->mask & IN_IGNORED) {
                m_dirs.erase(it);
                continue;
            }
            Dir dir = it->second;
            std::string path = ev->len ? dir.path + "/" + ev->name : dir.path;
            if (watch_ignored(relative(path, dir.root), m_ignore)) continue;
            bool own = false;
            for (const auto& p2 : m_ignored_paths) own = own || p2 == path;
            if (own) continue;
            if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && (ev->mask & IN_ISDIR))
                (void)add_dir(path, dir.root); // a new directory: follow it (best effort)
            if (m_changes++ == 0) m_first = path;
            // Debounce: the restart comes once the tree has been quiet for the delay.
            if (m_timer) m_reactor.cancel(m_timer);
            m_timer = m_reactor.after(m_delay_ms, [this] {
                m_timer = 0;
                int changes = std::exchange(m_changes, 0);
                m_on_change(m_first, changes);
            });
        }
    }
}

} // namespace rein::daemon
