#pragma once
// Signal names as users write them (`SIGINT`, `INT`, `sigint`, `2`) and as rein prints them.
#include "common/result.hpp"

#include <string>
#include <string_view>

namespace rein {

/// The signal number for a name with or without `SIG`, in any case, or a number 1..SIGRTMAX.
/// Unknown names, 0 and out-of-range numbers are errors (code "bad_value").
Result<int> parse_signal(std::string_view text);

/// The canonical name of a signal ("SIGINT"); "SIG<n>" for numbers without a standard name.
std::string signal_name(int signal);

} // namespace rein
