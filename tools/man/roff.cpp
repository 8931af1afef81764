#include "tools/man/roff.hpp"

namespace rein::man {

namespace {

/// Characters of a literal: a backslash escaped, '-' as the minus sign.
std::string escaped(std::string_view s, bool minus) {
    std::string out;
    for (char c : s) {
        if (c == '\\')
            out += "\\e";
        else if (c == '-' && minus)
            out += "\\-";
        else
            out += c;
    }
    return out;
}

/// A leading '.' or '\'' would make the line a request: \& in front keeps it text.
std::string guarded(std::string line) {
    if (!line.empty() && (line[0] == '.' || line[0] == '\'')) line = "\\&" + line;
    return line;
}

} // namespace

std::string text(std::string_view markdown) {
    std::string out;
    bool code = false;
    for (std::size_t i = 0; i < markdown.size(); ++i) {
        char c = markdown[i];
        if (c == '`') {
            out += code ? "\\fR" : "\\fB";
            code = !code;
        } else {
            out += escaped(std::string_view(&markdown[i], 1), code);
        }
    }
    if (code) out += "\\fR";
    return guarded(out);
}

std::string verbatim(std::string_view line) {
    return guarded(escaped(line, true));
}

std::string bold(std::string_view word) {
    return "\\fB" + escaped(word, true) + "\\fR";
}

std::string italic(std::string_view word) {
    return "\\fI" + escaped(word, true) + "\\fR";
}

std::string header(std::string_view name, int section, std::string_view summary) {
    std::string upper;
    for (char c : name) upper += char(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return ".TH " + escaped(upper, true) + " " + std::to_string(section) + " \"\" \"rein " +
           REIN_VERSION + "\" \"rein manual\"\n.SH NAME\n" + escaped(name, true) + " \\- " +
           text(summary) + "\n";
}

} // namespace rein::man
