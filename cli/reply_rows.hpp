#pragma once
// `jlist` without parsing: the rows' text found in the daemon's reply line as it was sent.
#include <optional>
#include <string_view>

namespace rein::cli {

/// The text of the rows array in a reply line of exactly the shape
/// `{"id":N,"ok":true,"result":{"rows":[...]}}` (the daemon writes keys in order), else nullopt
/// (an error, another shape: the caller parses the line instead).
std::optional<std::string_view> rows_in_reply(std::string_view line);

} // namespace rein::cli
