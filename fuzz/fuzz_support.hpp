#pragma once
// What the fuzz targets share: an invariant check that holds in every build type, and a private
// scratch folder under /tmp for the targets that need files.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

/// Aborts (which libFuzzer reports as a crash, with the input saved) when `cond` is false.
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace rein::fuzz {

/// A fresh folder $TMPDIR/rein-fuzz-<tag>-XXXXXX ($TMPDIR defaults to /tmp; /dev/shm makes the
/// targets that fsync faster), made at the first call and removed when the process exits
/// normally (a crash leaves it, for the post-mortem).
inline const std::string& scratch_dir(const char* tag) {
    // Never destroyed: the exit handler that removes the folder runs after static destructors.
    static const std::string* dir = [tag] {
        const char* tmp = std::getenv("TMPDIR");
        std::string templ =
            std::string(tmp && *tmp ? tmp : "/tmp") + "/rein-fuzz-" + tag + "-XXXXXX";
        if (!mkdtemp(templ.data())) {
            std::perror("mkdtemp");
            std::abort();
        }
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(*dir, ec);
        });
        return new std::string(templ);
    }();
    return *dir;
}

} // namespace rein::fuzz
