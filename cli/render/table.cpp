#include "cli/render/table.hpp"
#include "cli/render/ansi.hpp"
#include "cli/render/durations.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace rein::cli::render {

namespace {

const char* status_color(const std::string& status) {
    if (status == "online") return ansi::green;
    if (status == "errored") return ansi::red;
    if (status == "stopped") return ansi::grey;
    return ansi::yellow; // launching, stopping, waiting_restart: in transition
}

// Display width of UTF-8 text: count code points, not bytes (names are mostly ASCII).
std::size_t width(const std::string& s) {
    return std::size_t(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string str(const nlohmann::json& v) {
    if (v.is_null()) return "-";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// A time field of a row (ms since the epoch), 0 when absent or null.
std::int64_t row_time_ms(const nlohmann::json& row, const char* key) {
    auto it = row.find(key);
    return it != row.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

// A spec value for describe: durations (milliseconds in the spec) as "1.6s", "5m".
std::string spec_value(const std::string& key, const nlohmann::json& v) {
    static const char* const durations[] = {"min_uptime", "restart_delay",
                                            "exp_backoff_restart_delay", "kill_timeout"};
    for (const char* d : durations)
        if (key == d && v.is_number_integer()) return format_duration(v.get<std::int64_t>());
    return str(v);
}

struct Cell {
    std::string text;
    const char* color = nullptr;
};

std::string line(const std::vector<std::size_t>& w, const char* l, const char* m, const char* r) {
    std::string s = l;
    for (std::size_t i = 0; i < w.size(); ++i) {
        for (std::size_t k = 0; k < w[i] + 2; ++k) s += "─";
        s += i + 1 < w.size() ? m : r;
    }
    return s + "\n";
}

} // namespace

std::string format_bytes(std::uint64_t bytes) {
    char buf[32];
    if (bytes < 1024)
        snprintf(buf, sizeof buf, "%llub", static_cast<unsigned long long>(bytes));
    else if (bytes < 1024ull * 1024)
        snprintf(buf, sizeof buf, "%.1fkb", double(bytes) / 1024);
    else if (bytes < 1024ull * 1024 * 1024)
        snprintf(buf, sizeof buf, "%.1fmb", double(bytes) / (1024.0 * 1024));
    else
        snprintf(buf, sizeof buf, "%.1fgb", double(bytes) / (1024.0 * 1024 * 1024));
    return buf;
}

std::string format_uptime(std::int64_t ms) {
    std::int64_t s = ms / 1000;
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m";
    if (s < 86400) return std::to_string(s / 3600) + "h";
    return std::to_string(s / 86400) + "D";
}

namespace {

// The first `w` columns of `s`, its last one `…` when it had to be cut.
std::string cut(const std::string& s, std::size_t w) {
    if (width(s) <= w) return s;
    if (w == 0) return {};
    std::size_t points = 0, end = 0;
    for (; end < s.size(); ++end) {
        if ((static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) continue;
        if (points == w - 1) break;
        ++points;
    }
    return s.substr(0, end) + "…";
}

// Column indices of the process table, and the order columns go in when it is too wide
// (what tells instances apart stays: id, name, status, cpu, memory).
constexpr std::size_t k_name = 1;
constexpr std::size_t k_drop_order[] = {2 /*namespace*/, 4 /*pid*/, 5 /*uptime*/, 3 /*mode*/,
                                        6 /*restarts*/};
// Names are cut no shorter than this before a column goes instead.
constexpr std::size_t k_min_name = 12;

// Which columns show and how wide the name column is, for a table at most `max_width` wide
// (0: no limit). `w` holds each column's natural width; the name's may be reduced. `first`
// columns come before the usual ones (the host of several --host) and always stay.
std::vector<bool> fit_columns(std::vector<std::size_t>& w, std::size_t max_width,
                              std::size_t first) {
    const std::size_t name = k_name + first;
    std::vector<bool> keep(w.size(), true);
    auto total = [&] {
        std::size_t t = 1; // the left border
        for (std::size_t i = 0; i < w.size(); ++i)
            if (keep[i]) t += w[i] + 3; // " text │"
        return t;
    };
    if (max_width == 0) return keep;
    for (std::size_t dropped = 0;; ++dropped) {
        std::size_t t = total();
        if (t <= max_width) return keep;
        std::size_t others = t - w[name];
        std::size_t min_name = std::min(w[name], k_min_name);
        bool last = dropped == std::size(k_drop_order);
        if (others + min_name <= max_width || last) {
            // Cut names to the room left (at least "name" itself, even past the width).
            w[name] = others < max_width ? std::max<std::size_t>(max_width - others, 4) : 4;
            return keep;
        }
        keep[k_drop_order[dropped] + first] = false;
    }
}

} // namespace

const std::vector<std::string>& process_table_fields() {
    static const std::vector<std::string> fields = {"id",  "name",      "namespace", "exec_mode",
                                                    "pid", "uptime_ms", "restarts",  "status",
                                                    "cpu", "memory"};
    return fields;
}

std::string process_table(const nlohmann::json& rows, bool color, std::size_t max_width) {
    std::vector<std::string> head = {"id",     "name", "namespace", "mode", "pid",
                                     "uptime", "↺",    "status",    "cpu",  "memory"};
    // Rows of several hosts (rein --host a --host b ls) carry theirs: a first column.
    const bool hosts = !rows.empty() && rows.front().contains("host");
    if (hosts) head.insert(head.begin(), "host");
    std::vector<std::vector<Cell>> cells;
    for (const auto& r : rows) {
        std::string status = r.value("status", "");
        bool up = !r["pid"].is_null();
        char cpu[16];
        snprintf(cpu, sizeof cpu, "%.1f%%", r.value("cpu", 0.0));
        cells.push_back({
            {str(r["id"])},
            {r.value("name", ""), ansi::cyan},
            {r.value("namespace", "")},
            {r.value("exec_mode", "")},
            {str(r["pid"])},
            {up ? format_uptime(r.value("uptime_ms", 0LL)) : "0"},
            {std::to_string(r.value("restarts", 0))},
            {status, status_color(status)},
            {up ? cpu : "0%"},
            {up ? format_bytes(r.value("memory", 0ULL)) : "0b"},
        });
        if (hosts) cells.back().insert(cells.back().begin(), Cell{r.value("host", "")});
    }
    std::vector<std::size_t> w(head.size());
    for (std::size_t i = 0; i < head.size(); ++i) {
        w[i] = width(head[i]);
        for (const auto& row : cells) w[i] = std::max(w[i], width(row[i].text));
    }
    std::vector<bool> keep = fit_columns(w, max_width, hosts ? 1 : 0);
    std::vector<std::size_t> shown;
    for (std::size_t i = 0; i < w.size(); ++i)
        if (keep[i]) shown.push_back(w[i]);
    auto render_row = [&](const std::vector<Cell>& row, bool is_head) {
        std::string s = "│";
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (!keep[i]) continue;
            std::string text = cut(row[i].text, w[i]);
            s += " ";
            const char* c = is_head ? ansi::bold : row[i].color;
            if (color && c) s += c;
            s += text;
            if (color && c) s += ansi::reset;
            s += std::string(w[i] - width(text) + 1, ' ');
            s += "│";
        }
        return s + "\n";
    };
    std::string out = line(shown, "┌", "┬", "┐");
    std::vector<Cell> head_cells;
    for (const auto& h : head) head_cells.push_back({h});
    out += render_row(head_cells, true);
    out += line(shown, "├", "┼", "┤");
    for (const auto& row : cells) out += render_row(row, false);
    out += line(shown, "└", "┴", "┘");
    return out;
}

std::string describe_blocks(const nlohmann::json& rows, bool color) {
    std::string out;
    for (const auto& r : rows) {
        std::vector<std::pair<std::string, std::string>> kv;
        std::string status = r.value("status", "");
        kv.emplace_back("status",
                        color ? std::string(status_color(status)) + status + ansi::reset : status);
        if (r.value("status_text", "") != "") kv.emplace_back("app status", str(r["status_text"]));
        if (r.value("log_error", nlohmann::json()).is_string())
            kv.emplace_back("log problem", str(r["log_error"]));
        for (const char* key : {"name", "namespace", "id", "instance", "exec_mode", "pid",
                                "restarts", "unstable_restarts", "exit_code", "signal"})
            kv.emplace_back(key, str(r[key]));
        kv.emplace_back("uptime",
                        r["pid"].is_null() ? "-" : format_duration(r.value("uptime_ms", 0LL)));
        char cpu[16];
        snprintf(cpu, sizeof cpu, "%.1f%%", r.value("cpu", 0.0));
        kv.emplace_back("cpu", cpu);
        kv.emplace_back("memory", format_bytes(r.value("memory", 0ULL)));
        kv.emplace_back("created at", format_datetime(row_time_ms(r, "created_at")));
        if (row_time_ms(r, "started_at") > 0)
            kv.emplace_back("started at", format_datetime(row_time_ms(r, "started_at")));
        const auto& spec = r.contains("spec") ? r["spec"] : nlohmann::json::object();
        kv.emplace_back("script", str(r["script"]));
        std::string args;
        for (const auto& a : r["args"]) args += (args.empty() ? "" : " ") + str(a);
        kv.emplace_back("args", args.empty() ? "-" : args);
        kv.emplace_back("interpreter",
                        spec.value("interpreter", "") == "" ? "none" : str(spec["interpreter"]));
        kv.emplace_back("cwd", str(r["cwd"]));
        if (r.contains("listen") && !r["listen"].empty()) {
            std::string listen;
            for (const auto& l : r["listen"]) listen += (listen.empty() ? "" : " ") + str(l);
            kv.emplace_back("listen", listen);
        }
        // The sockets the daemon holds for the app, and how each was obtained.
        if (r.contains("sockets") && r["sockets"].is_array()) {
            std::string held;
            for (const auto& so : r["sockets"])
                held += (held.empty() ? "" : ", ") + so.value("address", "") + " (" +
                        so.value("obtained", "") + ")";
            if (!held.empty() || (r.contains("listen") && !r["listen"].empty()))
                kv.emplace_back("sockets", held.empty() ? "none (no instance serves)" : held);
        }
        kv.emplace_back("out log", str(r["out_file"]));
        kv.emplace_back("error log", str(r["error_file"]));
        if (r.contains("log_file") && r.value("log_file", "") != "")
            kv.emplace_back("combined log", str(r["log_file"]));
        for (const char* key : {"autorestart", "max_restarts", "min_uptime", "restart_delay",
                                "exp_backoff_restart_delay", "kill_signal", "kill_timeout",
                                "instance_var", "source_file"})
            if (spec.contains(key) && spec[key] != "") // no source_file: started from a script
                kv.emplace_back(key, spec_value(key, spec[key]));
        if (spec.contains("env") && !spec["env"].empty()) {
            std::string env;
            for (const auto& [k, v] : spec["env"].items())
                env += (env.empty() ? "" : " ") + k + "=" + str(v);
            kv.emplace_back("env", env);
        }
        std::size_t kw = 0;
        for (const auto& [k, v] : kv) kw = std::max(kw, k.size());
        std::string title = "Describing " + r.value("name", "") + " [" + str(r["id"]) + "]";
        out += (color ? std::string(ansi::bold) + title + ansi::reset : title) + "\n";
        for (const auto& [k, v] : kv)
            out += "  " + k + std::string(kw - k.size() + 2, ' ') + v + "\n";
        out += "\n";
    }
    return out;
}

} // namespace rein::cli::render
