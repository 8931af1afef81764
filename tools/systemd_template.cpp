// rein-systemd-template: prints the packages' unit template (rein@.service) for an install whose
// programs are at the given paths. cmake/install.cmake runs it at install time, when the prefix
// is known, so the unit is the text `rein startup` writes and never a second copy of it.
#include "cli/render/systemd_unit.hpp"

#include <iostream>

int main(int argc, char** argv) {
    if (argc != 3 || argv[1][0] != '/' || argv[2][0] != '/') {
        std::cerr << "usage: rein-systemd-template /abs/path/reind /abs/path/rein\n";
        return 2;
    }
    std::cout << rein::cli::render::systemd_template_unit(argv[1], argv[2]);
    return std::cout.flush() ? 0 : 1;
}
