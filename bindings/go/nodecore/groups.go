package nodecore

// #include <nodecore.h>
import "C"

import (
	"runtime"
	"unsafe"
)

// SupplementalGroupsPolicy is the pod's supplementalGroupsPolicy.
type SupplementalGroupsPolicy uint32

// The policies; Merge is also the unset field.
const (
	SupplementalGroupsMerge  = SupplementalGroupsPolicy(C.NODECORE_GROUPS_POLICY_MERGE)
	SupplementalGroupsStrict = SupplementalGroupsPolicy(C.NODECORE_GROUPS_POLICY_STRICT)
)

// ContainerRuntime is the runtime whose resolution to reproduce.
type ContainerRuntime uint32

// The runtimes.
const (
	RuntimeContainerd = ContainerRuntime(C.NODECORE_RUNTIME_CONTAINERD)
	RuntimeCRIO       = ContainerRuntime(C.NODECORE_RUNTIME_CRI_O)
)

// UserParser is the moby/sys/user release the runtime parses files with.
type UserParser uint32

// The releases: v0.4.0 (containerd up to 2.3, CRI-O) and v0.4.1
// (containerd 2.4).
const (
	UserParserV040 = UserParser(C.NODECORE_USER_PARSER_V0_4_0)
	UserParserV041 = UserParser(C.NODECORE_USER_PARSER_V0_4_1)
)

// SecurityContext is a container's effective security context: its
// runAsUser and runAsGroup over the pod's (nil when unset), and the pod's
// fsGroup, supplementalGroups and supplementalGroupsPolicy.
type SecurityContext struct {
	RunAsUser                *int64
	RunAsGroup               *int64
	FSGroup                  *int64
	SupplementalGroups       []int64
	SupplementalGroupsPolicy SupplementalGroupsPolicy
}

// GroupsOptions say how to resolve. The zero value is containerd as
// released; IncludeSameNameGroup keeps (containerd, Merge) an image group
// named like the user, as containerd's fix does.
type GroupsOptions struct {
	Runtime              ContainerRuntime
	Parser               UserParser
	IncludeSameNameGroup bool
}

// ContainerUser is the identity a container's first process gets, as the
// runtime reports it in ContainerStatus.User.Linux; the primary gid is also
// among the SupplementalGroups, which are in the runtime's reported order.
type ContainerUser struct {
	UID                uint32
	GID                uint32
	SupplementalGroups []uint32
}

type groupsRequest struct {
	user    string
	sc      C.nodecore_security_context
	groups  []int64
	options C.nodecore_groups_options
}

func newGroupsRequest(imageUser string, sc SecurityContext, opts GroupsOptions) *groupsRequest {
	r := &groupsRequest{user: imageUser, groups: sc.SupplementalGroups}
	set := func(v *int64) (C.bool, C.int64_t) {
		if v == nil {
			return false, 0
		}
		return true, C.int64_t(*v)
	}
	r.sc.has_run_as_user, r.sc.run_as_user = set(sc.RunAsUser)
	r.sc.has_run_as_group, r.sc.run_as_group = set(sc.RunAsGroup)
	r.sc.has_fs_group, r.sc.fs_group = set(sc.FSGroup)
	r.sc.supplemental_groups_policy = C.nodecore_groups_policy(sc.SupplementalGroupsPolicy)
	r.options = C.nodecore_groups_options{runtime: C.nodecore_container_runtime(opts.Runtime),
		parser: C.nodecore_user_parser(opts.Parser), include_same_name_group: C.bool(opts.IncludeSameNameGroup)}
	return r
}

// resolve runs call with a groups buffer, again with a larger one when the
// groups did not fit.
func (r *groupsRequest) resolve(call func(user *C.char, userLen C.size_t, out *C.nodecore_container_user,
	groups *C.uint32_t, cap C.size_t, n *C.size_t, cerr **C.nodecore_error) C.nodecore_status) (ContainerUser, error) {
	groups := make([]uint32, 16)
	for {
		user, userLen := cText(r.user)
		var out C.nodecore_container_user
		var n C.size_t
		var cerr *C.nodecore_error
		status := call(user, userLen, &out, (*C.uint32_t)(unsafe.Pointer(unsafe.SliceData(groups))), C.size_t(len(groups)), &n, &cerr)
		runtime.KeepAlive(r)
		runtime.KeepAlive(groups)
		if status == C.NODECORE_STATUS_INSUFFICIENT_SPACE && int(n) > len(groups) {
			C.nodecore_error_free(cerr)
			groups = make([]uint32, int(n))
			continue
		}
		if err := takeError(status, cerr); err != nil {
			return ContainerUser{}, err
		}
		return ContainerUser{UID: uint32(out.uid), GID: uint32(out.gid), SupplementalGroups: groups[:n:n]}, nil
	}
}

// ResolveGroupsRootfs resolves the identity of a container whose image has
// USER imageUser ("" when it sets none), reading /etc/passwd and /etc/group
// inside the root filesystem at rootfs as the runtime would: lookups never
// leave it (symlinks resolve inside), only regular files are read, and
// their size is capped as containerd 2.4 caps it. Errors carry the
// runtime's or the API's words (StatusUserNotFound, StatusUIDOutOfRange,
// StatusGIDOutOfRange, StatusOpen, StatusNotRegularFile, StatusRootfs, ...).
func ResolveGroupsRootfs(rootfs, imageUser string, sc SecurityContext, opts GroupsOptions) (ContainerUser, error) {
	r := newGroupsRequest(imageUser, sc, opts)
	root, rootLen := cText(rootfs)
	user, err := r.resolve(func(u *C.char, uLen C.size_t, out *C.nodecore_container_user, groups *C.uint32_t, cap C.size_t, n *C.size_t, cerr **C.nodecore_error) C.nodecore_status {
		return C.nodecore_groups_resolve_rootfs(root, rootLen, u, uLen, &r.sc, (*C.int64_t)(unsafe.SliceData(r.groups)),
			C.size_t(len(r.groups)), &r.options, out, groups, cap, n, cerr)
	})
	runtime.KeepAlive(rootfs)
	return user, err
}

// ResolveGroupsFiles is ResolveGroupsRootfs with the image's /etc/passwd and
// /etc/group given as bytes: a nil slice is a file the image does not have,
// an empty non-nil one an empty file.
func ResolveGroupsFiles(passwd, group []byte, imageUser string, sc SecurityContext, opts GroupsOptions) (ContainerUser, error) {
	r := newGroupsRequest(imageUser, sc, opts)
	p, pLen := cBytes(passwd)
	g, gLen := cBytes(group)
	user, err := r.resolve(func(u *C.char, uLen C.size_t, out *C.nodecore_container_user, groups *C.uint32_t, cap C.size_t, n *C.size_t, cerr **C.nodecore_error) C.nodecore_status {
		return C.nodecore_groups_resolve_files(p, pLen, C.bool(passwd != nil), g, gLen, C.bool(group != nil), u, uLen,
			&r.sc, (*C.int64_t)(unsafe.SliceData(r.groups)), C.size_t(len(r.groups)), &r.options, out, groups, cap, n, cerr)
	})
	runtime.KeepAlive(passwd)
	runtime.KeepAlive(group)
	return user, err
}
