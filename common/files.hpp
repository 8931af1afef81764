#pragma once
// Whole-file and whole-descriptor reads and writes with errno turned into Errors.
#include "common/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rein {

/// The whole file. Error code "not_found" when it does not exist, else "failed"; the message is
/// the system's sentence ("Permission denied"), for the caller to put in context; "too_large"
/// past `limit` bytes.
Result<std::string> read_whole_file(const std::string& path, std::size_t limit = SIZE_MAX);

/// Everything left to read from `fd`, up to its end. Error code "failed" with the system's
/// sentence.
Result<std::string> read_all(int fd, std::size_t limit = SIZE_MAX);

/// Writes all of `bytes` to `fd` (retrying short writes). Error code "failed".
Status write_all(int fd, std::string_view bytes);

/// The absolute path of this process's executable ("" when /proc cannot tell).
std::string executable_path();

/// Writes `text` to `path` whole or not at all: a temporary file beside it with `mode`, synced,
/// then renamed over the old one. Error code "failed", message "cannot write PATH: reason".
Status write_file_atomically(const std::string& path, const std::string& text, int mode);

} // namespace rein
