// The Prometheus text writer: HELP/TYPE, label escaping, numbers, cumulative histograms.
#include "daemon/metrics/exposition.hpp"

#include <doctest/doctest.h>

#include <limits>

using namespace rein::daemon::metrics;

TEST_CASE("exposition: a family with labelled and bare samples") {
    std::string out;
    Exposition x(out);
    x.family("rein_apps", "gauge", "Apps in the registry.");
    x.sample("rein_apps", "", std::uint64_t(3));
    std::string labels;
    add_label(labels, "app", "api");
    add_label(labels, "id", "0");
    x.family("rein_instance_up", "gauge", "1 when online.");
    x.sample("rein_instance_up", labels, 1.0);
    x.sample("rein_instance_log_lines_total", labels, "stream", "out", std::uint64_t(42));
    x.sample("rein_instances", "", "status", "online", std::uint64_t(2));
    CHECK(out == "# HELP rein_apps Apps in the registry.\n"
                 "# TYPE rein_apps gauge\n"
                 "rein_apps 3\n"
                 "# HELP rein_instance_up 1 when online.\n"
                 "# TYPE rein_instance_up gauge\n"
                 "rein_instance_up{app=\"api\",id=\"0\"} 1\n"
                 "rein_instance_log_lines_total{app=\"api\",id=\"0\",stream=\"out\"} 42\n"
                 "rein_instances{status=\"online\"} 2\n");
}

TEST_CASE("exposition: label values and help are escaped as the text format says") {
    std::string labels;
    add_label(labels, "app", "a\"b\\c\nd");
    CHECK(labels == "app=\"a\\\"b\\\\c\\nd\"");
    std::string out;
    Exposition x(out);
    x.family("m", "gauge", "back\\slash \"quoted\"\nnext");
    CHECK(out == "# HELP m back\\\\slash \"quoted\"\\nnext\n# TYPE m gauge\n");
    out.clear();
    x.sample("m", "", "k", "x\"y", 0.0);
    CHECK(out == "m{k=\"x\\\"y\"} 0\n");
}

TEST_CASE("exposition: numbers keep their precision, NaN and infinities are spelled out") {
    std::string out;
    Exposition x(out);
    x.sample("a", "", 0.25);
    x.sample("b", "", 1796223846.312);
    x.sample("c", "", std::uint64_t(18446744073709551615ULL));
    x.sample("d", "", std::numeric_limits<double>::quiet_NaN());
    x.sample("e", "", std::numeric_limits<double>::infinity());
    CHECK(out == "a 0.25\nb 1796223846.312\nc 18446744073709551615\nd NaN\ne +Inf\n");
}

TEST_CASE("histogram: buckets are cumulative, +Inf equals the count, sum adds up") {
    Histogram h;
    h.observe(0.01); // first bucket
    h.observe(0.05); // on a bound: that bucket (le is "less or equal")
    h.observe(0.7);
    h.observe(120); // past the last bound: +Inf only
    CHECK(h.count == 4);
    std::string out;
    Exposition x(out);
    std::string labels;
    add_label(labels, "app", "api");
    x.histogram("rein_reload_duration_seconds", labels, h);
    std::string b = "rein_reload_duration_seconds_bucket{app=\"api\",le=";
    CHECK(out == b + "\"0.05\"} 2\n" + b + "\"0.1\"} 2\n" + b + "\"0.25\"} 2\n" + b +
                     "\"0.5\"} 2\n" + b + "\"1\"} 3\n" + b + "\"2.5\"} 3\n" + b + "\"5\"} 3\n" + b +
                     "\"10\"} 3\n" + b + "\"30\"} 3\n" + b + "\"60\"} 3\n" + b +
                     "\"+Inf\"} 4\n"
                     "rein_reload_duration_seconds_sum{app=\"api\"} 120.76\n"
                     "rein_reload_duration_seconds_count{app=\"api\"} 4\n");
}

TEST_CASE("histogram: an empty one writes zero buckets, sum and count") {
    std::string out;
    Exposition x(out);
    x.histogram("h", "", Histogram{});
    CHECK(out.find("h_bucket{le=\"+Inf\"} 0\n") != std::string::npos);
    CHECK(out.find("h_sum 0\nh_count 0\n") != std::string::npos);
}
