// Fuzzes the reader of the state rein update hands to the next daemon image
// (daemon/continuity/handover.hpp): the text goes through read_state_file() (from a memfd of our
// own, as the new image reads its inherited one), is parsed as daemon.cpp's read_handover() parses
// it, and is checked by parse_handover(). Only that reading part runs: read_handover() goes on to
// close every descriptor the state does not keep, flip close-on-exec on those it names and
// fexecve() the fallback image, all with numbers from the text, which a fuzzer must never do;
// parse_handover() itself only asks fcntl(F_GETFD) whether a descriptor is open. Checks: a refusal
// is one "bad_handover" sentence; an accepted state names open descriptors and consistent ids, and
// its instances and app specs survive another write-and-read unchanged.
#include "common/files.hpp"
#include "common/protocol.hpp"
#include "daemon/continuity/handover.hpp"
#include "fuzz_support.hpp"

#include <cstdint>
#include <fcntl.h>
#include <set>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>

namespace rein::protocol {
// daemon.cpp reads the state with protocol::parse_untrusted() (a nesting-depth check first) in
// trees that have it. This stand-in keeps the target building in a tree without it: overload
// resolution prefers the real, non-template function whenever it is declared.
template <int = 0>
nlohmann::json parse_untrusted(std::string_view text) {
    return nlohmann::json::parse(text, nullptr, false);
}
} // namespace rein::protocol

namespace {

using namespace rein::daemon;
using nlohmann::json;

int g_state_fd = -1;

bool is_open(int fd) {
    return fd >= 0 && fcntl(fd, F_GETFD) != -1;
}

void check_accepted(const HandoverState& h) {
    FUZZ_CHECK(is_open(h.daemon.lock) && is_open(h.daemon.control) && is_open(h.daemon.notify));
    std::set<int> conns;
    for (const auto& c : h.connections) {
        FUZZ_CHECK(is_open(c.fd));
        conns.insert(c.fd);
    }
    FUZZ_CHECK(h.requester.fd == -1 || conns.count(h.requester.fd));
    for (const auto& f : h.followers) FUZZ_CHECK(f.request.fd == -1 || conns.count(f.request.fd));

    std::set<int> ids;
    for (const auto& [inst, restart_in] : h.instances) {
        FUZZ_CHECK(ids.insert(inst.id).second);
        FUZZ_CHECK(inst.id >= 0 && inst.pid >= 0 && inst.pgid >= 0);
        FUZZ_CHECK(!is_running(inst.status) || inst.pid > 0);
        // Written again by the next update, it reads back the same.
        json once = instance_to_handover(inst, restart_in);
        auto back = instance_from_handover(once);
        FUZZ_CHECK(back.ok());
        FUZZ_CHECK(instance_to_handover(*back, restart_in) == once);
    }
    for (const auto& app : h.apps) {
        for (int id : app.instance_ids) FUZZ_CHECK(ids.count(id));
        FUZZ_CHECK(app.listen_fds.empty() || app.listen_fds.size() == app.spec.listen.size());
        json spec = app.spec;
        FUZZ_CHECK(json(spec.get<rein::AppSpec>()) == spec);
    }
    for (const auto& p : h.pipes) FUZZ_CHECK(ids.count(p.instance_id) && is_open(p.fd));
    for (const auto& c : h.channels) FUZZ_CHECK(ids.count(c.instance_id) && is_open(c.fd));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    g_state_fd = memfd_create("rein-fuzz-handover", MFD_CLOEXEC);
    if (g_state_fd < 0) {
        std::perror("memfd_create");
        std::abort();
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The old image leaves the file's offset at its end; read_state_file seeks back itself.
    FUZZ_CHECK(ftruncate(g_state_fd, 0) == 0);
    FUZZ_CHECK(lseek(g_state_fd, 0, SEEK_SET) == 0);
    FUZZ_CHECK(
        rein::write_all(g_state_fd, std::string_view(reinterpret_cast<const char*>(data), size)));
    auto text = read_state_file(g_state_fd);
    FUZZ_CHECK(text && text->size() == size);

    json state = rein::protocol::parse_untrusted(std::string_view(*text));
    auto parsed = parse_handover(state);
    if (!parsed) {
        FUZZ_CHECK(parsed.error().code == "bad_handover");
        FUZZ_CHECK(!parsed.error().message.empty());
        return 0;
    }
    check_accepted(*parsed);
    return 0;
}
