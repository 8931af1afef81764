#pragma once
// Strict reads of JSON fields that came over the socket. nlohmann's get<int>() takes `true` as 1
// and 1.5 as 1; a request that says either where a count belongs is malformed, not a guess.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

namespace rein {

/// `v` as the integer type T: a JSON integer within T's range, else nlohmann's type_error
/// naming `what` (which the daemon's dispatch turns into a bad_request reply).
template <typename T>
T strict_integer(const nlohmann::json& v, const std::string& what) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    bool fits = false;
    if (v.is_number_unsigned())
        fits = v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<T>::max());
    else if (v.is_number_integer())
        fits = v.get<std::int64_t>() >= std::int64_t(std::numeric_limits<T>::min()) &&
               (std::numeric_limits<T>::max() > std::numeric_limits<std::int64_t>::max() ||
                v.get<std::int64_t>() <= std::int64_t(std::numeric_limits<T>::max()));
    if (!fits)
        throw nlohmann::json::type_error::create(302,
                                                 "\"" + what + "\" must be an integer from " +
                                                     std::to_string(std::numeric_limits<T>::min()) +
                                                     " to " +
                                                     std::to_string(std::numeric_limits<T>::max()),
                                                 &v);
    return v.get<T>();
}

/// `v` as a bool: only true or false.
inline bool strict_bool(const nlohmann::json& v, const std::string& what) {
    if (!v.is_boolean())
        throw nlohmann::json::type_error::create(302, "\"" + what + "\" must be true or false", &v);
    return v.get<bool>();
}

/// A JSON array of integers as a container of them (std::vector<int>, std::set<int>, ...), each
/// read with strict_integer.
template <typename Container>
Container integers(const nlohmann::json& v, const std::string& what) {
    if (!v.is_array())
        throw nlohmann::json::type_error::create(302, "\"" + what + "\" must be a list", &v);
    Container out;
    for (const auto& e : v)
        out.insert(out.end(), strict_integer<typename Container::value_type>(e, what));
    return out;
}

/// req[key] as T (integer or bool, strictly), or `fallback` when the key is absent.
template <typename T>
T field_or(const nlohmann::json& req, const char* key, T fallback) {
    const auto it = req.find(key);
    if (it == req.end()) return fallback;
    if constexpr (std::is_same_v<T, bool>)
        return strict_bool(*it, key);
    else
        return strict_integer<T>(*it, key);
}

} // namespace rein
