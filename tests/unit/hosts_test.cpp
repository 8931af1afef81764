// --host ssh://...: URL forms, the hosts file, and taking the options off the command line.
#include "cli/hosts.hpp"
#include "cli/ssh_transport.hpp"

#include <doctest/doctest.h>

using namespace rein::cli;

TEST_CASE("ssh URLs: user, host, port, IPv6") {
    auto plain = parse_host_url("ssh://web1");
    REQUIRE(plain);
    CHECK(plain->host == "web1");
    CHECK(plain->user.empty());
    CHECK(plain->port == 0);
    CHECK(plain->label == "web1");

    auto full = parse_host_url("ssh://deploy@10.0.0.5:2222");
    REQUIRE(full);
    CHECK(full->user == "deploy");
    CHECK(full->host == "10.0.0.5");
    CHECK(full->port == 2222);
    CHECK(full->label == "deploy@10.0.0.5:2222");

    auto v6 = parse_host_url("ssh://[::1]:22/");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 22);
    CHECK(v6->label == "[::1]:22");
}

TEST_CASE("ssh URLs: anything else is one usage error naming it") {
    for (const char* bad :
         {"web1", "http://web1", "ssh://", "ssh://web1:0", "ssh://web1:99999", "ssh://web1:x",
          "ssh://web1:", "ssh://web1/srv/app", "ssh://-oProxy=x", "ssh://a b", "ssh://[::1",
          "ssh://[web1]", "/tmp/rein.sock", "ssh://-x@web1"}) {
        auto url = parse_host_url(bad);
        INFO(bad);
        REQUIRE_FALSE(url);
        CHECK(url.error().code == "usage");
        CHECK(url.error().message.find(std::string("'") + bad + "'") != std::string::npos);
    }
    auto scheme = parse_host_url("tcp://web1:22");
    REQUIRE_FALSE(scheme);
    CHECK(scheme.error().message.find("scheme 'tcp' is not ssh") != std::string::npos);
}

TEST_CASE("hosts: flags win over REIN_HOST, the file adds, duplicates once") {
    auto flags = resolve_hosts({"ssh://a", "ssh://b"}, "ssh://c", "");
    REQUIRE(flags);
    REQUIRE(flags->size() == 2);
    CHECK((*flags)[1].host == "b");

    auto env = resolve_hosts({}, " ssh://a , ssh://b:2,,ssh://a", "");
    REQUIRE(env);
    REQUIRE(env->size() == 2);
    CHECK((*env)[1].port == 2);

    auto file = resolve_hosts({}, nullptr, "# fleet\nssh://x\n\n  ssh://y:23  # edge\n");
    REQUIRE(file);
    REQUIRE(file->size() == 2);
    CHECK((*file)[1].label == "y:23");

    auto bad = resolve_hosts({}, "ssh://a,web2", "");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("'web2'") != std::string::npos);
}

TEST_CASE("host options come off the command line, before -- only") {
    std::vector<std::string> words = {
        "rein",       "--host", "ssh://a", "ls", "--host=ssh://b", "--hosts-file", "f",
        "--hostname", "--",     "--host",  "x"};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    auto args = extract_host_args(int(argv.size()), argv.data());
    CHECK(args.error.empty());
    CHECK(args.hosts == std::vector<std::string>{"ssh://a", "ssh://b"});
    CHECK(args.hosts_file == "f");
    std::vector<std::string> rest(args.rest.begin(), args.rest.end());
    CHECK(rest == std::vector<std::string>{"rein", "ls", "--hostname", "--", "--host", "x"});

    std::vector<std::string> dangling = {"rein", "ls", "--host"};
    std::vector<char*> argv2;
    for (auto& w : dangling) argv2.push_back(w.data());
    CHECK(extract_host_args(3, argv2.data()).error == "--host needs a value");
}

TEST_CASE("the ssh command line: REIN_SSH words, port, user, the remote rein") {
    auto url = parse_host_url("ssh://deploy@web1:2222");
    REQUIRE(url);
    CHECK(ssh_command(*url, nullptr, nullptr, true) ==
          std::vector<std::string>{"ssh", "-p", "2222", "deploy@web1", "--", "rein proxy"});
    CHECK(ssh_command(*url, "ssh -F '/tmp/my cfg'", "/opt/rein dir/rein", false) ==
          std::vector<std::string>{"ssh", "-F", "/tmp/my cfg", "-p", "2222", "deploy@web1", "--",
                                   "'/opt/rein dir/rein' proxy --no-start"});
}
