// How the parser points at a value in its errors, and the edit distance behind did-you-mean.
#include "common/ecosystem_detail.hpp"

#include <algorithm>
#include <vector>

namespace rein::ecosystem_detail {

std::string mark_prefix(const std::string& file, const YAML::Mark& mark) {
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
