#pragma once
// `*.config.js|.cjs|.mjs` ecosystem files, evaluated by node as PM2 does: require() (import()
// for .mjs or an ES module), the export turned into JSON for the ecosystem parser.
#include "common/result.hpp"

#include <string>

namespace rein::cli {

/// Longest a config file may take to evaluate before node is killed.
inline constexpr int k_js_eval_timeout_ms = 10000;

/// Runs node on the file at absolute `path` (in its folder, with this process's environment)
/// and returns the exported config as `JSON.stringify(config, null, 1)`. Errors (code
/// "bad_ecosystem") name the file as `shown`, with the line when node reports one.
Result<std::string> evaluate_js_config(const std::string& path, const std::string& shown);

} // namespace rein::cli
