#pragma once
// A writer of the Prometheus text exposition format (version 0.0.4) into one string: families
// with their HELP and TYPE lines, samples, label escaping and histograms. It appends to a string
// the caller reserved, so a body of thousands of series costs no allocation per series.
#include "daemon/metrics/histogram.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace rein::daemon::metrics {

/// Appends `key="value"` to `labels` (a comma first when it is not empty), the value escaped as
/// the text format says (backslash, double quote and newline).
void add_label(std::string& labels, std::string_view key, std::string_view value);

/// Writes one exposition body.
class Exposition {
  public:
    /// Writes into `out` (appends).
    explicit Exposition(std::string& out) : m_out(out) {}

    /// Starts a family: `# HELP` and `# TYPE` lines. `type` is counter, gauge or histogram.
    void family(std::string_view name, std::string_view type, std::string_view help);
    /// `name{labels} value`; `labels` as add_label() builds them (empty: no braces).
    void sample(std::string_view name, std::string_view labels, double value);
    /// The same with one more label after `labels` (a status, a stream).
    void sample(std::string_view name, std::string_view labels, std::string_view key,
                std::string_view value_of_key, double value);
    /// Integer samples (counters of bytes stay exact beyond 2^53).
    void sample(std::string_view name, std::string_view labels, std::uint64_t value);
    void sample(std::string_view name, std::string_view labels, std::string_view key,
                std::string_view value_of_key, std::uint64_t value);
    /// The series of one histogram: cumulative `_bucket{...,le="..."}`, `_sum`, `_count`.
    void histogram(std::string_view name, std::string_view labels, const Histogram& h);

  private:
    /// `name` `suffix` and the braces with `labels` and one more `key="value"` (when given).
    void head(std::string_view name, std::string_view suffix, std::string_view labels,
              std::string_view key, std::string_view value_of_key);
    /// The value and the line's end (NaN, +Inf, -Inf as the format spells them).
    void number(double value);
    /// An integer value, exact.
    void number(std::uint64_t value);

    std::string& m_out;
};

} // namespace rein::daemon::metrics
