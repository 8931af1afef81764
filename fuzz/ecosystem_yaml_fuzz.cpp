// Fuzzes the ecosystem parser (common/ecosystem.hpp, load_ecosystem) with YAML files: never a
// crash or an escaped exception, errors that name the file, and accepted apps that are whole and
// survive the trip to the daemon as JSON. The checks are in ecosystem_support.hpp.
#include "ecosystem_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return rein::fuzz::fuzz_ecosystem("eco-yaml", "ecosystem.yaml", data, size);
}
