// rein-doc-keys: writes the generated tables of docs/migrating-from-pm2.md (PM2's keys and
// commands, from common/pm2_keys.cpp) between the file's markers. `make docs` runs it; a unit
// test fails when the committed file differs from what it would write.
#include "common/pm2_keys.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: rein-doc-keys docs/migrating-from-pm2.md\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
        std::cerr << "rein-doc-keys: cannot read " << argv[1] << "\n";
        return 1;
    }
    auto doc = rein::splice_migration_tables(text.str());
    if (!doc) {
        std::cerr << "rein-doc-keys: " << argv[1] << " lacks the markers " << rein::k_doc_begin
                  << " and " << rein::k_doc_end << "\n";
        return 1;
    }
    std::ofstream(argv[1], std::ios::trunc) << *doc;
    return 0;
}
