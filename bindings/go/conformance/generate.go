package conformance

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"

	"k8s.io/utils/cpuset"
)

// Generator makes random cases from a seed: the same seed gives the same
// cases on every machine and Go release (math/rand/v2's PCG).
type Generator struct {
	r     *rand.Rand
	named NamedTopologies
	names []string
}

// NewGenerator returns a generator seeded with seed that also draws from the
// named topologies.
func NewGenerator(seed uint64, named NamedTopologies) *Generator {
	names := make([]string, 0, len(named))
	for name := range named {
		names = append(names, name)
	}
	sort.Strings(names)
	return &Generator{r: rand.New(rand.NewPCG(seed, 0x6e6f6465636f7265)), named: named, names: names}
}

func (g *Generator) pick(n int) int        { return g.r.IntN(n) }
func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

// between returns an int in [lo, hi].
func (g *Generator) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// Shape describes a synthetic machine.
type Shape struct {
	Sockets        int
	NUMAPerSocket  int // SNC / NPS domains per socket; 0 with SocketsPerNUMA
	SocketsPerNUMA int // > 1: one NUMA node spans several sockets
	CoresPerNUMA   int // cores per NUMA node (per socket when SocketsPerNUMA > 1)
	Threads        int // SMT threads per core
	CoresPerUncore int // cores sharing a last-level cache (within a NUMA node or socket)
	// AdjacentSiblings numbers a core's threads 2c, 2c+1 (AMD style);
	// otherwise c, c+cores (Intel style).
	AdjacentSiblings bool
}

// Rows builds the topology rows of a shape: a core's id is its lowest
// thread id, NUMA and uncore ids count up across the machine.
func (s Shape) Rows() []CPURow {
	coresPerSocket := s.CoresPerNUMA * max(s.NUMAPerSocket, 1)
	cores := s.Sockets * coresPerSocket
	var rows []CPURow
	for core := 0; core < cores; core++ {
		socket := core / coresPerSocket
		inSocket := core % coresPerSocket
		numa := socket*max(s.NUMAPerSocket, 1) + inSocket/s.CoresPerNUMA
		if s.SocketsPerNUMA > 1 {
			numa = socket / s.SocketsPerNUMA
		}
		uncore := socket*((coresPerSocket+s.CoresPerUncore-1)/s.CoresPerUncore) + inSocket/s.CoresPerUncore
		for t := 0; t < s.Threads; t++ {
			cpu := core + t*cores
			if s.AdjacentSiblings {
				cpu = core*s.Threads + t
			}
			rows = append(rows, CPURow{CPU: cpu, Socket: socket, NUMA: numa, Uncore: uncore})
		}
	}
	// Core id: the lowest thread id of the core.
	coreID := map[int]int{}
	for i, row := range rows {
		core := i / s.Threads
		if id, ok := coreID[core]; !ok || row.CPU < id {
			coreID[core] = row.CPU
		}
	}
	for i := range rows {
		rows[i].Core = coreID[i/s.Threads]
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].CPU < rows[j].CPU })
	return rows
}

// String names the shape in case ids.
func (s Shape) String() string {
	numa := fmt.Sprintf("%dn", s.NUMAPerSocket)
	if s.SocketsPerNUMA > 1 {
		numa = fmt.Sprintf("1n/%ds", s.SocketsPerNUMA)
	}
	order := "split"
	if s.AdjacentSiblings {
		order = "adj"
	}
	return fmt.Sprintf("%ds%sx%dc%dt-u%d-%s", s.Sockets, numa, s.CoresPerNUMA, s.Threads, s.CoresPerUncore, order)
}

// Limit bounds the machines a Generator draws.
type Limit struct {
	// CPUs and NUMA are the most CPUs and NUMA nodes of a machine.
	// Upstream's distributed allocation is exponential in NUMA nodes: 16
	// nodes can take it seconds to minutes.
	CPUs, NUMA int
}

// RandomShape draws a machine within limit: 1-4 sockets, 1-4 NUMA nodes per
// socket (SNC / NPS) or NUMA nodes spanning two sockets, 1-4 SMT threads,
// uncore caches shared by 1 core up to a whole socket.
func (g *Generator) RandomShape(limit Limit) Shape {
	for {
		s := Shape{
			Sockets:          []int{1, 1, 2, 2, 2, 3, 4}[g.pick(7)],
			NUMAPerSocket:    []int{1, 1, 2, 2, 3, 4}[g.pick(6)],
			CoresPerNUMA:     g.between(1, 8),
			Threads:          []int{1, 2, 2, 2, 4}[g.pick(5)],
			AdjacentSiblings: g.chance(0.4),
		}
		if s.Sockets%2 == 0 && g.chance(0.15) {
			s.NUMAPerSocket, s.SocketsPerNUMA = 0, 2
		}
		coresPerSocket := s.CoresPerNUMA * max(s.NUMAPerSocket, 1)
		switch g.pick(4) {
		case 0:
			s.CoresPerUncore = coresPerSocket // one cache per socket
		case 1:
			s.CoresPerUncore = s.CoresPerNUMA
		default:
			s.CoresPerUncore = g.between(1, max(1, coresPerSocket/2))
		}
		numa := s.Sockets * s.NUMAPerSocket
		if s.SocketsPerNUMA > 1 {
			numa = s.Sockets / s.SocketsPerNUMA
		}
		if s.Sockets*coresPerSocket*s.Threads <= limit.CPUs && numa <= limit.NUMA {
			return s
		}
	}
}

// RandomTopology is a named topology (a third of the time) or a random
// shape, within limit.
func (g *Generator) RandomTopology(limit Limit) (Topology, string) {
	if len(g.names) > 0 && g.chance(0.33) {
		name := g.names[g.pick(len(g.names))]
		rows := g.named[name]
		if len(rows) <= limit.CPUs && len(numaNodesOf(rows)) <= limit.NUMA {
			return Topology{Name: name, CPUs: rows}, name
		}
	}
	s := g.RandomShape(limit)
	return Topology{CPUs: s.Rows()}, s.String()
}

// coresOf groups CPU ids by core, in core order.
func coresOf(rows []CPURow) [][]int {
	byCore := map[int][]int{}
	var ids []int
	for _, r := range rows {
		if _, ok := byCore[r.Core]; !ok {
			ids = append(ids, r.Core)
		}
		byCore[r.Core] = append(byCore[r.Core], r.CPU)
	}
	sort.Ints(ids)
	out := make([][]int, len(ids))
	for i, id := range ids {
		out[i] = byCore[id]
	}
	return out
}

func numaNodesOf(rows []CPURow) []int {
	seen := map[int]bool{}
	var nodes []int
	for _, r := range rows {
		if !seen[r.NUMA] {
			seen[r.NUMA] = true
			nodes = append(nodes, r.NUMA)
		}
	}
	sort.Ints(nodes)
	return nodes
}

// RandomSubset draws a set of CPUs from rows in one of several styles: all,
// CPU by CPU, whole cores, whole NUMA nodes left out, or per NUMA node
// counts that are not whole cores (what upstream's distributed loop trips
// on).
func (g *Generator) RandomSubset(rows []CPURow) cpuset.CPUSet {
	var ids []int
	switch g.pick(6) {
	case 0:
		for _, r := range rows {
			ids = append(ids, r.CPU)
		}
	case 1:
		p := 0.3 + 0.65*g.r.Float64()
		for _, r := range rows {
			if g.chance(p) {
				ids = append(ids, r.CPU)
			}
		}
	case 2:
		p := 0.3 + 0.65*g.r.Float64()
		for _, core := range coresOf(rows) {
			if g.chance(p) {
				ids = append(ids, core...)
			}
		}
	case 3:
		nodes := numaNodesOf(rows)
		out := map[int]bool{}
		for _, n := range nodes {
			out[n] = g.chance(0.3)
		}
		for _, r := range rows {
			if !out[r.NUMA] {
				ids = append(ids, r.CPU)
			}
		}
	default:
		// Whole cores, then a few single threads taken away.
		for _, core := range coresOf(rows) {
			if g.chance(0.85) {
				ids = append(ids, core...)
			}
		}
		for i := g.between(1, 4); i > 0 && len(ids) > 0; i-- {
			j := g.pick(len(ids))
			ids = append(ids[:j], ids[j+1:]...)
		}
	}
	return cpuset.New(ids...)
}

// RandomCount draws a request for a pool of n CPUs: mostly whole cores of
// cpusPerCore threads, sometimes any number, sometimes more than n.
func (g *Generator) RandomCount(n, cpusPerCore int) int {
	switch {
	case n == 0 || g.chance(0.05):
		return g.between(0, n+3)
	case g.chance(0.6):
		return cpusPerCore * g.between(1, max(1, n/cpusPerCore))
	default:
		return g.between(1, n)
	}
}

// The static policy's option names.
const (
	optFullPCPUs    = "full-pcpus-only"
	optDistribNUMA  = "distribute-cpus-across-numa"
	optAlignSocket  = "align-by-socket"
	optDistribCores = "distribute-cpus-across-cores"
	optStrict       = "strict-cpu-reservation"
	optUncore       = "prefer-align-cpus-by-uncorecache"
)

// OptionSets are the valid sets of static policy options that change an
// allocation, each as its kubelet map. align-by-socket and
// strict-cpu-reservation are added at random on top by RandomOptions.
var OptionSets = []map[string]string{
	{},
	{optFullPCPUs: "true"},
	{optDistribNUMA: "true"},
	{optDistribCores: "true"},
	{optUncore: "true"},
	{optFullPCPUs: "true", optDistribNUMA: "true"},
	{optFullPCPUs: "true", optUncore: "true"},
}

// OptionSetName names an option set for benchmark and report names.
func OptionSetName(options map[string]string) string {
	if len(options) == 0 {
		return "default"
	}
	short := map[string]string{
		optFullPCPUs: "fpo", optDistribNUMA: "numa", optAlignSocket: "socket",
		optDistribCores: "cores", optStrict: "strict", optUncore: "uncore",
	}
	var parts []string
	for name, value := range options {
		if parseBool(value) {
			parts = append(parts, short[name])
		}
	}
	sort.Strings(parts)
	name := ""
	for i, p := range parts {
		if i > 0 {
			name += "+"
		}
		name += p
	}
	return name
}

// RandomOptions draws a static policy option map: one of OptionSets with
// align-by-socket and strict-cpu-reservation sometimes added, true written
// in any of ParseBool's spellings, an option sometimes given as false, and,
// rarely, an invalid map (unknown name, bad value, a rejected pair).
func (g *Generator) RandomOptions() map[string]string {
	options := map[string]string{}
	for name, value := range OptionSets[g.pick(len(OptionSets))] {
		options[name] = value
	}
	if g.chance(0.25) {
		options[optAlignSocket] = "true"
	}
	if g.chance(0.25) {
		options[optStrict] = "true"
	}
	trues := []string{"true", "true", "true", "1", "t", "T", "TRUE", "True"}
	for name := range options {
		options[name] = trues[g.pick(len(trues))]
	}
	if g.chance(0.05) {
		off := []string{optFullPCPUs, optDistribNUMA, optAlignSocket, optStrict}[g.pick(4)]
		if _, on := options[off]; !on {
			options[off] = []string{"false", "0", "f", "FALSE"}[g.pick(4)]
		}
	}
	if g.chance(0.03) {
		switch g.pick(4) {
		case 0:
			options["prefer-align-cpus-by-socket"] = "true"
		case 1:
			options[optFullPCPUs] = "yes"
		case 2:
			options[optDistribNUMA], options[optDistribCores] = "true", "true"
		default:
			options[optUncore], options[optDistribNUMA] = "true", "true"
		}
	}
	return options
}

// RandomTake draws a cpu.take case.
func (g *Generator) RandomTake(limit Limit) *Case {
	topology, shape := g.RandomTopology(limit)
	available := g.RandomSubset(topology.CPUs)
	count := g.RandomCount(available.Size(), UpstreamTopology(topology.CPUs).CPUsPerCore())
	in := &TakeInput{Topology: topology, Available: available.String(), Count: count, Options: g.RandomOptions()}
	return &Case{ID: fmt.Sprintf("random/%s/%s-n%d", shape, OptionSetName(in.Options), count), Kind: KindTake, Input: in}
}

// RandomHints draws a cpu.hints case; the reusable CPUs are outside the
// available ones, as an init container's are.
func (g *Generator) RandomHints(limit Limit) *Case {
	topology, shape := g.RandomTopology(limit)
	available := g.RandomSubset(topology.CPUs)
	reusable := cpuset.New()
	if g.chance(0.3) {
		rest := UpstreamTopology(topology.CPUs).CPUDetails.CPUs().Difference(available).List()
		g.r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		reusable = cpuset.New(rest[:g.between(0, len(rest))]...)
	}
	pool := available.Size() + reusable.Size()
	request := max(1, g.RandomCount(pool, UpstreamTopology(topology.CPUs).CPUsPerCore()))
	options := map[string]string{}
	if g.chance(0.5) {
		options[optAlignSocket] = "true"
	}
	in := &HintsInput{Topology: topology, Available: available.String(), Reusable: reusable.String(), Request: request, Options: options}
	return &Case{ID: fmt.Sprintf("random/%s/%s-r%d", shape, OptionSetName(options), request), Kind: KindHints, Input: in}
}

func milli(v int64) *int64 { return &v }

// RandomAllocate draws a cpu.allocate case: reserved CPUs (a set, or a count
// the policy chooses), other pods' assignments, sometimes a container of
// the pod already assigned, an affinity, and a pod of init containers
// (some restartable) and app containers with whole, fractional or missing
// CPU requests.
func (g *Generator) RandomAllocate(limit Limit) *Case {
	topology, shape := g.RandomTopology(limit)
	topo := UpstreamTopology(topology.CPUs)
	cpusPerCore := topo.CPUsPerCore()
	all := topo.CPUDetails.CPUs()
	in := &AllocateInput{Topology: topology, Options: g.RandomOptions()}

	// Reserved CPUs: a count (the policy picks them) or an explicit set.
	reserved := cpuset.New()
	if g.chance(0.5) {
		in.ReservedCount = g.between(0, min(4, all.Size()))
	} else {
		list := all.List()
		var pick []int
		switch g.pick(3) {
		case 0: // the first CPUs
			pick = list[:g.between(0, min(4, len(list)))]
		case 1: // whole cores
			for _, core := range coresOf(topology.CPUs)[:g.between(0, min(2, len(coresOf(topology.CPUs))))] {
				pick = append(pick, core...)
			}
		default: // anywhere
			for i := g.between(0, 3); i > 0; i-- {
				pick = append(pick, list[g.pick(len(list))])
			}
		}
		reserved = cpuset.New(pick...)
		text := reserved.String()
		in.Reserved = &text
	}

	// Other pods: whole cores or single CPUs out of the rest. With a
	// reserved count, the lowest cores are left alone, where the policy
	// usually reserves.
	in.Assignments = map[string]map[string]string{}
	free := all.Difference(reserved)
	if in.Reserved == nil {
		free = free.Difference(cpuset.New(all.List()[:min(all.Size(), 2*cpusPerCore*in.ReservedCount)]...))
	}
	for p := g.between(0, 3); p > 0; p-- {
		taken := g.RandomSubset(topology.CPUs).Intersection(free)
		list := taken.List()
		if len(list) == 0 {
			continue
		}
		list = list[:g.between(1, max(1, len(list)/3))]
		set := cpuset.New(list...)
		free = free.Difference(set)
		in.Assignments[fmt.Sprintf("other%d", p)] = map[string]string{"c": set.String()}
	}

	// The pod.
	pod := Pod{UID: "pod", QOS: "Guaranteed"}
	if g.chance(0.1) {
		pod.QOS = []string{"Burstable", "BestEffort"}[g.pick(2)]
	}
	budget := free.Size()
	request := func() (*int64, *int64) {
		switch {
		case g.chance(0.08):
			return nil, nil
		case g.chance(0.08):
			v := int64(g.between(1, 4))*1000 + 500
			return milli(v), milli(v)
		}
		n := g.RandomCount(max(1, budget/2), cpusPerCore)
		v := int64(n) * 1000
		if g.chance(0.05) {
			return milli(v), milli(v + 1000)
		}
		return milli(v), milli(v)
	}
	for i := g.between(0, 2); i > 0; i-- {
		req, lim := request()
		pod.Containers = append(pod.Containers, Container{
			Name: fmt.Sprintf("init%d", i), CPURequestMilli: req, CPULimitMilli: lim, Init: true, Restartable: g.chance(0.3),
		})
	}
	for i := g.between(1, 3); i > 0; i-- {
		req, lim := request()
		pod.Containers = append(pod.Containers, Container{Name: fmt.Sprintf("app%d", i), CPURequestMilli: req, CPULimitMilli: lim})
	}
	// Sometimes a container of the pod is assigned already (a restart).
	if g.chance(0.15) && free.Size() > 0 {
		c := pod.Containers[g.pick(len(pod.Containers))]
		list := free.List()
		n := len(list)
		if c.CPURequestMilli != nil && g.chance(0.7) {
			n = min(n, int(*c.CPURequestMilli/1000))
		}
		set := cpuset.New(list[len(list)-max(1, g.between(1, max(1, n))):]...)
		free = free.Difference(set)
		in.Assignments[pod.UID] = map[string]string{c.Name: set.String()}
	}
	in.Pod = pod

	if g.chance(0.6) {
		nodes := numaNodesOf(topology.CPUs)
		var mask []int
		for len(mask) == 0 {
			for _, n := range nodes {
				if g.chance(0.4) {
					mask = append(mask, n)
				}
			}
		}
		in.Affinity = &Hint{Affinity: mask, Preferred: g.chance(0.7)}
	}
	return &Case{ID: fmt.Sprintf("random/%s/%s", shape, OptionSetName(in.Options)), Kind: KindAllocate, Input: in}
}

// RandomMerge draws a topology.merge case: 1-8 NUMA nodes (sometimes with
// sparse ids), distances shaped like sockets or random, the policy options,
// and 0-4 providers with random hints; the product of the hint list
// lengths stays below maxPermutations, since upstream tries every one.
func (g *Generator) RandomMerge(maxPermutations int) *Case {
	in := &MergeInput{Providers: []map[string][]Hint{}, Policy: []string{"best-effort", "restricted", "single-numa-node", "best-effort", "restricted", "single-numa-node", "none"}[g.pick(7)]}
	n := g.between(1, 8)
	step := 1
	if g.chance(0.1) {
		step = 2
	}
	for i := 0; i < n; i++ {
		in.NUMANodes = append(in.NUMANodes, i*step)
	}
	closest := g.chance(0.45)
	in.Options = map[string]string{}
	if closest {
		in.Options["prefer-closest-numa-nodes"] = []string{"true", "1", "True"}[g.pick(3)]
	} else if g.chance(0.1) {
		in.Options["prefer-closest-numa-nodes"] = "false"
	}
	if g.chance(0.1) {
		in.Options["max-allowable-numa-nodes"] = []string{"8", "12", "+9", "7"}[g.pick(4)]
	}
	if (closest && !g.chance(0.03)) || g.chance(0.2) {
		in.Distances = g.randomDistances(in.NUMANodes)
		if step > 1 && closest {
			// Upstream indexes rows by node id: keep rows long enough.
			for id, row := range in.Distances {
				in.Distances[id] = append(row, make([]uint64, n*step)...)
			}
		}
	}
	hintsPerList := []int{}
	for p := g.between(0, 4); p > 0; p-- {
		if g.chance(0.08) {
			in.Providers = append(in.Providers, nil)
			continue
		}
		provider := map[string][]Hint{}
		for r, count := 1, g.between(0, 2); r <= count; r++ {
			resource := fmt.Sprintf("res%d", r)
			switch {
			case g.chance(0.07):
				provider[resource] = nil
			case g.chance(0.05):
				provider[resource] = []Hint{}
			default:
				provider[resource] = g.randomHints(in.NUMANodes)
			}
			hintsPerList = append(hintsPerList, len(provider[resource]))
		}
		in.Providers = append(in.Providers, provider)
	}
	// Keep the cross product small: shorten the longest lists.
	for product(hintsPerList) > maxPermutations {
		longest := 0
		for i, k := range hintsPerList {
			if k > hintsPerList[longest] {
				longest = i
			}
		}
		hintsPerList[longest]--
	}
	i := 0
	for _, provider := range in.Providers {
		for _, resource := range sortedKeys(provider) {
			if provider[resource] != nil {
				provider[resource] = provider[resource][:min(len(provider[resource]), hintsPerList[i])]
			}
			i++
		}
	}
	return &Case{ID: fmt.Sprintf("random/%s/%dn-%dp", in.Policy, n, len(in.Providers)), Kind: KindMerge, Input: in}
}

func product(xs []int) int {
	p := 1
	for _, x := range xs {
		p *= max(x, 1)
	}
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// randomDistances is a distance row per node: sockets of 1-4 nodes with
// 10 on the diagonal, 11-12 within a socket and 20-32 across, or (a
// quarter of the time) random and asymmetric values.
func (g *Generator) randomDistances(nodes []int) map[string][]uint64 {
	out := map[string][]uint64{}
	perSocket := g.between(1, 4)
	random := g.chance(0.25)
	near, far := uint64(g.between(11, 12)), uint64(g.between(20, 32))
	for _, a := range nodes {
		row := make([]uint64, len(nodes))
		for j, b := range nodes {
			switch {
			case random:
				row[j] = uint64(g.between(10, 40))
			case a == b:
				row[j] = 10
			case a/perSocket == b/perSocket:
				row[j] = near
			default:
				row[j] = far
			}
		}
		out[strconv.Itoa(a)] = row
	}
	return out
}

// randomHints is a provider's hint list: random masks over the nodes (now
// and then with a node the machine lacks, or nil for "any"), preferred at
// random or, half of the time, as a real provider marks it (the narrowest
// masks that fit).
func (g *Generator) randomHints(nodes []int) []Hint {
	k := g.between(1, 6)
	hints := make([]Hint, 0, k)
	for i := 0; i < k; i++ {
		if g.chance(0.05) {
			hints = append(hints, Hint{Preferred: g.chance(0.5)})
			continue
		}
		var mask []int
		for len(mask) == 0 {
			for _, n := range nodes {
				if g.chance(0.35) {
					mask = append(mask, n)
				}
			}
			if g.chance(0.03) {
				mask = append(mask, nodes[len(nodes)-1]+1+g.pick(3))
			}
		}
		hints = append(hints, Hint{Affinity: mask, Preferred: g.chance(0.5)})
	}
	if g.chance(0.5) {
		narrowest := 64
		for _, h := range hints {
			if h.Affinity != nil {
				narrowest = min(narrowest, len(h.Affinity))
			}
		}
		for i := range hints {
			hints[i].Preferred = hints[i].Affinity == nil || len(hints[i].Affinity) == narrowest
		}
	}
	return hints
}
