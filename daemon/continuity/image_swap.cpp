#include "daemon/continuity/image_swap.hpp"

#include "common/protocol.hpp"
#include "daemon/supervision/child.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace rein::daemon {

namespace {

// Closes every descriptor above 2 that is not in `keep`.
void close_except(std::vector<int> keep) {
    std::sort(keep.begin(), keep.end());
    std::vector<int> open_fds;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') open_fds.push_back(std::atoi(e->d_name));
        closedir(d); // its own fd was listed too: closing it twice below fails harmlessly
    }
    for (int fd : open_fds)
        if (fd > 2 && !std::binary_search(keep.begin(), keep.end(), fd)) close(fd);
}

} // namespace

std::string exec_update(Context& ctx, const ControlServer& server, DaemonFds fds,
                        const std::string& binary, const Responder& reply, bool foreground,
                        StateStore& store) {
    std::string refused = binary + " cannot take over from this daemon: ";
    auto answer = run_for_output({binary, "--handover-format"}, 5000);
    if (!answer) return refused + "it " + answer.error().message;
    std::string format = answer->substr(0, answer->find_last_not_of(" \n") + 1);
    if (format.empty())
        return refused + "it printed no state format (not a reind, or one older than update)";
    if (format != std::to_string(k_handover_format))
        return refused + "it reads state format '" + format.substr(0, 40) +
               "', this daemon writes " + std::to_string(k_handover_format);
    // The spawn gates' write ends close on exec: the children waiting at them are released
    // first, by a commit that names them.
    store.commit();
    // Kept open so that a new image which cannot take over can hand back to this one.
    UniqueFd exe(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    fds.fallback_exe = exe.get();
    Handover h = collect_handover(ctx, server, fds, reply);
    auto file = write_state_file(h.state);
    if (!file) return "cannot write the state for the new image: " + file.error().message;
    h.fds.push_back(file->get());
    set_cloexec(h.fds, false);
    std::string fd = std::to_string(file->get());
    std::vector<const char*> argv{binary.c_str(), "--resume", fd.c_str()};
    if (foreground) argv.push_back("--foreground");
    argv.push_back(nullptr);
    spdlog::info("update: handing {} apps over to {}", ctx.registry.apps().size(), binary);
    spdlog::default_logger()->flush();
    execv(binary.c_str(), const_cast<char* const*>(argv.data()));
    int e = errno;
    set_cloexec(h.fds, true);
    return "cannot run " + binary + ": " + std::strerror(e);
}

// The old image is still open as `fallback_exe`: run again, it keeps the apps' daemon.
Result<HandoverState> read_handover(const DaemonOptions& opts) {
    auto text = read_state_file(opts.resume_fd);
    if (!text) return text.error();
    auto state = protocol::parse_untrusted(*text);
    auto valid = parse_handover(state);
    if (valid) {
        // Whatever the old image left open beyond what it handed over (a library's file that
        // was not close-on-exec) would leak at every update.
        close_except(valid->kept_fds);
        set_cloexec(valid->kept_fds, true); // ours again: no later exec or child may inherit them
        return valid;
    }
    int fallback = -1, original = -1;
    try {
        fallback = state.at("fds").at("fallback_exe").get<int>();
        original = state.at("state_fd").get<int>();
    } catch (const nlohmann::json::exception&) {
        // Too broken to say where the old image is: nothing to hand back to.
    }
    if (fallback >= 0 && original >= 0 && opts.resume_failed.empty()) {
        std::string fd = std::to_string(original);
        std::string why = valid.error().message;
        std::vector<const char*> argv{"reind", "--resume", fd.c_str(), "--resume-failed",
                                      why.c_str()};
        if (opts.foreground) argv.push_back("--foreground");
        argv.push_back(nullptr);
        fexecve(fallback, const_cast<char* const*>(argv.data()), environ);
    }
    return make_error("bad_handover",
                      "cannot take over from the earlier reind: " + valid.error().message);
}

} // namespace rein::daemon
