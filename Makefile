# Thin wrapper over scripts/ and CMake presets. `make run` and `make test` work on a fresh Debian 12 machine.
JOBS ?= $(shell nproc)
RUN_PRESET ?= release
TEST_PRESET ?= asan-ubsan
ARGS ?=

.PHONY: all deps build run test test-build bench clean format

all: build

deps:
	@scripts/install-deps

# Builds the two programs only (the tests are built by `make test`).
build: deps
	@cmake --preset $(RUN_PRESET) >/dev/null
	@cmake --build build/$(RUN_PRESET) -j $(JOBS) --target anvil-ca $(if $(wildcard apps/anvil/CMakeLists.txt),anvil,)

# Starts anvil-ca on its zero-configuration defaults (./anvil-data, https://localhost:14000/directory).
run: build
	build/$(RUN_PRESET)/apps/anvil-ca/anvil-ca serve $(ARGS)

test-build: deps
	@cmake --preset $(TEST_PRESET) >/dev/null
	@cmake --build build/$(subst asan-ubsan,asan,$(TEST_PRESET)) -j $(JOBS)

# Every test: unit, integration and interop (certbot, pebble), under ASan/UBSan with warnings as errors.
test: test-build
	@cd build/$(subst asan-ubsan,asan,$(TEST_PRESET)) && ctest --output-on-failure -j $(JOBS) --timeout 600 $(ARGS)

# The console's browser test alone (tests/browser/console.sh: Debian's chromium driven by playwright-core, with
# axe-core), on the test preset's anvil and anvil-ca; screenshots in build/<preset>/browser-artifacts.
.PHONY: browser-test
browser-test: deps
	@cmake --preset $(TEST_PRESET) >/dev/null
	@cmake --build build/$(subst asan-ubsan,asan,$(TEST_PRESET)) -j $(JOBS) --target anvil anvil-ca
	@cd build/$(subst asan-ubsan,asan,$(TEST_PRESET)) && ctest -L browser --output-on-failure $(ARGS)

# The device attestation tests that need a (software) TPM: swtpm-based unit tests and tests/interop/device_tpm.sh
# (docs/device-attestation.md). They are part of `make test` too (about 20 s).
.PHONY: tpm-test
tpm-test: deps
	@cmake --preset $(TEST_PRESET) >/dev/null
	@cmake --build build/$(subst asan-ubsan,asan,$(TEST_PRESET)) -j $(JOBS)
	@cd build/$(subst asan-ubsan,asan,$(TEST_PRESET)) && ctest -L tpm --output-on-failure $(ARGS)

# The full-issuance benchmark, anvil-ca against Pebble on loopback (docs/performance.md). Not part of `make test`.
bench: deps
	@cmake --preset $(RUN_PRESET) >/dev/null
	@cmake --build build/$(RUN_PRESET) -j $(JOBS) --target anvil-ca anvil-bench storage_bench
	@BUILD_DIR=build/$(RUN_PRESET) bench/run

# Micro-benchmarks of single operations (JWS, CSR, signing, keys, nonces; docs/performance.md). ARGS go to the
# binary, e.g. ARGS=--benchmark_filter=JwsVerify. Not part of `make test`.
.PHONY: micro-bench
micro-bench: deps
	@cmake --preset $(RUN_PRESET) >/dev/null
	@cmake --build build/$(RUN_PRESET) -j $(JOBS) --target micro_bench
	build/$(RUN_PRESET)/bench/micro_bench $(ARGS)

# Revocation at scale (docs/performance.md): `make crl-bench` makes one CRL end to end from SQLite for
# 1,000,000 certificates of which 100,000 revoked (ARGS go to crl_scale_bench, e.g. ARGS="--revoked 10000");
# `make ocsp-bench` drives anvil-ca's OCSP GET over HTTP with wrk (bench/ocsp_http). Not part of `make test`.
.PHONY: crl-bench ocsp-bench
crl-bench: deps
	@cmake --preset $(RUN_PRESET) >/dev/null
	@cmake --build build/$(RUN_PRESET) -j $(JOBS) --target crl_scale_bench
	build/$(RUN_PRESET)/bench/crl_scale_bench $(ARGS)

ocsp-bench: deps
	@cmake --preset $(RUN_PRESET) >/dev/null
	@cmake --build build/$(RUN_PRESET) -j $(JOBS) --target anvil-ca anvil-bench
	@BUILD_DIR=build/$(RUN_PRESET) bench/ocsp_http

# src/base and its tests built for arm64 with Debian's cross compiler and run under qemu-user, in build/aarch64
# (scripts/cross-check-aarch64; `make test` runs it too, as ctest portability.aarch64_base).
.PHONY: cross-check
cross-check: deps
	@JOBS=$(JOBS) scripts/cross-check-aarch64

# The libFuzzer targets (tests/fuzz; docs/security.md, "Fuzzing"): builds the fuzz preset (clang, build/fuzz)
# and runs each target FUZZ_SECONDS over a copy of its seed corpus; FUZZ_TARGETS=jws csr ... picks some.
# Fails on any crash or sanitizer report (the input is kept in build/fuzz/artifacts/). `make test` runs a
# short pass (ctest fuzz.short).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
.PHONY: fuzz
fuzz: deps
	@scripts/fuzz --seconds $(FUZZ_SECONDS) --jobs $(JOBS) $(FUZZ_TARGETS)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
