// The unit of `rein startup`: what systemd is told, and words quoted the way systemd reads them.
#include "cli/render/systemd_unit.hpp"

#include <doctest/doctest.h>

using namespace rein::cli::render;

namespace {
bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}
} // namespace

TEST_CASE("the startup unit runs reind as a notify service that brings back dump.json") {
    std::string unit = systemd_unit(
        {"deploy", "/home/deploy/.rein", "/usr/local/bin/reind", "/usr/local/bin/rein"});
    CHECK(unit_name("deploy") == "rein-deploy.service");
    CHECK(has(unit, "\n[Service]\nType=notify\nNotifyAccess=main\n"));
    CHECK(has(unit, "\nUser=deploy\n"));
    CHECK(has(unit, "\nEnvironment=REIN_HOME=/home/deploy/.rein\n"));
    CHECK(has(unit, "\nExecStart=/usr/local/bin/reind --foreground --resurrect\n"));
    CHECK(has(unit, "\nExecReload=/usr/local/bin/rein reload all\n"));
    // A reind that dies (or that systemd restarts) leaves the apps to the next one.
    CHECK(has(unit, "\nKillMode=process\n"));
    CHECK(has(unit, "\nRestart=on-failure\nRestartSec=1\n"));
    CHECK(has(unit, "restart is invisible"));
    CHECK(has(unit, "\n[Install]\nWantedBy=multi-user.target\n"));
}

TEST_CASE("unit words with spaces, quotes, % or $ are quoted and escaped for systemd") {
    CHECK(unit_quote("/usr/bin/reind") == "/usr/bin/reind");
    CHECK(unit_quote("/opt/my apps/reind") == "\"/opt/my apps/reind\"");
    CHECK(unit_quote("REIN_HOME=/srv/100%") == "\"REIN_HOME=/srv/100%%\"");
    CHECK(unit_quote("/a$b") == "\"/a$$b\"");
    CHECK(unit_quote("say \"hi\"\\") == "\"say \\\"hi\\\"\\\\\"");
    CHECK(unit_quote("") == "\"\"");
}

TEST_CASE("the packages' template unit runs reind for the user named by the instance") {
    std::string unit = systemd_template_unit("/usr/bin/reind", "/usr/bin/rein");
    CHECK(has(unit, "\nUser=%i\n"));
    CHECK(has(unit, "\nDescription=rein process manager for %i\n"));
    // No REIN_HOME: reind serves $HOME/.rein, HOME being set by systemd for User=.
    CHECK_FALSE(has(unit, "Environment="));
    CHECK(has(unit, "\nExecStart=/usr/bin/reind --foreground --resurrect\n"));
    CHECK(has(unit, "\nExecReload=/usr/bin/rein reload all\n"));
    // The package installs the man pages it names.
    std::string docs = "Documentation=man:rein(1) man:reind(8)\n";
    REQUIRE(has(unit, "\n" + docs));
    CHECK_FALSE(has(systemd_unit({"u", "/h", "/r", "/r"}), "Documentation="));
    // The rest is the unit of `rein startup`, from the same code.
    std::string startup = systemd_unit({"%i", "", "/usr/bin/reind", "/usr/bin/rein"});
    unit.erase(unit.find(docs), docs.size());
    CHECK(unit.substr(unit.find("[Unit]")) == startup.substr(startup.find("[Unit]")));
}
