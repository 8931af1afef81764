#include "daemon/control/handlers/handler.hpp"
#include "daemon/logs/log_tail.hpp"

#include <charconv>
#include <map>
#include <set>

namespace rein::daemon::handlers {

namespace {

// The most history lines one request may ask for per file: they are all held in memory at once.
constexpr long long k_max_tail_lines = 100000;

// What a follower of this request should receive, including apps created after it started.
Result<LogFilter> make_filter(Context& ctx, const nlohmann::json& req) {
    LogFilter f;
    f.out = field_or(req, "out", true);
    f.err = field_or(req, "err", true);
    if (!req.contains("selector") && !req.contains("names")) {
        f.all = true;
        return f;
    }
    auto ids = select_instances(ctx, req); // checks that something matches
    if (!ids) return ids.error();
    if (req.contains("names")) {
        for (const auto& n : req.at("names")) f.apps.insert(n.get<std::string>());
        return f;
    }
    const auto& sel = req.at("selector");
    std::string s =
        sel.is_number_integer() ? std::to_string(sel.get<long long>()) : sel.get<std::string>();
    int id = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (s == "all")
        f.all = true;
    else if (ec == std::errc() && end == s.data() + s.size())
        f.ids.insert(id);
    else if (ctx.registry.find_app(s))
        f.apps.insert(s);
    else
        f.namespaces.insert(s);
    return f;
}

// A history line as the `line` event: a log_json line is decoded back to the app's text (and
// its instance), so `rein logs` reads the same whatever the files' format.
void send_history_line(const Responder& reply, const AppLogs& logs, const std::string& app,
                       std::optional<int> id, Stream stream, const std::string& text) {
    if (logs.json()) {
        auto obj = nlohmann::json::parse(text, nullptr, false);
        if (obj.is_object() && obj.contains("message") && obj["message"].is_string()) {
            std::string message = obj["message"].get<std::string>();
            if (!message.empty() && message.back() == '\n') message.pop_back();
            if (obj.contains("process_id") && obj["process_id"].is_number_integer())
                id = obj["process_id"].get<int>();
            return reply.event(line_event(app, id, stream, std::nullopt, message));
        }
    }
    reply.event(line_event(app, id, stream, std::nullopt, text));
}

} // namespace

// logs {selector?, lines?: N, stream?: bool, out?: bool, err?: bool}: the last N lines of each
// matched app's out and err files as `file` and `line` events, then (stream) every new line as
// it is committed, until the client hangs up. History and subscription happen in one loop
// turn, so no line is lost or shown twice between them.
void logs(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    auto filter = make_filter(ctx, req);
    if (!filter) return reply.fail(filter.error().code, filter.error().message);
    long long lines = field_or<long long>(req, "lines", 15);
    if (lines < 0 || lines > k_max_tail_lines)
        return reply.fail(protocol::code::bad_request,
                          "\"lines\" must be 0.." + std::to_string(k_max_tail_lines));

    const bool follow = field_or(req, "stream", true);
    if (follow && !ctx.log_hub.has_room())
        return reply.fail(protocol::code::busy, "the daemon serves at most " +
                                                    std::to_string(k_max_followers) +
                                                    " live followers at once");

    // The matched apps, each with its matched instances (whose own files merge_logs: false
    // keeps).
    std::map<std::string, std::set<int>> apps;
    for (const auto& [id, inst] : ctx.registry.instances()) {
        const App* app = ctx.registry.find_app(inst.app);
        LogLine probe{inst.app, app->spec.namespace_name, id, Stream::out, 0, {}};
        LogFilter any = *filter;
        any.out = any.err = true;
        if (any.matches(probe)) apps[inst.app].insert(id);
    }
    for (const auto& [name, ids] : apps) {
        const AppLogs& logs = *ctx.registry.find_app(name)->logs;
        // Shared files are read once, with no instance known; own files once per instance.
        std::vector<std::optional<int>> owners;
        if (logs.per_instance())
            owners.assign(ids.begin(), ids.end());
        else
            owners.push_back(std::nullopt);
        for (auto owner : owners)
            for (auto stream : {Stream::out, Stream::err}) {
                if (!(stream == Stream::out ? filter->out : filter->err)) continue;
                int id = owner.value_or(*ids.begin());
                const std::string path =
                    stream == Stream::out ? logs.out_path(id) : logs.err_path(id);
                reply.event({{"event", "file"},
                             {"app", name},
                             {"stream", stream == Stream::out ? "out" : "err"},
                             {"path", path}});
                for (const auto& text : tail_lines(path, std::size_t(lines)))
                    send_history_line(reply, logs, name, owner, stream, text);
            }
    }
    nlohmann::json names = nlohmann::json::array();
    for (const auto& [name, ids] : apps) names.push_back(name);
    if (!follow) return reply.ok({{"apps", names}});
    reply.streaming();
    ctx.log_hub.subscribe(std::move(*filter), reply);
}

// flush {selector?}: empties the matched apps' log files (all apps without a selector).
void flush(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    std::set<std::string> apps;
    if (req.contains("selector") || req.contains("names")) {
        auto ids = select_instances(ctx, req);
        if (!ids) return reply.fail(ids.error().code, ids.error().message);
        for (int id : *ids) apps.insert(ctx.registry.find(id)->app);
    } else {
        for (const auto& [name, app] : ctx.registry.apps()) apps.insert(name);
    }
    for (const auto& name : apps) ctx.registry.find_app(name)->logs->truncate();
    reply.ok({{"flushed", apps}});
}

std::vector<std::string> reopen_all_logs(Registry& registry) {
    std::vector<std::string> errors;
    for (auto& [name, app] : registry.apps()) {
        app.logs->flush();
        if (auto err = app.logs->open(); !err.empty()) errors.push_back(name + ": " + err);
    }
    return errors;
}

// reloadLogs: reopens every log file (after an external logrotate renamed them).
void reload_logs(Context& ctx, const nlohmann::json&, const Responder& reply) {
    auto errors = reopen_all_logs(ctx.registry);
    if (!errors.empty()) return reply.fail(protocol::code::failed, errors.front());
    reply.ok({{"reopened", ctx.registry.apps().size()}});
}

} // namespace rein::daemon::handlers
