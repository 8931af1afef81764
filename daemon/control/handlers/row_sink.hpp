#pragma once
// Where a process row's fields go: a JSON tree (describe, monit, the rows of stop/restart...)
// or JSON text written straight into the reply (list, which jlist and ls call all the time:
// building and freeing a tree per row was most of its cost). The fields are named once
// (rows.cpp, pm2_row.cpp) for both, so the two cannot drift apart.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace rein::daemon {

/// Receives one row's fields; objects nest with begin_object/end_object. A key must stay valid
/// until its object ends (literals and the app's spec do). Setting a key twice keeps the last
/// value, as assigning a JSON object's member does.
class RowSink {
  public:
    virtual ~RowSink() = default;
    /// False for a top-level key the request left out (`list` with `fields`): the writer may
    /// skip computing it.
    virtual bool wants(std::string_view) const { return true; }
    virtual void null(std::string_view key) = 0;
    virtual void boolean(std::string_view key, bool v) = 0;
    virtual void integer(std::string_view key, std::int64_t v) = 0;
    virtual void unsigned_integer(std::string_view key, std::uint64_t v) = 0;
    virtual void real(std::string_view key, double v) = 0;
    virtual void string(std::string_view key, std::string_view v) = 0;
    virtual void strings(std::string_view key, const std::vector<std::string>& v) = 0;
    virtual void begin_object(std::string_view key) = 0;
    virtual void end_object() = 0;
};

/// Builds the row as a JSON object (members assigned into `root`).
class TreeSink final : public RowSink {
  public:
    explicit TreeSink(nlohmann::json& root) : m_stack{&root} {}
    void null(std::string_view key) override { at(key) = nullptr; }
    void boolean(std::string_view key, bool v) override { at(key) = v; }
    void integer(std::string_view key, std::int64_t v) override { at(key) = v; }
    void unsigned_integer(std::string_view key, std::uint64_t v) override { at(key) = v; }
    void real(std::string_view key, double v) override { at(key) = v; }
    void string(std::string_view key, std::string_view v) override { at(key) = std::string(v); }
    void strings(std::string_view key, const std::vector<std::string>& v) override { at(key) = v; }
    void begin_object(std::string_view key) override;
    void end_object() override { m_stack.pop_back(); }

  private:
    nlohmann::json& at(std::string_view key) { return (*m_stack.back())[std::string(key)]; }
    std::vector<nlohmann::json*> m_stack;
};

/// Writes rows as JSON text, byte for byte what dumping the TreeSink's object gives (members
/// sorted by key, strings escaped alike, invalid UTF-8 replaced).
class TextSink final : public RowSink {
  public:
    /// `only`: the top-level keys to write (empty: all).
    explicit TextSink(std::vector<std::string> only = {}) : m_only(std::move(only)) {}
    /// Appends the row written since the last call to `out`, and starts the next one.
    void finish_row(std::string& out);

    bool wants(std::string_view key) const override;
    void null(std::string_view key) override;
    void boolean(std::string_view key, bool v) override;
    void integer(std::string_view key, std::int64_t v) override;
    void unsigned_integer(std::string_view key, std::uint64_t v) override;
    void real(std::string_view key, double v) override;
    void string(std::string_view key, std::string_view v) override;
    void strings(std::string_view key, const std::vector<std::string>& v) override;
    void begin_object(std::string_view key) override;
    void end_object() override;

  private:
    struct Member {
        std::string_view key;
        std::size_t at = 0, len = 0; ///< the value's text in the level's buffer
    };
    /// An object being written: its members' values, in the order they came.
    struct Level {
        std::string_view key; ///< its key in the enclosing object
        std::string text;
        std::vector<Member> members;
    };
    /// Adds member `key` with the value `write(text)` appends, unless it is left out.
    template <class Write>
    void put(std::string_view key, Write&& write);
    static void write_object(Level& level, std::string& out);

    std::vector<std::string> m_only;
    std::vector<Level> m_levels{1}; ///< kept between rows for their capacity
    std::size_t m_depth = 0;
    int m_skipped = 0; ///< depth inside an object left out
};

/// Appends `s` as a JSON string literal, exactly as nlohmann's dump writes it (no ASCII escaping
/// of UTF-8, invalid sequences replaced).
void append_json_string(std::string& out, std::string_view s);

} // namespace rein::daemon
