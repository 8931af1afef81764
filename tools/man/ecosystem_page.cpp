// rein-ecosystem(5), from the key table the ecosystem parser classifies keys with
// (common/pm2_keys.cpp): every key rein knows, its meaning, default and other names, and the
// PM2 keys it accepts but warns about.
#include "common/pm2_keys.hpp"
#include "tools/man/pages.hpp"
#include "tools/man/roff.hpp"

namespace rein::man {

namespace {

/// The key's other names (PM2's aliases of it).
std::string aliases_of(std::string_view key) {
    std::string out;
    for (const Pm2Key& k : pm2_keys())
        if (k.kind == Pm2KeyKind::alias && k.target == key)
            out += (out.empty() ? "" : ", ") + bold(k.name);
    return out;
}

std::string key_entries(Pm2KeyKind kind) {
    std::string out;
    for (const Pm2Key& k : pm2_keys()) {
        if (k.kind != kind) continue;
        out += ".TP\n" + bold(k.name) + "\n" + text(k.note);
        if (kind == Pm2KeyKind::ignored) out += ".";
        out += "\n";
        if (!k.default_value.empty()) out += ".br\nDefault: " + text(k.default_value) + ".\n";
        if (auto other = aliases_of(k.name); !other.empty()) out += ".br\nAlso: " + other + ".\n";
    }
    return out;
}

} // namespace

std::string ecosystem_page() {
    std::string out = header("rein-ecosystem", 5, "the file that describes the apps rein runs");
    out += ".SH SYNOPSIS\n" + italic("ecosystem.yaml") + ", " + italic("ecosystem.yml") + ", " +
           italic("ecosystem.json") + ", " + italic("*.config.js") + ", " + italic("*.config.cjs") +
           ", " + italic("*.config.mjs") + "\n";
    out += ".SH DESCRIPTION\n" +
           text("An ecosystem file lists apps for `rein start`, `rein run` and the other commands "
                "that take a file. It is YAML, JSON (with JSON5's comments and trailing commas) "
                "or PM2's JavaScript (`module.exports = {apps: [...]}`, evaluated by node). Its "
                "top-level key `apps` (or PM2's `pm2`) holds a non-empty list of apps; a "
                "top-level list or a single app works too. A `deploy` section is ignored with a "
                "warning.") +
           "\n.PP\n" +
           text("The keys are PM2's. A key no PM2 version knows is an error naming the file, "
                "line and column (and the key meant, for a typo); nothing starts from a file "
                "with an error.") +
           "\n";
    out += ".SH EXAMPLE\n.EX\napps:\n  \\- name: api\n    script: ./server\n"
           "    args: \\-\\-port 8080\n    instances: 2\n    env: {NODE_ENV: development}\n"
           "    env_production: {NODE_ENV: production}\n.EE\n";
    out +=
        ".SH VALUES\n.TP\nDurations\n" +
        text("Milliseconds as an integer (`1500`), or a number with a unit: `500ms`, `2s`, "
             "`1.5m`, `1h`.") +
        "\n.TP\nSizes\n" + text("Bytes, or `512K`, `200M`, `1G` (1024-based).") +
        "\n.TP\nBooleans\n" +
        text("`true` or `false` only (YAML's yes, no, on and off are refused).") +
        "\n.TP\nSignals\n" + text("`SIGTERM`, `TERM`, `sigterm` or a number.") + "\n.TP\nPaths\n" +
        text("Relative to the app's `cwd`, which is itself relative to the file's folder.") + "\n";
    out += ".SH KEYS\n" + key_entries(Pm2KeyKind::rein);
    out += ".TP\n" + bold("env_") + italic("PROFILE") + "\n" +
           text("Merged over `env` when a command is given `--env PROFILE`.") + "\n";
    out += ".SH PM2 SERVICE KEYS\n" +
           text("Keys of PM2's own services (PM2 Plus, its in-process agent, module installs). "
                "rein accepts them so that a PM2 file loads, warns that it ignores them, and "
                "runs the app without them.") +
           "\n" + key_entries(Pm2KeyKind::service);
    out += ".SH IGNORED PM2 KEYS\n" +
           text("Keys of PM2 that rein cannot honour: accepted with a warning that says why.") +
           "\n" + key_entries(Pm2KeyKind::ignored);
    out += ".SH SEE ALSO\n" + bold("rein") + "(1), " + bold("reind") + "(8)\n";
    return out;
}

} // namespace rein::man
