#pragma once
// `--host ssh://...`: which hosts a command runs on. Pure parsing (no ssh, no I/O but the
// hosts file's text handed in), so the rules are unit-tested on their own.
#include "common/result.hpp"

#include <string>
#include <vector>

namespace rein::cli {

/// One remote host, from `ssh://[user@]host[:port]`.
struct HostUrl {
    std::string user; ///< empty: ssh's own default (its config, then the local user)
    std::string host; ///< a name, an IPv4 address, or an IPv6 address without its brackets
    int port = 0;     ///< 0: ssh's own default (its config, then 22)
    /// The host as the user wrote it (`user@host:port`, no scheme): the `host` column/field.
    std::string label;
};

/// Parses one URL; anything but `ssh://[user@]host[:port]` is a "usage" error naming it.
Result<HostUrl> parse_host_url(const std::string& text);

/// The host words of a hosts file: one URL a line, blank lines and `#` comments skipped.
std::vector<std::string> hosts_file_words(const std::string& text);

/// The command line with rein's host options taken out: `--host URL`, `--host=URL`,
/// `--hosts-file FILE`, `--hosts-file=FILE` (before a `--`; what follows `--` is the script's).
struct HostArgs {
    std::vector<std::string> hosts; ///< the --host values, in order
    std::string hosts_file;         ///< the last --hosts-file value (empty: none)
    std::vector<char*> rest;        ///< argv without them (argv[0] first)
    std::string error;              ///< set when an option lacks its value
};

/// Splits `argv` (argc words) into HostArgs. Costs one scan and no allocation of strings when
/// no word starts with "--host".
HostArgs extract_host_args(int argc, char** argv);

/// Every host to run on, in order: the --host values, then `env_hosts` ($REIN_HOST, comma-
/// separated; the caller passes null when --host or --hosts-file was given), then the hosts
/// file's (`file_text`: the content of --hosts-file, else of $REIN_HOSTS_FILE).
/// Duplicates are kept once (the first). An error for the first bad URL.
Result<std::vector<HostUrl>> resolve_hosts(const std::vector<std::string>& flags,
                                           const char* env_hosts, const std::string& file_text);

} // namespace rein::cli
