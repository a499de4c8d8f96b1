#!/usr/bin/env bash
# nodecore beside the kubelet's own Go code, on one machine, in one run.
#
# 1. the Go benchmarks of bindings/go/conformance: upstream k8s.io/kubernetes
#    and nodecore (through cgo) on identical inputs, COUNT runs each,
#    compared with benchstat;
# 2. the fixed cost of one call through cgo and through cffi (Python);
# 3. the criterion benches of the Rust crate (cargo bench);
# 4. a perf profile of every benchmark where nodecore is not ahead;
# and writes BENCHMARKS.md.
#
#   benches/compare.sh                           everything (half an hour or more)
#   COUNT=3 BENCH='Merge' CRITERION=0 benches/compare.sh    a quick look
#
# Environment: COUNT (runs per benchmark, default 6), BENCHTIME (go test
# -benchtime, default 1s), BENCH (go test -bench pattern, default .),
# UPSTREAM_CAP (longest single upstream merge before the shape is reported
# as over the cap, default 60s), CRITERION (0 skips cargo bench), PROFILE (0
# skips the perf profiles), OUT (default BENCHMARKS.md), REPORT_ONLY=1 (only
# profile and rewrite OUT from the raw results of the last run).
#
# Needs: cargo, go, python3, and perf (linux-perf) for the profiles. The
# machine should be otherwise idle; the load average is recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
UPSTREAM_CAP=${UPSTREAM_CAP:-60s}
CRITERION=${CRITERION:-1}
PROFILE=${PROFILE:-1}
OUT=${OUT:-BENCHMARKS.md}
REPORT_ONLY=${REPORT_ONLY:-0}
RAW=$ROOT/target/bench-compare
# golang.org/x/perf has no releases; this is its newest commit when pinned.
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da

mkdir -p "$RAW"
load() { cut -d' ' -f1-3 /proc/loadavg; }
step() { printf '\n== %s (load %s)\n' "$1" "$(load)"; }

if [ "$REPORT_ONLY" = 0 ]; then
step "building the library and benchstat"
cargo build --release --quiet -p nodecore-ffi
GOBIN=$RAW/bin go install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
(cd bindings/go/conformance && go test -c -o "$RAW/conformance.test" .)
echo "load_start=$(load)" > "$RAW/load.txt"

step "go benchmarks, upstream and nodecore (count $COUNT)"
# Run from the package folder: the tests read ../../../tests/vectors.
(cd bindings/go/conformance && "$RAW/conformance.test" -test.run '^$' -test.bench "$BENCH" \
	-test.count "$COUNT" -test.benchtime "$BENCHTIME" -test.benchmem -test.timeout 0 \
	-test.v -upstream-cap "$UPSTREAM_CAP") | tee "$RAW/go.txt"
echo "load_after_go=$(load)" >> "$RAW/load.txt"
# Time only, and only the side-by-side benchmarks; allocations are in the tables.
grep -E '^(goos|goarch|pkg|cpu):|/impl=' "$RAW/go.txt" | sed -E 's/[[:space:]]+[0-9.]+ B\/op[[:space:]]+[0-9]+ allocs\/op//' > "$RAW/go-time.txt"
"$RAW/bin/benchstat" -col /impl "$RAW/go-time.txt" > "$RAW/benchstat.txt" 2>/dev/null || true

step "cffi per-call cost"
VENV=bindings/python/.venv
if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import nodecore' 2>/dev/null; then
	python3 -m venv "$VENV"
	"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check ./bindings/python
fi
"$VENV/bin/python" - > "$RAW/cffi.txt" <<'EOF'
import timeit
import nodecore
from nodecore._native import lib

def noop():
    pass

case = {"id": "bench", "kind": "cpuset.parse", "input": {"text": "0-3"}}
for name, stmt in [
    ("python-noop", noop),
    ("cffi-abi-version", lib.nodecore_abi_version),
    ("eval-case-cpuset-parse", lambda: nodecore.eval_case(case)),
]:
    timer = timeit.Timer(stmt)
    n, _ = timer.autorange()
    best = min(timer.repeat(repeat=5, number=n)) / n
    print(f"{name} {best * 1e9:.1f}")
EOF
cat "$RAW/cffi.txt"

: > "$RAW/criterion.txt"
if [ "$CRITERION" != 0 ] && compgen -G "benches/*.rs" >/dev/null; then
	step "criterion benches (cargo bench)"
	cargo bench --workspace --quiet 2>&1 | tee "$RAW/criterion-log.txt" | grep -E '^[^ ].* time: ' || true
	# One line per bench: id and the point estimate of the mean, in ns.
	find target/criterion -path '*/new/estimates.json' | sort | while read -r est; do
		dir=$(dirname "$est")
		python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); e=json.load(open(sys.argv[2]))
print(b["full_id"], e["mean"]["point_estimate"], e["mean"]["confidence_interval"]["lower_bound"], e["mean"]["confidence_interval"]["upper_bound"])' \
			"$dir/benchmark.json" "$est"
	done > "$RAW/criterion.txt"
fi
echo "load_end=$(load)" >> "$RAW/load.txt"
fi

# Benchmarks where nodecore is not ahead: a perf profile of its side.
if [ "$PROFILE" != 0 ] && command -v perf >/dev/null; then
	: > "$RAW/profiles.txt"
	step "profiles where nodecore is not clearly ahead"
	python3 - "$RAW/go.txt" "$RAW/benchstat.txt" > "$RAW/behind.txt" <<'EOF'
import re, statistics, sys
# Behind: nodecore's median is not below upstream's, or benchstat finds no
# significant difference ("~").
times = {}
for line in open(sys.argv[1]):
    m = re.match(r"^(Benchmark\S+)/impl=(upstream|nodecore)-\d+\s+\d+\s+([\d.]+) ns/op", line)
    if m:
        times.setdefault(m[1], {}).setdefault(m[2], []).append(float(m[3]))
unclear = set()
for line in open(sys.argv[2]):
    m = re.match(r"^(\S+?)-\d+\s.*\s~\s", line)
    if m:
        unclear.add("Benchmark" + m[1])
for name, sides in times.items():
    if len(sides) == 2 and (name in unclear or statistics.median(sides["nodecore"]) >= statistics.median(sides["upstream"])):
        print(name)
EOF
	while read -r name; do
		pattern="^$(printf '%s' "$name" | sed 's|/|$/^|g')\$/^impl=nodecore\$"
		(cd bindings/go/conformance && perf record -q -F 2000 -g -o "$RAW/perf.data" "$RAW/conformance.test" \
			-test.run '^$' -test.bench "$pattern" -test.benchtime 3s >/dev/null 2>&1) || continue
		{
			echo "### $name"
			perf report -i "$RAW/perf.data" --stdio --no-children --sort symbol -F overhead,sym -g none \
				--percent-limit 2 2>/dev/null | grep -E '^ +[0-9.]+%' | sed -E 's/[[:space:]]+$//' | sort -rn | cut -c1-140
			echo
		} >> "$RAW/profiles.txt"
	done < "$RAW/behind.txt"
fi

step "writing $OUT"
python3 - "$RAW" "$OUT" "$COUNT" "$BENCHTIME" "$UPSTREAM_CAP" <<'EOF'
import os, platform, re, statistics, subprocess, sys
raw, out, count, benchtime, cap = sys.argv[1:6]

def read(name):
    path = os.path.join(raw, name)
    return open(path).read() if os.path.exists(path) else ""

def cmd(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "?"

def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"

# Go benchmark lines: name, ns/op, B/op, allocs/op.
runs, skips, logs = {}, [], []
lines = read("go.txt").splitlines()
for i, line in enumerate(lines):
    m = re.match(r"^(Benchmark\S+?)-\d+\s+\d+\s+([\d.]+) ns/op(?:\s+(\d+) B/op\s+(\d+) allocs/op)?", line)
    if m:
        runs.setdefault(m[1], []).append((float(m[2]), int(m[3] or 0), int(m[4] or 0)))
    m = re.match(r"^\s*--- SKIP: (Benchmark\S+)", line)
    if m:
        # The reason is logged just before the SKIP line.
        why = next((l.split(": ", 1)[-1].strip() for l in reversed(lines[max(0, i - 3):i]) if "bench_test.go" in l), "")
        if (m[1], why) not in skips:
            skips.append((m[1], why))
    m = re.match(r"^\s+bench_test\.go:\d+: (upstream \S+: one merge took .*)", line)
    if m and m[1] not in logs:
        logs.append(m[1])

def median(name, field=0):
    return statistics.median(r[field] for r in runs[name])

def side_by_side(prefix):
    rows = []
    for name in runs:
        if not name.startswith(prefix) or not name.endswith("/impl=upstream"):
            continue
        base = name[: -len("/impl=upstream")]
        nc = base + "/impl=nodecore"
        if nc not in runs:
            continue
        up_ns, nc_ns = median(name), median(nc)
        params = dict(p.split("=", 1) for p in base.split("/")[1:])
        rows.append((params, up_ns, nc_ns, median(name, 2), median(nc, 2)))
    return rows

def table(rows, keys):
    head = "| " + " | ".join(keys) + " | upstream | nodecore | upstream / nodecore | Go allocs/op (upstream, nodecore) |"
    sep = "|" + "---|" * (len(keys) + 4)
    body = [
        "| " + " | ".join(p.get(k, "") for k in keys)
        + f" | {fmt_ns(u)} | {fmt_ns(n)} | **{u / n:.2f}×** | {ua:.0f}, {na:.0f} |"
        for p, u, n, ua, na in rows
    ]
    return "\n".join([head, sep] + body)

alloc = side_by_side("BenchmarkAllocate/")
merge = side_by_side("BenchmarkMerge/")
batch = side_by_side("BenchmarkMergeBatch/")
# benchstat's verdict per benchmark: "~ (p=... n=...)" when it finds no
# significant difference.
verdicts = {}
for line in read("benchstat.txt").splitlines():
    m = re.match(r"^(\S+?)-\d+\s.*\s(~ \(p=[\d.]+ n=\d+\))", line)
    if m:
        verdicts["Benchmark" + m[1]] = m[2]
behind = []
for name in runs:
    if name.endswith("/impl=upstream") and name.replace("/impl=upstream", "/impl=nodecore") in runs:
        base = name[: -len("/impl=upstream")]
        u, n = median(name), median(base + "/impl=nodecore")
        if n >= u or base in verdicts:
            behind.append((base, u, n, verdicts.get(base, "")))
single = {name: median(name) for name in runs if "/impl=" not in name}
cffi = dict(line.split() for line in read("cffi.txt").splitlines() if line.strip())
loads = dict(line.split("=", 1) for line in read("load.txt").splitlines() if "=" in line)

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")

doc = []
w = doc.append
w("# Benchmarks: nodecore beside the kubelet's own code\n")
w("Generated by `benches/compare.sh`; every number below comes from one run on one machine. "
  "\"upstream\" is `k8s.io/kubernetes` " + cmd("sh", "-c", "grep -m1 'k8s.io/kubernetes v' bindings/go/conformance/go.mod | awk '{print $2}'")
  + " called in-process from Go; \"nodecore\" is the same input through cgo into the Rust library. "
  "Times are medians of " + count + " runs (`go test -bench -count " + count + " -benchtime " + benchtime + "`); "
  "the ratio is upstream's time over nodecore's, so above 1 means nodecore is faster.\n")
if alloc or merge or batch:
    rows = alloc + merge + batch
    ahead = sum(1 for _, u, n, _, _ in rows if n < u)
    if verdicts:
        significance = (f"benchstat finds no significant difference on {len(verdicts)} (listed under "
                        "\"Where nodecore is not clearly ahead\")")
    else:
        significance = "benchstat finds every difference significant (p < 0.05)"
    w(f"nodecore's median is lower on {ahead} of {len(rows)} side-by-side benchmarks; {significance}.\n")

w("## Machine\n")
w(f"- CPU: {cpu}, {os.cpu_count()} logical CPUs; memory {int(mem) // 1024 // 1024} GiB; kernel {platform.release()}")
w(f"- {cmd('go', 'version')}; {cmd('rustc', '--version')}; Python {platform.python_version()}")
w(f"- load average (1, 5, 15 min): {loads.get('load_start', '?')} at the start, "
  f"{loads.get('load_after_go', '?')} after the Go benchmarks, {loads.get('load_end', '?')} at the end")
w(f"- date: {cmd('date', '-u', '+%Y-%m-%d %H:%M UTC')}\n")

w("## Static policy: allocating one container\n")
w("Machines: 64 CPUs (2 sockets × 2 NUMA nodes × 8 cores × 2 threads), 288 CPUs (upstream's "
  "`topoQuadSocketFourWayHT`: 4 sockets × 18 cores × 4 threads), 384 CPUs (2 sockets × 4 NUMA nodes × "
  "24 cores × 2 threads, an L3 per 8 cores). Every fifth core is in use (given to the policy as reserved "
  "CPUs); the container asks for three eighths of the machine in whole cores. Each iteration releases the "
  "container and allocates it again, on a policy and state built once. Upstream: `RemoveContainer` and "
  "`Allocate` over a memory state. nodecore: the same two calls on a `StaticPolicy` handle through cgo. "
  "Both sides are checked to give the same CPUs first. Options: fpo = full-pcpus-only, numa = "
  "distribute-cpus-across-numa, cores = distribute-cpus-across-cores, uncore = "
  "prefer-align-cpus-by-uncorecache.\n")
if alloc:
    w(table(alloc, ["cpus", "options"]) + "\n")

w("## Topology manager: merging hints\n")
w("Best-effort policy; each provider offers every NUMA mask that can hold its request (one node, or two "
  "for every second provider), preferring the narrowest, as the CPU and device managers do. Upstream tries "
  "every combination of one hint per provider, so its time grows with the product of the list lengths "
  f"(255 hints per provider on 8 nodes). A shape upstream cannot finish within the cap of {cap} per merge "
  "is run once with that cap and reported instead of timed. nodecore: one `Merge` call on a "
  "`TopologyPolicy` handle built once.\n")
if merge:
    w(table(merge, ["nodes", "providers"]) + "\n")
for name, why in skips:
    nc = name.replace("/impl=upstream", "/impl=nodecore")
    also = f" nodecore: {fmt_ns(median(nc))}." if nc in runs else ""
    w(f"- `{name}`: {why}.{also}")
for line in logs:
    w(f"- {line}")
w("")
if batch:
    w("Many pods at once, where one merge is cheap and the call into C weighs: 100 pods on 2 NUMA nodes. "
      "Upstream merges them one by one; nodecore fills a `HintBatch` and merges it in one `MergeBatch` call.\n")
    w(table(batch, ["nodes", "providers", "pods"]) + "\n")

w("Go allocs/op counts Go heap allocations only: nodecore's own (Rust) allocations are not in it.\n")
w("## Per-call overhead\n")
w("| path | ns per call |")
w("|---|---|")
if "BenchmarkCgoCall" in single:
    w(f"| Go → C through cgo (`nodecore.ABIVersion`) | {single['BenchmarkCgoCall']:.1f} |")
if "BenchmarkEvalDoor" in single:
    w(f"| Go `nodecore.Eval`, smallest case (`cpuset.parse`) | {single['BenchmarkEvalDoor']:.0f} |")
if "python-noop" in cffi:
    w(f"| Python, empty function call | {float(cffi['python-noop']):.1f} |")
if "cffi-abi-version" in cffi:
    w(f"| Python → C through cffi (`lib.nodecore_abi_version`) | {float(cffi['cffi-abi-version']):.1f} |")
if "eval-case-cpuset-parse" in cffi:
    w(f"| Python `eval_case`, smallest case | {float(cffi['eval-case-cpuset-parse']):.0f} |")
w("")

crit = [l.split() for l in read("criterion.txt").splitlines() if l.strip()]
if crit:
    w("## Rust, in-process (criterion)\n")
    w("The crate's own benches (`cargo bench`), without any language boundary: "
      f"{len(crit)} benches, mean time per iteration.\n")
    w("<details><summary>criterion results</summary>\n")
    w("| bench | mean | 95% interval |")
    w("|---|---|---|")
    for parts in crit:
        name, mean, lo, hi = " ".join(parts[:-3]), *map(float, parts[-3:])
        w(f"| `{name}` | {fmt_ns(mean)} | {fmt_ns(lo)} – {fmt_ns(hi)} |")
    w("\n</details>\n")

w("## Where nodecore is not clearly ahead\n")
if behind:
    w("Benchmarks where nodecore's median is not below upstream's, or where benchstat finds no significant "
      "difference; the profiles below show where nodecore's time goes in them.\n")
    for base, u, n, verdict in behind:
        note = f" (benchstat: {verdict})" if verdict else ""
        w(f"- `{base}`: upstream {fmt_ns(u)}, nodecore {fmt_ns(n)}{note}")
    profiles = read("profiles.txt").strip()
    if profiles:
        w("\nProfiles of nodecore's side (`perf record -g`, self time per symbol, 2% and up):\n")
        for block in profiles.split("### ")[1:]:
            title, _, body = block.partition("\n")
            lines = "\n".join(l.rstrip() for l in body.strip("\n").splitlines())
            w(f"`{title}`\n\n```\n{lines}\n```\n")
else:
    w("Nowhere in this run.\n")

w("## Eviction ranking\n")
w("Not compared: upstream has no exported path to its ranking. `rankMemoryPressure`, `rankDiskPressureFunc` "
  "and the PID ranking are unexported functions of `pkg/kubelet/eviction`; the only way in is the eviction "
  "manager's `Start`, whose loop evicts one pod per monitoring interval from live Summary API stats.\n")

w("## Statistics\n")
w("`benchstat -col /impl` of the Go runs (medians with 95% confidence intervals):\n")
w("```\n" + read("benchstat.txt").rstrip() + "\n```\n")

w("## Reproduce\n")
w("```sh\nbenches/compare.sh            # COUNT=6 runs of 1s per benchmark, then cargo bench and profiles\n"
  "COUNT=3 BENCH=Merge CRITERION=0 benches/compare.sh   # one group, quicker\n```\n")
w("The script builds `target/release/libnodecore.a`, installs benchstat " 
  "(golang.org/x/perf, pinned) from the Go module proxy, runs the benchmarks of `bindings/go/conformance` "
  "(the first run downloads `k8s.io/kubernetes`), times the cffi calls in `bindings/python/.venv`, runs "
  "`cargo bench`, profiles with `perf` where nodecore is not clearly ahead, and writes this file. Raw outputs stay "
  "in `target/bench-compare/`. Run it on an otherwise idle machine: the load average is recorded above.")
open(out, "w").write("\n".join(doc) + "\n")
EOF
echo "wrote $OUT"
