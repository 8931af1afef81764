#include "cli/render/systemd_unit.hpp"

namespace rein::cli::render {

std::string unit_name(const std::string& user) {
    return "rein-" + user + ".service";
}

std::string unit_quote(const std::string& word) {
    bool plain = !word.empty();
    std::string body;
    for (char c : word) {
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '.' || c == '_' || c == '-' || c == '@' || c == ':' ||
                    c == '+' || c == '=' || c == ',';
        if (!safe) plain = false;
        if (c == '%')
            body += "%%";
        else if (c == '$')
            body += "$$";
        else if (c == '"' || c == '\\')
            body += std::string("\\") + c;
        else
            body += c;
    }
    return plain ? body : "\"" + body + "\"";
}

namespace {

// The unit after its header comment. An empty home leaves REIN_HOME unset: reind then serves
// $HOME/.rein, and systemd sets HOME to the home of User=. `documentation` names the man pages
// (only a package is sure to install them: `systemd-analyze verify` checks that they exist).
std::string unit_body(const UnitParams& p, bool documentation) {
    std::string out;
    out += "[Unit]\n";
    out += "Description=rein process manager for " + p.user + "\n";
    if (documentation) out += "Documentation=man:rein(1) man:reind(8)\n";
    out += "After=network-online.target\n";
    out += "Wants=network-online.target\n\n";
    out += "[Service]\n";
    // reind says READY=1 once its socket answers and the saved apps are started.
    out += "Type=notify\n";
    out += "NotifyAccess=main\n";
    out += "User=" + p.user + "\n";
    if (!p.home.empty()) out += "Environment=" + unit_quote("REIN_HOME=" + p.home) + "\n";
    out += "ExecStart=" + unit_quote(p.reind) + " --foreground --resurrect\n";
    out += "ExecReload=" + unit_quote(p.rein) + " reload all\n";
    // systemd signals reind alone, never the apps: a stop's SIGTERM makes reind stop every app
    // with its own kill_signal and kill_timeout, and a reind that dies leaves them running
    // (held by rein-holder) for the next one to adopt.
    out += "KillMode=process\n";
    out += "# A reind that dies is started again; it adopts the apps still running, their logs "
           "and\n# sockets, so the restart is invisible to them.\n";
    out += "Restart=on-failure\n";
    out += "RestartSec=1\n\n";
    out += "[Install]\n";
    out += "WantedBy=multi-user.target\n";
    return out;
}

} // namespace

std::string systemd_unit(const UnitParams& p) {
    return "# Written by `rein startup`: at boot, reind starts for " + p.user +
           " and brings back the apps\n"
           "# of `rein save` (" +
           p.home + "/dump.json). `rein unstartup` removes it.\n" + unit_body(p, false);
}

std::string systemd_template_unit(const std::string& reind, const std::string& rein) {
    // %i (the instance) is written raw: unit_quote would escape it.
    return "# rein's unit template (make install, the .deb): `systemctl enable --now rein@USER`\n"
           "# starts reind for USER at boot, which brings back the apps of USER's `rein save`\n"
           "# (~USER/.rein/dump.json). The same unit as `rein startup` writes "
           "(docs/install.md).\n" +
           unit_body({"%i", "", reind, rein}, true);
}

} // namespace rein::cli::render
