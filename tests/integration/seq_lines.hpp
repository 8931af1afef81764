#pragma once
// The numbered lines of the fixture's `seq` action ("seq <stream> <pid> <n>"), read back from
// the apps' log files and checked: every line once and in order, per stream and pid.
#include "harness.hpp"

#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rein::test {

/// One printing app: its name and whether its lines carry the `time: true` prefix.
struct Printer {
    std::string name;
    bool timed;
};

/// One log file of a printer and what must be in it (ordered by path).
struct LogFile {
    std::string path, stream; ///< stream: "out" or "err"
    bool timed;
    bool operator<(const LogFile& o) const { return path < o.path; }
};

/// The out and err file of each instance of the printers (a shared one once), as jlist names
/// them.
std::set<LogFile> printer_files(const Home& h, const std::vector<Printer>& printers);

/// The files' total size in bytes (a missing file counts 0).
long total_size(const std::set<LogFile>& files);

/// True when every printer file has lines in it.
bool all_printing(const Home& h, const std::vector<Printer>& printers);

/// Every line once and in order in the printers' files; every pid in `ran` printed on both
/// streams and no other pid printed (a duplicate would); those in `stopped` were stopped
/// gracefully, so their end lines are there: nothing lost at the tail either.
void check_every_line_once(const Home& h, const std::vector<Printer>& printers,
                           const std::set<pid_t>& ran, const std::set<pid_t>& stopped);

} // namespace rein::test
