// Reading one value of an ecosystem file: text, numbers, booleans, lists, env maps, units,
// listen addresses, users and groups. Each setter checks the value and stores it in the Draft.
#include "common/cron.hpp"
#include "common/ecosystem_detail.hpp"
#include "common/listen_address.hpp"
#include "common/shell_split.hpp"
#include "common/signals.hpp"
#include "common/units.hpp"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <vector>

#include <nlohmann/json.hpp>

namespace rein::ecosystem_detail {

namespace {
const std::string k_list_problem = "expected a string or a list of strings";
} // namespace

Status ok() {
    return Ok{};
}

std::optional<std::string> text(const YAML::Node& v) {
    if (!v.IsScalar()) return std::nullopt;
    return v.Scalar();
}

/// An integer written in decimal ("4", "-1", "+4"); YAML's 0x/0o forms are not accepted.
std::optional<long long> integer(const YAML::Node& v) {
    auto s = text(v);
    if (!s || s->empty()) return std::nullopt;
    std::string_view t = *s;
    if (t.front() == '+') t.remove_prefix(1);
    long long n = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc{} || end != t.data() + t.size()) return std::nullopt;
    return n;
}

/// true/false in any case. YAML 1.1's yes/no/on/off are refused: JSON and PM2 do not know them.
std::optional<bool> boolean(const YAML::Node& v) {
    auto s = text(v);
    if (!s) return std::nullopt;
    std::string t = *s;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t == "true") return true;
    if (t == "false") return false;
    return std::nullopt;
}

static bool is_identifier(const std::string& s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

/// `args`-like values: a string split like a shell, or a list of scalars. Null is empty.
Result<std::vector<std::string>> word_list(const YAML::Node& v, const Where& w) {
    if (v.IsNull()) return std::vector<std::string>{};
    if (v.IsScalar()) {
        auto words = shell_split(v.Scalar());
        if (!words) return value_error(w, words.error().message);
        return words;
    }
    if (!v.IsSequence()) return value_error(w, k_list_problem);
    std::vector<std::string> out;
    for (const auto& item : v) {
        if (!item.IsScalar()) return value_error(inner(w, item), k_list_problem);
        out.push_back(item.Scalar());
    }
    return out;
}

/// `env`-like values: a map of names to scalars (numbers and booleans kept as written).
Result<std::map<std::string, std::string>> env_map(const YAML::Node& v, const Where& w) {
    std::map<std::string, std::string> out;
    if (v.IsNull()) return out;
    if (!v.IsMap()) return value_error(w, "expected a map of variable names to values");
    for (auto it = v.begin(); it != v.end(); ++it) {
        const auto name = text(it->first);
        if (!name || name->empty() || name->find('=') != std::string::npos)
            return value_error(inner(w, it->first),
                               "expected a variable name (non-empty, without '=')");
        if (it->second.IsNull()) {
            out[*name] = ""; // `FOO:` with nothing after it: an empty value
        } else if (it->second.IsScalar()) {
            out[*name] = it->second.Scalar();
        } else {
            out[*name] = json_text(it->second); // PM2 JSON-encodes objects and arrays
        }
    }
    return out;
}

Status set_path(std::string& field, const YAML::Node& v, const Where& w) {
    auto s = text(v);
    if (!s || s->empty()) return value_error(w, "expected a file path");
    field = *s; // made absolute against cwd in finish()
    return ok();
}

Status set_log_path(std::string& field, const YAML::Node& v, const Where& w) {
    if (v.IsNull() || (v.IsScalar() && v.Scalar() == "NULL")) {
        field = "/dev/null";
        return ok();
    }
    return set_path(field, v, w);
}

std::string json_text(const YAML::Node& v) {
    if (v.IsMap()) {
        nlohmann::json out = nlohmann::json::object();
        for (auto it = v.begin(); it != v.end(); ++it)
            out[it->first.Scalar()] = nlohmann::json::parse(json_text(it->second));
        return out.dump();
    }
    if (v.IsSequence()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : v) out.push_back(nlohmann::json::parse(json_text(item)));
        return out.dump();
    }
    if (!v.IsScalar()) return "null";
    // A quoted scalar (tag "!") is a string even when it reads as a number.
    if (v.Tag() != "!") {
        const auto parsed = nlohmann::json::parse(v.Scalar(), nullptr, false);
        if (!parsed.is_discarded() && !parsed.is_structured() && !parsed.is_string())
            return v.Scalar(); // valid JSON as written: 1e3 stays 1e3
    }
    return nlohmann::json(v.Scalar()).dump();
}

Status set_duration(std::int64_t& field, const YAML::Node& v, const Where& w) {
    auto s = text(v);
    if (!s) return value_error(w, "expected a duration (milliseconds, or e.g. 500ms, 2s, 1m)");
    auto ms = parse_duration_ms(*s);
    if (!ms) return value_error(w, ms.error().message);
    field = *ms;
    return ok();
}

Status set_size(std::int64_t& field, const YAML::Node& v, const Where& w) {
    auto s = text(v);
    if (!s) return value_error(w, "expected a size (bytes, or e.g. 512K, 200M, 1G)");
    auto bytes = parse_size_bytes(*s);
    if (!bytes) return value_error(w, bytes.error().message);
    field = *bytes;
    return ok();
}

/// One `listen` entry: "ADDRESS" or {address: ADDRESS, mode: 0660}. A relative Unix path stays
/// relative here; finish() makes it absolute against cwd.
Status add_listen(std::vector<ListenSpec>& out, const YAML::Node& v, const Where& w) {
    ListenSpec l;
    // Initialised, never assigned: assigning a YAML::Node writes into the node it refers to.
    const YAML::Node address = v.IsMap() ? v["address"] : v;
    if (v.IsMap()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            const YAML::Node key = it->first;
            const std::string k = key.IsScalar() ? key.Scalar() : "";
            if (k != "address" && k != "mode")
                return value_error(inner(w, key), "a listen entry has only 'address' and 'mode'");
        }
        if (const YAML::Node mode = v["mode"]) {
            auto m = text(mode);
            int n = -1;
            if (m) std::from_chars(m->data(), m->data() + m->size(), n, 8);
            if (n < 0 || n > 07777) return value_error(inner(w, mode), "expected an octal mode");
            l.mode = n;
        }
    }
    auto s = text(address);
    if (!s)
        return value_error(inner(w, v), "expected an address like 8080, 127.0.0.1:8080, "
                                        "[::1]:8080 or unix:/path");
    std::string check = *s;
    if (check.rfind("unix:", 0) == 0 && check.size() > 5 && check[5] != '/')
        check.insert(5, "/"); // relative: checked as if absolute, resolved in finish()
    auto parsed = parse_listen_address(check);
    if (!parsed) return value_error(inner(w, address), parsed.error().message);
    l.address = check == *s ? parsed->to_string() : *s;
    out.push_back(std::move(l));
    return ok();
}

Status set_bool(bool& field, const YAML::Node& v, const Where& w) {
    auto b = boolean(v);
    if (!b) return value_error(w, "expected true or false");
    field = *b;
    return ok();
}

Status set_identifier(std::string& field, const YAML::Node& v, const Where& w) {
    auto s = text(v);
    if (!s || !is_identifier(*s))
        return value_error(w, "expected a variable name (letters, digits and _, not starting "
                              "with a digit)");
    field = *s;
    return ok();
}

/// A uid/gid: a number, or a name looked up in the user or group database.
static std::optional<std::uint32_t> numeric_id(const YAML::Node& v) {
    auto n = integer(v);
    if (!n || *n < 0 || *n > static_cast<long long>(UINT32_MAX)) return std::nullopt;
    return static_cast<std::uint32_t>(*n);
}

Status set_uid(Draft& d, const YAML::Node& v, const Where& w) {
    auto s = text(v);
    if (!s || s->empty()) return value_error(w, "expected a user name or number");
    if (auto id = numeric_id(v)) {
        d.spec.uid = *id;
        d.spec.user.clear();
        d.user_gid.reset();
        return ok();
    }
    const passwd* pw = getpwnam(s->c_str());
    if (!pw) return value_error(w, "no user named '" + *s + "'");
    d.spec.uid = pw->pw_uid;
    d.spec.user = *s;
    d.user_gid = pw->pw_gid;
    return ok();
}

Status set_gid(Draft& d, const YAML::Node& v, const Where& w) {
    auto s = text(v);
    if (!s || s->empty()) return value_error(w, "expected a group name or number");
    d.has_gid = true;
    if (auto id = numeric_id(v)) {
        d.spec.gid = *id;
        return ok();
    }
    const group* gr = getgrnam(s->c_str());
    if (!gr) return value_error(w, "no group named '" + *s + "'");
    d.spec.gid = gr->gr_gid;
    return ok();
}

} // namespace rein::ecosystem_detail
