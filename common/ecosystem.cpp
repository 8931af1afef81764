// Ecosystem files: the YAML structure (top level, apps, keys), --only, overrides and duplicate
// names. Values are checked in ecosystem_values.cpp, paths resolved in ecosystem_resolve.cpp.
// A *.config.js file reaches here as the JSON node printed for it (LoadOptions::evaluate_js).
#include "common/ecosystem.hpp"

#include "common/ecosystem_detail.hpp"
#include "common/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

namespace rein {

using namespace ecosystem_detail;
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool ends_with(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

Error file_error(const std::string& file, const YAML::Mark& mark, const std::string& sentence) {
    return make_error("bad_ecosystem", mark_prefix(file, mark) + sentence);
}

/// The whole file, or "cannot read FILE: <strerror>".
Result<std::string> read_file(const std::string& shown, const std::string& path) {
    auto text = read_whole_file(path, k_max_ecosystem_bytes);
    if (!text && text.error().code == "too_large")
        return make_error("bad_ecosystem", shown + ": larger than " +
                                               std::to_string(k_max_ecosystem_bytes >> 20) +
                                               " MiB; an ecosystem file is at most that");
    if (!text)
        return make_error("bad_ecosystem", "cannot read " + shown + ": " + text.error().message);
    return text;
}

/// Where a second YAML document starts: a `---` line (or a `...` end line) after content. Such
/// markers stand at column 0, where no scalar of a block mapping or a JSON string can.
std::optional<YAML::Mark> second_document(std::string_view text) {
    bool content = false; // the current document has content
    bool ended = false;   // a document with content was closed by `...`
    int line = 0;
    auto here = [&] {
        YAML::Mark m;
        m.line = line;
        return m;
    };
    for (std::size_t at = 0; at < text.size(); ++line) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view l = text.substr(at, end - at);
        at = end + 1;
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        auto marker = [&](std::string_view m) {
            return l.substr(0, 3) == m && (l.size() == 3 || l[3] == ' ' || l[3] == '\t');
        };
        if (marker("---")) {
            if (content) return here();
            continue;
        }
        if (marker("...")) {
            ended = ended || content;
            content = false;
            continue;
        }
        auto first = l.find_first_not_of(" \t");
        if (first == std::string_view::npos || l[first] == '#' || l[first] == '%') continue;
        if (ended) return here();
        content = true;
    }
    return std::nullopt;
}

/// Where a scalar (key or value) below `root` holds a NUL byte: argv and the environment are
/// C strings, so such a value would be cut short. Iterative: a deep file cannot overflow the
/// stack here.
std::optional<YAML::Mark> find_nul(const YAML::Node& root) {
    std::vector<YAML::Node> todo{root};
    while (!todo.empty()) {
        const YAML::Node n = todo.back();
        todo.pop_back();
        if (n.IsScalar()) {
            if (n.Scalar().find('\0') != std::string::npos) return n.Mark();
        } else if (n.IsSequence()) {
            for (auto it = n.begin(); it != n.end(); ++it) todo.push_back(*it);
        } else if (n.IsMap()) {
            for (auto it = n.begin(); it != n.end(); ++it) {
                todo.push_back(it->first);
                todo.push_back(it->second);
            }
        }
    }
    return std::nullopt;
}

std::string unknown_key_sentence(const std::string& key) {
    std::string s = "unknown key '" + key + "'";
    if (const auto near = nearest_key(key); !near.empty()) s += " (did you mean '" + near + "'?)";
    return s;
}

/// Where the value of `key` sits. A null value (`name:` and nothing) has the mark of whatever
/// follows it, so point at the key instead.
Where value_where(const std::string& file, const YAML::Node& key, const YAML::Node& value) {
    Where w;
    w.file = file;
    w.at = mark_prefix(file, value.IsNull() ? key.Mark() : value.Mark());
    w.key = key.Scalar() + ": ";
    return w;
}

/// Reads one app's map into a Draft: every key known, no key twice, every value well-formed.
/// PM2 keys rein ignores add a line to `warnings`.
Status read_app(Draft& d, const YAML::Node& app, const std::string& file, const LoadOptions& opts,
                std::vector<std::string>& warnings) {
    d.app_at = Where{mark_prefix(file, app.Mark()), "", false, file};
    if (!app.IsMap()) return where_error(d.app_at, "each app must be a map of keys");
    std::set<std::string> seen;
    for (auto it = app.begin(); it != app.end(); ++it) {
        // Copies: yaml-cpp iterators hand out temporaries, a reference into one dangles.
        const YAML::Node key = it->first;
        if (!key.IsScalar()) return file_error(file, key.Mark(), "a key must be a plain name");
        const std::string& k = key.Scalar();
        if (!seen.insert(k).second)
            return file_error(file, key.Mark(), "duplicate key '" + k + "'");
        switch (classify_key(k)) {
        case KeyKind::unknown:
            return file_error(file, key.Mark(), unknown_key_sentence(k));
        case KeyKind::ignored:
            warnings.push_back(mark_prefix(file, key.Mark()) + ignored_key_warning(k));
            continue;
        case KeyKind::known:
        case KeyKind::env_profile:
        case KeyKind::alias:
            break;
        }
        // PM2's aliases set the key they name; both spellings in one app is a contradiction.
        const std::string canon = canonical_key(k);
        if (const auto [at, fresh] = d.seen.emplace(canon, k); !fresh)
            return file_error(file, key.Mark(),
                              "'" + k + "' and '" + at->second + "' both set " + canon);
        if (auto s = set_value(d, canon, it->second, value_where(file, key, it->second), opts); !s)
            return s;
    }
    if (!d.has_script) {
        const std::string who = d.has_name ? "app '" + d.spec.name + "'" : "this app";
        return where_error(d.app_at, who + " has no 'script'");
    }
    return settle_name(d);
}

/// Applies the command line's overrides: each goes through the same setter as a file value.
Status apply_overrides(Draft& d, const LoadOptions& opts) {
    for (const auto& [key, raw] : opts.overrides) {
        std::string flag = "--" + key;
        std::replace(flag.begin(), flag.end(), '_', '-');
        const Where w{flag + ": ", "", true, ""};
        // A plain scalar ("4" reads as an int, "max" as a string); `[a, b]` is a list (the
        // CLI writes repeated values of a flag such as --stop-exit-codes 0 3 that way).
        const bool list = raw.size() >= 2 && raw.front() == '[' && raw.back() == ']';
        const YAML::Node value = list ? YAML::Load(raw) : YAML::Node(raw);
        switch (classify_key(key)) {
        case KeyKind::unknown:
        case KeyKind::env_profile:
        case KeyKind::ignored:
            return where_error(w, "not an option of start (unknown override key '" + key + "')");
        case KeyKind::known:
        case KeyKind::alias:
            break;
        }
        if (key == "env") return where_error(w, "env cannot be overridden on the command line");
        if (auto s = set_value(d, canonical_key(key), value, w, opts); !s) return s;
    }
    return Ok{};
}

/// The node holding the list of apps: `apps:` or PM2's `pm2:`, a top-level list, or a single
/// app object. A `deploy` section (PM2's deploy tool) adds a warning.
Result<YAML::Node> find_apps(const std::string& file, const YAML::Node& root,
                             std::vector<std::string>& warnings) {
    if (root.IsSequence()) {
        if (root.size() == 0)
            return file_error(file, root.Mark(),
                              "the list of apps is empty; expected one app or more");
        return root;
    }
    if (!root.IsMap())
        return file_error(file, root.Mark(), "expected a map with 'apps:' at the top level");
    YAML::Node apps;
    YAML::Node apps_key;
    bool has_apps = false; // a default YAML::Node converts to true, so it cannot say this
    for (auto it = root.begin(); it != root.end(); ++it) {
        const YAML::Node key = it->first;
        if (key.IsScalar() && key.Scalar() == "script") return root; // PM2 takes one app object
    }
    for (auto it = root.begin(); it != root.end(); ++it) {
        // Copies: yaml-cpp iterators hand out temporaries, a reference into one dangles.
        const YAML::Node key = it->first;
        const std::string k = key.IsScalar() ? key.Scalar() : "?";
        if (k == "apps" || k == "pm2") {
            if (has_apps)
                return file_error(file, key.Mark(),
                                  "duplicate key '" + k + "' (apps: and pm2: are one list)");
            has_apps = true;
            apps_key = key;
            apps = it->second;
            continue;
        }
        if (k == "deploy") {
            warnings.push_back(mark_prefix(file, key.Mark()) +
                               "'deploy' is PM2's deploy tool; rein ignores it (deploy with git "
                               "or CI, then `rein reload " +
                               file + "`)");
            continue;
        }
        std::string s = "unknown top-level key '" + k + "'";
        s += edit_distance(k, "apps") <= 2 ? " (did you mean 'apps'?)"
                                           : " (only 'apps', 'pm2' and 'deploy' are read)";
        return file_error(file, key.Mark(), s);
    }
    if (!has_apps) return file_error(file, root.Mark(), "missing 'apps:' (the list of apps)");
    if (apps.IsMap()) return apps; // one app, as PM2 accepts
    if (!apps.IsSequence() || apps.size() == 0)
        return file_error(file, apps.IsNull() ? apps_key.Mark() : apps.Mark(),
                          "'apps' must be a non-empty list of apps");
    return apps;
}

/// Reads a file's text. `dir` is the absolute folder paths are relative to; `source` the file
/// recorded in each spec ("" for stdin).
Result<std::vector<AppSpec>> load_text(const std::string& file, const std::string& text,
                                       const std::string& dir, const std::string& source,
                                       bool evaluated_js, const LoadOptions& opts) {
    // YAML::LoadAll of yaml-cpp 0.7 (Debian 12) never returns on some inputs (a lone ","),
    // so the file is loaded as one document and a second one is found by its marker.
    if (auto second = second_document(text))
        return file_error(file, *second, "only one YAML document is allowed per file");
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        return file_error(file, e.mark, e.msg);
    }
    // Errors in what node printed name JSON places, not lines of text nobody saw.
    std::optional<JsonPlaces> places;
    if (evaluated_js) places.emplace(root);
    if (root.IsNull())
        return file_error(file, YAML::Mark{}, "the file is empty; expected 'apps:' and a list");
    std::vector<std::string> warnings;
    auto found = find_apps(file, root, warnings);
    if (!found) return found.error();
    // One app object becomes a list of one. Built, never assigned: assigning a YAML::Node
    // writes into the node it refers to (here: the app would come to contain itself).
    YAML::Node apps(YAML::NodeType::Sequence);
    if (found->IsMap())
        apps.push_back(*found);
    else
        apps = *found;
    if (apps.size() > k_max_apps)
        return file_error(file, apps.Mark(),
                          "'apps' lists " + std::to_string(apps.size()) +
                              " apps; a file holds at most " + std::to_string(k_max_apps));
    if (auto nul = find_nul(apps))
        return file_error(file, *nul,
                          "a value holds a NUL character (\\0), which no program can be given");

    std::vector<Draft> drafts;
    std::map<std::string, int> first_line; // app name -> 1-based line, for duplicate errors
    int index = 0;
    for (const auto& app : apps) {
        Draft d;
        d.file_dir = dir;
        d.cwd_base = dir;
        d.spec.source_file = source;
        if (auto s = read_app(d, app, file, opts, warnings); !s) return s.error();
        const Where& at = d.has_name ? d.name_at : d.script_at;
        // An evaluated config has no lines: its apps are counted instead (apps[0]).
        const int line = evaluated_js ? index++ : app.Mark().line + 1;
        if (const auto [it, fresh] = first_line.emplace(d.spec.name, line); !fresh)
            return where_error(at, "duplicate app name '" + d.spec.name + "' (first at " +
                                       (evaluated_js ? "app " : "line ") +
                                       std::to_string(it->second) + ")");
        drafts.push_back(std::move(d));
    }

    for (const auto& name : opts.only)
        if (!first_line.count(name))
            return make_error("bad_ecosystem", "--only: no app named '" + name + "' in " + file);
    if (!opts.only.empty())
        std::erase_if(drafts, [&](const Draft& d) {
            return std::find(opts.only.begin(), opts.only.end(), d.spec.name) == opts.only.end();
        });
    // PM2 ignores an --env profile no app defines; a typo there would silently run the wrong
    // environment, so rein says so.
    if (!opts.env_profile.empty() &&
        std::none_of(drafts.begin(), drafts.end(),
                     [&](const Draft& d) { return d.profiles.count(opts.env_profile) > 0; }))
        return make_error("bad_ecosystem", "--env " + opts.env_profile + ": no app in " + file +
                                               " has 'env_" + opts.env_profile + "'");
    const bool renames = std::any_of(opts.overrides.begin(), opts.overrides.end(),
                                     [](const auto& o) { return o.first == "name"; });
    if (renames && drafts.size() > 1)
        return make_error("bad_ecosystem", "--name needs a single app");

    std::vector<AppSpec> specs;
    for (auto& d : drafts) {
        if (auto s = apply_overrides(d, opts); !s) return s.error();
        auto spec = finish(d, opts);
        if (!spec) return spec.error();
        specs.push_back(std::move(*spec));
    }
    if (opts.warn)
        for (const auto& w : warnings) opts.warn(w);
    return specs;
}

Result<std::vector<AppSpec>> load(const std::string& file, const LoadOptions& opts) {
    // The path is the caller's: relative to caller_cwd when given (the daemon's cwd is not it).
    fs::path abs = fs::path(file);
    if (abs.is_relative())
        abs = (opts.caller_cwd.empty() ? fs::current_path() : fs::path(opts.caller_cwd)) / abs;
    abs = abs.lexically_normal();
    const std::string dir = abs.parent_path().string();
    if (is_js_ecosystem_path(file)) {
        if (!opts.evaluate_js)
            return make_error("bad_ecosystem",
                              file + ": a *.config.js file is read by the CLI (node evaluates it)");
        auto json = opts.evaluate_js(abs.string(), file);
        if (!json) return json.error();
        return load_text(file, *json, dir, abs.string(), true, opts);
    }
    auto text = read_file(file, abs.string());
    if (!text) return text.error();
    if (lower(abs.extension().string()) == ".json")
        *text = strip_json5(*text); // PM2 reads JSON files as JSON5
    return load_text(file, *text, dir, abs.string(), false, opts);
}

} // namespace

Result<std::vector<AppSpec>> load_ecosystem(const std::string& path, const LoadOptions& opts) {
    // Nothing below should throw, but yaml-cpp and std::filesystem can; never let it escape.
    try {
        return load(path, opts);
    } catch (const YAML::Exception& e) {
        return file_error(path, e.mark, e.msg);
    } catch (const std::exception& e) {
        return make_error("bad_ecosystem", path + ": " + e.what());
    }
}

Result<AppSpec> app_from_script(const std::string& script, const std::vector<std::string>& args,
                                const LoadOptions& opts) {
    const auto as_app_error = [](Error e) {
        e.code = "bad_app";
        return e;
    };
    try {
        Draft d;
        d.file_dir = opts.caller_cwd.empty() ? fs::current_path().string() : opts.caller_cwd;
        d.cwd_base = d.file_dir;
        d.app_at = Where{};
        // No file: errors about the script are the bare sentence ("script './x' not found").
        const Where w{"", "script: ", false, ""};
        if (auto s = set_value(d, "script", YAML::Node(script), w, opts); !s)
            return as_app_error(s.error());
        d.spec.args = args;
        if (auto s = settle_name(d); !s) return as_app_error(s.error());
        if (auto s = apply_overrides(d, opts); !s) return as_app_error(s.error());
        auto spec = finish(d, opts);
        if (!spec) return as_app_error(spec.error());
        return std::move(*spec);
    } catch (const std::exception& e) {
        return make_error("bad_app",
                          std::string("cannot use script '") + script + "': " + e.what());
    }
}

Result<std::vector<AppSpec>> load_ecosystem_text(const std::string& text, const std::string& shown,
                                                 const LoadOptions& opts) {
    try {
        if (text.size() > k_max_ecosystem_bytes)
            return make_error("bad_ecosystem", shown + ": larger than " +
                                                   std::to_string(k_max_ecosystem_bytes >> 20) +
                                                   " MiB; an ecosystem file is at most that");
        const std::string dir =
            opts.caller_cwd.empty() ? fs::current_path().string() : opts.caller_cwd;
        // JSON (with PM2's JSON5 comments) when it opens like JSON; YAML's own comments are #.
        const auto first = text.find_first_not_of(" \t\r\n");
        const bool json = first != std::string::npos &&
                          std::string_view("{[/").find(text[first]) != std::string_view::npos;
        return load_text(shown, json ? strip_json5(text) : text, dir, "", false, opts);
    } catch (const YAML::Exception& e) {
        return file_error(shown, e.mark, e.msg);
    } catch (const std::exception& e) {
        return make_error("bad_ecosystem", shown + ": " + e.what());
    }
}

bool is_js_ecosystem_path(const std::string& arg) {
    const std::string name = lower(fs::path(arg).filename().string());
    return ends_with(name, ".config.js") || ends_with(name, ".config.cjs") ||
           ends_with(name, ".config.mjs");
}

bool is_ecosystem_path(const std::string& arg) {
    const std::string ext = lower(fs::path(arg).extension().string());
    return ext == ".yaml" || ext == ".yml" || ext == ".json" || is_js_ecosystem_path(arg);
}

} // namespace rein
