#pragma once
// `watch`: restart an app when files below its cwd (or the listed paths) change. inotify on
// every directory of the trees, new directories followed, bursts debounced into one restart.
#include "common/result.hpp"
#include "common/unique_fd.hpp"

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rein::daemon {

class Reactor;

/// Most directories one app may watch; beyond it `watch` is refused with a clear error.
inline constexpr std::size_t k_max_watched_dirs = 20000;

/// True when `rel` (a path relative to a watched root) or its file name matches one of the
/// `ignore` glob patterns, or is inside `.git` or `node_modules`.
bool watch_ignored(const std::string& rel, const std::vector<std::string>& ignore);

class FileWatch {
  public:
    /// `on_change` gets the first changed path of a burst, once the tree has been quiet for
    /// `delay_ms`.
    FileWatch(Reactor& reactor, std::vector<std::string> ignore, std::int64_t delay_ms,
              std::function<void(const std::string& path, int changes)> on_change);
    ~FileWatch();
    FileWatch(const FileWatch&) = delete;
    FileWatch& operator=(const FileWatch&) = delete;

    /// Watches `root` and every directory below it (not ignored ones). Fails with one sentence
    /// when the kernel's inotify limit or k_max_watched_dirs is reached.
    rein::Status add_tree(const std::string& root);
    /// Paths whose changes never count (the app's own log and pid files).
    void ignore_path(const std::string& path) { m_ignored_paths.push_back(path); }

  private:
    rein::Status add_dir(const std::string& dir, const std::string& root);
    void on_readable();

    Reactor& m_reactor;
    UniqueFd m_fd;
    std::vector<std::string> m_ignore;
    std::vector<std::string> m_ignored_paths;
    std::int64_t m_delay_ms;
    std::function<void(const std::string&, int)> m_on_change;
    struct Dir {
        std::string path, root;
    };
    std::unordered_map<int, Dir> m_dirs; ///< watch descriptor -> directory
    std::uint64_t m_timer = 0;
    std::string m_first;
    int m_changes = 0;
};

} // namespace rein::daemon
