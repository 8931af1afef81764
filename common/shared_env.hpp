#pragma once
// SharedEnv: an environment (NAME -> value) whose copies share one map until one of them is
// changed. The apps of one start request all keep the client's environment for their restarts;
// with one map each, 100 apps kept 100 copies of it (~5 KiB each) in the daemon.
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace rein {

class SharedEnv {
  public:
    using Map = std::map<std::string, std::string>;
    using const_iterator = Map::const_iterator;

    SharedEnv() = default;
    /// Takes `map` as the environment (implicit: a map is an environment).
    SharedEnv(Map map);

    /// The variables, read only (an empty map when none were set).
    const Map& map() const;
    operator const Map&() const { return map(); }
    /// The variables, to change: this copy stops sharing them first.
    Map& edit();

    const_iterator begin() const { return map().begin(); }
    const_iterator end() const { return map().end(); }
    const_iterator find(const std::string& name) const { return map().find(name); }
    std::size_t count(const std::string& name) const { return map().count(name); }
    const std::string& at(const std::string& name) const { return map().at(name); }
    std::size_t size() const { return map().size(); }
    bool empty() const { return map().empty(); }

    /// True when both are one map (not merely equal ones).
    bool shares(const SharedEnv& other) const { return m_map && m_map == other.m_map; }
    friend bool operator==(const SharedEnv& a, const SharedEnv& b) {
        return a.shares(b) || a.map() == b.map();
    }

  private:
    std::shared_ptr<const Map> m_map;
};

/// As a JSON object of strings.
void to_json(nlohmann::json& j, const SharedEnv& env);
/// Throws nlohmann::json::exception unless `j` is an object of strings.
void from_json(const nlohmann::json& j, SharedEnv& env);

} // namespace rein
