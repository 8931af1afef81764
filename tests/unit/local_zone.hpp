#pragma once
// Unit tests that depend on the local time zone set one for their duration.
#include <cstdlib>
#include <ctime>
#include <string>

namespace rein::test {

/// Sets the local time zone (a POSIX TZ string, so no tzdata is needed) for one test case
/// and puts the previous one back afterwards.
class LocalZone {
  public:
    explicit LocalZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) m_old = old, m_had = true;
        setenv("TZ", tz, 1);
        tzset();
    }
    ~LocalZone() {
        if (m_had)
            setenv("TZ", m_old.c_str(), 1);
        else
            unsetenv("TZ");
        tzset();
    }
    LocalZone(const LocalZone&) = delete;
    LocalZone& operator=(const LocalZone&) = delete;

  private:
    std::string m_old;
    bool m_had = false;
};

} // namespace rein::test
