// Commands about logs: logs, flush, reloadLogs.
#include "cli/command.hpp"
#include "cli/render/log_line.hpp"

#include <iostream>

namespace rein::cli {

// rein logs [sel] [--lines N] [--nostream] [--raw] [--json] [--out|--err]
Runner setup_logs(CLI::App& sub) {
    struct Opts {
        std::string sel;
        long long lines = 15;
        bool nostream = false, raw = false, json = false, out = false, err = false;
    };
    auto o = std::make_shared<Opts>();
    sub.add_option("selector", o->sel, "all (default), an id, a name, a namespace or a file");
    sub.add_option("--lines", o->lines, "lines of history from each log file (default 15)")
        ->check(CLI::NonNegativeNumber);
    sub.add_flag("--nostream", o->nostream, "print the history and exit");
    auto* raw = sub.add_flag("--raw", o->raw, "bare lines, no prefix");
    sub.add_flag("--json", o->json, "one JSON object per line")->excludes(raw);
    auto* out = sub.add_flag("--out", o->out, "stdout only");
    sub.add_flag("--err", o->err, "stderr only")->excludes(out);
    return [o](Context& ctx) {
        nlohmann::json params = nlohmann::json::object();
        if (!o->sel.empty()) {
            auto sel = selector_params(o->sel);
            if (!sel) return report(sel.error());
            params = *sel;
        }
        params["lines"] = o->lines;
        params["stream"] = !o->nostream;
        params["out"] = !o->err;
        params["err"] = !o->out;
        auto style = o->json  ? render::LogStyle::json
                     : o->raw ? render::LogStyle::raw
                              : render::LogStyle::prefixed;
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->stream("logs", params, [&](const nlohmann::json& ev) {
            if (ev.value("event", "") == "skipped") {
                std::cout.flush();
                std::cerr << "rein: " << ev.value("lines", 0ULL)
                          << " lines skipped: this output fell behind the apps\n";
                return true;
            }
            std::cout << render::format_log_event(ev, style, ctx.color);
            // Live lines show at once; the history may arrive in bulk.
            if (ev.contains("time") && !ev["time"].is_null()) std::cout.flush();
            return bool(std::cout);
        });
        std::cout.flush();
        if (!reply) return report(reply.error());
        return k_exit_ok;
    };
}

// rein flush [sel]: empties log files (every app's without a selector).
Runner setup_flush(CLI::App& sub) {
    auto sel = std::make_shared<std::string>();
    sub.add_option("selector", *sel, "all (default), an id, a name, a namespace or a file");
    return [sel](Context& ctx) {
        nlohmann::json params = nlohmann::json::object();
        if (!sel->empty()) {
            auto p = selector_params(*sel);
            if (!p) return report(p.error());
            params = *p;
        }
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("flush", params);
        if (!reply) return report(reply.error());
        std::cerr << "rein: flushed the logs of " << reply->at("flushed").size() << " app(s)\n";
        return k_exit_ok;
    };
}

// rein reloadLogs: reopens every log file, for an external logrotate.
Runner setup_reload_logs(CLI::App&) {
    return [](Context& ctx) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("reloadLogs");
        if (!reply) return report(reply.error());
        std::cerr << "rein: reopened the logs of " << reply->value("reopened", 0) << " app(s)\n";
        return k_exit_ok;
    };
}

} // namespace rein::cli
