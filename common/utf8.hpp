#pragma once
// Log lines are bytes; JSON strings are UTF-8. This bridges the two without losing information.
#include <string>
#include <string_view>

namespace rein {

/// `bytes` with every byte that is not part of a well-formed UTF-8 sequence written as the
/// four characters `\xNN` (uppercase hex), so the result is valid UTF-8 and the original bytes
/// can still be read off it. Valid input comes back unchanged.
std::string escape_invalid_utf8(std::string_view bytes);

} // namespace rein
