#pragma once
// Internals shared by the ecosystem parser's files (ecosystem.cpp reads the YAML structure,
// ecosystem_values.cpp checks one key's value, ecosystem_resolve.cpp settles paths and defaults).
// Not for use outside common/ecosystem*.cpp.
#include "common/app_spec.hpp"
#include "common/ecosystem.hpp"
#include "common/result.hpp"
#include "common/spec_check.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rein::ecosystem_detail {

/// Where a value came from, phrased as the start of an error message about it.
struct Where {
    /// "FILE:LINE:COL: " for a file value, "--instances: " for a command-line override, "" for
    /// the script of `rein start <script>`.
    std::string at;
    /// Names the key in a complaint about its value: "instances: " for a file value, "" for an
    /// override (`at` already names it).
    std::string key;
    bool cli = false; ///< an override: relative paths are the caller's, not the file's
    std::string file; ///< the file as the caller named it; empty for overrides and `start`
};

/// "FILE:LINE:COL: " (1-based) for a yaml-cpp mark; "FILE: " when the mark is unknown.
std::string mark_prefix(const std::string& file, const YAML::Mark& mark);
/// The same Where, pointing at `node` (an element inside the value) when it has a file position.
Where inner(const Where& w, const YAML::Node& node);

/// An error about a value: `at` + `key` + the problem ("expected a positive integer").
Error value_error(const Where& w, const std::string& problem);
/// An error whose sentence names the key itself ("script './x' not found").
Error where_error(const Where& w, const std::string& sentence);

/// One app while it is being read: values parsed so far, plus what resolution still needs
/// (paths as written, where each came from). `spec` fields without a note here are final.
struct Draft {
    AppSpec spec;
    std::string file_dir; ///< absolute folder of the ecosystem file (or the caller's cwd)
    Where app_at;         ///< the app's own map, for "has no 'script'"

    bool has_name = false;
    Where name_at;
    bool has_script = false;
    std::string script; ///< as written
    Where script_at;
    std::optional<std::string> cwd; ///< as written
    std::string cwd_base;           ///< what a relative cwd is relative to
    Where cwd_at;
    std::optional<std::string> interpreter; ///< as written; "" after `none`
    bool has_exec_mode = false;
    std::map<std::string, std::map<std::string, std::string>> profiles; ///< env_<profile>
    Where increment_var_at;
    bool has_gid = false;
    std::optional<std::uint32_t> user_gid; ///< primary group of a uid given by name

    // PM2 keys applied in finish() (ecosystem_pm2.cpp reads them).
    std::optional<std::string> port;         ///< `port`: becomes env PORT
    bool filter_all_env = false;             ///< `filter_env: true`
    std::vector<std::string> filter_env;     ///< `filter_env: [...]`: name parts to drop
    bool append_env_to_name = false;         ///< name + '-' + the --env profile
    bool disable_logs = false;               ///< out and err to /dev/null
    bool log_file_default = false;           ///< `log_file: true`: <logs>/<name>.log
    std::map<std::string, std::string> seen; ///< key as rein names it -> as written (aliases)
};

enum class KeyKind {
    known,       ///< parsed by set_value()
    env_profile, ///< env_<PROFILE>: parsed by set_value()
    alias,       ///< PM2's other name of a known key (canonical_key() gives it)
    ignored,     ///< a PM2 key rein ignores with a warning (ignored_key_warning())
    unknown,
};

/// What rein makes of an app key.
KeyKind classify_key(std::string_view key);
/// The rein key an alias names; any other key unchanged.
std::string canonical_key(std::string_view key);
/// The warning for an ignored key, without place: "'vizion' is a PM2 service key; ...".
std::string ignored_key_warning(std::string_view key);
/// The known key (rein's or any PM2 version's) nearest to `key` by edit distance, or "" when
/// none is close enough.
std::string nearest_key(std::string_view key);

using Setter = Status (*)(Draft&, const YAML::Node&, const Where&, const LoadOptions&);
/// The setter of a PM2 key with a rein meaning (ecosystem_pm2.cpp), or null.
Setter pm2_setter(std::string_view key);
/// Applies the PM2 keys that act once every key is read (port, filter_env,
/// append_env_to_name, disable_logs), after the env profile is merged.
void apply_pm2_keys(Draft& d, const LoadOptions& opts);

/// Makes mark_prefix() name a place in JSON that node printed (`FILE: apps[0].env: `) instead of
/// a line of that text, which the user never saw. One table per thread, set while one
/// evaluated `*.config.js` is read; the previous table comes back when this ends.
class JsonPlaces {
  public:
    JsonPlaces(const YAML::Node& root);
    ~JsonPlaces();
    JsonPlaces(const JsonPlaces&) = delete;
    JsonPlaces& operator=(const JsonPlaces&) = delete;

  private:
    std::map<int, std::string> m_paths; ///< 0-based line -> path of what starts there
    const std::map<int, std::string>* m_previous;
};

/// `text` with JSON5's comments (`//`, `/* */`) and trailing commas blanked out (newlines kept,
/// so line:col stay true), for YAML's parser to read the JSON that is left. Strings untouched.
std::string strip_json5(std::string_view text);
/// Levenshtein distance: insertions, deletions and substitutions each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Reading one value (ecosystem_scalars.cpp). Setters check the value and store it; errors name
// the value's place with `w`.
Status ok();
/// The scalar's text, or nothing for a sequence, map or null.
std::optional<std::string> text(const YAML::Node& v);
/// An integer written in decimal ("4", "-1", "+4"); YAML's 0x/0o forms are not accepted.
std::optional<long long> integer(const YAML::Node& v);
/// true/false in any case; YAML 1.1's yes/no/on/off are refused.
std::optional<bool> boolean(const YAML::Node& v);
/// `args`-like values: a string split like a shell, or a list of scalars. Null is empty.
Result<std::vector<std::string>> word_list(const YAML::Node& v, const Where& w);
/// `env`-like values: a map of names to scalars (numbers and booleans kept as written).
Result<std::map<std::string, std::string>> env_map(const YAML::Node& v, const Where& w);
Status set_path(std::string& field, const YAML::Node& v, const Where& w);
/// A log file path; null, `NULL` and `/dev/null` discard the stream (PM2's spellings).
Status set_log_path(std::string& field, const YAML::Node& v, const Where& w);
/// A node as JSON text: maps and lists as JSON, plain numbers/booleans/null bare, other
/// scalars as strings (how PM2 puts an object into an env value).
std::string json_text(const YAML::Node& v);
Status set_duration(std::int64_t& field, const YAML::Node& v, const Where& w);
Status set_size(std::int64_t& field, const YAML::Node& v, const Where& w);
Status set_bool(bool& field, const YAML::Node& v, const Where& w);
Status set_identifier(std::string& field, const YAML::Node& v, const Where& w);
/// One `listen` entry, "ADDRESS" or {address, mode}, appended to `out`.
Status add_listen(std::vector<ListenSpec>& out, const YAML::Node& v, const Where& w);
/// A user or group by name or number (a user name also gives its primary group).
Status set_uid(Draft& d, const YAML::Node& v, const Where& w);
Status set_gid(Draft& d, const YAML::Node& v, const Where& w);

/// Checks one known key's value and records it in `d`. `value` is a scalar node for overrides.
Status set_value(Draft& d, const std::string& key, const YAML::Node& value, const Where& w,
                 const LoadOptions& opts);

/// Gives an app without `name` the script's file name minus its extension, and checks it.
Status settle_name(Draft& d);
/// Resolves cwd, script, interpreter and paths, applies defaults that depend on other keys, and
/// checks what spans keys (increment_var needs env). Returns the finished spec.
Result<AppSpec> finish(Draft& d, const LoadOptions& opts);

} // namespace rein::ecosystem_detail
