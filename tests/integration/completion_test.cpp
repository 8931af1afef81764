// `rein completion`: the bash script sourced into a real bash and asked for completions (as a
// Tab would: COMP_WORDS/COMP_CWORD, then the completion function); the app names come from the
// running daemon, and asking for them never starts one. zsh and fish: syntax only, when present.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <unistd.h>

using namespace rein::test;

namespace {

/// `text` as one single-quoted shell word.
std::string sh_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// Runs `script` with `shell` in the home's folder (REIN_HOME set); stdout, stderr folded in.
std::string run_shell(const Home& h, const std::string& shell, const std::string& script,
                      int* code = nullptr) {
    const std::string file = h.write("script." + shell, script);
    const std::string cmd = "cd " + sh_quote(h.dir()) + " && REIN_HOME=" + sh_quote(h.dir()) +
                            " timeout 30 " + shell + " " + sh_quote(file) + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int status = pclose(p);
    if (code) *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

/// The completions bash offers for each line (the words typed, the last one being completed),
/// keyed by the line.
std::map<std::string, std::vector<std::string>>
complete_bash(const Home& h, const std::string& script, const std::vector<std::string>& lines) {
    std::string test = "source " + sh_quote(h.write("rein.bash", script)) +
                       "\n"
                       "ask() {\n"
                       "    COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                       "COMPREPLY=()\n"
                       "    _rein\n"
                       "    printf '%s\\n' \"${COMPREPLY[@]}\"\n"
                       "}\n";
    for (std::size_t i = 0; i < lines.size(); ++i)
        test += "echo '== " + std::to_string(i) + "'\nask " + sh_quote(REIN_BIN) + " " + lines[i] +
                "\n";
    std::map<std::string, std::vector<std::string>> out;
    std::istringstream in(run_shell(h, "bash", test));
    std::string current, word;
    while (std::getline(in, word)) {
        if (word.rfind("== ", 0) == 0)
            current = lines.at(std::stoul(word.substr(3)));
        else if (!word.empty())
            out[current].push_back(word);
    }
    return out;
}

bool offers(const std::vector<std::string>& words, const std::string& word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

} // namespace

TEST_CASE("bash completion: commands, options, running apps, ecosystem files, signals") {
    Home h;
    h.ecosystem({fixture_app("web", {})});
    h.write("notes.txt", "not an ecosystem file\n");
    REQUIRE(h.rein({"start", "eco.yaml"}, {}, h.dir()).code == 0);
    REQUIRE(h.wait_status("web", "online"));
    Run script = h.rein({"completion", "bash"});
    REQUIRE(script.code == 0);
    CHECK(script.out == h.rein({"completion"}).out); // bash is the default, as with PM2

    auto got =
        complete_bash(h, script.out,
                      {"st", "stop ''", "stop web ''", "start ''", "logs --li", "signal ''",
                       "signal SIGUSR2 ''", "startOrReload ''", "ls --no", "start --cwd ''", "''"});
    const auto& st = got["st"];
    for (const char* word : {"start", "stop", "status", "startOrRestart", "startup"})
        CHECK(offers(st, word));
    CHECK_FALSE(offers(st, "list"));
    for (const auto& line : {"stop ''", "stop web ''"}) {
        CAPTURE(line);
        CHECK(offers(got[line], "web"));
        CHECK(offers(got[line], "all"));
        CHECK(offers(got[line], "0")); // the instance id
    }
    CHECK(offers(got["start ''"], "eco.yaml"));
    CHECK(offers(got["start ''"], "notes.txt"));
    CHECK(got["logs --li"] == std::vector<std::string>{"--lines"});
    CHECK(offers(got["signal ''"], "SIGUSR2"));
    CHECK_FALSE(offers(got["signal ''"], "web"));
    CHECK(offers(got["signal SIGUSR2 ''"], "web"));
    CHECK(offers(got["startOrReload ''"], "eco.yaml"));
    CHECK_FALSE(offers(got["startOrReload ''"], "notes.txt"));
    CHECK(got["ls --no"] == std::vector<std::string>{"--no-color"});
    CHECK(offers(got["start --cwd ''"], "notes.txt")); // an option's value: a path
    CHECK(offers(got["''"], "completion"));
}

TEST_CASE("completion --apps reads a running daemon and never starts one") {
    Home h;
    const auto t0 = std::chrono::steady_clock::now();
    Run r = h.rein({"completion", "--apps"});
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(r.code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
    CHECK(h.daemon_pid() == 0);
    CHECK(access(h.path("rein.sock").c_str(), F_OK) != 0);
    CHECK(ms < 2000);
    // The bash function asked with no daemon: the selector's fixed word only, still no daemon.
    auto got = complete_bash(h, h.rein({"completion", "bash"}).out, {"stop ''"});
    CHECK(got["stop ''"] == std::vector<std::string>{"all"});
    CHECK(h.daemon_pid() == 0);

    REQUIRE(h.rein({"start", fixture(), "--name", "solo"}).code == 0);
    REQUIRE(h.wait_status("solo", "online"));
    r = h.rein({"completion", "--apps"});
    CHECK(r.out == "solo\n0\n");
}

TEST_CASE("zsh and fish completion scripts parse (skipped when the shell is absent)") {
    Home h;
    for (const std::string shell : {"zsh", "fish"}) {
        CAPTURE(shell);
        if (run_shell(h, "sh", "command -v " + shell + " >/dev/null || echo absent\n") ==
            "absent\n") {
            MESSAGE(shell << " is not installed: its completion script was not checked");
            continue;
        }
        Run script = h.rein({"completion", shell});
        REQUIRE(script.code == 0);
        const std::string file = h.write("rein." + shell, script.out);
        int code = -1;
        std::string out = run_shell(h, "sh", shell + " -n " + sh_quote(file) + "\n", &code);
        CHECK_MESSAGE(code == 0, out);
    }
    // fish answers for a command line by itself (complete -C): the running app is offered.
    if (run_shell(h, "sh", "command -v fish >/dev/null && echo here\n") == "here\n") {
        REQUIRE(h.rein({"start", fixture(), "--name", "fishy"}).code == 0);
        REQUIRE(h.wait_status("fishy", "online"));
        const std::string dir = std::string(REIN_BIN).substr(0, std::string(REIN_BIN).rfind('/'));
        const std::string out = run_shell(
            h, "fish",
            "set PATH " + sh_quote(dir) + " $PATH\nsource " + sh_quote(h.path("rein.fish")) +
                "\ncomplete -C 'rein stop '\ncomplete -C 'rein logs --li'\n");
        CHECK(has(out, "fishy\n"));
        CHECK(has(out, "--lines\t"));
    }
    Run bad = h.rein({"completion", "tcsh"});
    CHECK(bad.code == 2);
    CHECK(has(bad.err, "tcsh"));
}

TEST_CASE("completion install writes the bash script where bash-completion looks") {
    Home h;
    Run r = h.rein({"completion", "install"}, {"XDG_DATA_HOME=" + h.path("data")});
    CHECK(r.code == 0);
    const std::string file = h.path("data/bash-completion/completions/rein");
    CHECK(has(r.out, file));
    CHECK(slurp(file) == h.rein({"completion", "bash"}).out);
    // Without XDG_DATA_HOME: under HOME.
    r = h.rein({"completion", "install"}, {"XDG_DATA_HOME=", "HOME=" + h.path("home")});
    CHECK(r.code == 0);
    CHECK_FALSE(slurp(h.path("home/.local/share/bash-completion/completions/rein")).empty());
    CHECK(h.daemon_pid() == 0);
}
