#include "common/signals.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <csignal>
#include <utility>

namespace rein {

namespace {

struct NamedSignal {
    const char* name; ///< without the SIG prefix
    int number;
};

// Canonical names first: signal_name() returns the first match, parse_signal() accepts all.
constexpr std::array k_signals{
    NamedSignal{"HUP", SIGHUP},
    NamedSignal{"INT", SIGINT},
    NamedSignal{"QUIT", SIGQUIT},
    NamedSignal{"ILL", SIGILL},
    NamedSignal{"TRAP", SIGTRAP},
    NamedSignal{"ABRT", SIGABRT},
    NamedSignal{"BUS", SIGBUS},
    NamedSignal{"FPE", SIGFPE},
    NamedSignal{"KILL", SIGKILL},
    NamedSignal{"USR1", SIGUSR1},
    NamedSignal{"SEGV", SIGSEGV},
    NamedSignal{"USR2", SIGUSR2},
    NamedSignal{"PIPE", SIGPIPE},
    NamedSignal{"ALRM", SIGALRM},
    NamedSignal{"TERM", SIGTERM},
    NamedSignal{"STKFLT", SIGSTKFLT},
    NamedSignal{"CHLD", SIGCHLD},
    NamedSignal{"CONT", SIGCONT},
    NamedSignal{"STOP", SIGSTOP},
    NamedSignal{"TSTP", SIGTSTP},
    NamedSignal{"TTIN", SIGTTIN},
    NamedSignal{"TTOU", SIGTTOU},
    NamedSignal{"URG", SIGURG},
    NamedSignal{"XCPU", SIGXCPU},
    NamedSignal{"XFSZ", SIGXFSZ},
    NamedSignal{"VTALRM", SIGVTALRM},
    NamedSignal{"PROF", SIGPROF},
    NamedSignal{"WINCH", SIGWINCH},
    NamedSignal{"IO", SIGIO},
    NamedSignal{"PWR", SIGPWR},
    NamedSignal{"SYS", SIGSYS},
    // Aliases other tools print (kill -l, strace); accepted, never printed.
    NamedSignal{"IOT", SIGIOT},
    NamedSignal{"POLL", SIGPOLL},
    NamedSignal{"CLD", SIGCHLD},
};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != static_cast<unsigned char>(b[i]))
            return false;
    return true;
}

} // namespace

Result<int> parse_signal(std::string_view text) {
    auto bad = [&] {
        return make_error("bad_value", "unknown signal '" + std::string(text) +
                                           "' (use a name like SIGTERM or a number)");
    };
    if (!text.empty() && text.front() >= '0' && text.front() <= '9') {
        int n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc{} || end != text.data() + text.size() || n < 1 || n > SIGRTMAX)
            return bad();
        return n;
    }
    std::string_view bare = text;
    if (bare.size() > 3 && iequals(bare.substr(0, 3), "SIG")) bare.remove_prefix(3);
    for (const auto& s : k_signals)
        if (iequals(bare, s.name)) return s.number;
    return bad();
}

std::string signal_name(int signal) {
    for (const auto& s : k_signals)
        if (s.number == signal) return std::string("SIG") + s.name;
    return "SIG" + std::to_string(signal);
}

} // namespace rein
