# nodecore: every test, through every door.
#   make test     everything CI runs (Rust, C header, Go, Python)
#   make report   the main job: show this node as the kubelet would see it

CARGO ?= cargo

.PHONY: test report rust-test hwloc-test lint

test: lint rust-test hwloc-test

report:
	$(CARGO) run --release --quiet -- report

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --all-targets --features hwloc -- -D warnings

rust-test:
	$(CARGO) test --workspace

# Topology discovery through hwloc (needs libhwloc-dev libudev-dev pkg-config).
hwloc-test:
	$(CARGO) test --features hwloc --lib topology::
	$(CARGO) test --features hwloc --test cli_topology
