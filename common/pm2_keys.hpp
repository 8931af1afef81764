#pragma once
// Every app key any PM2 version's schema (lib/API/schema.json) knows, and what rein makes of it;
// and PM2's CLI verbs with their rein equivalents. The ecosystem parser classifies keys with this
// table, and docs/migrating-from-pm2.md and rein-ecosystem(5) are generated from it, so they
// cannot drift.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rein {

/// What rein does with a PM2 app key.
enum class Pm2KeyKind {
    rein,    ///< a rein key of the same name
    alias,   ///< another name of the rein key `target`
    service, ///< only for PM2's own services (PM2 Plus, pmx, Keymetrics): warned about, ignored
    ignored, ///< rein cannot honour it: warned about (the note says why), ignored
};

/// One key of PM2's schema (or of rein alone, kind `rein`, for the complete list of keys).
struct Pm2Key {
    std::string_view name;
    Pm2KeyKind kind;
    std::string_view target; ///< alias: the rein key it names
    std::string_view note;   ///< what rein does with it (Markdown, one sentence or two)
    /// A rein key: its value when the file does not set it (Markdown; rein-ecosystem(5)).
    std::string_view default_value = {};
};

/// Every known app key; `env_<PROFILE>` is matched by prefix, not listed.
const std::vector<Pm2Key>& pm2_keys();
/// The entry for `name`, or null when no PM2 version and no rein version knows it.
const Pm2Key* find_pm2_key(std::string_view name);

/// One PM2 command with its rein counterpart.
struct Pm2Command {
    std::string_view pm2;  ///< as typed after `pm2`
    std::string_view rein; ///< as typed after `rein`; "" when rein has none
    std::string_view note;
};

/// PM2's everyday commands, in the order of PM2's help.
const std::vector<Pm2Command>& pm2_commands();

/// The generated part of docs/migrating-from-pm2.md (both tables), ending with a newline.
std::string migration_tables_markdown();

/// The lines around the generated part of docs/migrating-from-pm2.md.
inline constexpr std::string_view k_doc_begin =
    "<!-- generated from common/pm2_keys.cpp by `make docs`: do not edit below -->";
inline constexpr std::string_view k_doc_end = "<!-- end of generated part -->";

/// `doc` with the text between its markers replaced by migration_tables_markdown(); nullopt
/// when a marker is missing.
std::optional<std::string> splice_migration_tables(const std::string& doc);

} // namespace rein
