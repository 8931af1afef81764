// The supervisor's side of rein update: when its state may be handed over, and what of it
// lives outside the registry (pipes, channels, restart timers).
#include "daemon/logs/output_capture.hpp"
#include "daemon/supervision/readiness.hpp"
#include "daemon/supervision/supervisor.hpp"

#include <memory>

namespace rein::daemon {

namespace {
// How often when_settled looks again.
constexpr std::int64_t k_settle_poll_ms = 20;
} // namespace

bool Supervisor::settled() const {
    if (m_reloads > 0) return false;
    for (const auto& [id, inst] : m_registry.instances())
        if (inst.status == Status::launching || inst.status == Status::stopping || inst.retired ||
            inst.replacing)
            return false;
    return true;
}

void Supervisor::when_settled(std::int64_t timeout_ms, std::function<void(bool)> done) {
    if (settled()) return done(true);
    if (timeout_ms <= 0) return done(false);
    m_reactor.after(k_settle_poll_ms, [this, timeout_ms, done = std::move(done)]() mutable {
        when_settled(timeout_ms - k_settle_poll_ms, std::move(done));
    });
}

std::vector<CarriedPipe> Supervisor::carried_pipes() const {
    std::vector<CarriedPipe> out;
    for (const auto& [key, c] : m_captures)
        if (c.capture->fd() >= 0)
            out.push_back({c.instance_id, c.run, c.capture->stream(), c.capture->fd(),
                           std::string(c.capture->partial())});
    return out;
}

std::vector<CarriedChannel> Supervisor::carried_channels() const {
    std::vector<CarriedChannel> out;
    for (const auto& [pid, run] : m_channels)
        if (const Instance* inst = m_registry.find_by_pid(pid); inst && run.channel->fd() >= 0)
            out.push_back({inst->id, run.run, run.channel->fd()});
    return out;
}

void Supervisor::adopt_pipe(const CarriedPipe& pipe) {
    UniqueFd fd(pipe.fd);
    const Instance* inst = m_registry.find(pipe.instance_id);
    App* app = inst ? m_registry.find_app(inst->app) : nullptr;
    // A pipe outliving its instance's record (an app deleted while a grandchild still held
    // its output) has no files left to go to: closing it is what the old image would do.
    if (!app) return;
    capture(pipe.instance_id, pipe.run ? pipe.run : inst->run, app->logs, std::move(fd),
            pipe.stream, pipe.partial);
}

void Supervisor::adopt_channel(const CarriedChannel& channel) {
    UniqueFd fd(channel.fd);
    if (const Instance* inst = m_registry.find(channel.instance_id); inst && inst->pid)
        open_channel(inst->pid, channel.run ? channel.run : inst->run, std::move(fd));
}

std::optional<std::int64_t> Supervisor::restart_in_ms(int id) const {
    auto it = m_registry.instances().find(id);
    if (it == m_registry.instances().end() || !it->second.restart_timer) return std::nullopt;
    return m_reactor.remaining_ms(it->second.restart_timer);
}

void Supervisor::resume_restart(int id, std::int64_t delay_ms) {
    if (Instance* inst = m_registry.find(id)) {
        // A restart carried over was most likely a crash's (a wait for resources is the rare
        // other case): it counts when it happens.
        inst->restart_counted_at_spawn = true;
        schedule_restart(*inst, delay_ms);
    }
}

} // namespace rein::daemon
