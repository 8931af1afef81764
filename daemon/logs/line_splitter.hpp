#pragma once
// Turns an app's byte stream into whole lines. Pure: no fds, so framing is unit-tested.
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace rein::daemon {

/// Longest line kept whole; a longer one is split into pieces of this size (never dropped).
inline constexpr std::size_t k_max_log_line = 1024 * 1024;

class LineSplitter {
  public:
    explicit LineSplitter(std::size_t max_line = k_max_log_line) : m_max(max_line) {}

    /// Feeds bytes; calls emit(std::string_view line) for each complete line (newline excluded).
    template <typename Emit>
    void feed(std::string_view bytes, Emit&& emit) {
        while (!bytes.empty()) {
            auto nl = bytes.find('\n');
            std::string_view part = bytes.substr(0, nl);
            if (m_partial.size() + part.size() > m_max && nl == std::string_view::npos) {
                // Over the cap with no newline in sight: emit a full piece and keep going.
                std::size_t take = m_max - m_partial.size();
                emit_joined(bytes.substr(0, take), emit);
                bytes.remove_prefix(take);
                continue;
            }
            if (nl == std::string_view::npos) {
                m_partial.append(part);
                return;
            }
            if (m_partial.size() + part.size() > m_max) {
                std::size_t take = m_max - m_partial.size();
                emit_joined(bytes.substr(0, take), emit);
                bytes.remove_prefix(take);
                continue;
            }
            emit_joined(part, emit);
            bytes.remove_prefix(nl + 1);
        }
    }

    /// Like feed, but a run of whole lines (newlines included) that needs no joining or
    /// splitting goes to emit_block(std::string_view lines) in one call: a flood of short lines
    /// then costs one call per read, not one per line.
    template <typename Emit, typename EmitBlock>
    void feed_blocks(std::string_view bytes, Emit&& emit, EmitBlock&& emit_block) {
        if (!m_partial.empty()) {
            // Finish the held line first (or keep holding it).
            auto nl = bytes.find('\n');
            std::size_t head = nl == std::string_view::npos ? bytes.size() : nl + 1;
            feed(bytes.substr(0, head), emit);
            bytes.remove_prefix(head);
            if (nl == std::string_view::npos) return; // all of it went to the held line
        }
        const void* last = bytes.empty() ? nullptr : memrchr(bytes.data(), '\n', bytes.size());
        std::size_t whole =
            last ? std::size_t(static_cast<const char*>(last) - bytes.data()) + 1 : 0;
        // A run no longer than the maximum cannot hold a line that needs splitting.
        if (whole > 0 && whole <= m_max)
            emit_block(bytes.substr(0, whole));
        else
            feed(bytes.substr(0, whole), emit);
        feed(bytes.substr(whole), emit);
    }

    /// At end of stream: a last line without newline is still a line.
    template <typename Emit>
    void finish(Emit&& emit) {
        if (!m_partial.empty()) emit_joined({}, emit);
    }

    /// Bytes held for an unfinished line.
    std::size_t pending() const { return m_partial.size(); }
    /// The unfinished line itself. A reader may put it in front of its next read and then
    /// drop_partial(), so that the buffer it feeds starts at a line.
    std::string_view partial() const { return m_partial; }
    void drop_partial() {
        m_partial.clear();
        m_partial.shrink_to_fit();
    }

  private:
    template <typename Emit>
    void emit_joined(std::string_view tail, Emit& emit) {
        if (m_partial.empty()) {
            emit(tail);
        } else {
            m_partial.append(tail);
            emit(std::string_view(m_partial));
            m_partial.clear();
            m_partial.shrink_to_fit(); // idle instances hold no buffer
        }
    }

    std::string m_partial;
    std::size_t m_max;
};

} // namespace rein::daemon
