// The supervisor's side of adoption: instances whose processes a daemon that died had started.
// They are not this daemon's children: their exit comes through a pidfd, their wait status from
// /proc while they are zombies, and their zombies are left alone.
#include "daemon/supervision/proc_state.hpp"
#include "daemon/supervision/supervisor.hpp"

#include <spdlog/spdlog.h>
#include <string>
#include <unistd.h>

namespace rein::daemon {

void Supervisor::release_gates() {
    if (!m_gate_w) return;
    // A byte for each child: each reads one (one that died first leaves its byte unread).
    // Closing the ends afterwards: the bytes stay for the children that have not read yet.
    std::string bytes(m_gated_children, 'g');
    for (std::size_t done = 0; done < bytes.size();) {
        ssize_t n = write(m_gate_w.get(), bytes.data() + done, bytes.size() - done);
        if (n <= 0) break; // not while k_max_gated bytes fit in the pipe
        done += std::size_t(n);
    }
    m_gate_w.reset();
    m_gate_r.reset();
    m_gated_children = 0;
}

void Supervisor::adopt_running(int id, UniqueFd pidfd) {
    Instance* inst = m_registry.find(id);
    if (!inst || !inst->pid || !pidfd) return;
    inst->adopted = true;
    pid_t pid = inst->pid;
    std::uint64_t run = inst->run;
    m_reactor.add(pidfd.get(), EPOLLIN,
                  [this, pid, run](std::uint32_t) { adopted_exit(pid, run); });
    m_pidfds[pid] = std::move(pidfd);
    // The memory the state recorded is as old as its last commit: `ls` right after adoption
    // shows the tree as it is now (CPU: since the sample the state recorded).
    sample(*inst);
    m_registry.changed();
}

void Supervisor::adopted_exit(pid_t pid, std::uint64_t run) {
    Instance* inst = m_registry.find_by_pid(pid);
    if (!inst || inst->run != run || !inst->adopted) {
        // Not the process this pidfd was opened for (cannot happen while the pid is held): drop
        // the watch, or a readable pidfd would spin the loop.
        if (auto it = m_pidfds.find(pid); it != m_pidfds.end()) {
            m_reactor.remove(it->second.get());
            m_pidfds.erase(it);
        }
        return;
    }
    exited_meanwhile(inst->id, zombie_status(pid, inst->proc_start));
}

void Supervisor::exited_meanwhile(int id, std::optional<int> wait_status) {
    Instance* inst = m_registry.find(id);
    if (!inst || !inst->pid) return;
    // Not a child of this daemon: only what was written down of it is known.
    inst->adopted = true;
    on_exit(*inst, wait_status); // drops its pidfd
    finish_stops();
}

void Supervisor::resume_launch(int id) {
    Instance* inst = m_registry.find(id);
    const App* app = inst ? m_registry.find_app(inst->app) : nullptr;
    if (!app || inst->status != Status::launching) return;
    inst->ready_timer = m_reactor.after(app->spec.listen_timeout_ms, [this, id] {
        Instance* i = m_registry.find(id);
        if (!i || i->status != Status::launching) return;
        i->ready_timer = 0;
        spdlog::warn("{}[{}]: not ready after listen_timeout; online anyway", i->app, id);
        finish_launch(*i, true);
    });
}

} // namespace rein::daemon
