package nodecore

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestGroupsVectors runs every groups.resolve case through ResolveGroupsFiles.
func TestGroupsVectors(t *testing.T) {
	checked := 0
	for _, c := range readCases(t, "groups.jsonl") {
		in := c["input"].(map[string]any)
		file := func(key string) []byte {
			if text, ok := in[key].(string); ok {
				return []byte(text)
			}
			return nil
		}
		id := func(key string) *int64 {
			if f, ok := in[key].(float64); ok {
				v := int64(f)
				return &v
			}
			return nil
		}
		sc := SecurityContext{RunAsUser: id("run_as_user"), RunAsGroup: id("run_as_group"), FSGroup: id("fs_group")}
		for _, g := range in["supplemental_groups"].([]any) {
			sc.SupplementalGroups = append(sc.SupplementalGroups, int64(g.(float64)))
		}
		if in["policy"] == "Strict" {
			sc.SupplementalGroupsPolicy = SupplementalGroupsStrict
		}
		var opts GroupsOptions
		if in["runtime"] == "cri-o" {
			opts.Runtime = RuntimeCRIO
		}
		if in["parser"] == "v0.4.1" {
			opts.Parser = UserParserV041
		}
		opts.IncludeSameNameGroup = in["exclude_same_name_group"] == false
		user, err := ResolveGroupsFiles(file("passwd"), file("group"), in["image_user"].(string), sc, opts)
		expect := c["expect"].(map[string]any)
		if kind, isError := expect["error"]; isError {
			var e *Error
			if !errors.As(err, &e) || e.Kind != kind {
				t.Errorf("%s: %+v, %v; want %v", c["id"], user, err, kind)
			}
		} else {
			var want []uint32
			for _, g := range expect["groups"].([]any) {
				want = append(want, uint32(g.(float64)))
			}
			if err != nil || user.UID != uint32(expect["uid"].(float64)) || user.GID != uint32(expect["gid"].(float64)) ||
				!reflect.DeepEqual(user.SupplementalGroups, want) {
				t.Errorf("%s: %+v, %v; want %v", c["id"], user, err, expect)
			}
		}
		checked++
	}
	if checked != 264 {
		t.Fatalf("%d cases", checked)
	}
}

func TestGroupsRootfs(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte("alice:x:1000:1000::/:/bin/sh\n"), 0o644)
	outside := filepath.Join(t.TempDir(), "group")
	os.WriteFile(outside, []byte("devs:x:5000:alice\n"), 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "etc", "group")); err != nil {
		t.Fatal(err)
	}
	fsGroup := int64(2000)
	user, err := ResolveGroupsRootfs(root, "alice", SecurityContext{FSGroup: &fsGroup}, GroupsOptions{})
	if err != nil || user.UID != 1000 || !reflect.DeepEqual(user.SupplementalGroups, []uint32{1000, 2000}) {
		t.Fatalf("the group file outside the root was read: %+v, %v", user, err)
	}
	_, err = ResolveGroupsRootfs(filepath.Join(root, "missing"), "alice", SecurityContext{}, GroupsOptions{})
	wantStatus(t, err, StatusRootfs, "missing")
	_, err = ResolveGroupsFiles(nil, nil, "alice", SecurityContext{}, GroupsOptions{})
	wantStatus(t, err, StatusUserNotFound, "alice")
	many := SecurityContext{}
	for g := int64(1); g <= 100; g++ {
		many.SupplementalGroups = append(many.SupplementalGroups, g)
	}
	if user, err := ResolveGroupsFiles([]byte{}, nil, "", many, GroupsOptions{}); err != nil || len(user.SupplementalGroups) != 101 {
		t.Fatalf("more groups than the first buffer: %d, %v", len(user.SupplementalGroups), err)
	}
}
