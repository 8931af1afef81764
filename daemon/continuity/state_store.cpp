#include "daemon/continuity/state_store.hpp"

#include "common/files.hpp"
#include "daemon/continuity/handover.hpp"
#include "daemon/reactor/clock.hpp"
#include "daemon/supervision/process_tree.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::daemon {

using nlohmann::json;

std::string pipe_key(Stream stream, std::uint64_t run) {
    return (stream == Stream::out ? "out/" : "err/") + std::to_string(run);
}

std::string channel_key(std::uint64_t run) {
    return "chan/" + std::to_string(run);
}

std::string listen_key(const std::string& app, std::size_t index) {
    return "listen/" + app + "/" + std::to_string(index);
}

std::string handed_key(const std::string& app, const std::string& address) {
    return "hand/" + app + "/" + address;
}

std::string boot_id() {
    std::string id = read_proc_text("/proc/sys/kernel/random/boot_id", 64);
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    return id;
}

namespace {

std::uint64_t inode_of(int fd) {
    struct stat st {};
    return fstat(fd, &st) == 0 ? std::uint64_t(st.st_ino) : 0;
}

// tmp + rename: a reader sees the old state or the new one, never half of one. No fsync: only
// the death of processes matters here, and a state from before a reboot is ignored anyway.
bool write_replacing(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    bool ok = bool(write_all(fd, text));
    ::close(fd);
    if (ok && std::rename(tmp.c_str(), path.c_str()) == 0) return true;
    ::unlink(tmp.c_str());
    return false;
}

} // namespace

Snapshot take_snapshot(Context& ctx) {
    Snapshot snap;
    json& s = snap.state;
    s["format"] = k_registry_format;
    s["kind"] = "rein-registry";
    s["version"] = REIN_VERSION;
    s["boot_id"] = boot_id();
    s["daemon_pid"] = getpid();
    s["started_wall"] = ctx.started_wall;
    s["next_id"] = ctx.registry.next_id();
    s["next_run"] = ctx.registry.next_run();
    json& apps = s["apps"] = json::array();
    for (const auto& [name, app] : ctx.registry.apps()) {
        json listen = json::array();
        for (std::size_t i = 0; app.sockets && i < app.sockets->fds.size(); ++i) {
            int fd = app.sockets->fds[i].get();
            std::string key = listen_key(name, i);
            snap.held[key] = fd;
            listen.push_back({{"key", key}, {"inode", inode_of(fd)}});
        }
        json handed = json::array();
        for (std::size_t i = 0; app.handed && i < app.handed->fds.size(); ++i) {
            int fd = app.handed->fds[i].get();
            const std::string& address = app.handed->specs[i].address;
            std::string key = handed_key(name, address);
            snap.held[key] = fd;
            handed.push_back({{"address", address}, {"key", key}, {"inode", inode_of(fd)}});
        }
        apps.push_back({{"spec", app.spec},
                        {"instance_ids", app.instance_ids},
                        {"listen", std::move(listen)},
                        {"handed", std::move(handed)}});
    }
    json& instances = s["instances"] = json::array();
    std::int64_t now = wall_ms();
    for (const auto& [id, inst] : ctx.registry.instances()) {
        json j = instance_to_handover(inst, std::nullopt);
        if (inst.status == Status::waiting_restart)
            if (auto left = ctx.supervisor.restart_in_ms(id)) j["restart_at_wall"] = now + *left;
        if (inst.retired) j["retired"] = true;
        if (inst.shadow_of >= 0) j["shadow_of"] = inst.shadow_of;
        instances.push_back(std::move(j));
    }
    json& pipes = s["pipes"] = json::array();
    for (const auto& p : ctx.supervisor.carried_pipes()) {
        std::string key = pipe_key(p.stream, p.run);
        snap.held[key] = p.fd;
        pipes.push_back({{"key", key},
                         {"instance", p.instance_id},
                         {"stream", p.stream == Stream::out ? "out" : "err"}});
    }
    json& channels = s["channels"] = json::array();
    for (const auto& c : ctx.supervisor.carried_channels()) {
        std::string key = channel_key(c.run);
        snap.held[key] = c.fd;
        channels.push_back({{"key", key}, {"instance", c.instance_id}});
    }
    return snap;
}

StateStore::StateStore(Reactor& reactor, Context& ctx) : m_reactor(reactor), m_ctx(ctx) {}

void StateStore::mark_dirty() {
    if (m_scheduled || m_discarded) return;
    m_scheduled = true;
    m_reactor.after(0, [this] {
        m_scheduled = false;
        commit();
    });
}

void StateStore::commit() {
    if (m_discarded) {
        m_ctx.supervisor.release_gates();
        return;
    }
    std::int64_t t0 = mono_us();
    // Nothing to adopt and no file yet (a first start): none is as good as an empty one, and
    // the daemon serves without creating one first (a file created costs ~0.2 ms on ext4).
    if (m_last_size == 0 && m_ctx.registry.apps().empty() && m_ctx.registry.instances().empty() &&
        ::access(m_ctx.paths.registry_file().c_str(), F_OK) != 0) {
        m_ctx.supervisor.release_gates();
        return;
    }
    Snapshot snap = take_snapshot(m_ctx);
    // The holder first: a state naming a pipe the holder lacks would lose its bytes.
    // Unreachable: said once by the holder's side; the state is still written (the apps are
    // adopted again, only their output and sockets are not kept meanwhile).
    if (m_sync) m_sync(snap.held);
    // Strings from apps (an sd_notify STATUS=) may not be UTF-8: replaced rather than refused.
    std::string text = snap.state.dump(-1, ' ', false, json::error_handler_t::replace);
    snap = {}; // the tree is several times the text's size: gone before the text grows
    // Only a digest of the last text is kept: a copy would cost the daemon ~5 KiB per app.
    std::size_t digest = std::hash<std::string>{}(text);
    if (digest != m_last_digest || text.size() != m_last_size) {
        // written_wall last, outside the comparison: a state that did not change is not written.
        std::size_t size = text.size();
        text.pop_back();
        text += ",\"written_wall\":" + std::to_string(wall_ms()) + "}";
        if (write_replacing(m_ctx.paths.registry_file(), text)) {
            m_last_digest = digest;
            m_last_size = size;
        } else {
            spdlog::error("cannot write {}: {}", m_ctx.paths.registry_file(), std::strerror(errno));
        }
    }
    // Even when the write failed: the apps must run; only a daemon that dies loses them.
    m_ctx.supervisor.release_gates();
    m_last_us = mono_us() - t0;
    ++m_commits;
}

void StateStore::discard() {
    m_discarded = true;
    ::unlink(m_ctx.paths.registry_file().c_str());
    m_ctx.supervisor.release_gates();
}

} // namespace rein::daemon
