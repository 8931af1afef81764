#pragma once
// A real sshd (Debian's openssh-server) on 127.0.0.1 for the `rein --host ssh://` tests: its own
// host key, a client key, a config in a short temporary folder, and the remote rein's
// REIN_HOME set by the server (SetEnv), so one machine plays several hosts.
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::test {

/// True when /usr/sbin/sshd exists (the tests skip, saying so, when it does not).
bool sshd_available();

/// One sshd serving one REIN_HOME; killed by pid (and its files removed) when destroyed.
class Sshd {
  public:
    /// Starts sshd on a free port; the remote rein (this build's, on the server's PATH) uses
    /// `rein_home`. Fails the test when it does not accept connections within 10 s.
    explicit Sshd(const std::string& rein_home);
    ~Sshd();
    Sshd(const Sshd&) = delete;
    Sshd& operator=(const Sshd&) = delete;

    int port() const { return m_port; }
    /// `ssh://127.0.0.1:PORT`.
    std::string url() const;
    /// The host as rein labels it: `127.0.0.1:PORT`.
    std::string label() const;
    /// The environment for rein: REIN_SSH=<a wrapper running ssh -F <generated config>>.
    std::vector<std::string> env() const;
    /// The wrapper script ($REIN_SSH): `ssh -F <config> "$@"`.
    std::string ssh_wrapper() const { return m_dir + "/ssh"; }

  private:
    std::string m_dir;
    int m_port = 0;
    pid_t m_pid = -1;
};

} // namespace rein::test
