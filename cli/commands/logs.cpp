// Commands about logs: logs, flush, reloadLogs.
#include "cli/command.hpp"
#include "cli/render/log_line.hpp"

#include <chrono>
#include <csignal>
#include <iostream>

namespace rein::cli {

namespace {

// PM2's format for `logs --timestamp` without a value.
constexpr const char* k_default_timestamp = "YYYY-MM-DD-HH:mm:ss";

// SIGINT/SIGTERM while `logs` prints: what was received must still reach stdout. Blocked on
// the socket, everything printed is flushed already, so the signal ends rein at once (by the
// signal, as a shell expects); in the middle of a batch it is held until the batch is flushed.
volatile sig_atomic_t g_logs_printing = 0;
volatile sig_atomic_t g_logs_stop_signal = 0;

void on_logs_stop_signal(int sig) {
    if (!g_logs_printing) {
        signal(sig, SIG_DFL);
        raise(sig); // delivered when this handler returns
        return;
    }
    g_logs_stop_signal = sig;
}

void catch_logs_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_logs_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    // A reader that went away (`rein logs | head`): SIGPIPE ends rein quietly, as any filter.
    signal(SIGPIPE, SIG_DFL);
}

// Ends rein by the signal that asked it to stop, once the output is out.
void logs_stop_if_asked() {
    if (int sig = g_logs_stop_signal) {
        std::cout.flush();
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

std::int64_t logs_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

// rein logs [sel] [--lines N] [--nostream] [--raw] [--json] [--out|--err] [--timestamp [fmt]]
Runner setup_logs(CLI::App& sub) {
    struct Opts {
        std::string sel;
        long long lines = 15;
        bool nostream = false, raw = false, json = false, out = false, err = false;
        std::string timestamp;
    };
    auto o = std::make_shared<Opts>();
    sub.add_option("selector", o->sel, "all (default), an id, a name, a namespace or a file");
    sub.add_option("--lines", o->lines, "lines of history from each log file (default 15)")
        ->check(CLI::NonNegativeNumber);
    sub.add_flag("--nostream", o->nostream, "print the history and exit");
    auto* raw = sub.add_flag("--raw", o->raw, "bare lines, no prefix");
    auto* json = sub.add_flag("--json", o->json, "one JSON object per line")->excludes(raw);
    auto* out = sub.add_flag("--out", o->out, "stdout only");
    sub.add_flag("--err", o->err, "stderr only")->excludes(out);
    auto* ts = sub.add_option("--timestamp", o->timestamp,
                              "prefix each live line with the time it arrives (PM2's dayjs "
                              "tokens or strftime; default " +
                                  std::string(k_default_timestamp) + ")")
                   ->expected(0, 1)
                   ->excludes(json);
    return [o, ts](Context& ctx) {
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
        if (ts->count() > 0 && o->timestamp.empty()) o->timestamp = k_default_timestamp;
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        catch_logs_stop_signals();
        auto reply = client->stream("logs", params, [&](const nlohmann::json& ev) {
            g_logs_printing = 1;
            if (ev.value("event", "") == "skipped") {
                std::cout.flush();
                std::cerr << "rein: " << ev.value("lines", 0ULL)
                          << " lines skipped: this output fell behind the apps\n";
            } else {
                // Live lines (with a time) only: history lines' times are not known.
                if (!o->timestamp.empty() && ev.contains("time") && !ev["time"].is_null())
                    std::cout << render::timestamp_prefix(o->timestamp, logs_now_ms(), ctx.color);
                std::cout << render::format_log_event(ev, style, ctx.color);
            }
            // Once per batch the daemon sent (history at once, then each live batch): a pipe
            // or file sees every line without waiting for the next, and a flood is not
            // written line by line.
            if (client->has_buffered_message()) return bool(std::cout);
            std::cout.flush();
            g_logs_printing = 0;
            logs_stop_if_asked();
            return bool(std::cout);
        });
        std::cout.flush();
        g_logs_printing = 0;
        logs_stop_if_asked();
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
