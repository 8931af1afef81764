#pragma once
// The CLI's side of the control protocol: one blocking connection, requests in turn.
#include "cli/ssh_transport.hpp"
#include "common/paths.hpp"
#include "common/protocol.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rein::cli {

class Client {
  public:
    /// Connects to a running daemon; error code "no_daemon" when none answers. With a remote
    /// host (set_remote), through ssh and the host's `rein proxy --no-start`.
    static Result<Client> connect(const Paths& paths);

    /// Sends `{"id","cmd",...params}` and waits for its reply: the result, or the daemon's
    /// error (code and message as sent).
    Result<nlohmann::json> call(const std::string& cmd,
                                nlohmann::json params = nlohmann::json::object());

    /// Sends a request that has no events and returns its reply line as the daemon wrote it,
    /// unparsed (`jlist` prints the rows straight from it); parse_reply reads it.
    Result<std::string> call_line(const std::string& cmd,
                                  nlohmann::json params = nlohmann::json::object());
    /// A reply line's result, or the daemon's error, as call() returns them.
    static Result<nlohmann::json> parse_reply(std::string_view line);

    /// Sends a streaming request; calls `on_event` for each event line until it returns false,
    /// the daemon closes, or a final reply arrives (returned).
    Result<nlohmann::json> stream(const std::string& cmd, nlohmann::json params,
                                  const std::function<bool(const nlohmann::json&)>& on_event);

    /// For event loops (monit): sends a request without waiting; returns its id.
    Result<long long> send_request(const std::string& cmd, nlohmann::json params);
    /// For event loops: reads what the socket has now (call when poll() says readable) and
    /// returns every complete message; an error once the daemon has closed the connection.
    Result<std::vector<nlohmann::json>> read_available();
    /// The connection's descriptor, for poll().
    int fd() const { return m_fd.get(); }
    /// True when a whole message is already read and waiting: more of the batch the last read
    /// brought (`logs` flushes its output once a batch is printed, not per line).
    bool has_buffered_message() const { return m_in.unread().find('\n') != std::string_view::npos; }

    /// Waits (at most `timeout_ms`) until the daemon closes this connection; true when it did.
    bool wait_closed(int timeout_ms = 10000);

  private:
    Client(UniqueFd fd, Paths paths, SshProcess ssh = {})
        : m_ssh(std::move(ssh)), m_fd(std::move(fd)), m_paths(std::move(paths)) {}
    friend Result<Client> connect_remote(bool start);
    friend Result<std::map<std::string, std::string>> remote_env();
    /// The error for a connection the other side closed (over ssh: how ssh ended).
    Error closed();
    Result<nlohmann::json> read_message();
    Result<std::string> read_line();
    /// Waits until the socket is ready for `events`. Halfway through the time-out a second
    /// connection asks the daemon for a ping: a daemon that answers is busy with this request
    /// (a stop waiting out kill_timeout), so waiting goes on; one that does not is reported
    /// when the time-out ends (as stopped when /proc says so), REIN_TIMEOUT after the start.
    Status wait_ready(short events);

    SshProcess m_ssh; // before m_fd: the socket closes first, then ssh is waited for
    UniqueFd m_fd;
    Paths m_paths;
    bool m_answered = false; // over ssh: something came back (the error says which end)
    protocol::LineBuffer m_in;
    long long m_next_id = 1;
};

/// How long the CLI waits on a daemon that answers nothing (not even a ping on a second
/// connection) before it gives up: $REIN_TIMEOUT seconds (default 10).
int daemon_timeout_ms();

/// The reind to run, as an absolute path: next to this rein, else on PATH, else $REIND.
Result<std::string> find_reind();

/// Takes the home's launch lock (waiting for it), held while a daemon is started and until it
/// answers, so that no other rein launches a second one meanwhile. Released when closed.
UniqueFd lock_launch(const Paths& paths);

/// Connects to the remote host's daemon over ssh (`rein proxy`, which starts it when `start`);
/// the connection remote_env() opened, when there is one.
Result<Client> connect_remote(bool start);

/// Over --host: the host's environment (its `rein proxy`'s, as a command run there over ssh
/// has it), the base of the apps' environment as the caller's is for a local start: this
/// machine's environment never reaches the host's apps. Read first on a connection that is
/// then kept for the command's requests (one ssh for both).
Result<std::map<std::string, std::string>> remote_env();

/// Connects to the daemon of `paths`, starting `reind` first when none answers.
Result<Client> connect_or_start(const Paths& paths);

} // namespace rein::cli
