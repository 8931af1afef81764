#pragma once
// Word splitting of an `args: "..."` string the way a POSIX shell would, without running one.
#include "common/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace rein {

/// Splits `text` into words: blanks separate words; '...' is literal; "..." keeps its content,
/// where a backslash escapes only `"`, `\`, `$`, a backquote and a newline; outside quotes a
/// backslash escapes any character. No expansion of any kind ($VAR, ~, globs) happens.
/// Unterminated quotes and a trailing lone backslash are errors (code "bad_value").
Result<std::vector<std::string>> shell_split(std::string_view text);

} // namespace rein
