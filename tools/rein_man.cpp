// rein-man: writes rein.1, reind.8 and rein-ecosystem.5 into a folder (the build runs it into
// build/man/). A small generator rather than help2man or pandoc: help2man sees only what
// `--help` prints (no subcommand options, no ecosystem keys), and pandoc would render prose
// that someone keeps in step by hand; this reads the very tables the programs use.
#include "tools/man/pages.hpp"

#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: rein-man OUTPUT_FOLDER\n";
        return 2;
    }
    const std::string dir = argv[1];
    const std::pair<const char*, std::string> pages[] = {
        {"rein.1", rein::man::rein_page()},
        {"reind.8", rein::man::reind_page()},
        {"rein-ecosystem.5", rein::man::ecosystem_page()},
    };
    for (const auto& [name, text] : pages) {
        std::ofstream out(dir + "/" + name, std::ios::trunc);
        out << text;
        if (!out.flush()) {
            std::cerr << "rein-man: cannot write " << dir << "/" << name << "\n";
            return 1;
        }
    }
    return 0;
}
