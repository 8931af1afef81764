#pragma once
// JSON values printed the way node's util.inspect(value, false, null, false) prints them, so
// `rein prettylist` reads like PM2's (which prints its process list through util.inspect) and
// scripts grepping it for `status: 'online'` or `restart_time: 0` keep working.
#include <nlohmann/json.hpp>
#include <string>

namespace rein::cli::render {

/// `value` in util.inspect's default layout (no colours, unlimited depth): unquoted identifier
/// keys, single-quoted escaped strings, 2-space indentation, short containers on one line,
/// arrays of more than 6 short entries grouped in columns, at most 100 array items shown.
std::string js_inspect(const nlohmann::ordered_json& value);
/// The same for a value whose object keys are sorted (nlohmann::json keeps them so).
std::string js_inspect(const nlohmann::json& value);

} // namespace rein::cli::render
