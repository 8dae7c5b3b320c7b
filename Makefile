# Switchyard's front door. `make run` and `make test` work on a fresh Debian 12 machine.
SHELL := /bin/bash
.DEFAULT_GOAL := run

FUZZ_SECONDS ?= 60
SWITCHYARD := build/release/gateway/switchyard

.PHONY: run test deps build build-release build-asan build-fuzz test-release test-asan \
        bench bench-e2e fuzz format clean

deps:
	@scripts/install-deps.sh

# Configure a preset once (CMake re-runs itself when a CMakeLists changes), then build it.
build/%/build.ninja: | deps
	cmake --preset $* >/dev/null

build-release build-asan build-fuzz: build-%: build/%/build.ninja
	cmake --build --preset $*

build: build-release

run: build-release
	SWITCHYARD=$(SWITCHYARD) scripts/run-dev.sh

test-release test-asan: test-%: build-%
	ctest --preset $*

test: test-release test-asan

bench: build-release
	@for b in build/release/bench/sy_bench_*; do echo "== $$b"; $$b || exit 1; done

# The end-to-end benchmark (docs/performance.md, "End to end"): only the two binaries it runs.
bench-e2e: deps build/release/build.ninja
	cmake --build --preset release --target switchyard switchyard-load
	scripts/bench-e2e.sh

fuzz: build-fuzz
	scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
