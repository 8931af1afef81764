#pragma once
// The key tables of the PM2 dump conversion (common/pm2_dump.cpp): which PM2 settings become
// AppSpec fields, which are PM2's own bookkeeping, and which rein has no use for.
#include "common/app_spec.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace rein::pm2_dump_detail {

/// Applies the PM2 setting `key` = `v` to `s` when rein has a meaning for it. Returns nothing
/// when applied or when the key is not one of these; else why the value could not be used.
/// Whether the key was one of them goes to `known`. Needs s.cwd set (watch paths).
std::optional<std::string> apply_setting(const std::string& key, const nlohmann::json& v,
                                         AppSpec& s, bool& known);

/// True for keys PM2 fills in itself (state, resolved paths, metrics) or that are already
/// applied by the time it saves (env profiles, filter_env, port, ...): dropped without a word.
bool is_bookkeeping(const std::string& key);

/// For PM2's own features rein has no equivalent of (vizion, pmx, tracing, ...): true when `v`
/// is not PM2's default, so the user set it and should hear that it is ignored. Keys of no
/// table are ignored and reported as well.
bool is_reportable(const std::string& key, const nlohmann::json& v);

/// A whole number from a JSON number or a decimal string; nothing when it is neither or does
/// not fit.
std::optional<std::int64_t> whole_number(const nlohmann::json& v);

/// `p` made absolute against `base` and lexically normalised.
std::string absolute_in(const std::string& base, const std::string& p);

} // namespace rein::pm2_dump_detail
