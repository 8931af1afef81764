// PM2's small query and housekeeping verbs: env, pid, id, prettylist, cleardump, ecosystem,
// startOrRestart, startOrReload.
#include "cli/commands/redeploy.hpp"
#include "cli/render/js_inspect.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace rein::cli {

namespace {

/// The process table's rows, or the error already printed.
std::optional<nlohmann::json> list_rows(Context& ctx) {
    auto client = ctx.connect();
    if (!client) return std::nullopt;
    auto list = client->call("list");
    if (!list) {
        report(list.error());
        return std::nullopt;
    }
    return list->at("rows");
}

// The starter file of `rein ecosystem`: only keys every rein understands, so it starts as it is
// once app.js exists.
constexpr const char* k_ecosystem_template =
    R"(// Ecosystem file: `rein start ecosystem.config.js`, or `--env production` to merge
// env_production over env. Each key is described in rein's docs/ecosystem.md.
module.exports = {
  apps: [
    {
      name: 'app',
      script: './app.js',
      instances: 1,
      env: {
        NODE_ENV: 'development',
      },
      env_production: {
        NODE_ENV: 'production',
      },
    },
  ],
};
)";

constexpr const char* k_ecosystem_simple = R"(module.exports = {
  apps: [
    {
      name: 'app',
      script: './app.js',
    },
  ],
};
)";

} // namespace

// rein env <id>: the environment instance <id> gets, one KEY=value per line.
Runner setup_env(CLI::App& sub) {
    auto id = std::make_shared<int>(-1);
    sub.add_option("id", *id, "the instance id")->required()->check(CLI::NonNegativeNumber);
    return [id](Context& ctx) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("env", {{"instance", *id}});
        if (!reply) return report(reply.error());
        for (const auto& [k, v] : reply->at("env").items())
            std::cout << k << "=" << v.get<std::string>() << "\n";
        return k_exit_ok;
    };
}

// rein pid [name]: the pids of the app's running instances (all apps without a name), one a
// line. As in PM2 an unknown name prints nothing; an instance that is not running has no pid.
Runner setup_pid(CLI::App& sub) {
    auto name = std::make_shared<std::string>();
    sub.add_option("name", *name, "an app name (default: every app)");
    return [name](Context& ctx) {
        auto rows = list_rows(ctx);
        if (!rows) return k_exit_failed;
        for (const auto& row : *rows)
            if ((name->empty() || row.value("name", "") == *name) && row["pid"].is_number())
                std::cout << row["pid"].get<long long>() << "\n";
        return k_exit_ok;
    };
}

// rein id <name>: the app's instance ids as PM2 prints them (`[ 0, 1 ]`, `[]` when none).
Runner setup_id(CLI::App& sub) {
    auto name = std::make_shared<std::string>();
    sub.add_option("name", *name, "an app name")->required();
    return [name](Context& ctx) {
        auto rows = list_rows(ctx);
        if (!rows) return k_exit_failed;
        std::ostringstream ids;
        for (const auto& row : *rows)
            if (row.value("name", "") == *name)
                ids << (ids.tellp() > 0 ? ", " : "") << row["id"].get<long long>();
        std::cout << (ids.tellp() > 0 ? "[ " + ids.str() + " ]" : "[]") << "\n";
        return k_exit_ok;
    };
}

// rein prettylist: the rows as PM2 prints them, with PM2's keys only (pid, name, pm2_env, pm_id,
// monit; jlist also carries rein's own, which repeat status and counters) and in node's
// util.inspect layout, so scripts counting `status: 'online'` in PM2's output count the same.
Runner setup_prettylist(CLI::App&) {
    return [](Context& ctx) {
        auto rows = list_rows(ctx);
        if (!rows) return k_exit_failed;
        // In PM2's key order too: scripts cut `pm_id: 0,` out of the text, comma included.
        nlohmann::ordered_json pm2_rows = nlohmann::ordered_json::array();
        for (const auto& row : *rows) {
            auto out = nlohmann::ordered_json::object();
            for (const char* key : {"pid", "name", "pm2_env", "pm_id", "monit"})
                if (row.contains(key)) out[key] = nlohmann::ordered_json::parse(row[key].dump());
            pm2_rows.push_back(row.contains("pm2_env") ? out
                                                       : nlohmann::ordered_json::parse(row.dump()));
        }
        std::cout << render::js_inspect(pm2_rows) << "\n";
        return k_exit_ok;
    };
}

// rein cleardump: the dump becomes a valid dump of no apps (resurrect then brings back none).
Runner setup_cleardump(CLI::App&) {
    return [](Context& ctx) {
        auto client = ctx.connect();
        if (!client) return k_exit_failed;
        auto reply = client->call("cleardump");
        if (!reply) return report(reply.error());
        std::cout << "emptied " << reply->value("file", "") << "\n";
        return k_exit_ok;
    };
}

// rein ecosystem [simple] (alias init): writes a starter ecosystem.config.js here, never over
// an existing file.
Runner setup_ecosystem(CLI::App& sub) {
    auto mode = std::make_shared<std::string>();
    sub.add_option("mode", *mode, "'simple' for a minimal file")->check(CLI::IsMember({"simple"}));
    return [mode](Context&) {
        const std::string file = "ecosystem.config.js";
        const std::string text = mode->empty() ? k_ecosystem_template : k_ecosystem_simple;
        int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
            return report(file + " already exists here; not overwritten");
        if (fd < 0) return report("cannot create " + file + ": " + std::strerror(errno));
        const bool written = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
        const int saved = errno;
        ::close(fd);
        if (!written) {
            ::unlink(file.c_str());
            return report("cannot write " + file + ": " + std::strerror(saved));
        }
        std::cout << "wrote " << file << " (rein start " << file << ")\n";
        return k_exit_ok;
    };
}

namespace {

Runner setup_start_or(CLI::App& sub, const std::string& cmd) {
    auto o = std::make_shared<RedeployOpts>();
    o->selectors.resize(1);
    sub.add_option("ecosystem", o->selectors.front(), "an ecosystem file")->required();
    add_redeploy_options(sub, *o);
    return [o, cmd](Context& ctx) {
        if (!is_ecosystem_path(o->selectors.front()))
            return report("'" + o->selectors.front() + "' is not an ecosystem file");
        return run_redeploy(ctx, cmd, *o);
    };
}

} // namespace

// rein startOrRestart <eco>: starts the file's apps that are not running, restarts the others
// with the file's current config.
Runner setup_start_or_restart(CLI::App& sub) {
    return setup_start_or(sub, "restart");
}

// rein startOrReload <eco>: the same with a zero-downtime reload of the running apps.
Runner setup_start_or_reload(CLI::App& sub) {
    return setup_start_or(sub, "reload");
}

} // namespace rein::cli
