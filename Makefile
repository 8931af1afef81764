# Thin wrapper: every target does its own set-up, so a fresh Debian 12 machine needs only these.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan check-includes test test-fast demo bench format clean

all: build

deps:
	@packaging/deps.sh

# Both builds compile in batches of 16 files (a unity build: the heavy JSON, logging and CLI
# headers are parsed once per batch, which halves the build time and keeps CI within budget).
# `make check-includes` compiles file by file, to catch a file that does not include what it
# uses (a batch can hide that); run it before committing new files.
UNITY = -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DREIN_WERROR=ON $(UNITY) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DREIN_WERROR=ON -DREIN_SANITIZE=ON \
	  $(UNITY) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

check-includes: deps
	cmake -S . -B build-check -DCMAKE_BUILD_TYPE=Debug -DREIN_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build build-check -j $(JOBS)

# The whole suite twice: the release build, then under ASan+UBSan.
test: build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	$(BUILD)/rein start ecosystem.example.yaml
	@echo
	$(BUILD)/rein ls

bench: build
	bench/run.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.c')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-check
