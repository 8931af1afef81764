// How the parser points at a value in its errors (a line of the file, or a place in the JSON of
// an evaluated *.config.js), and the edit distance behind did-you-mean.
#include "common/ecosystem_detail.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace rein::ecosystem_detail {

namespace {

/// The places of the JSON being read on this thread, or null when it is a file the user wrote.
thread_local const std::map<int, std::string>* t_places = nullptr;

/// "apps[0].env" from "apps[0]" and "env"; a name that is not an identifier is quoted.
std::string member(const std::string& path, const std::string& key) {
    const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_';
    });
    if (!plain) return path + "[" + nlohmann::json(key).dump() + "]";
    return path.empty() ? key : path + "." + key;
}

} // namespace

JsonPlaces::JsonPlaces(const YAML::Node& root) : m_previous(t_places) {
    // Node printed one key or element per line: each line is the place of what starts there. A
    // key's line names the map holding it ("apps[0]: unknown key 'x'"); so does its value when
    // that starts on the same line ("apps[0]: instances: expected ...").
    struct Item {
        YAML::Node node;
        std::string path;
    };
    std::vector<Item> todo{{root, ""}};
    while (!todo.empty()) {
        const Item item = todo.back();
        todo.pop_back();
        const YAML::Node& n = item.node;
        m_paths.emplace(n.Mark().line, item.path);
        if (n.IsMap()) {
            for (auto it = n.begin(); it != n.end(); ++it) {
                m_paths.emplace(it->first.Mark().line, item.path);
                todo.push_back({it->second, member(item.path, it->first.Scalar())});
            }
        } else if (n.IsSequence()) {
            std::size_t i = 0;
            for (auto it = n.begin(); it != n.end(); ++it, ++i)
                todo.push_back({*it, item.path + "[" + std::to_string(i) + "]"});
        }
    }
    t_places = &m_paths;
}

JsonPlaces::~JsonPlaces() {
    t_places = m_previous;
}

std::string mark_prefix(const std::string& file, const YAML::Mark& mark) {
    if (t_places) {
        const auto it = mark.is_null() ? t_places->end() : t_places->find(mark.line);
        if (it == t_places->end() || it->second.empty()) return file + ": ";
        return file + ": " + it->second + ": ";
    }
    if (mark.is_null()) return file + ": ";
    return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
           ": ";
}

Where inner(const Where& w, const YAML::Node& node) {
    if (w.file.empty() || node.Mark().is_null()) return w;
    Where out = w;
    out.at = mark_prefix(w.file, node.Mark());
    return out;
}

Error value_error(const Where& w, const std::string& problem) {
    return make_error("bad_ecosystem", w.at + w.key + problem);
}

Error where_error(const Where& w, const std::string& sentence) {
    return make_error("bad_ecosystem", w.at + sentence);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1);
    std::vector<std::size_t> cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

} // namespace rein::ecosystem_detail
