package nodecore

// #include <nodecore.h>
import "C"

import "strconv"

// QOSClass is a pod's QoS class (status.qosClass).
type QOSClass uint32

// The QoS classes. Only Guaranteed pods get exclusive CPUs.
const (
	QOSGuaranteed = QOSClass(C.NODECORE_QOS_GUARANTEED)
	QOSBurstable  = QOSClass(C.NODECORE_QOS_BURSTABLE)
	QOSBestEffort = QOSClass(C.NODECORE_QOS_BEST_EFFORT)
)

func (q QOSClass) String() string {
	switch q {
	case QOSGuaranteed:
		return "Guaranteed"
	case QOSBurstable:
		return "Burstable"
	case QOSBestEffort:
		return "BestEffort"
	}
	return "QOSClass(" + strconv.Itoa(int(q)) + ")"
}

// NoCPU marks a CPU request or limit that is not set.
const NoCPU int64 = -1

// Container is one container of a pod as the CPU manager reads it.
type Container struct {
	Name string
	// CPURequestMilli and CPULimitMilli are resources.requests.cpu and
	// resources.limits.cpu in millicores (Quantity.MilliValue()), or NoCPU.
	CPURequestMilli int64
	CPULimitMilli   int64
	// Restartable marks an init container with restartPolicy: Always (a
	// sidecar); ignored for app containers.
	Restartable bool
}

// NewContainer is a container whose CPU request and limit are both
// cpuMilli millicores.
func NewContainer(name string, cpuMilli int64) Container {
	return Container{Name: name, CPURequestMilli: cpuMilli, CPULimitMilli: cpuMilli}
}

// Pod is a pod as the CPU manager reads it.
type Pod struct {
	UID            string
	QOS            QOSClass
	InitContainers []Container
	Containers     []Container
}

// cPod is a pod laid out for a C call: one text with every name, the pod
// record and the container records (init containers first), all Go
// memory without Go pointers, as cgo allows.
type cPod struct {
	names      []byte
	pod        C.nodecore_pod
	containers []C.nodecore_container
}

func newCPod(p *Pod) *cPod {
	size := len(p.UID)
	for _, c := range p.InitContainers {
		size += len(c.Name)
	}
	for _, c := range p.Containers {
		size += len(c.Name)
	}
	cp := &cPod{names: make([]byte, 0, size), containers: make([]C.nodecore_container, 0, len(p.InitContainers)+len(p.Containers))}
	cp.pod = C.nodecore_pod{uid: cp.span(p.UID), qos: C.nodecore_qos_class(p.QOS)}
	for _, c := range p.InitContainers {
		cp.add(c, true)
	}
	for _, c := range p.Containers {
		cp.add(c, false)
	}
	return cp
}

func (cp *cPod) span(text string) C.nodecore_span {
	offset := len(cp.names)
	cp.names = append(cp.names, text...)
	return C.nodecore_span{offset: C.size_t(offset), len: C.size_t(len(text))}
}

func (cp *cPod) add(c Container, init bool) {
	cp.containers = append(cp.containers, C.nodecore_container{
		name:              cp.span(c.Name),
		cpu_request_milli: C.int64_t(c.CPURequestMilli),
		cpu_limit_milli:   C.int64_t(c.CPULimitMilli),
		init:              C.bool(init),
		restartable:       C.bool(c.Restartable),
	})
}

// index is the record index of the container called name, or -1.
func (cp *cPod) index(p *Pod, name string) int {
	for i, c := range p.InitContainers {
		if c.Name == name {
			return i
		}
	}
	for i, c := range p.Containers {
		if c.Name == name {
			return len(p.InitContainers) + i
		}
	}
	return -1
}
