#include "common/shared_env.hpp"

#include <nlohmann/json.hpp>

namespace rein {

SharedEnv::SharedEnv(Map map) : m_map(std::make_shared<const Map>(std::move(map))) {}

const SharedEnv::Map& SharedEnv::map() const {
    static const Map none;
    return m_map ? *m_map : none;
}

SharedEnv::Map& SharedEnv::edit() {
    auto own = std::make_shared<Map>(map());
    m_map = own;
    return *own;
}

void to_json(nlohmann::json& j, const SharedEnv& env) {
    j = env.map();
}

void from_json(const nlohmann::json& j, SharedEnv& env) {
    env = SharedEnv(j.get<SharedEnv::Map>());
}

} // namespace rein
