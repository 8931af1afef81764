#include "daemon/metrics/exposition.hpp"

#include <charconv>
#include <cmath>

namespace rein::daemon::metrics {

namespace {

// HELP text escapes backslash and newline only; label values also the double quote.
void escaped(std::string& out, std::string_view text, bool quote) {
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' && quote)
            out += "\\\"";
        else
            out += c;
    }
}

} // namespace

void add_label(std::string& labels, std::string_view key, std::string_view value) {
    if (!labels.empty()) labels += ',';
    labels += key;
    labels += "=\"";
    escaped(labels, value, true);
    labels += '"';
}

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
    m_out += "# HELP ";
    m_out += name;
    m_out += ' ';
    escaped(m_out, help, false);
    m_out += "\n# TYPE ";
    m_out += name;
    m_out += ' ';
    m_out += type;
    m_out += '\n';
}

void Exposition::head(std::string_view name, std::string_view suffix, std::string_view labels,
                      std::string_view key, std::string_view value_of_key) {
    m_out += name;
    m_out += suffix;
    if (labels.empty() && key.empty()) {
        m_out += ' ';
        return;
    }
    m_out += '{';
    m_out += labels;
    if (!key.empty()) {
        if (!labels.empty()) m_out += ',';
        m_out += key;
        m_out += "=\"";
        escaped(m_out, value_of_key, true);
        m_out += '"';
    }
    m_out += "} ";
}

void Exposition::number(double value) {
    if (std::isnan(value)) {
        m_out += "NaN\n";
        return;
    }
    if (std::isinf(value)) {
        m_out += value > 0 ? "+Inf\n" : "-Inf\n";
        return;
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    m_out.append(buf, ec == std::errc() ? end : buf);
    m_out += '\n';
}

void Exposition::number(std::uint64_t value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    m_out.append(buf, ec == std::errc() ? end : buf);
    m_out += '\n';
}

void Exposition::sample(std::string_view name, std::string_view labels, double value) {
    head(name, {}, labels, {}, {});
    number(value);
}

void Exposition::sample(std::string_view name, std::string_view labels, std::string_view key,
                        std::string_view value_of_key, double value) {
    head(name, {}, labels, key, value_of_key);
    number(value);
}

void Exposition::sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    head(name, {}, labels, {}, {});
    number(value);
}

void Exposition::sample(std::string_view name, std::string_view labels, std::string_view key,
                        std::string_view value_of_key, std::uint64_t value) {
    head(name, {}, labels, key, value_of_key);
    number(value);
}

void Exposition::histogram(std::string_view name, std::string_view labels, const Histogram& h) {
    std::uint64_t cumulative = 0;
    char le[32];
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        cumulative += h.counts[i];
        std::string_view bound = "+Inf";
        if (i < k_buckets.size()) {
            auto [end, ec] = std::to_chars(le, le + sizeof le, k_buckets[i]);
            bound = std::string_view(le, std::size_t(ec == std::errc() ? end - le : 0));
        }
        head(name, "_bucket", labels, "le", bound);
        number(cumulative);
    }
    head(name, "_sum", labels, {}, {});
    number(h.sum);
    head(name, "_count", labels, {}, {});
    number(h.count);
}

} // namespace rein::daemon::metrics
