#pragma once
// The control protocol: one JSON object per line over $REIN_HOME/rein.sock, each line at most
// k_max_line_bytes. Shared by the daemon and the CLI so both frame and cap lines the same way.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace rein::protocol {

/// Longest request or reply line accepted, newline excluded.
inline constexpr std::size_t k_max_line_bytes = 1024 * 1024;
/// Deepest nesting of arrays and objects accepted in any JSON the daemon reads from outside
/// (requests, Node IPC messages, state files). No rein message nests deeper than 8.
inline constexpr std::size_t k_max_json_depth = 64;

/// True when `text` nests arrays/objects deeper than `max_depth` (strings are skipped, so
/// brackets inside them do not count). Linear, no recursion: safe on hostile input.
bool json_too_deep(std::string_view text, std::size_t max_depth = k_max_json_depth);
/// Parses JSON text that came from outside; a discarded value when it is invalid or nests
/// deeper than `max_depth` (nlohmann's copy, dump and destructor recurse per level).
nlohmann::json parse_untrusted(std::string_view text, std::size_t max_depth = k_max_json_depth);

/// Splits a byte stream into lines and enforces the line cap.
class LineBuffer {
  public:
    explicit LineBuffer(std::size_t max_line = k_max_line_bytes) : m_max(max_line) {}

    /// Appends bytes read from the stream.
    void feed(std::string_view bytes) { m_buf.append(bytes); }
    /// Takes the next complete line (without its newline), if any.
    std::optional<std::string> next_line();
    /// True once the pending bytes without a newline exceed the cap: the peer is hostile or broken.
    bool overflowed() const;
    /// Bytes buffered but not yet returned as lines.
    std::size_t pending() const { return m_buf.size() - m_pos; }
    /// Those bytes.
    std::string_view unread() const { return std::string_view(m_buf).substr(m_pos); }

  private:
    std::string m_buf;
    std::size_t m_pos = 0;
    std::size_t m_max;
};

/// Error codes on the wire (scripts branch on these).
namespace code {
inline constexpr const char* bad_request = "bad_request";
inline constexpr const char* too_large = "too_large";
inline constexpr const char* unknown_command = "unknown_command";
inline constexpr const char* not_found = "not_found";
inline constexpr const char* failed = "failed";
inline constexpr const char* not_supported = "not_supported";
inline constexpr const char* too_deep = "too_deep";
inline constexpr const char* busy = "busy";
} // namespace code

/// `{"id":id,"ok":true,"result":result}`
nlohmann::json ok_reply(const nlohmann::json& id, nlohmann::json result);
/// `{"id":id,"ok":false,"error":{"code":code,"message":message}}`
nlohmann::json error_reply(const nlohmann::json& id, std::string_view code,
                           std::string_view message);
/// Serialises a message as one wire line (newline included); invalid UTF-8 is replaced.
std::string to_line(const nlohmann::json& msg);
/// The wire line of `ok_reply(id, result)` for a result already written as JSON text (what
/// to_line would give for it parsed).
std::string ok_line(const nlohmann::json& id, std::string_view result_text);

} // namespace rein::protocol
