package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	flagCases   = flag.Int("cases", 1000, "random cases per kind")
	flagSeed    = flag.Uint64("seed", 1, "seed of the random cases")
	flagMaxCPUs = flag.Int("max-cpus", 192, "largest random machine, in CPUs")
	flagMaxNUMA = flag.Int("max-numa", 8, "most NUMA nodes of a random machine (upstream's distributed allocation is exponential in them)")
	flagTimeout = flag.Duration("upstream-timeout", 10*time.Second,
		"how long upstream may take on one case that can hang before it counts as hung")
	flagDump   = flag.String("dump", "", "append every case that does not agree to this JSONL file (verdict, case, upstream, nodecore)")
	flagReplay = flag.String("replay", "", "TestReplay runs the cases of this JSONL file (cases, or lines of a -dump file)")
)

// workerEnv makes the test binary a Guard worker (see TestMain).
const workerEnv = "NODECORE_CONFORMANCE_WORKER"

var vectorsDir = filepath.Join("..", "..", "..", "tests", "vectors")

// named holds tests/vectors/topologies.json.
var named NamedTopologies

func TestMain(m *testing.M) {
	var err error
	if named, err = LoadNamedTopologies(filepath.Join(vectorsDir, "topologies.json")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := EnableOptionGates(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if os.Getenv(workerEnv) == "1" {
		if err := ServeWorker(os.Stdin, os.Stdout, named); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// workerCommand starts this test binary again as a Guard worker.
func workerCommand() *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"=1")
	cmd.Stderr = os.Stderr
	return cmd
}

// newGuard runs hang-prone cases in a worker, with the -upstream-timeout.
func newGuard(t testing.TB) *Guard {
	g := &Guard{Timeout: *flagTimeout, Start: workerCommand}
	t.Cleanup(g.Close)
	return g
}

// verdict is how a case came out.
type verdict string

const (
	agree     verdict = "agree"
	disagree  verdict = "disagree"
	hung      verdict = "upstream-timeout"
	panicked  verdict = "upstream-panic"
	unrunable verdict = "not-runnable"
	skipped   verdict = "not-applicable"
)

// door is a way into nodecore: the JSON case door or the typed API.
type door struct {
	name   string
	answer func(c *Case) (Outcome, error)
}

// differential puts cases to upstream and to nodecore through every door,
// and keeps the score.
type differential struct {
	t     *testing.T
	guard *Guard
	doors []door
	// counts counts verdicts per door ("eval agree").
	counts map[string]int
	// outcomes counts the agreed answers by shape (ok or error kind).
	outcomes map[string]int
	// known counts disagreements that a documented upstream change explains.
	known    map[string]int
	examples map[string][]string
	shown    int
}

func newDifferential(t *testing.T) *differential {
	dir := t.TempDir()
	return &differential{
		t: t, guard: newGuard(t),
		doors: []door{
			{"eval", Nodecore},
			{"typed", func(c *Case) (Outcome, error) { return NodecoreTyped(c, named, dir) }},
		},
		counts: map[string]int{}, outcomes: map[string]int{},
		known: map[string]int{}, examples: map[string][]string{},
	}
}

// upstream answers through the guard when the case can hang.
func (d *differential) upstream(c *Case) (Outcome, error) {
	if HangRisk(c, named) {
		return d.guard.Upstream(c)
	}
	return Upstream(c, named)
}

// run compares one case through every door and returns the verdict: the
// first door's that is not agree, else agree.
func (d *differential) run(c *Case) verdict {
	d.t.Helper()
	up, err := d.upstream(c)
	if errors.Is(err, ErrTimeout) {
		// What nodecore answers where upstream does not.
		nc, err := Nodecore(c)
		if err != nil {
			d.t.Fatalf("%s: nodecore: %v", c.ID, err)
		}
		up = Outcome{ErrKind: string(hung), ErrMsg: fmt.Sprintf("no answer within %v", d.guard.Timeout)}
		d.counts[string(hung)]++
		d.example(string(hung), c, up, nc)
		d.dump(hung, c, up, nc)
		return hung
	}
	if err != nil {
		d.t.Errorf("%s: upstream cannot run it: %v", c.ID, err)
		d.counts[string(unrunable)]++
		return unrunable
	}
	if up.ErrKind == "upstream-panic" {
		d.counts[string(panicked)]++
		d.example(string(panicked), c, up, Outcome{})
		return panicked
	}
	result := agree
	for _, door := range d.doors {
		v := d.compare(door, c, up)
		d.counts[door.name+" "+string(v)]++
		if result == agree && v != skipped {
			result = v
		}
	}
	if result == agree {
		d.outcomes[shapeOf(c, up)]++
	}
	return result
}

// compare puts the case through one door and judges the answer.
func (d *differential) compare(door door, c *Case, up Outcome) verdict {
	d.t.Helper()
	nc, err := door.answer(c)
	if errors.Is(err, ErrNotApplicable) {
		return skipped
	}
	if err != nil {
		d.t.Fatalf("%s: nodecore (%s): %v", c.ID, door.name, err)
	}
	if up.Same(nc) && (!up.Failed() || messageAgrees(c, up, nc)) {
		return agree
	}
	if name := KnownDifference(c, nc, up, named); name != "" {
		d.known[door.name+" "+name]++
		d.example(name, c, up, nc)
		d.dump(verdict(name), c, up, nc)
		return verdict(name)
	}
	d.dump(disagree, c, up, nc)
	if d.shown < 15 {
		d.shown++
		d.t.Errorf("%s: nodecore (%s door) and upstream disagree (or word an error differently)\n  upstream: %s\n  nodecore: %s\n  case: %s",
			c.ID, door.name, up, nc, caseJSON(c))
	}
	return disagree
}

// messageAgrees reports whether nodecore's message carries upstream's
// (nodecore may add context, as the kubelet's callers wrap it). Two
// refusals are exempt: options, where Go's map order picks which bad entry
// upstream names, and cpu.take's "not enough CPUs", which upstream words as
// its SMT check when full-pcpus-only is on.
func messageAgrees(c *Case, up, nc Outcome) bool {
	switch {
	case up.ErrKind == "invalid-options":
		return true
	case c.Kind == KindTake && up.ErrKind == "insufficient" && strings.HasPrefix(up.ErrMsg, "SMT Alignment Error"):
		return true
	}
	return strings.Contains(nc.ErrMsg, up.ErrMsg)
}

func (d *differential) example(name string, c *Case, up, nc Outcome) {
	if len(d.examples[name]) < 2 {
		d.examples[name] = append(d.examples[name], fmt.Sprintf("%s\n    upstream: %s\n    nodecore: %s", caseJSON(c), up, nc))
	}
}

func (d *differential) dump(v verdict, c *Case, up, nc Outcome) {
	if *flagDump == "" {
		return
	}
	f, err := os.OpenFile(*flagDump, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		d.t.Fatal(err)
	}
	defer f.Close()
	line, _ := json.Marshal(map[string]any{"verdict": v, "case": c, "upstream": up.String(), "nodecore": nc.String()})
	fmt.Fprintf(f, "%s\n", line)
}

// report logs the score: verdicts, the answers agreed on, and the known
// differences with an example each.
func (d *differential) report() {
	d.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "verdicts: %s", countsText(d.counts))
	fmt.Fprintf(&b, "\nagreed answers: %s", countsText(d.outcomes))
	if len(d.known) > 0 {
		fmt.Fprintf(&b, "\nknown upstream differences (per door): %s", countsText(d.known))
	}
	for _, name := range sortedKeys(d.examples) {
		for _, ex := range d.examples[name] {
			fmt.Fprintf(&b, "\n  %s: %s", name, ex)
		}
	}
	d.t.Log(b.String())
}

func countsText(m map[string]int) string {
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// shapeOf classes an agreed answer for the report: its error kind, or for
// a merge whether it admits and prefers.
func shapeOf(c *Case, o Outcome) string {
	if o.Failed() {
		return "error " + o.ErrKind
	}
	if c.Kind == KindMerge {
		var m struct {
			Affinity  []int
			Preferred bool
			Admit     bool
		}
		_ = json.Unmarshal(o.Output, &m)
		return fmt.Sprintf("admit=%t preferred=%t any-node=%t", m.Admit, m.Preferred, m.Affinity == nil)
	}
	return "ok"
}

func caseJSON(c *Case) string {
	data, _ := json.Marshal(c)
	return string(data)
}

// readCases reads the cases of the compared kinds from a case file, with
// their expected answers.
func readCases(t *testing.T, file string) ([]*Case, []Outcome) {
	t.Helper()
	f, err := os.Open(filepath.Join(vectorsDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []*Case
	var expects []Outcome
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		c, err := DecodeCase(line)
		if errors.Is(err, ErrKindNotCompared) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var raw struct {
			Expect json.RawMessage `json:"expect"`
		}
		if err := json.Unmarshal(line, &raw); err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw.Expect, &e)
		expect := Outcome{Output: raw.Expect}
		if e.Error != "" {
			expect = Outcome{ErrKind: e.Error, ErrMsg: e.Message}
		}
		cases = append(cases, c)
		expects = append(expects, expect)
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return cases, expects
}

// TestVectors is the first pass: every case of the shared files of a
// compared kind, through upstream and through nodecore. Where upstream's
// answer is not the file's, the case must be a known difference (a change
// upstream made after the files were written).
func TestVectors(t *testing.T) {
	for _, file := range []string{"cpu.jsonl", "topology-merge.jsonl"} {
		t.Run(strings.TrimSuffix(file, ".jsonl"), func(t *testing.T) {
			d := newDifferential(t)
			cases, expects := readCases(t, file)
			if len(cases) == 0 {
				t.Fatalf("no cases in %s", file)
			}
			newer := 0
			for i, c := range cases {
				up, err := d.upstream(c)
				if err == nil && !up.Same(expects[i]) {
					newer++
					if KnownDifference(c, expects[i], up, named) == "" {
						t.Errorf("%s: upstream answers %s, the case file expects %s", c.ID, up, expects[i])
					}
				}
				d.run(c)
			}
			t.Logf("%d cases; upstream differs from the file on %d", len(cases), newer)
			d.report()
		})
	}
}

func runRandom(t *testing.T, kind string, draw func(g *Generator) *Case) {
	d := newDifferential(t)
	g := NewGenerator(*flagSeed, named)
	for i := 0; i < *flagCases; i++ {
		c := draw(g)
		c.ID = fmt.Sprintf("%s/seed%d/%d/%s", kind, *flagSeed, i, c.ID)
		d.run(c)
	}
	d.report()
}

func limit() Limit { return Limit{CPUs: *flagMaxCPUs, NUMA: *flagMaxNUMA} }

func TestRandomTake(t *testing.T) {
	runRandom(t, KindTake, func(g *Generator) *Case { return g.RandomTake(limit()) })
}

func TestRandomAllocate(t *testing.T) {
	runRandom(t, KindAllocate, func(g *Generator) *Case { return g.RandomAllocate(limit()) })
}

func TestRandomHints(t *testing.T) {
	runRandom(t, KindHints, func(g *Generator) *Case { return g.RandomHints(limit()) })
}

func TestRandomMerge(t *testing.T) {
	runRandom(t, KindMerge, func(g *Generator) *Case { return g.RandomMerge(20000) })
}

// readDump reads a file of cases, or of lines of a -dump file ({"verdict",
// "case", ...}); verdicts are "" for plain cases.
func readDump(t *testing.T, path string) ([]*Case, []verdict) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []*Case
	var verdicts []verdict
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var dumped struct {
			Verdict verdict         `json:"verdict"`
			Case    json.RawMessage `json:"case"`
		}
		if json.Unmarshal(line, &dumped) == nil && dumped.Case != nil {
			line = dumped.Case
		}
		c, err := DecodeCase(line)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
		verdicts = append(verdicts, dumped.Verdict)
	}
	return cases, verdicts
}

// TestUpstreamDifferences: each documented difference between upstream and
// nodecore's default behaviour, on an example of it, and an input on which
// upstream never returns. When a newer upstream drops or changes one, this
// test says so.
func TestUpstreamDifferences(t *testing.T) {
	d := newDifferential(t)
	cases, verdicts := readDump(t, filepath.Join("testdata", "upstream-differences.jsonl"))
	for i, c := range cases {
		if got := d.run(c); got != verdicts[i] {
			t.Errorf("%s: %s, documented as %s", c.ID, got, verdicts[i])
		}
	}
	for _, diff := range Differences {
		if d.known["eval "+diff.Name] == 0 || d.known["typed "+diff.Name] == 0 {
			t.Errorf("difference %s has no example in testdata/upstream-differences.jsonl", diff.Name)
		}
	}
	d.report()
}

// TestReplay runs the cases of the -replay file through both sides, for
// looking again at what a -dump file caught (with a longer
// -upstream-timeout, say, to confirm a hang).
func TestReplay(t *testing.T) {
	if *flagReplay == "" {
		t.Skip("no -replay file")
	}
	d := newDifferential(t)
	cases, _ := readDump(t, *flagReplay)
	for _, c := range cases {
		start := time.Now()
		v := d.run(c)
		t.Logf("%s: %s in %v", c.ID, v, time.Since(start).Round(time.Millisecond))
	}
	d.report()
}
