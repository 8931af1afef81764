// Fuzzes the ecosystem parser (common/ecosystem.hpp, load_ecosystem) with JSON files, which it
// reads through yaml-cpp as YAML's flow style: never a crash or an escaped exception, errors that
// name the file, and accepted apps that are whole and survive the trip to the daemon as JSON. The
// checks are in ecosystem_support.hpp; the corpus and dictionary are JSON-shaped.
#include "ecosystem_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return rein::fuzz::fuzz_ecosystem("eco-json", "ecosystem.json", data, size);
}
