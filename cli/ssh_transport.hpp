#pragma once
// The CLI's way to a remote daemon: the user's own ssh runs `rein proxy` on the host, with a
// socketpair as its stdin and stdout; the other end is used as the daemon's socket.
#include "cli/hosts.hpp"
#include "common/unique_fd.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::cli {

/// Makes every connection of this process go to `host` over ssh (run() calls it for one
/// --host); never called without a host, so the local path does no ssh work.
void set_remote(const HostUrl& host);
/// The host set by set_remote(), or nullptr (the local daemon).
const HostUrl* remote();

/// Exit status of `rein proxy --no-start` when no daemon runs on the host.
inline constexpr int k_proxy_no_daemon = 3;

/// The ssh command line: `$REIN_SSH` split into words (default `ssh`), `-p PORT`,
/// `[user@]host`, `--`, and the remote command (`$REIN_REMOTE_BIN`, default `rein`, then
/// `proxy`, `--no-start` when `start` is false, `--env` when `env`). Pure: the values are
/// passed in.
std::vector<std::string> ssh_command(const HostUrl& host, const char* rein_ssh,
                                     const char* remote_bin, bool start, bool env = false);

/// The running ssh of one connection: reaped when destroyed (after its socket closed).
class SshProcess {
  public:
    SshProcess() = default;
    SshProcess(pid_t pid, std::string label)
        : m_pid(pid), m_remote(true), m_label(std::move(label)) {}
    SshProcess(SshProcess&& o) noexcept;
    SshProcess& operator=(SshProcess&& o) noexcept;
    SshProcess(const SshProcess&) = delete;
    SshProcess& operator=(const SshProcess&) = delete;
    ~SshProcess() { finish(); }

    /// True when this is a connection over ssh (also once ssh has ended).
    bool active() const { return m_remote; }
    /// The host as written (`user@host:port`).
    const std::string& label() const { return m_label; }
    /// Waits (bounded) for ssh to end, ending it when it does not; its exit status, or -1.
    int finish();
    /// The error for a connection that ended: ssh's end said as one sentence naming the host;
    /// code "no_daemon" when the proxy found none (--no-start). The same error every time.
    Error ended();

  private:
    pid_t m_pid = 0;
    bool m_remote = false;
    std::string m_label;
    int m_status = -1;
};

/// Starts ssh to `host` running `rein proxy` (`--env`: its environment comes first, one line);
/// our end of the socketpair and the process.
Result<std::pair<UniqueFd, SshProcess>> spawn_ssh(const HostUrl& host, bool start, bool env);

} // namespace rein::cli
