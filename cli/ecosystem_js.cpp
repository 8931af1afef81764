// Evaluates a *.config.js file with node. The config comes back on fd 3 ("J" + JSON, or "E" +
// a JSON error), so whatever the file prints (console.log) reaches the terminal as under PM2
// without corrupting the result; node's stdout and stderr are the caller's stderr.
#include "cli/ecosystem_js.hpp"

#include "common/ecosystem.hpp"
#include "common/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

extern char** environ;

namespace rein::cli {

namespace {

// require() for .js/.cjs (import() when the file is an ES module), import() for .mjs; the
// default export or module.exports; JSON.stringify drops functions and undefined, as for PM2.
// An error names the line (and column) of the config file where node saw it.
constexpr const char* k_runner = R"JS(
const fs = require('fs'), url = require('url');
const file = process.argv[1];
const send = (s) => {
  const b = Buffer.from(s);
  for (let at = 0; at < b.length;) at += fs.writeSync(3, b, at);
};
const fail = (e) => {
  const stack = String((e && e.stack) || '');
  const text = e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${String(e)}`;
  let line = 0, col = 0;
  for (const where of [file, url.pathToFileURL(file).href]) {
    const esc = where.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = stack.match(new RegExp(esc + ':(\\d+)(?::(\\d+))?'));
    if (m) { line = +m[1]; col = +(m[2] || 0); break; }
  }
  send('E' + JSON.stringify({ message: text, line, col }));
  process.exit(3);
};
(async () => {
  let config;
  if (/\.mjs$/i.test(file)) {
    config = await import(url.pathToFileURL(file).href);
  } else {
    try { config = require(file); }
    catch (e) {
      if (!e || e.code !== 'ERR_REQUIRE_ESM') throw e;
      config = await import(url.pathToFileURL(file).href);
    }
  }
  if (config && config[Symbol.toStringTag] === 'Module')
    config = config.default !== undefined ? config.default : { ...config };
  const json = JSON.stringify(config, null, 1);
  send('J' + (json === undefined ? 'null' : json));
  process.exit(0);
})().catch(fail);
)JS";

Error failure(const std::string& shown, const std::string& sentence) {
    return make_error("bad_ecosystem", shown + ": " + sentence);
}

/// The error node reported on fd 3 ("E" + JSON) as one sentence with the file's place.
Error node_error(const std::string& shown, const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return failure(shown, "node failed: " + payload);
    const int line = j.value("line", 0), col = j.value("col", 0);
    std::string at = shown;
    if (line > 0) at += ":" + std::to_string(line);
    if (line > 0 && col > 0) at += ":" + std::to_string(col);
    return make_error("bad_ecosystem", at + ": " + j.value("message", std::string("error")));
}

} // namespace

Result<std::string> evaluate_js_config(const std::string& path, const std::string& shown) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return failure(shown, std::string("pipe: ") + strerror(errno));
    UniqueFd read_end(fds[0]), write_end(fds[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, 2, 1); // what the file prints: the terminal
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 3);
    const std::string dir = std::filesystem::path(path).parent_path().string();
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP); // killed as a group on time-out
    posix_spawnattr_setpgroup(&attr, 0);
    std::vector<char*> argv = {const_cast<char*>("node"), const_cast<char*>("-e"),
                               const_cast<char*>(k_runner), const_cast<char*>(path.c_str()),
                               nullptr};
    pid_t pid = -1;
    const int e = posix_spawnp(&pid, "node", &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (e == ENOENT)
        return failure(shown, "node is needed to read a *.config.js file (not found on PATH)");
    if (e != 0) return failure(shown, std::string("cannot run node: ") + strerror(e));
    write_end.reset();

    // Read fd 3 until node closes it, within the time limit and the size limit.
    std::string out;
    std::string problem;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(k_js_eval_timeout_ms);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) {
            problem = "node did not finish within " + std::to_string(k_js_eval_timeout_ms / 1000) +
                      " s (does the file wait for something?)";
            break;
        }
        pollfd p{read_end.get(), POLLIN, 0};
        const int r = poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue; // the deadline check above ends the loop
        char buf[65536];
        const ssize_t n = read(read_end.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > k_max_ecosystem_bytes + 1) {
            problem = "the config is larger than " + std::to_string(k_max_ecosystem_bytes >> 20) +
                      " MiB as JSON";
            break;
        }
    }
    if (!problem.empty()) kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!problem.empty()) return failure(shown, problem);
    if (!out.empty() && out[0] == 'J' && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return out.substr(1);
    if (!out.empty() && out[0] == 'E') return node_error(shown, out.substr(1));
    if (WIFSIGNALED(status))
        return failure(shown, std::string("node was killed by ") + strsignal(WTERMSIG(status)));
    return failure(shown, "node exited with status " + std::to_string(WEXITSTATUS(status)) +
                              " without a config (does the file call process.exit()?)");
}

} // namespace rein::cli
