// rein: the CLI. Everything lives in the rein_cli library; this only hands over the arguments.
#include "cli/run.hpp"

int main(int argc, char** argv) {
    return rein::cli::run(argc, argv);
}
