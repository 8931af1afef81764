#include "common/files.hpp"
#include "common/protocol.hpp"
#include "daemon/control/handlers/app_update.hpp"
#include "daemon/reactor/clock.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace rein::daemon::handlers {

namespace {

constexpr int k_dump_version = 1;

// The dump at `path` when it has the shape resurrect reads; else why not (code not_found when
// the file is missing).
Result<nlohmann::json> load_dump(const std::string& path) {
    auto text = read_whole_file(path);
    if (!text && text.error().code == "not_found")
        return make_error(protocol::code::not_found, "nothing to resurrect: " + path +
                                                         " does not exist (rein save writes it)");
    if (!text)
        return make_error(protocol::code::failed,
                          "cannot read " + path + ": " + text.error().message);
    nlohmann::json dump = protocol::parse_untrusted(*text);
    auto bad = [&](const std::string& why) {
        return make_error(protocol::code::failed,
                          path + ": not a dump rein can read (" + why + ")");
    };
    if (dump.is_discarded()) return bad("invalid JSON");
    if (!dump.is_object() || dump.value("version", 0) != k_dump_version)
        return bad("expected version " + std::to_string(k_dump_version));
    if (!dump.contains("apps") || !dump["apps"].is_array()) return bad("no \"apps\" list");
    return dump;
}

} // namespace

// save {}: every app's config (as it is now: scale included) and whether it runs, to
// $REIN_HOME/dump.json. An app counts as stopped only when all its instances are stopped.
void save(Context& ctx, const nlohmann::json&, const Responder& reply) {
    // In id order, so resurrect gives the apps ids in the order they had.
    std::vector<const App*> apps;
    for (const auto& [name, app] : ctx.registry.apps()) apps.push_back(&app);
    auto first_id = [](const App* a) {
        return a->instance_ids.empty() ? 0 : a->instance_ids.front();
    };
    std::sort(apps.begin(), apps.end(),
              [&](const App* a, const App* b) { return first_id(a) < first_id(b); });
    nlohmann::json list = nlohmann::json::array();
    for (const App* app : apps) {
        bool stopped = true;
        for (int id : app->instance_ids)
            if (const Instance* inst = ctx.registry.find(id))
                stopped = stopped && inst->status == Status::stopped;
        list.push_back({{"spec", app->spec}, {"running", !stopped}});
    }
    nlohmann::json dump = {
        {"version", k_dump_version}, {"saved_at", wall_ms()}, {"apps", std::move(list)}};
    std::string path = ctx.paths.dump_file();
    // The previous dump stays as dump.json.bak (as PM2 keeps dump.pm2.bak): resurrect falls
    // back to it when dump.json cannot be read. 0600: both hold the apps' environments.
    if (auto previous = read_whole_file(path); previous)
        if (auto kept = write_file_atomically(path + ".bak", *previous, 0600); !kept)
            spdlog::warn("save: cannot keep the previous dump: {}", kept.error().message);
    auto written = write_file_atomically(path, dump.dump(2) + "\n", 0600);
    if (!written) return reply.fail(written.error().code, written.error().message);
    reply.ok({{"file", path}, {"apps", dump["apps"].size()}});
}

// resurrect {}: creates the apps of dump.json that the daemon does not have (an app of the same
// name is left as it is: "already_present"), and starts those that were running when saved.
// When dump.json cannot be read, dump.json.bak (the save before) is used and the reply's
// "warning" says so. Nothing changes when neither can be read.
void resurrect(Context& ctx, const nlohmann::json&, const Responder& reply) {
    std::string path = ctx.paths.dump_file();
    auto loaded = load_dump(path);
    std::string warning;
    if (!loaded) {
        auto backup = load_dump(path + ".bak");
        if (!backup) return reply.fail(loaded.error().code, loaded.error().message);
        warning = loaded.error().message + "; using the previous save, " + path + ".bak";
        spdlog::warn("resurrect: {}", warning);
        loaded = std::move(backup);
        path += ".bak";
    }
    nlohmann::json& dump = *loaded;
    auto bad = [&](const std::string& why) {
        reply.fail(protocol::code::failed, path + ": not a dump rein can read (" + why + ")");
    };

    nlohmann::json report = nlohmann::json::array();
    nlohmann::json fresh = nlohmann::json::array();
    std::vector<bool> run;
    for (const auto& entry : dump["apps"]) {
        if (!entry.is_object() || !entry.contains("spec") || !entry["spec"].is_object())
            return bad("an app without a \"spec\"");
        std::string name = entry["spec"].value("name", "");
        if (ctx.registry.find_app(name)) {
            report.push_back({{"name", name}, {"action", "already_present"}});
            continue;
        }
        fresh.push_back(entry["spec"]);
        run.push_back(entry.value("running", true));
    }
    // All or nothing, as for start: a spec that no longer works (a socket in use, a log file
    // that cannot be opened) changes nothing.
    std::vector<int> ids;
    auto answer = [&] {
        nlohmann::json out = {{"apps", report}, {"rows", rows_of(ctx, ids)}};
        if (!warning.empty()) out["warning"] = warning;
        reply.ok(out);
    };
    if (fresh.empty()) return answer();
    Result<std::vector<PreparedApp>> prepared = Error{};
    try {
        prepared = prepare_apps(ctx, {{"apps", fresh}});
    } catch (const nlohmann::json::exception& e) {
        std::string why = e.what(); // "[json.exception.type_error.302] type must be ..."
        auto close = why.find("] ");
        return bad(close == std::string::npos ? why : why.substr(close + 2));
    }
    if (!prepared) return reply.fail(prepared.error().code, prepared.error().message);
    auto& apps = *prepared;
    for (std::size_t i = 0; i < apps.size(); ++i) {
        std::string name = apps[i].spec.name;
        auto app_ids = install_app(ctx, std::move(apps[i]));
        if (run[i])
            for (int id : app_ids) ctx.supervisor.start(id);
        report.push_back({{"name", name}, {"action", run[i] ? "started" : "stopped"}});
        ids.insert(ids.end(), app_ids.begin(), app_ids.end());
    }
    answer();
}

} // namespace rein::daemon::handlers
