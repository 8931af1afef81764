// Fuzzes the log line framer (daemon/logs/line_splitter.hpp) with arbitrary chunk boundaries.
// Input: byte 0 picks the line cap (1..64, or the real 1 MiB), byte 1 seeds the chunk sizes, the
// rest is the app's output. Four readers (feed, feed_blocks, OutputCapture's carry-into-the-read-
// buffer loop, and a hand-over of the unfinished line to a new splitter as rein update does)
// must each emit exactly what a plain model says: the stream cut at each newline, a line longer
// than the cap cut into cap-sized pieces from its start, a last unterminated line emitted by
// finish(). So no line exceeds the cap or holds a newline, no byte is lost, duplicated or
// reordered, and the held partial line never exceeds the cap.
#include "daemon/logs/line_splitter.hpp"
#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using rein::daemon::LineSplitter;
using Lines = std::vector<std::string>;

/// What any reader must emit for `data` under `cap`.
Lines model(std::string_view data, std::size_t cap) {
    Lines out;
    auto pieces = [&](std::string_view line, bool terminated) {
        if (line.empty()) {
            if (terminated) out.emplace_back();
            return;
        }
        for (std::size_t i = 0; i < line.size(); i += cap) out.emplace_back(line.substr(i, cap));
    };
    std::size_t start = 0;
    for (std::size_t nl; (nl = data.find('\n', start)) != std::string_view::npos; start = nl + 1)
        pieces(data.substr(start, nl - start), true);
    pieces(data.substr(start), false);
    return out;
}

/// Chunk sizes from a seed (xorshift32), 1..2*cap+2, so chunks both split and join lines.
class Chunks {
  public:
    Chunks(std::uint8_t seed, std::size_t cap) : m_state(0x9e3779b9u ^ seed), m_cap(cap) {}
    std::size_t next() {
        m_state ^= m_state << 13;
        m_state ^= m_state >> 17;
        m_state ^= m_state << 5;
        return 1 + m_state % (2 * std::min<std::size_t>(m_cap, 4096) + 2);
    }

  private:
    std::uint32_t m_state;
    std::size_t m_cap;
};

/// Collects lines and checks each as it comes.
struct Sink {
    std::size_t cap;
    Lines lines;
    void line(std::string_view l) {
        FUZZ_CHECK(l.size() <= cap);
        FUZZ_CHECK(l.find('\n') == std::string_view::npos);
        lines.emplace_back(l);
    }
    void block(std::string_view b) {
        // Whole lines, newlines included, no longer than the cap all together.
        FUZZ_CHECK(!b.empty() && b.back() == '\n' && b.size() <= cap);
        b.remove_suffix(1);
        std::size_t start = 0;
        for (std::size_t nl; (nl = b.find('\n', start)) != std::string_view::npos; start = nl + 1)
            line(b.substr(start, nl - start));
        line(b.substr(start));
    }
};

Lines run_feed(std::string_view data, std::size_t cap, std::uint8_t seed) {
    Sink sink{cap, {}};
    LineSplitter s(cap);
    Chunks chunks(seed, cap);
    for (std::size_t pos = 0; pos < data.size();) {
        std::size_t n = std::min(chunks.next(), data.size() - pos);
        s.feed(data.substr(pos, n), [&](std::string_view l) { sink.line(l); });
        FUZZ_CHECK(s.pending() <= cap && s.partial().size() == s.pending());
        pos += n;
    }
    s.finish([&](std::string_view l) { sink.line(l); });
    return sink.lines;
}

/// feed_blocks; `handover_at` > 0 moves the unfinished line to a fresh splitter after that
/// many chunks, the way a new daemon image takes over a pipe (OutputCapture::carry).
Lines run_blocks(std::string_view data, std::size_t cap, std::uint8_t seed, int handover_at) {
    Sink sink{cap, {}};
    LineSplitter s(cap);
    Chunks chunks(seed, cap);
    int chunk_no = 0;
    auto line = [&](std::string_view l) { sink.line(l); };
    auto block = [&](std::string_view b) { sink.block(b); };
    for (std::size_t pos = 0; pos < data.size();) {
        std::size_t n = std::min(chunks.next(), data.size() - pos);
        s.feed_blocks(data.substr(pos, n), line, block);
        FUZZ_CHECK(s.pending() <= cap);
        pos += n;
        if (++chunk_no == handover_at) {
            std::string carried(s.partial());
            LineSplitter next(cap);
            // No newline in it and within the cap: the new splitter only holds it.
            bool emitted = false;
            next.feed(carried, [&](std::string_view) { emitted = true; });
            FUZZ_CHECK(!emitted && next.partial() == carried);
            s = std::move(next);
        }
    }
    s.finish(line);
    return sink.lines;
}

/// OutputCapture::pump: the unfinished line is copied in front of each read (when it is at
/// most a quarter of the buffer) and dropped from the splitter, then the buffer goes to
/// feed_blocks.
Lines run_reader(std::string_view data, std::size_t cap, std::uint8_t seed) {
    Sink sink{cap, {}};
    LineSplitter s(cap);
    std::string buf(8 + seed % 120, '\0');
    auto line = [&](std::string_view l) { sink.line(l); };
    auto block = [&](std::string_view b) { sink.block(b); };
    for (std::size_t pos = 0; pos < data.size();) {
        std::string_view carry = s.partial();
        if (carry.size() > buf.size() / 4) carry = {};
        if (!carry.empty()) std::copy(carry.begin(), carry.end(), buf.begin());
        std::size_t n = std::min(buf.size() - carry.size(), data.size() - pos);
        std::copy_n(data.begin() + std::ptrdiff_t(pos), n,
                    buf.begin() + std::ptrdiff_t(carry.size()));
        std::size_t got = carry.size() + n;
        if (!carry.empty()) s.drop_partial();
        s.feed_blocks(std::string_view(buf.data(), got), line, block);
        FUZZ_CHECK(s.pending() <= cap);
        pos += n;
    }
    s.finish(line);
    return sink.lines;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t cap = data[0] == 0xff ? rein::daemon::k_max_log_line : 1 + data[0] % 64;
    const std::uint8_t seed = data[1];
    std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

    const Lines want = model(stream, cap);
    FUZZ_CHECK(run_feed(stream, cap, seed) == want);
    FUZZ_CHECK(run_blocks(stream, cap, seed, 0) == want);
    FUZZ_CHECK(run_blocks(stream, cap, seed, 1 + seed % 8) == want);
    FUZZ_CHECK(run_reader(stream, cap, seed) == want);
    return 0;
}
