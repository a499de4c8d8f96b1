/*
 * Eviction thresholds, pod ranking and PID accounting through the C ABI.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_signals(void) {
    CHECK(strcmp(nodecore_eviction_signal_name(NODECORE_SIGNAL_MEMORY_AVAILABLE), "memory.available") == 0);
    CHECK(strcmp(nodecore_eviction_signal_name(NODECORE_SIGNAL_PID_AVAILABLE), "pid.available") == 0);
    CHECK(nodecore_eviction_signal_name(9) == NULL);
    nodecore_eviction_signal signal = 99;
    CHECK(nodecore_eviction_signal_from_name("nodefs.inodesFree", 17, &signal, NULL) == NODECORE_STATUS_OK);
    CHECK(signal == NODECORE_SIGNAL_NODEFS_INODES_FREE);
    nodecore_error *err = NULL;
    CHECK(nodecore_eviction_signal_from_name("memory.free", 11, &signal, &err) == NODECORE_STATUS_INVALID_THRESHOLD);
    expect_error(err, NODECORE_STATUS_INVALID_THRESHOLD, "invalid-threshold", "unsupported eviction signal memory.free");
    CHECK(nodecore_eviction_signal_from_name("pid.available", 13, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

static void test_thresholds(void) {
    const char *config = "{\"evictionHard\": {\"memory.available\": \"100Mi\", \"nodefs.available\": \"10%\"},"
                         " \"evictionSoft\": {\"memory.available\": \"500Mi\"},"
                         " \"evictionSoftGracePeriod\": {\"memory.available\": \"1m30s\"},"
                         " \"evictionMinimumReclaim\": {\"nodefs.available\": \"1Gi\"},"
                         " \"enforceNodeAllocatable\": [\"pods\"]}";
    size_t len = 0;
    CHECK(nodecore_eviction_thresholds(config, strlen(config), NULL, 0, &len, NULL) ==
          NODECORE_STATUS_INSUFFICIENT_SPACE);
    CHECK(len == 4);
    nodecore_threshold t[4];
    CHECK(nodecore_eviction_thresholds(config, strlen(config), t, 4, &len, NULL) == NODECORE_STATUS_OK);
    /* Hard by signal name, soft, then the allocatable copy of the hard memory one. */
    CHECK(t[0].signal == NODECORE_SIGNAL_MEMORY_AVAILABLE && !t[0].value.is_percentage &&
          t[0].value.quantity == 104857600 && t[0].grace_period_ns == 0 && !t[0].has_min_reclaim);
    CHECK(t[1].signal == NODECORE_SIGNAL_NODEFS_AVAILABLE && t[1].value.is_percentage &&
          t[1].value.percentage == 0.1f && t[1].has_min_reclaim && t[1].min_reclaim.quantity == 1073741824);
    CHECK(t[2].signal == NODECORE_SIGNAL_MEMORY_AVAILABLE && t[2].value.quantity == 524288000 &&
          t[2].grace_period_ns == 90000000000ULL);
    CHECK(t[3].signal == NODECORE_SIGNAL_ALLOCATABLE_MEMORY_AVAILABLE && t[3].value.quantity == 104857600);

    nodecore_error *err = NULL;
    const char *negative = "{\"evictionHard\": {\"memory.available\": \"-1\"}}";
    CHECK(nodecore_eviction_thresholds(negative, strlen(negative), t, 4, &len, &err) ==
          NODECORE_STATUS_INVALID_THRESHOLD);
    expect_error(err, NODECORE_STATUS_INVALID_THRESHOLD, "invalid-threshold",
                 "eviction threshold memory.available must be positive: -1");
    const char *no_grace = "{\"evictionSoft\": {\"memory.available\": \"1Gi\"}}";
    CHECK(nodecore_eviction_thresholds(no_grace, strlen(no_grace), t, 4, &len, &err) ==
          NODECORE_STATUS_INVALID_THRESHOLD);
    expect_error(err, NODECORE_STATUS_INVALID_THRESHOLD, "invalid-threshold", "grace period must be specified");
    const char *typo = "{\"evictionHardd\": {}}";
    CHECK(nodecore_eviction_thresholds(typo, strlen(typo), t, 4, &len, &err) == NODECORE_STATUS_INVALID_INPUT);
    expect_error(err, NODECORE_STATUS_INVALID_INPUT, "invalid-input", "evictionHardd");
    CHECK(nodecore_eviction_thresholds("{}", 2, NULL, 0, &len, NULL) == NODECORE_STATUS_OK);
    CHECK(len == 0);
    CHECK(nodecore_eviction_thresholds(NULL, 2, t, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

static nodecore_pod_stats pod(int32_t priority, int64_t memory_request, uint64_t working_set) {
    nodecore_pod_stats p;
    memset(&p, 0, sizeof p);
    p.priority = priority;
    p.memory_request = memory_request;
    p.has_stats = true;
    p.has_memory_working_set = true;
    p.memory_working_set_bytes = working_set;
    return p;
}

static void test_rank(void) {
    /* 0: below its request; 1: exceeds it (first, whatever its priority);
     * 2: no stats at all (before everything). */
    nodecore_pod_stats pods[3] = {pod(-1, 200 << 20, 199 << 20), pod(1, 100 << 20, 101 << 20), pod(0, 0, 0)};
    pods[2].has_stats = false;
    size_t order[3] = {9, 9, 9};
    size_t len = 0;
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_MEMORY_AVAILABLE, false, false, pods, 3, order, 3, &len, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(len == 3 && order[0] == 2 && order[1] == 1 && order[2] == 0);

    /* PID pressure: priority, then process count. */
    nodecore_pod_stats busy[2] = {pod(0, 0, 0), pod(0, 0, 0)};
    busy[0].has_process_count = busy[1].has_process_count = true;
    busy[0].process_count = 3;
    busy[1].process_count = 30;
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_PID_AVAILABLE, false, false, busy, 2, order, 3, &len, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(len == 2 && order[0] == 1 && order[1] == 0);

    /* Disk: with a dedicated image filesystem, nodefs counts logs and volumes only. */
    nodecore_pod_stats disk[2] = {pod(0, 0, 0), pod(0, 0, 0)};
    disk[0].rootfs_used_bytes = 1000;
    disk[1].logs_used_bytes = 10;
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_NODEFS_AVAILABLE, false, false, disk, 2, order, 3, &len, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(order[0] == 0);
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_NODEFS_AVAILABLE, true, false, disk, 2, order, 3, &len, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(order[0] == 1);

    nodecore_error *err = NULL;
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_MEMORY_AVAILABLE, false, false, pods, 3, order, 2, &len, &err) ==
          NODECORE_STATUS_INSUFFICIENT_SPACE);
    CHECK(len == 3);
    expect_error(err, NODECORE_STATUS_INSUFFICIENT_SPACE, "insufficient-space", "3 are needed");
    CHECK(nodecore_eviction_rank(42, false, false, pods, 3, order, 3, &len, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "signal");
    CHECK(nodecore_eviction_rank(0, false, false, NULL, 3, order, 3, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_rank(0, false, false, NULL, 0, NULL, 0, &len, NULL) == NODECORE_STATUS_OK);
    CHECK(len == 0);
}

static void test_pod_requests(void) {
    nodecore_container_requests containers[3];
    memset(containers, 0, sizeof containers);
    containers[0].kind = NODECORE_CONTAINER_REGULAR;
    containers[0].has_memory = true;
    containers[0].memory = 100 << 20;
    containers[1].kind = NODECORE_CONTAINER_SIDECAR;
    containers[1].has_memory = true;
    containers[1].memory = 300 << 20;
    containers[2].kind = NODECORE_CONTAINER_INIT;
    nodecore_container_requests overhead;
    memset(&overhead, 0, sizeof overhead);
    overhead.has_memory = overhead.has_ephemeral_storage = true;
    overhead.memory = overhead.ephemeral_storage = 10 << 20;
    int64_t memory = -1, storage = -1;
    CHECK(nodecore_eviction_pod_requests(containers, 3, &overhead, &memory, &storage, NULL) == NODECORE_STATUS_OK);
    CHECK(memory == 310 << 20 && storage == 0); /* no storage request, so no overhead either */
    containers[2].kind = 5;
    nodecore_error *err = NULL;
    CHECK(nodecore_eviction_pod_requests(containers, 3, NULL, &memory, &storage, &err) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "containers[2].kind");
    CHECK(nodecore_eviction_pod_requests(containers, 3, NULL, NULL, &storage, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_pids(void) {
    nodecore_node_pids node;
    CHECK(nodecore_pids_node(NULL, 0, &node, NULL) == NODECORE_STATUS_OK);
    CHECK(node.has_max_pid && node.max_pid > 0 && node.has_running_tasks && node.running_tasks > 0);
    CHECK(nodecore_pids_node(NULL, 0, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);

    char pod[] = "/tmp/nodecore-c-pids-XXXXXX";
    CHECK(mkdtemp(pod) != NULL);
    char dir[128], file[160];
    snprintf(dir, sizeof dir, "%s/app", pod);
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(file, sizeof file, "%s/cgroup.procs", dir);
    write_file(file, "10\n11\n");
    uint64_t count = 0;
    bool has = false;
    CHECK(nodecore_pids_pod_process_count(pod, strlen(pod), &count, &has, NULL) == NODECORE_STATUS_OK);
    CHECK(count == 2 && has);
    CHECK(unlink(file) == 0 && rmdir(dir) == 0);
    CHECK(nodecore_pids_pod_process_count(pod, strlen(pod), &count, &has, NULL) == NODECORE_STATUS_OK);
    CHECK(!has); /* no container cgroup: no statistics */
    CHECK(rmdir(pod) == 0);
    nodecore_error *err = NULL;
    CHECK(nodecore_pids_pod_process_count(pod, strlen(pod), &count, &has, &err) == NODECORE_STATUS_IO);
    expect_error(err, NODECORE_STATUS_IO, "io", pod);
    CHECK(nodecore_pids_pod_process_count(pod, strlen(pod), NULL, &has, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

void test_eviction(void) {
    test_signals();
    test_thresholds();
    test_rank();
    test_pod_requests();
    test_pids();
}
