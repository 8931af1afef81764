#pragma once
// The three man pages, generated from the tables the programs use: rein(1) from the CLI's
// command table (its CLI11 declarations), reind(8) from the daemon's flag and signal tables,
// rein-ecosystem(5) from the key table the ecosystem parser classifies keys with.
#include <string>

namespace rein::man {

/// rein.1
std::string rein_page();
/// reind.8
std::string reind_page();
/// rein-ecosystem.5
std::string ecosystem_page();

/// The ENVIRONMENT section's entries for `rein` (cli) or `reind` (daemon), and the variables
/// apps get, as .TP paragraphs.
std::string environment_entries(bool daemon);
/// The FILES section's entries (the same files for both programs).
std::string files_entries();

} // namespace rein::man
