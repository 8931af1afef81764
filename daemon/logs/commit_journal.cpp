#include "daemon/logs/commit_journal.hpp"

#include "daemon/logs/app_logs.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rein::daemon {

namespace {
constexpr char k_magic[8] = {'R', 'E', 'I', 'N', 'J', 'N', 'L', '1'};
constexpr std::size_t k_page = 4096;
// Files one commit may write to: the stream's file, the combined file, and the new files of
// rotations within the commit (AppLogs rotates only while room() says so).
constexpr std::uint32_t k_max_records = 16;
// Rotated copies searched for a recorded file that a rotation renamed (path.1, path.2, ...).
constexpr int k_max_rotated = 1000;

CommitJournal* g_installed = nullptr;

// Stores to the mapping must be in place before the system call they guard: the kernel, and a
// later daemon, see the mapping exactly as stored once the call starts.
void ordered() {
    std::atomic_signal_fence(std::memory_order_seq_cst);
}
} // namespace

struct CommitJournal::Header {
    char magic[8];
    std::uint32_t open;  ///< 1 while a commit is open
    std::uint32_t count; ///< records of the open commit
    std::uint64_t length;
    unsigned char first, last;
};

struct CommitJournal::Record {
    std::uint64_t dev, ino, size;
    std::uint32_t path_len;
    char path[k_page - 28];
};

namespace {
constexpr std::size_t k_records_at = k_page;
constexpr std::size_t k_area_at = k_records_at + k_max_records * k_page;
constexpr std::size_t k_total = k_area_at + CommitJournal::k_area;
} // namespace

CommitJournal::CommitJournal(void* map, std::size_t size, int fd)
    : m_map(map), m_size(size), m_fd(fd) {}

CommitJournal::~CommitJournal() {
    if (g_installed == this) g_installed = nullptr;
    munmap(m_map, m_size);
    if (m_fd >= 0) close(m_fd);
}

Result<std::unique_ptr<CommitJournal>> CommitJournal::open(const std::string& path) {
    auto fail = [&](const char* what) {
        return Error{"journal", "cannot " + std::string(what) + " the capture journal " + path +
                                    ": " + std::strerror(errno)};
    };
    int fd = -1;
    bool fresh = true;
    if (!path.empty()) {
        fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) return fail("open");
        struct stat st {};
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            errno = EINVAL;
            return fail("use");
        }
        fresh = std::size_t(st.st_size) != k_total;
        // Blocks allocated now, so storing into the mapping never faults for want of space.
        if (fresh && (ftruncate(fd, 0) != 0 || posix_fallocate(fd, 0, k_total) != 0)) {
            int err = errno;
            close(fd);
            errno = err;
            return fail("allocate");
        }
    }
    // Not populated here: a daemon starting up serves sooner, and one whose apps never wrote a
    // line keeps no area resident (begin() locks it before the first consume).
    int flags = fd >= 0 ? MAP_SHARED : MAP_SHARED | MAP_ANONYMOUS;
    void* map = mmap(nullptr, k_total, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (map == MAP_FAILED) {
        int err = errno;
        if (fd >= 0) close(fd);
        errno = err;
        return fail("map");
    }
    std::unique_ptr<CommitJournal> j(new CommitJournal(map, k_total, fd));
    Header& h = j->header();
    if (fresh || std::memcmp(h.magic, k_magic, sizeof k_magic) != 0) {
        std::memset(&h, 0, sizeof h);
        std::memcpy(h.magic, k_magic, sizeof k_magic);
    }
    return j;
}

void CommitJournal::install(CommitJournal* j) {
    g_installed = j;
}
CommitJournal* CommitJournal::active() {
    return g_installed;
}

CommitJournal& CommitJournal::instance() {
    if (g_installed) return *g_installed;
    static std::unique_ptr<CommitJournal> anonymous = [] {
        auto j = open("");
        return j ? std::move(*j) : nullptr;
    }();
    if (!anonymous) std::abort(); // no memory for 1 MiB: nothing sensible is left to do
    return *anonymous;
}

CommitJournal::Header& CommitJournal::header() const {
    return *static_cast<Header*>(m_map);
}

CommitJournal::Record& CommitJournal::record_at(std::uint32_t i) const {
    return *reinterpret_cast<Record*>(static_cast<char*>(m_map) + k_records_at + i * k_page);
}

unsigned char* CommitJournal::area() const {
    return static_cast<unsigned char*>(m_map) + k_area_at;
}

bool CommitJournal::in_commit() const {
    return header().open != 0;
}
bool CommitJournal::room() const {
    return m_recorded + 1 < k_max_records;
}

void CommitJournal::begin(std::size_t length, unsigned char first, unsigned char last) {
    if (!m_locked) {
        // Best effort, once, before the first consume: a consume then never waits on a page
        // fault (a fault cut short by the kill would leave a partial read). Refused under a
        // small RLIMIT_MEMLOCK: the pages are at least made resident (each written once).
        if (mlock(area(), k_area) != 0)
            for (std::size_t i = 0; i < k_area; i += 4096)
                static_cast<volatile unsigned char*>(area())[i] = 0;
        m_locked = true;
    }
    Header& h = header();
    // The area must not already hold what the consume will put there.
    area()[length - 1] = static_cast<unsigned char>(~last);
    area()[0] = static_cast<unsigned char>(~first);
    h.length = length;
    h.first = first;
    h.last = last;
    h.count = 0;
    m_recorded = 0;
    ordered();
    h.open = 1;
    ordered();
}

void CommitJournal::record(int fd, const std::string& path) {
    Header& h = header();
    if (!h.open || m_recorded >= k_max_records) return;
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    for (std::uint32_t i = 0; i < m_recorded; ++i) {
        const Record& r = record_at(i);
        if (r.dev == st.st_dev && r.ino == st.st_ino) return; // its size before is known
    }
    if (path.size() > sizeof(Record::path)) return; // no such path can be opened anyway
    Record& r = record_at(m_recorded);
    r.dev = st.st_dev;
    r.ino = st.st_ino;
    r.size = std::uint64_t(st.st_size);
    r.path_len = std::uint32_t(path.size());
    std::memcpy(r.path, path.data(), path.size());
    ordered();
    h.count = ++m_recorded; // only a whole record counts
    ordered();
}

ssize_t CommitJournal::consume(int pipe_fd) {
    ssize_t n;
    do n = read(pipe_fd, area(), header().length);
    while (n < 0 && errno == EINTR);
    return n;
}

void CommitJournal::finish() {
    ordered();
    header().open = 0;
    m_recorded = 0;
}

void CommitJournal::abort() {
    Recovery r;
    roll_back(r);
    finish();
}

void CommitJournal::roll_back(Recovery& out) {
    const Header& h = header();
    for (std::uint32_t i = 0; i < h.count && i < k_max_records; ++i) {
        const Record& r = record_at(i);
        std::string path(r.path, std::min<std::size_t>(r.path_len, sizeof r.path));
        // The file may have been rotated away (path.1, ...) by this very commit. Matched by
        // device and inode: a file that merely has the name now is never touched.
        for (int n = 0; n <= k_max_rotated; ++n) {
            std::string name = n == 0 ? path : rotated_path(path, n);
            struct stat st {};
            if (stat(name.c_str(), &st) != 0) {
                if (n == 0) continue; // the live name may be gone while copies remain
                break;
            }
            if (st.st_dev != r.dev || st.st_ino != r.ino) continue;
            if (std::uint64_t(st.st_size) <= r.size) break;
            int fd = ::open(name.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
            struct stat again {};
            if (fd >= 0 && fstat(fd, &again) == 0 && again.st_ino == r.ino &&
                again.st_dev == r.dev && ftruncate(fd, off_t(r.size)) == 0) {
                out.files.push_back(name);
                out.bytes += std::uint64_t(st.st_size) - r.size;
            }
            if (fd >= 0) close(fd);
            break;
        }
    }
}

CommitJournal::Recovery CommitJournal::recover() {
    Recovery r;
    Header& h = header();
    m_recorded = 0;
    if (!h.open) return r;
    r.length = h.length;
    bool valid = h.length >= 1 && h.length <= k_area;
    if (valid && area()[0] == h.first) {
        // The consume happened: the writes stay.
        r.kind = Recovery::Kind::completed;
        r.partial_consume = area()[h.length - 1] != h.last;
    } else {
        r.kind = Recovery::Kind::rolled_back;
        roll_back(r);
    }
    finish();
    return r;
}

std::string CommitJournal::Recovery::describe() const {
    if (kind == Kind::none) return {};
    if (kind == Kind::completed)
        return "capture journal: the last commit (" + std::to_string(length) +
               " bytes) had completed" +
               (partial_consume ? "; its consume looks cut short, some lines may repeat" : "");
    std::string names;
    for (const auto& f : files) names += (names.empty() ? "" : ", ") + f;
    return "capture journal: rolled back an unfinished commit (" + std::to_string(length) +
           " bytes still in the pipe): " + std::to_string(bytes) + " bytes removed from " +
           (names.empty() ? "no file" : names);
}

} // namespace rein::daemon
