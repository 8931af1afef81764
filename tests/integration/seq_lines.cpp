#include "seq_lines.hpp"

#include <doctest/doctest.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace rein::test {

// Helpers of its own namespace: in a unity build this file shares a unit with other tests'.
namespace seq_lines {

long file_size(const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : long(size);
}

bool number(const std::string& text, long& n) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    return ec == std::errc() && end == text.data() + text.size();
}

// The numbered lines read back and checked line by line: per stream and pid, 1, 2, 3, ... with
// no gap, repeat or reordering, then at most the end line, which names the last number.
struct Lines {
    std::map<std::string, long> last;  // "<stream> <pid>" -> last number
    std::map<std::string, long> ended; // "<stream> <pid>" -> the number its end line gave
    std::vector<std::string> problems; // the first few, with file and line number
    long lines = 0, problem_count = 0;

    void problem(const std::string& where, const std::string& what) {
        if (++problem_count <= 10) problems.push_back(where + ": " + what);
    }

    void read(const LogFile& f) {
        std::ifstream in(f.path);
        std::string line;
        for (long at = 1; std::getline(in, line); ++at) {
            ++lines;
            std::string where = f.path + ":" + std::to_string(at);
            auto seq = line.find("seq ");
            bool prefixed =
                seq != std::string::npos && seq >= 2 && line.compare(seq - 2, 2, ": ") == 0;
            if (seq == std::string::npos || (f.timed ? !prefixed : seq != 0)) {
                problem(where, "not a numbered line" +
                                   std::string(f.timed ? " with a time prefix" : "") + ": '" +
                                   line.substr(0, 200) + "'");
                continue;
            }
            std::istringstream words(line.substr(seq + 4));
            std::string stream, pid, n_text, end_n, rest;
            words >> stream >> pid >> n_text;
            bool is_end = n_text == "end";
            if (is_end) words >> end_n;
            long n = 0, ignored = 0;
            if (stream != f.stream || !number(pid, ignored) ||
                !number(is_end ? end_n : n_text, n) || (words >> rest)) {
                problem(where,
                        "malformed for this " + f.stream + " file: '" + line.substr(0, 200) + "'");
                continue;
            }
            std::string key = stream + " " + pid;
            long& previous = last[key];
            if (ended.count(key)) problem(where, key + " printed after its end line");
            if (is_end) {
                if (n != previous)
                    problem(where, key + " ends at " + std::to_string(n) + ", the file has " +
                                       std::to_string(previous));
                ended[key] = n;
            } else {
                if (n != previous + 1)
                    problem(where, key + " line " + std::to_string(n) + " after " +
                                       std::to_string(previous) +
                                       (n <= previous ? " (a repeat)" : " (lines lost)"));
                previous = n;
            }
        }
    }
};

} // namespace seq_lines

std::set<LogFile> printer_files(const Home& h, const std::vector<Printer>& printers) {
    std::set<LogFile> files;
    for (const auto& p : printers)
        for (const auto& r : h.rows(p.name)) {
            files.insert({r["out_file"].get<std::string>(), "out", p.timed});
            files.insert({r["error_file"].get<std::string>(), "err", p.timed});
        }
    return files;
}

long total_size(const std::set<LogFile>& files) {
    long sum = 0;
    for (const auto& f : files) sum += seq_lines::file_size(f.path);
    return sum;
}

// True when every printer file has lines in it.
bool all_printing(const Home& h, const std::vector<Printer>& printers) {
    auto files = printer_files(h, printers);
    for (const auto& f : files)
        if (seq_lines::file_size(f.path) == 0) return false;
    return !files.empty();
}

void check_every_line_once(const Home& h, const std::vector<Printer>& printers,
                           const std::set<pid_t>& ran, const std::set<pid_t>& stopped) {
    seq_lines::Lines l;
    for (const auto& f : printer_files(h, printers)) l.read(f);
    MESSAGE(l.lines << " lines read from the printers' files, " << l.problem_count << " problems");
    for (const auto& p : l.problems) MESSAGE(p);
    CHECK(l.problem_count == 0);
    std::set<std::string> listed;
    for (pid_t pid : ran) {
        for (std::string stream : {"out ", "err "}) {
            std::string key = stream + std::to_string(pid);
            listed.insert(key);
            INFO(key);
            CHECK(l.last[key] > 0);
            if (stopped.count(pid)) CHECK(l.ended.count(key) == 1);
        }
        if (stopped.count(pid)) { // out N is printed before err N
            long ahead =
                l.last["out " + std::to_string(pid)] - l.last["err " + std::to_string(pid)];
            CHECK((ahead == 0 || ahead == 1));
        }
    }
    for (const auto& [key, n] : l.last) {
        INFO(key << " printed " << n << " lines but no jlist ever showed that pid");
        CHECK(listed.count(key) == 1);
    }
}

} // namespace rein::test
