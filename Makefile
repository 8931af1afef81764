# Thin wrapper: every target does its own set-up, so a fresh Debian 12 machine needs only these.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

.PHONY: all deps pm2 build build-asan check-includes test test-fast demo bench soak fuzz fuzz-build format clean docs

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

# The whole suite twice: the release build, then under ASan+UBSan; then every fuzz target for
# 10 s and the soak scenarios at their small size (CI runs exactly this).
test: build build-asan pm2
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	@# The package tests mostly wait (dpkg, the apps): the fuzzers compile meanwhile, which
	@# keeps CI within its 15 minutes on 2 cores.
	$(MAKE) -j2 package-test fuzz-build
	$(MAKE) fuzz FUZZ_SECONDS=10
	$(MAKE) soak SOAK_SCALE=small

# PM2 from the npm registry into bench/.cache (as the bench does), so the tests that compare with
# the real PM2 (import of a `pm2 save` dump, PM2's `pm2 ecosystem` template) run; without npm or
# the registry they say they were skipped.
pm2:
	@[ -x bench/.cache/pm2/node_modules/.bin/pm2 ] || ! command -v npm >/dev/null || \
	  npm install --silent --no-audit --no-fund --prefix bench/.cache/pm2 pm2@latest >/dev/null || \
	  echo "make: PM2 could not be installed from npm; the tests that use it will skip"

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	$(BUILD)/rein start ecosystem.example.yaml
	@echo
	$(BUILD)/rein ls

bench: build
	bench/run.sh

# The real daemon under sustained abuse (crash storm, 1000 instances, many clients, idle
# connections, a follower that never reads, a full log disk); prints figures and
# "N passed, M failed". SOAK_SCALE=small is the CI size (about a minute).
SOAK_SCALE ?= full
soak: build
	python3 tests/soak/soak.py --build $(BUILD) --scale $(SOAK_SCALE)

# The libFuzzer targets (fuzz/README.md): clang with ASan+UBSan in their own build, then each one
# for FUZZ_SECONDS over a copy of its seed corpus, two at a time; fails if any finds a crash.
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(FUZZ_BUILD)

fuzz-build: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	  -DREIN_FUZZ=ON -DREIN_TESTS=OFF -DREIN_WERROR=ON $(UNITY) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(FUZZ_BUILD) --target fuzzers -j $(JOBS)

# The generated tables of docs/migrating-from-pm2.md (PM2's keys and commands), from
# common/pm2_keys.cpp; a unit test fails when the committed file is out of date.
docs: build
	$(BUILD)/rein-doc-keys docs/migrating-from-pm2.md

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.c')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-check $(FUZZ_BUILD)

# The container image (packaging/Dockerfile, docs/docker.md): the .deb built on Debian 12 and
# installed in a slim image whose entrypoint is `rein run`. Needs a running docker engine. The
# context has no .git, so the revision `rein --version` shows is passed in.
DOCKER_TAG ?= rein
.PHONY: docker
docker:
	docker build -f packaging/Dockerfile -t $(DOCKER_TAG) \
	  --build-arg REIN_REVISION=$$(cmake -DSOURCE_DIR=$(CURDIR) -P cmake/revision.cmake) .
# Installs the release build under PREFIX (DESTDIR honoured, for staging): rein, reind, rein-holder,
# librein-bind.so, the unit template, the docs and examples (docs/install.md). The tree works
# wherever it is moved: reind finds its companions relative to itself.
PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# The Debian package, from the release build (no second compile):
# $(BUILD)/rein_<version>-<release>_<arch>.deb. `make deb REIN_DEB_RELEASE=2` gives a package
# rebuilt from the same version a newer release, which apt takes as an upgrade.
REIN_DEB_RELEASE ?=
deb: build
	rm -f $(BUILD)/rein_*.deb
	cd $(BUILD) && REIN_DEB_RELEASE="$(REIN_DEB_RELEASE)" cpack -G DEB >/dev/null
	@ls $(BUILD)/rein_*.deb

# The package's tests (tests/packaging/): install the .deb, use it, upgrade it with apps running,
# remove it; and a relocated `make install`. As root with dpkg; otherwise they say why they skip.
package-test: deb
	tests/packaging/run.sh $(BUILD)

.PHONY: install deb package-test
