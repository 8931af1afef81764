#pragma once
// Errors as values across module boundaries: Result<T> holds a T or an Error.
#include <string>
#include <utility>
#include <variant>

namespace rein {

/// A failure with a stable machine-readable code (scripts branch on it) and one clear sentence.
struct Error {
    std::string code;
    std::string message;
};

/// Either a value or an Error; no exceptions cross module boundaries.
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(m_v); }
    const T& value() const { return std::get<0>(m_v); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(m_v); }

  private:
    std::variant<T, Error> m_v;
};

/// Result of an operation that yields nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string code, std::string message) {
    return Error{std::move(code), std::move(message)};
}

} // namespace rein
