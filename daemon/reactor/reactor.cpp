#include "daemon/reactor/reactor.hpp"

#include "daemon/reactor/clock.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/timerfd.h>

namespace rein::daemon {

Reactor::Reactor()
    : m_epoll(epoll_create1(EPOLL_CLOEXEC)),
      m_timerfd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
    if (!m_epoll || !m_timerfd)
        throw std::runtime_error(std::string("reactor: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 0; // token 0 is the timerfd
    epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, m_timerfd.get(), &ev);
}

void Reactor::add(int fd, std::uint32_t events, IoCallback cb) {
    std::uint64_t token = m_next_token++;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = token;
    if (epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
        throw std::runtime_error(std::string("epoll add: ") + std::strerror(errno));
    m_watches[fd] = Watch{token, std::move(cb)};
    m_tokens[token] = fd;
}

void Reactor::modify(int fd, std::uint32_t events) {
    auto it = m_watches.find(fd);
    if (it == m_watches.end()) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = it->second.token;
    epoll_ctl(m_epoll.get(), EPOLL_CTL_MOD, fd, &ev);
}

void Reactor::remove(int fd) {
    auto it = m_watches.find(fd);
    if (it == m_watches.end()) return;
    epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
    m_tokens.erase(it->second.token);
    m_watches.erase(it);
}

Reactor::TimerId Reactor::after(std::int64_t delay_ms, std::function<void()> cb) {
    TimerId id = m_next_timer++;
    std::int64_t deadline = mono_ms() + (delay_ms > 0 ? delay_ms : 0);
    m_timers.emplace(std::make_pair(deadline, id), std::move(cb));
    m_timer_deadlines[id] = deadline;
    arm_timerfd();
    return id;
}

void Reactor::cancel(TimerId id) {
    auto it = m_timer_deadlines.find(id);
    if (it == m_timer_deadlines.end()) return;
    m_timers.erase({it->second, id});
    m_timer_deadlines.erase(it);
}

std::optional<std::int64_t> Reactor::remaining_ms(TimerId id) const {
    auto it = m_timer_deadlines.find(id);
    if (it == m_timer_deadlines.end()) return std::nullopt;
    return std::max<std::int64_t>(0, it->second - mono_ms());
}

void Reactor::arm_timerfd() {
    std::int64_t next = m_timers.empty() ? -1 : m_timers.begin()->first.first;
    if (next == m_armed_for) return;
    m_armed_for = next;
    itimerspec its{};
    if (next >= 0) {
        // Absolute deadline; a deadline already past still needs a non-zero value to fire.
        its.it_value.tv_sec = next / 1000;
        its.it_value.tv_nsec = (next % 1000) * 1000000 + 1;
    }
    timerfd_settime(m_timerfd.get(), TFD_TIMER_ABSTIME, &its, nullptr);
}

void Reactor::fire_timers() {
    std::uint64_t expirations;
    while (read(m_timerfd.get(), &expirations, sizeof expirations) > 0) {}
    m_armed_for = -1;
    std::int64_t now = mono_ms();
    // Fire only timers due now; timers added by callbacks wait for the next turn. A callback
    // may cancel another due timer (its owner gone), so each is looked up again before it runs.
    std::vector<TimerId> due;
    for (auto it = m_timers.begin(); it != m_timers.end() && it->first.first <= now; ++it)
        due.push_back(it->first.second);
    for (TimerId id : due) {
        auto d = m_timer_deadlines.find(id);
        if (d == m_timer_deadlines.end()) continue; // cancelled meanwhile
        auto node = m_timers.extract({d->second, id});
        m_timer_deadlines.erase(d);
        node.mapped()();
    }
}

void Reactor::run() {
    m_running = true;
    epoll_event events[64];
    while (m_running) {
        arm_timerfd();
        int n = epoll_wait(m_epoll.get(), events, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
        }
        for (int i = 0; i < n; ++i) {
            std::uint64_t token = events[i].data.u64;
            if (token == 0) {
                fire_timers();
                continue;
            }
            // The watch may have been removed by an earlier callback of this turn.
            auto t = m_tokens.find(token);
            if (t == m_tokens.end()) continue;
            // Copy: the callback may remove its own watch.
            IoCallback cb = m_watches[t->second].cb;
            cb(events[i].events);
        }
    }
}

} // namespace rein::daemon
