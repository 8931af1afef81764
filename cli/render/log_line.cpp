#include "cli/render/log_line.hpp"
#include "cli/render/ansi.hpp"
#include "common/date_format.hpp"

#include <functional>

namespace rein::cli::render {

namespace {

// A stable colour per app name, so interleaved apps stay apart at a glance.
const char* app_color(const std::string& app) {
    static const char* palette[] = {"\033[36m", "\033[32m", "\033[35m",
                                    "\033[34m", "\033[33m", "\033[96m"};
    return palette[std::hash<std::string>{}(app) % (sizeof palette / sizeof *palette)];
}

} // namespace

std::string format_log_event(const nlohmann::json& ev, LogStyle style, bool color) {
    const std::string kind = ev.value("event", "");
    if (kind == "file") {
        if (style != LogStyle::prefixed) return {};
        std::string h = ev.value("path", "") + " (last lines):";
        return (color ? ansi::grey + h + ansi::reset : h) + "\n";
    }
    if (kind != "line") return {};
    const std::string app = ev.value("app", "");
    const std::string line = ev.value("line", "");
    const bool err = ev.value("stream", "") == "err";
    if (style == LogStyle::raw) return line + "\n";
    if (style == LogStyle::json) {
        // Ordered: the contract lists the keys as app, id, stream, time, line.
        nlohmann::ordered_json out = {
            {"app", app},
            {"id", ev.contains("app_id") ? ev["app_id"] : nlohmann::json()},
            {"stream", err ? "err" : "out"},
            {"time", ev.contains("time") ? ev["time"] : nlohmann::json()},
            {"line", line}};
        return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    std::string prefix = app + " | ";
    if (ev.contains("app_id") && ev["app_id"].is_number_integer())
        prefix = std::to_string(ev["app_id"].get<long long>()) + "|" + prefix;
    if (!color) return prefix + line + "\n";
    return app_color(app) + prefix + ansi::reset + (err ? ansi::red + line + ansi::reset : line) +
           "\n";
}

std::string timestamp_prefix(const std::string& format, std::int64_t wall_ms, bool color) {
    std::string text = format_date(format, wall_ms) + " ";
    return color ? ansi::grey + text + ansi::reset : text;
}

} // namespace rein::cli::render
