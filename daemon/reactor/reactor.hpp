#pragma once
// The daemon's one event loop: epoll over every fd (signalfd, timerfd, pipes, sockets) plus a
// timer queue on a single timerfd. Single-threaded; callbacks must never block.
#include "common/unique_fd.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <sys/epoll.h> // EPOLLIN/EPOLLOUT: the events callers pass to add()
#include <unordered_map>
#include <vector>

namespace rein::daemon {

class Reactor {
  public:
    using IoCallback = std::function<void(std::uint32_t events)>;
    using TimerId = std::uint64_t;

    Reactor();
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    /// Watches `fd` for `events` (EPOLLIN/EPOLLOUT...). The caller keeps owning the fd and must
    /// remove() it before closing it.
    void add(int fd, std::uint32_t events, IoCallback cb);
    /// Changes the events watched on `fd`.
    void modify(int fd, std::uint32_t events);
    /// Stops watching `fd`; safe to call from inside any callback, including fd's own.
    void remove(int fd);

    /// Runs `cb` once, `delay_ms` from now (0: on the next loop turn).
    TimerId after(std::int64_t delay_ms, std::function<void()> cb);
    /// Cancels a pending timer; unknown or fired ids are ignored.
    void cancel(TimerId id);
    /// Milliseconds until a pending timer is due (0 when overdue); nothing for unknown ids.
    std::optional<std::int64_t> remaining_ms(TimerId id) const;

    /// Dispatches events until stop() is called.
    void run();
    /// Makes run() return after the current loop turn.
    void stop() { m_running = false; }

  private:
    struct Watch {
        std::uint64_t token;
        IoCallback cb;
    };
    void arm_timerfd();
    void fire_timers();

    UniqueFd m_epoll;
    UniqueFd m_timerfd;
    std::unordered_map<int, Watch> m_watches;        // fd -> watch
    std::unordered_map<std::uint64_t, int> m_tokens; // token -> fd, so stale events are dropped
    std::uint64_t m_next_token = 1;
    std::map<std::pair<std::int64_t, TimerId>, std::function<void()>> m_timers;
    std::unordered_map<TimerId, std::int64_t> m_timer_deadlines;
    TimerId m_next_timer = 1;
    std::int64_t m_armed_for = -1;
    bool m_running = false;
};

} // namespace rein::daemon
