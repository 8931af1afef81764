// rein monit: a full-screen dashboard (ncurses) fed by one `monit` stream on one connection.
#include "cli/command.hpp"
#include "cli/monit/model.hpp"
#include "cli/render/table.hpp"

#include <algorithm>
#include <clocale>
#include <csignal>
#include <cstring>
#include <curses.h>
#include <iostream>
#include <langinfo.h>
#include <poll.h>
#include <unistd.h>

namespace rein::cli {

namespace {

using monit::Model;

constexpr const char* k_help[] = {
    "rein monit: keys",
    "",
    "  up/down, k/j   select an instance",
    "  r              restart it",
    "  s              stop it, or start it when stopped",
    "  l              reload its app (zero-downtime in cluster mode)",
    "  ?              this help (any key closes it)",
    "  q              quit",
};

// Restores the terminal however the dashboard ends (q, an error, a signal).
struct Screen {
    Screen() {
        initscr();
        cbreak();
        noecho();
        keypad(stdscr, TRUE);
        nodelay(stdscr, TRUE);
        curs_set(0);
        if (has_colors()) {
            start_color();
            use_default_colors();
            init_pair(1, COLOR_GREEN, -1);
            init_pair(2, COLOR_RED, -1);
            init_pair(3, COLOR_YELLOW, -1);
            init_pair(4, COLOR_CYAN, -1);
        }
    }
    ~Screen() { endwin(); }
};

int status_color(const std::string& s) {
    if (s == "online") return 1;
    if (s == "errored") return 2;
    if (s == "stopped") return 0;
    return 3;
}

void put(int y, int x, const std::string& text, int width) {
    if (width <= 0 || y >= LINES) return;
    mvaddnstr(y, x, text.c_str(), width);
}

// Columns of the CPU history in the table: what the terminal leaves after the fixed columns
// (62) and memory (9), at most 22.
int spark_width(int cols) {
    return std::clamp(cols - 62 - 9 - 1, 0, 22);
}

void draw(const Model& m, bool ascii, bool help, const std::string& message) {
    erase();
    int w = COLS;
    attron(A_BOLD);
    put(0, 0, "rein monit   " + std::to_string(m.rows().size()) + " instance(s)   ? help  q quit",
        w);
    attroff(A_BOLD);
    // The CPU history gives way first, so memory stays on an 80-column terminal.
    const int spark = spark_width(w);
    // Laid out like the rows below ("↺" is one column but three bytes, so it is not printf'd).
    char head[256];
    snprintf(head, sizeof head, " %-4s %-18s %-8s %-16s   \u21BA    cpu %-*.*s%smemory", "id",
             "name", "mode", "status", spark, spark, spark >= 16 ? "cpu, last minute" : "history",
             spark > 0 ? " " : "");
    attron(A_REVERSE);
    put(2, 0, std::string(head) + std::string(std::size_t(std::max(0, w)), ' '), w);
    attroff(A_REVERSE);
    const nlohmann::json* sel = m.selected();
    int y = 3;
    int table_end = std::max(4, LINES / 2);
    for (const auto& r : m.rows()) {
        if (y >= table_end) break;
        int id = r.value("id", -1);
        bool is_sel = sel && sel->value("id", -2) == id;
        std::string status = r.value("status", "");
        char line[512];
        snprintf(line, sizeof line, "%-4d %-18.18s %-8s ", id, r.value("name", "").c_str(),
                 r.value("exec_mode", "").c_str());
        if (is_sel) attron(A_BOLD);
        put(y, 0, std::string(is_sel ? ">" : " ") + line, w);
        int x = 1 + int(strlen(line));
        attron(COLOR_PAIR(status_color(status)));
        put(y, x, status, w - x);
        attroff(COLOR_PAIR(status_color(status)));
        x += 16;
        char nums[64];
        snprintf(nums, sizeof nums, "%4d %5.1f%% ", r.value("restarts", 0), r.value("cpu", 0.0));
        put(y, x, nums, w - x);
        x += int(strlen(nums));
        if (spark > 0) {
            attron(COLOR_PAIR(4));
            put(y, x, monit::sparkline(m.cpu_history(id), std::size_t(spark), 100, ascii), w - x);
            attroff(COLOR_PAIR(4));
            x += spark + 1;
        }
        put(y, x, render::format_bytes(r.value("memory", 0ULL)), w - x);
        if (is_sel) attroff(A_BOLD);
        ++y;
    }
    if (m.rows().empty()) put(3, 1, "no apps: start some with rein start", w);

    // The selected instance's details and its app's last log lines.
    y = table_end + 1;
    if (sel) {
        std::string name = sel->value("name", "");
        attron(A_BOLD);
        put(y++, 0, "── " + name + " [" + std::to_string(sel->value("id", 0)) + "] ──", w);
        attroff(A_BOLD);
        std::string uptime =
            sel->at("pid").is_null() ? "-" : render::format_uptime(sel->value("uptime_ms", 0LL));
        const auto& limit = sel->at("max_memory_restart");
        put(y++, 1,
            "script " + sel->value("script", "") + "   cwd " + sel->value("cwd", "") + "   pid " +
                (sel->at("pid").is_null() ? "-" : sel->at("pid").dump()),
            w - 1);
        std::string figures = "restarts " + std::to_string(sel->value("restarts", 0)) +
                              "   uptime " + uptime + "   memory limit " +
                              (limit.is_null() ? std::string("none")
                                               : render::format_bytes(limit.get<std::uint64_t>())) +
                              "   memory " + render::format_bytes(sel->value("memory", 0ULL)) + " ";
        // The memory history fills what the line leaves, at most 30 columns.
        int history = std::min(30, w - 2 - int(figures.size()));
        if (history > 0)
            figures += monit::sparkline(m.memory_history(sel->value("id", 0)), std::size_t(history),
                                        0, ascii);
        put(y++, 1, figures, w - 1);
        const auto& lines = m.log_lines(name);
        int room = LINES - y - 1;
        std::size_t from = lines.size() > std::size_t(std::max(room, 0))
                               ? lines.size() - std::size_t(std::max(room, 0))
                               : 0;
        for (std::size_t i = from; i < lines.size() && y < LINES - 1; ++i)
            put(y++, 1, lines[i], w - 1);
    }
    if (m.skipped() > 0 || !message.empty()) {
        std::string status = message;
        if (m.skipped() > 0) status += "  (" + std::to_string(m.skipped()) + " log lines skipped)";
        put(LINES - 1, 0, status, w);
    }
    if (help) {
        // As wide as its longest line, centred: whole on an 80-column terminal.
        std::size_t box = 0;
        for (const char* line : k_help) box = std::max(box, strlen(line) + 2);
        int hy = 3, hx = std::max(0, (w - int(box)) / 2);
        for (const char* line : k_help) {
            attron(A_REVERSE);
            put(hy++, hx, " " + std::string(line) + std::string(box - 1 - strlen(line), ' '),
                int(box));
            attroff(A_REVERSE);
        }
    }
    refresh();
}

int run_monit(Context& ctx) {
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return report("monit needs a terminal (use jlist or logs --json in scripts)");
    auto client = ctx.connect();
    if (!client) return k_exit_failed;
    if (auto sent = client->send_request("monit", nlohmann::json::object()); !sent)
        return report(sent.error());

    setlocale(LC_ALL, "");
    bool ascii = std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
    Model model;
    std::string message;
    bool help = false, dirty = true;
    Screen screen;
    for (;;) {
        if (dirty) draw(model, ascii, help, message);
        dirty = false;
        pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {client->fd(), POLLIN, 0}};
        if (poll(p, 2, 1000) < 0) continue; // EINTR (SIGWINCH): getch() sees KEY_RESIZE
        if (p[1].revents) {
            auto msgs = client->read_available();
            if (!msgs) {
                endwin();
                return report("the daemon went away");
            }
            for (const auto& msg : *msgs) {
                if (msg.contains("event")) {
                    dirty = model.apply(msg) || dirty;
                } else if (!msg.value("ok", true)) { // a reply to one of our keys
                    message = msg["error"].value("message", "failed");
                    dirty = true;
                }
            }
        }
        for (int key = getch(); key != ERR; key = getch()) {
            dirty = true;
            if (help) {
                help = false;
                continue;
            }
            const nlohmann::json* sel = model.selected();
            std::string id = sel ? std::to_string(sel->value("id", 0)) : "";
            switch (key) {
            case 'q':
            case 'Q':
                return k_exit_ok;
            case '?':
                help = true;
                break;
            case KEY_UP:
            case 'k':
                model.move(-1);
                break;
            case KEY_DOWN:
            case 'j':
                model.move(1);
                break;
            case 'r':
                // A failed send means the daemon is gone: the next read reports it.
                if (sel) (void)client->send_request("restart", {{"selector", id}});
                message = sel ? "restarting " + sel->value("name", "") + " [" + id + "]" : "";
                break;
            case 's':
                if (sel) {
                    bool down = sel->at("pid").is_null();
                    (void)client->send_request(down ? "start" : "stop", {{"selector", id}});
                    message = (down ? "starting " : "stopping ") + sel->value("name", "");
                }
                break;
            case 'l':
                if (sel)
                    (void)client->send_request("reload", {{"selector", sel->value("name", "")}});
                message = sel ? "reloading " + sel->value("name", "") : "";
                break;
            case KEY_RESIZE:
            default:
                break;
            }
        }
    }
}

} // namespace

// rein monit: the dashboard; q quits and restores the terminal.
Runner setup_monit(CLI::App&) {
    return [](Context& ctx) { return run_monit(ctx); };
}

} // namespace rein::cli
