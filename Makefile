# nodecore: every test, through every door.
#   make test     everything CI runs (Rust, C header, Go, Python, conformance, fuzz)
#   make report   the main job: show this node as the kubelet would see it
#   make header   regenerate include/nodecore.h after changing ffi/src
#   make conformance-full   the differential test against upstream, 20000 cases per kind
#   make bench-compare      nodecore beside the kubelet's Go code: writes BENCHMARKS.md

CARGO ?= cargo
GO ?= go
PYTHON ?= python3
CC ?= cc

.PHONY: test report rust-test hwloc-test lint ffi-lib header header-check static-libs-check c-test c-hostile go-test go-bench python-test fuzz
.PHONY: conformance-test conformance-full bench-compare

test: lint rust-test hwloc-test header-check c-test c-hostile go-test python-test conformance-test fuzz

report:
	$(CARGO) run --release --quiet -- report

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --all-targets --features hwloc -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --quiet

# Property tests draw from a fixed seed, so a CI run is reproducible; run
# with another PROPTEST_RNG_SEED (proptest's variable) to explore further.
PROPTEST_RNG_SEED ?= 1031
rust-test:
	PROPTEST_RNG_SEED=$(PROPTEST_RNG_SEED) $(CARGO) test --workspace

# Topology discovery through hwloc (needs libhwloc-dev libudev-dev pkg-config).
hwloc-test:
	$(CARGO) test --features hwloc --lib topology::
	$(CARGO) test --features hwloc --test cli_topology
# --- The C ABI -------------------------------------------------------------

# The header's text depends on the cbindgen release, so it is pinned.
CBINDGEN ?= cbindgen
CBINDGEN_VERSION := 0.29.4
LIB_DIR := target/release
# The system libraries the static library needs: `rustc --print
# native-static-libs` for nodecore-ffi (bindings/go/nodecore/link_static.go
# lists the same).
NATIVE_STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
C_FLAGS := -std=c11 -Wall -Wextra -Werror -pedantic -g -Iinclude
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full --suppressions=tests/c/valgrind.supp \
	--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
VECTORS := $(sort $(wildcard tests/vectors/*.jsonl))
C_TESTS := $(filter-out tests/c/hostile_%.c,$(sort $(wildcard tests/c/*.c)))

ffi-lib:
	$(CARGO) build --release -p nodecore-ffi

define check_cbindgen
	@$(CBINDGEN) --version | grep -qx 'cbindgen $(CBINDGEN_VERSION)' || \
		{ echo "need cbindgen $(CBINDGEN_VERSION): cargo install --locked cbindgen@$(CBINDGEN_VERSION)"; exit 1; }
endef

header:
	$(check_cbindgen)
	$(CBINDGEN) --quiet --config ffi/cbindgen.toml --crate nodecore-ffi --output include/nodecore.h ffi

header-check:
	$(check_cbindgen)
	@tmp=$$(mktemp) && trap 'rm -f $$tmp' EXIT && \
	$(CBINDGEN) --quiet --config ffi/cbindgen.toml --crate nodecore-ffi --output $$tmp ffi && \
	diff -u include/nodecore.h $$tmp || \
		{ echo "include/nodecore.h is stale: run 'make header' and commit it"; exit 1; }

# The Go package and the README list NATIVE_STATIC_LIBS for static linking;
# fail when the library's needs change (a new dependency, the hwloc feature).
static-libs-check:
	@libs=$$($(CARGO) rustc --quiet --release -p nodecore-ffi --crate-type staticlib -- --print native-static-libs 2>&1 \
		| sed -n 's/^note: native-static-libs: //p'); \
	[ "$$libs" = "$(NATIVE_STATIC_LIBS)" ] || \
		{ echo "native-static-libs is now '$$libs': update NATIVE_STATIC_LIBS in the Makefile," \
			"bindings/go/nodecore/link_static.go and README.md"; exit 1; }
	@for f in bindings/go/nodecore/link_static.go README.md bindings/go/nodecore/doc.go; do \
		grep -qF -- '$(NATIVE_STATIC_LIBS)' $$f || { echo "$$f does not list $(NATIVE_STATIC_LIBS)"; exit 1; }; done

c-test: static-libs-check ffi-lib
	@mkdir -p target/c
	$(CC) $(C_FLAGS) $(C_TESTS) $(LIB_DIR)/libnodecore.a $(NATIVE_STATIC_LIBS) -o target/c/test_static
	$(CC) $(C_FLAGS) $(C_TESTS) -L$(LIB_DIR) -lnodecore -Wl,-rpath,$(CURDIR)/$(LIB_DIR) \
		-o target/c/test_shared
	@ldd target/c/test_shared | grep -q 'libnodecore.so' || { echo "test_shared is not linked to libnodecore.so"; exit 1; }
	$(VALGRIND) target/c/test_static $(VECTORS)
	$(VALGRIND) target/c/test_shared $(VECTORS)

# Hostile callers (tests/c/hostile_abi.c): under valgrind against both
# libraries, and built with AddressSanitizer and UBSan.
C_SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

c-hostile: ffi-lib
	@mkdir -p target/c
	$(CC) $(C_FLAGS) tests/c/hostile_abi.c $(LIB_DIR)/libnodecore.a $(NATIVE_STATIC_LIBS) -o target/c/hostile_static
	$(CC) $(C_FLAGS) tests/c/hostile_abi.c -L$(LIB_DIR) -lnodecore -Wl,-rpath,$(CURDIR)/$(LIB_DIR) \
		-o target/c/hostile_shared
	$(CC) $(C_FLAGS) $(C_SANITIZE) tests/c/hostile_abi.c $(LIB_DIR)/libnodecore.a $(NATIVE_STATIC_LIBS) \
		-o target/c/hostile_asan
	$(VALGRIND) target/c/hostile_static
	$(VALGRIND) target/c/hostile_shared
	ASAN_OPTIONS=detect_leaks=1 target/c/hostile_asan

# --- Go --------------------------------------------------------------------

# Go's build cache keys a cgo package on its own files and flags, not on the
# header it includes from include/: the header's checksum goes into the flags
# so that a regenerated header rebuilds the package.
GO_ENV = CGO_CFLAGS="-O2 -g -DNODECORE_HEADER_CKSUM=$$(cksum < $(CURDIR)/include/nodecore.h | cut -d' ' -f1)"

# Tests run twice: as users build, and with GC forced before every handle use
# (tag nodecore_debug) and GOGC=1, to catch a missing runtime.KeepAlive; the
# concurrency and hostile-input tests run a third time under the race
# detector.
go-test: ffi-lib
	cd bindings/go && $(GO_ENV) $(GO) vet ./...
	cd bindings/go && $(GO_ENV) GODEBUG=cgocheck=1 $(GO) test -count=1 ./...
	cd bindings/go && $(GO_ENV) GODEBUG=cgocheck=1 GOGC=1 $(GO) test -count=1 -tags nodecore_debug ./...
	cd bindings/go && $(GO_ENV) GODEBUG=cgocheck=1 $(GO) test -race -count=1 -run 'Concurrency|Hostile' ./...

go-bench: ffi-lib
	cd bindings/go && $(GO_ENV) $(GO) test -run '^$$' -bench . -benchmem ./...

# --- Fuzzing ---------------------------------------------------------------

# Every target (fuzz/fuzz_targets) runs FUZZ_SECONDS from seeds made from the
# case files; a panic, an input taking over 10 s or 2 GiB of memory fails.
# Stable Rust without a sanitizer (-s none): it needs only the stable
# toolchain and cargo-fuzz from crates.io. The C test's valgrind and ASan
# runs cover the unsafe ABI code; with nightly installed, ASan over the Rust
# code too: make fuzz FUZZ_TOOLCHAIN=+nightly FUZZ_SANITIZER=address
FUZZ_TARGETS := cpuset_parse topology_json etc_files eviction_thresholds checkpoint ffi_eval
FUZZ_SECONDS ?= 60
FUZZ_TOOLCHAIN ?=
FUZZ_SANITIZER ?= none
FUZZ := $(CARGO) $(FUZZ_TOOLCHAIN) fuzz

fuzz:
	@$(FUZZ) --version >/dev/null 2>&1 || \
		{ echo "need cargo-fuzz: cargo install --locked cargo-fuzz@0.13.2"; exit 1; }
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy --quiet --manifest-path fuzz/Cargo.toml --bins -- -D warnings
	$(PYTHON) fuzz/seed.py tests/vectors fuzz/corpus
	$(FUZZ) build -s $(FUZZ_SANITIZER)
	@mkdir -p target/fuzz-logs
	@for target in $(FUZZ_TARGETS); do \
		log=target/fuzz-logs/$$target.log; \
		$(FUZZ) run -s $(FUZZ_SANITIZER) $$target fuzz/corpus/$$target -- -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >$$log 2>&1 || \
			{ tail -n 60 $$log; echo "fuzz target $$target failed; the input is in fuzz/artifacts/$$target"; exit 1; }; \
		echo "fuzz $$target: $$(sed -n 's/^stat::number_of_executed_units: *//p' $$log) executions in $(FUZZ_SECONDS) s"; \
	done

# --- Python ----------------------------------------------------------------

# A virtual environment with the package installed from source, as a user's
# `pip install ./bindings/python` does.
PY_VENV := bindings/python/.venv

# The test extra brings pytest and what executing the example notebook takes
# (nbclient, ipykernel, matplotlib).
python-test:
	test -x $(PY_VENV)/bin/python || $(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "./bindings/python[test]"
	cd bindings/python && .venv/bin/python -m pytest -q tests

# --- Conformance with the kubelet's own code ---------------------------------

# bindings/go/conformance is a Go module of its own that imports
# k8s.io/kubernetes: it puts the shared vectors and random cases from fixed
# seeds to upstream and to nodecore (through cgo) and compares the answers.
# `make test` runs CONFORMANCE_CASES random cases per kind (a minute or two).
CONFORMANCE_CASES ?= 1000
CONFORMANCE_SEED ?= 1

conformance-test: ffi-lib
	cd bindings/go/conformance && $(GO_ENV) $(GO) vet ./...
	cd bindings/go/conformance && $(GO_ENV) $(GO) test -count=1 -timeout 30m ./... \
		-args -cases $(CONFORMANCE_CASES) -seed $(CONFORMANCE_SEED)

conformance-full: ffi-lib
	cd bindings/go/conformance && $(GO_ENV) $(GO) test -count=1 -timeout 0 -v -run 'TestVectors|TestRandom' ./... \
		-args -cases 20000 -seed $(CONFORMANCE_SEED) -max-cpus 512

bench-compare:
	benches/compare.sh
