// The unit test runner: doctest's own main, shared by every *_test.cpp in this folder.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
