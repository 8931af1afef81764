#include "common/signals.hpp"

#include <doctest/doctest.h>

#include <csignal>

using rein::parse_signal;
using rein::signal_name;

TEST_CASE("a signal may be written SIGINT, INT, sigint or 2") {
    for (const char* s : {"SIGINT", "INT", "sigint", "int", "SigInt", "2"}) {
        CAPTURE(s);
        CHECK(*parse_signal(s) == SIGINT);
    }
}

TEST_CASE("every standard Linux signal has a name both ways") {
    const std::pair<const char*, int> all[] = {
        {"SIGHUP", SIGHUP},       {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT},
        {"SIGILL", SIGILL},       {"SIGTRAP", SIGTRAP},     {"SIGABRT", SIGABRT},
        {"SIGBUS", SIGBUS},       {"SIGFPE", SIGFPE},       {"SIGKILL", SIGKILL},
        {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV},     {"SIGUSR2", SIGUSR2},
        {"SIGPIPE", SIGPIPE},     {"SIGALRM", SIGALRM},     {"SIGTERM", SIGTERM},
        {"SIGSTKFLT", SIGSTKFLT}, {"SIGCHLD", SIGCHLD},     {"SIGCONT", SIGCONT},
        {"SIGSTOP", SIGSTOP},     {"SIGTSTP", SIGTSTP},     {"SIGTTIN", SIGTTIN},
        {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},       {"SIGXCPU", SIGXCPU},
        {"SIGXFSZ", SIGXFSZ},     {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF},
        {"SIGWINCH", SIGWINCH},   {"SIGIO", SIGIO},         {"SIGPWR", SIGPWR},
        {"SIGSYS", SIGSYS},
    };
    for (const auto& [name, number] : all) {
        CAPTURE(name);
        CHECK(*parse_signal(name) == number);
        CHECK(signal_name(number) == name);
    }
}

TEST_CASE("aliases are accepted but the canonical name is printed") {
    CHECK(*parse_signal("SIGIOT") == SIGABRT);
    CHECK(*parse_signal("CLD") == SIGCHLD);
    CHECK(signal_name(SIGABRT) == "SIGABRT");
    CHECK(signal_name(SIGCHLD) == "SIGCHLD");
}

TEST_CASE("numbers without a standard name print as SIG<n>") {
    CHECK(signal_name(SIGRTMIN + 1) == "SIG" + std::to_string(SIGRTMIN + 1));
    CHECK(*parse_signal(std::to_string(SIGRTMAX)) == SIGRTMAX);
}

TEST_CASE("unknown names, 0 and out-of-range numbers are errors") {
    for (const char* bad : {"", "SIG", "SIGFOO", "TERM ", "0", "-15", "65", "999", "15x"}) {
        CAPTURE(bad);
        REQUIRE_FALSE(parse_signal(bad).ok());
    }
    CHECK(parse_signal("SIGFOO").error().message ==
          "unknown signal 'SIGFOO' (use a name like SIGTERM or a number)");
}
