#include "sshd_fixture.hpp"

#include "harness.hpp"
#include "http.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rein::test {

namespace {

constexpr const char* k_sshd = "/usr/sbin/sshd";

void write_file(const std::string& path, const std::string& text, mode_t mode = 0600) {
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
}

// Runs a program to its end (ssh-keygen); true when it exited 0.
bool run(std::vector<std::string> argv) {
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        execvp(cargv[0], cargv.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool accepts(int port) {
    int fd = connect_http(port); // any TCP connect to 127.0.0.1 will do
    if (fd >= 0) close(fd);
    return fd >= 0;
}

} // namespace

bool sshd_available() {
    return access(k_sshd, X_OK) == 0;
}

Sshd::Sshd(const std::string& rein_home) {
    char tmpl[] = "/tmp/rsd.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    m_dir = tmpl;
    mkdir("/run/sshd", 0755); // privilege separation's chroot; absent on a fresh container
    REQUIRE(run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", m_dir + "/host_key"}));
    REQUIRE(run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", m_dir + "/client_key"}));
    std::filesystem::copy_file(m_dir + "/client_key.pub", m_dir + "/authorized_keys");
    const std::string bin_dir = std::filesystem::path(REIN_BIN).parent_path().string();
    m_port = free_port();
    write_file(m_dir + "/sshd_config",
               "ListenAddress 127.0.0.1\n"
               "Port " +
                   std::to_string(m_port) +
                   "\n"
                   "HostKey " +
                   m_dir +
                   "/host_key\n"
                   "AuthorizedKeysFile " +
                   m_dir +
                   "/authorized_keys\n"
                   "PidFile " +
                   m_dir +
                   "/sshd.pid\n"
                   "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
                   "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                   "SetEnv REIN_HOME=" +
                   rein_home + " PATH=" + bin_dir + ":/usr/bin:/bin\n");
    write_file(m_dir + "/ssh_config", "Host *\n"
                                      "  IdentityFile " +
                                          m_dir +
                                          "/client_key\n"
                                          "  IdentitiesOnly yes\n"
                                          "  StrictHostKeyChecking no\n"
                                          "  UserKnownHostsFile " +
                                          m_dir +
                                          "/known_hosts\n"
                                          "  BatchMode yes\n"
                                          "  LogLevel ERROR\n");
    write_file(ssh_wrapper(), "#!/bin/sh\nexec ssh -F " + m_dir + "/ssh_config \"$@\"\n", 0755);

    const std::string config = m_dir + "/sshd_config", log = m_dir + "/sshd.log";
    m_pid = fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
        int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(out, 1);
        dup2(out, 2);
        execl(k_sshd, k_sshd, "-D", "-e", "-f", config.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    const bool up = wait_until([&] { return accepts(m_port) || !alive(m_pid); });
    INFO("sshd log: " << slurp(log));
    REQUIRE((up && alive(m_pid)));
}

Sshd::~Sshd() {
    if (m_pid > 0) {
        kill(m_pid, SIGTERM);
        int status = 0;
        while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {}
    }
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
}

std::string Sshd::url() const {
    return "ssh://" + label();
}

std::string Sshd::label() const {
    return "127.0.0.1:" + std::to_string(m_port);
}

std::vector<std::string> Sshd::env() const {
    return {"REIN_SSH=" + ssh_wrapper()};
}

} // namespace rein::test
