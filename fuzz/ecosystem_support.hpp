#pragma once
// The body of the two ecosystem targets (ecosystem_yaml_fuzz.cpp, ecosystem_json_fuzz.cpp): they
// differ in the file's name and in their seed corpus and dictionary. load_ecosystem() reads a
// path only, so each input is written to a file in a scratch folder that also holds what specs
// may point at: an executable app.sh, a folder sub/ with another, and /bin/true on PATH.
#include "common/ecosystem.hpp"
#include "fuzz_support.hpp"

#include <cstdint>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::fuzz {

inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size,
                       mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    FUZZ_CHECK(fd >= 0);
    for (std::size_t done = 0; done < size;) {
        ssize_t n = ::write(fd, data + done, size - done);
        FUZZ_CHECK(n > 0);
        done += std::size_t(n);
    }
    ::close(fd);
}

/// Loads `data` as the ecosystem file `name` and checks what comes back: an error is one
/// "bad_ecosystem" sentence that starts with the file's name (file:line:col, or the file when
/// there is no position); accepted apps have unique names, a script, an absolute cwd, at least
/// one instance, and a spec that crosses the socket as JSON (to_json, from_json) unchanged.
inline int fuzz_ecosystem(const char* tag, const char* name, const std::uint8_t* data,
                          std::size_t size) {
    static const std::string dir = [tag] {
        const std::string& d = scratch_dir(tag);
        const std::uint8_t script[] = "#!/bin/sh\nexit 0\n";
        write_file(d + "/app.sh", script, sizeof script - 1, 0755);
        FUZZ_CHECK(::mkdir((d + "/sub").c_str(), 0755) == 0);
        write_file(d + "/sub/worker.sh", script, sizeof script - 1, 0755);
        return d;
    }();
    const std::string path = dir + "/" + name;
    write_file(path, data, size, 0644);

    LoadOptions opts;
    opts.base_env = {{"PATH", "/usr/bin:/bin"}, {"HOME", dir}, {"LANG", "C.UTF-8"}};
    opts.caller_cwd = dir;
    opts.usable_cores = 2;
    auto specs = load_ecosystem(path, opts);
    if (!specs) {
        FUZZ_CHECK(specs.error().code == "bad_ecosystem");
        FUZZ_CHECK(specs.error().message.rfind(path + ":", 0) == 0 ||
                   specs.error().message.rfind("cannot read " + path, 0) == 0);
        return 0;
    }
    FUZZ_CHECK(!specs->empty());
    std::set<std::string> names;
    for (const AppSpec& s : *specs) {
        FUZZ_CHECK(!s.name.empty() && names.insert(s.name).second);
        FUZZ_CHECK(!s.script.empty());
        FUZZ_CHECK(!s.cwd.empty() && s.cwd.front() == '/');
        FUZZ_CHECK(s.instances >= 1);
        FUZZ_CHECK(s.source_file == path);
        nlohmann::json j = s;
        FUZZ_CHECK(nlohmann::json(j.get<AppSpec>()) == j);
    }
    return 0;
}

} // namespace rein::fuzz
