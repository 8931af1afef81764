// Requests behind PM2's small verbs: env <id> and cleardump.
#include "common/files.hpp"
#include "daemon/control/handlers/handler.hpp"
#include "daemon/reactor/clock.hpp"

namespace rein::daemon::handlers {

// env {instance}: the environment the instance gets, as {"env": {KEY: value}} (`rein env <id>`).
void env(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    const int id = field_or<int>(req, "instance", -1);
    const Instance* inst = ctx.registry.find(id);
    if (!inst)
        return reply.fail(protocol::code::not_found, "no process with id " + std::to_string(id));
    auto env = ctx.supervisor.instance_env(*inst);
    if (!env) return reply.fail(env.error().code, env.error().message);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : *env) {
        const auto eq = kv.find('=');
        out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    }
    reply.ok({{"env", out}});
}

// cleardump {}: replaces dump.json with a valid dump of no apps (PM2's cleardump), so a later
// resurrect brings nothing back instead of failing on a missing file.
void cleardump(Context& ctx, const nlohmann::json&, const Responder& reply) {
    // The shape save writes (handlers/save.cpp, version 1) with an empty app list.
    const nlohmann::json dump = {
        {"version", 1}, {"saved_at", wall_ms()}, {"apps", nlohmann::json::array()}};
    const std::string path = ctx.paths.dump_file();
    auto written = write_file_atomically(path, dump.dump(2) + "\n", 0600);
    if (!written) return reply.fail(written.error().code, written.error().message);
    reply.ok({{"file", path}});
}

} // namespace rein::daemon::handlers
