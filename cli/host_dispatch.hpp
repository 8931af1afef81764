#pragma once
// `rein --host ...`: which hosts, and how a command runs on them (one host in this process
// over ssh; several as one child rein per host, their output merged).

namespace rein::cli {

/// True when a host is asked for: a `--host`/`--hosts-file` word (before `--`), or REIN_HOST
/// or REIN_HOSTS_FILE set. The only cost the local path pays: one scan and two getenv.
bool wants_hosts(int argc, char** argv);

/// Runs the command line on its hosts; `run_here` runs a command line in this process (after
/// set_remote for one host). Returns the exit status.
int run_with_hosts(int argc, char** argv, int (*run_here)(int, char**));

} // namespace rein::cli
