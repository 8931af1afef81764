#pragma once
// Integration test harness: a temporary REIN_HOME per test, the real `rein` run as a child
// process, polling with deadlines, and cleanup of every process a test started, by pid.
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::test {

/// What one run of `rein` did.
struct Run {
    int code = -1; ///< exit status; -1 when it had to be killed
    std::string out, err;
};

/// True when `text` contains `part`.
inline bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// Polls `pred` every few milliseconds until it holds or `timeout_ms` passes.
bool wait_until(const std::function<bool()>& pred, int timeout_ms = 10000);

/// True while a process with this pid exists (and is not a zombie).
bool alive(pid_t pid);

/// The fixture app's path.
std::string fixture();

/// One ecosystem-file app entry running the fixture with `actions`, plus `extra` YAML lines
/// (each "key: value", indented by the helper).
std::string fixture_app(const std::string& name, const std::vector<std::string>& actions,
                        const std::vector<std::string>& extra = {});

/// One temporary home (short, so the socket path fits) and the daemon that serves it.
class Home {
  public:
    Home();
    ~Home();
    Home(const Home&) = delete;
    Home& operator=(const Home&) = delete;

    const std::string& dir() const { return m_dir; }
    std::string path(const std::string& name) const { return m_dir + "/" + name; }

    /// Runs `rein args...` with REIN_HOME set and `extra_env` added (KEY=VALUE); at most 60 s.
    Run rein(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {},
             const std::string& cwd = "") const;
    /// Starts `rein args...` with stdout and stderr on the given fds; returns its pid.
    pid_t spawn_rein(const std::vector<std::string>& args,
                     const std::vector<std::string>& extra_env, const std::string& cwd, int out,
                     int err) const;
    /// `rein jlist` parsed (checks it succeeded); remembers every pid for cleanup.
    nlohmann::json jlist() const;
    /// The row of instance `id`, or null.
    nlohmann::json row(int id) const;
    /// Rows whose name is `name`.
    std::vector<nlohmann::json> rows(const std::string& name) const;
    /// Waits until every instance of `name` (and at least `count`) has `status`.
    bool wait_status(const std::string& name, const std::string& status, std::size_t count = 1,
                     int timeout_ms = 10000) const;

    /// Writes an ecosystem file `name` whose apps are the given entries; returns its path.
    std::string ecosystem(const std::vector<std::string>& apps,
                          const std::string& name = "eco.yaml") const;

    /// Writes `text` to a file in the home; returns its path.
    std::string write(const std::string& name, const std::string& text) const;
    /// The file's contents, or "" when missing.
    std::string read(const std::string& name) const;

    /// A raw connection to the control socket (receive timeout 10 s), for hostile clients.
    int connect_raw() const;

    /// The daemon's pid from reind.pid (0 when none).
    pid_t daemon_pid() const;
    /// The pid in holder.pid when that process is a rein-holder (0 otherwise).
    pid_t holder_pid() const;
    /// Where sanitizer reports of the processes it starts go (sanitizer.<pid> files).
    std::string sanitizer_log_prefix() const { return m_dir + "/sanitizer"; }

  private:
    std::string m_dir;
    mutable std::vector<pid_t> m_seen; // every app pid jlist reported, killed at the end
};

/// A `rein` command left running (e.g. `logs` following); killed and reaped at the end.
class Background {
  public:
    Background(const Home& home, const std::vector<std::string>& args);
    /// The same with `extra_env` (KEY=VALUE) added to its environment.
    Background(const Home& home, const std::vector<std::string>& args,
               const std::vector<std::string>& extra_env);
    ~Background();
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    /// Reads its stdout until `pred(everything read so far)` holds or `timeout_ms` passes.
    bool read_until(const std::function<bool(const std::string&)>& pred, int timeout_ms = 10000);
    const std::string& text() const { return m_text; }

  private:
    pid_t m_pid = -1;
    int m_out = -1;
    std::string m_text;
};

/// Reads one line from a raw connection; "" when the daemon closed it (or the timeout hit).
std::string read_line(int fd);
/// Sends all of `s`, stopping quietly when the daemon closes the connection.
void send_all(int fd, const std::string& s);

/// Reads a whole file ("" when missing).
std::string slurp(const std::string& path);

/// The environment a process started with, one KEY=VALUE per line.
std::string environ_of(pid_t pid);

/// The real PM2, for the tests that compare with it: $REIN_TEST_PM2, else the one `make test` (or
/// `make bench`) installs into bench/.cache, else `pm2` on PATH; "" when there is none.
std::string find_pm2();

} // namespace rein::test
