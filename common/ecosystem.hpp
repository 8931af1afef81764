#pragma once
// Ecosystem files (YAML or JSON, top-level `apps:`) and `rein start <script>` into AppSpecs.
// Every error names file:line:col and, for an unknown key, suggests the nearest known one.
#include "common/app_spec.hpp"
#include "common/result.hpp"

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rein {

/// What the `rein start` command line adds to a file's settings.
struct LoadOptions {
    std::string env_profile;       ///< --env PROFILE: merge env_PROFILE over env ("" = none)
    std::vector<std::string> only; ///< --only: keep just these app names (empty = all)
    /// Command-line overrides as (ecosystem key, raw value), e.g. {"instances","max"},
    /// {"autorestart","false"}; validated like the file's own values.
    std::vector<std::pair<std::string, std::string>> overrides;
    std::map<std::string, std::string> base_env; ///< the caller's environment
    std::string caller_cwd;                      ///< resolves relative paths of `start <script>`
    int usable_cores = 1;                        ///< for `instances: max` and -1
    /// The apps run on another host (rein --host): their paths are that host's, so `script`
    /// and `cwd` are made absolute but not looked for here; the daemon there checks them.
    bool paths_elsewhere = false;
    /// Evaluates a `*.config.js|.cjs|.mjs` file (absolute path) and returns its config as JSON
    /// text, one key or element per line (`JSON.stringify(config, null, 1)`); errors name the
    /// file as `shown`. Set by the CLI (common/ never runs programs); unset: such files are
    /// refused.
    std::function<Result<std::string>(const std::string& path, const std::string& shown)>
        evaluate_js;
    /// Receives each warning (a PM2 key rein ignores, a `deploy` section), without "rein: ".
    /// Unset: warnings are dropped.
    std::function<void(const std::string&)> warn;
};

/// The largest ecosystem file read (a larger one is refused before it is parsed).
inline constexpr std::size_t k_max_ecosystem_bytes = 16 * 1024 * 1024;
/// The most apps one file may define.
inline constexpr std::size_t k_max_apps = 10000;

/// Loads every app of an ecosystem file. Fails as a whole: either all apps or one Error
/// (code "bad_ecosystem", message "FILE:LINE:COL: ...").
Result<std::vector<AppSpec>> load_ecosystem(const std::string& path, const LoadOptions& opts);

/// The same for a file's text already read (`rein start -`): YAML or JSON (with comments),
/// `shown` names it in errors, relative paths are relative to opts.caller_cwd.
Result<std::vector<AppSpec>> load_ecosystem_text(const std::string& text, const std::string& shown,
                                                 const LoadOptions& opts);

/// Builds one app from `rein start <script> [-- args]` without a file.
Result<AppSpec> app_from_script(const std::string& script, const std::vector<std::string>& args,
                                const LoadOptions& opts);

/// True when `arg` names an ecosystem file by its extension (.yaml, .yml, .json) or, as PM2's
/// rule has it, by its name ending in .config.js, .config.cjs or .config.mjs.
bool is_ecosystem_path(const std::string& arg);
/// True for the `*.config.js|.cjs|.mjs` kind, which node evaluates.
bool is_js_ecosystem_path(const std::string& arg);

} // namespace rein
