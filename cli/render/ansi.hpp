#pragma once
// The terminal colours the CLI uses (SGR sequences), in one place.
namespace rein::cli::render::ansi {

inline constexpr const char* reset = "\033[0m";
inline constexpr const char* bold = "\033[1m";
inline constexpr const char* red = "\033[31m";
inline constexpr const char* green = "\033[32m";
inline constexpr const char* yellow = "\033[33m";
inline constexpr const char* cyan = "\033[36m";
inline constexpr const char* grey = "\033[90m";

} // namespace rein::cli::render::ansi
