// rein: the CLI. Everything lives in the rein_cli library; this only hands over the arguments.
#include "cli/run.hpp"

#include <cstdio>
#include <iostream>
#include <unistd.h>

int main(int argc, char** argv) {
    int code = rein::cli::run(argc, argv);
#if defined(__SANITIZE_ADDRESS__)
    return code; // the leak check runs at exit
#else
    // Ends without the static destructors (the C++ runtime's locales and streams, CLI11's
    // validators): they only free what the exit frees anyway, and took a measurable part of a
    // short command's time. Everything written is flushed first.
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    _exit(code);
#endif
}
