/*
 * The CPU manager's static policy and nodecore_cpu_take through the C ABI.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A pod with one app container, both named in `names`. */
struct one_pod {
    char names[64];
    nodecore_pod pod;
    nodecore_container containers[2];
    size_t len;
};

static struct one_pod guaranteed_pod(const char *uid, int64_t cpus) {
    struct one_pod p;
    memset(&p, 0, sizeof p);
    snprintf(p.names, sizeof p.names, "%sapp", uid);
    p.pod.uid.offset = 0;
    p.pod.uid.len = strlen(uid);
    p.pod.qos = NODECORE_QOS_GUARANTEED;
    p.containers[0].name.offset = strlen(uid);
    p.containers[0].name.len = 3;
    p.containers[0].cpu_request_milli = cpus * 1000;
    p.containers[0].cpu_limit_milli = cpus * 1000;
    p.len = 1;
    return p;
}

static nodecore_static_policy_config memory_config(const nodecore_topology *topo, size_t reserved) {
    nodecore_static_policy_config config;
    memset(&config, 0, sizeof config);
    config.size = sizeof config;
    config.topology = topo;
    config.num_reserved_cpus = reserved;
    config.option_gates = NODECORE_CPU_OPTION_GATES_DEFAULT;
    return config;
}

static nodecore_status allocate(const nodecore_static_policy *policy, const struct one_pod *p, size_t container,
                                const nodecore_hint *affinity, char *cpus, nodecore_error **err) {
    nodecore_cpuset *out = NULL;
    nodecore_status status = nodecore_static_policy_allocate(policy, p->names, strlen(p->names), &p->pod,
                                                             p->containers, p->len, container, affinity, &out, err);
    if (status == NODECORE_STATUS_OK) {
        strcpy(cpus, format(out));
        nodecore_cpuset_free(out);
    } else {
        CHECK(out == NULL);
    }
    return status;
}

static const char *policy_cpus(const nodecore_static_policy *policy, nodecore_policy_cpus which) {
    nodecore_cpuset *out = NULL;
    CHECK(nodecore_static_policy_cpus(policy, which, &out, NULL) == NODECORE_STATUS_OK);
    const char *text = format(out);
    nodecore_cpuset_free(out);
    return text;
}

static void test_allocate_and_remove(void) {
    nodecore_topology *topo = named_topology("single-socket-ht");
    nodecore_static_policy_config config = memory_config(topo, 1);
    nodecore_static_policy *policy = NULL;
    nodecore_error *err = NULL;
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_OK);
    CHECK(err == NULL && policy != NULL);
    nodecore_topology_free(topo); /* the policy keeps its own copy */

    CHECK(strcmp(policy_cpus(policy, NODECORE_POLICY_CPUS_RESERVED), "0") == 0);
    struct one_pod p = guaranteed_pod("pod-1", 2);
    char cpus[64];
    CHECK(allocate(policy, &p, 0, NULL, cpus, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(cpus, "1,5") == 0);
    CHECK(strcmp(policy_cpus(policy, NODECORE_POLICY_CPUS_SHARED), "0,2-4,6-7") == 0);
    CHECK(strcmp(policy_cpus(policy, NODECORE_POLICY_CPUS_AVAILABLE), "2-4,6-7") == 0);
    CHECK(strcmp(policy_cpus(policy, NODECORE_POLICY_CPUS_ALLOCATABLE), "1-7") == 0);

    nodecore_cpuset *mine = NULL;
    CHECK(nodecore_static_policy_container_cpus(policy, "pod-1", 5, "app", 3, &mine, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(format(mine), "1,5") == 0);
    nodecore_cpuset_free(mine);
    CHECK(nodecore_static_policy_container_cpus(policy, "pod-9", 5, "app", 3, &mine, NULL) == NODECORE_STATUS_OK);
    CHECK(nodecore_cpuset_len(mine) == 0);
    nodecore_cpuset_free(mine);

    char *state = NULL;
    CHECK(nodecore_static_policy_state_json(policy, &state, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(state, "{\"defaultCpuSet\":\"0,2-4,6-7\",\"entries\":{\"pod-1\":{\"app\":\"1,5\"}}}") == 0);
    nodecore_string_free(state);

    /* A Burstable pod's container runs in the shared pool: an empty set. */
    struct one_pod burstable = guaranteed_pod("pod-2", 2);
    burstable.pod.qos = NODECORE_QOS_BURSTABLE;
    CHECK(allocate(policy, &burstable, 0, NULL, cpus, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(cpus, "") == 0);

    CHECK(nodecore_static_policy_remove_container(policy, "pod-1", 5, "app", 3, NULL) == NODECORE_STATUS_OK);
    CHECK(nodecore_static_policy_remove_container(policy, "pod-1", 5, "app", 3, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(policy_cpus(policy, NODECORE_POLICY_CPUS_SHARED), "0-7") == 0);
    nodecore_static_policy_free(policy);
}

static void test_hints_and_affinity(void) {
    nodecore_topology *topo = named_topology("dual-socket-ht");
    nodecore_static_policy_config config = memory_config(topo, 1);
    nodecore_static_policy *policy = NULL;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    nodecore_topology_free(topo);
    struct one_pod p = guaranteed_pod("pod-1", 2);

    nodecore_hint hints[4];
    size_t len = 0;
    bool no_preference = true;
    nodecore_status status = nodecore_static_policy_topology_hints(policy, p.names, strlen(p.names), &p.pod,
                                                                   p.containers, 1, 0, hints, 4, &len, &no_preference,
                                                                   NULL);
    CHECK(status == NODECORE_STATUS_OK && !no_preference && len == 3);
    CHECK(hints[0].numa_mask == 1 && !hints[0].any_node && hints[0].preferred);
    CHECK(hints[1].numa_mask == 2 && hints[1].preferred);
    CHECK(hints[2].numa_mask == 3 && !hints[2].preferred);

    /* The size query, and a buffer too small. */
    nodecore_error *err = NULL;
    status = nodecore_static_policy_topology_hints(policy, p.names, strlen(p.names), &p.pod, p.containers, 1, 0,
                                                   NULL, 0, &len, &no_preference, &err);
    CHECK(status == NODECORE_STATUS_INSUFFICIENT_SPACE && len == 3);
    expect_error(err, NODECORE_STATUS_INSUFFICIENT_SPACE, "insufficient-space", "3 are needed");

    status = nodecore_static_policy_pod_topology_hints(policy, p.names, strlen(p.names), &p.pod, p.containers, 1,
                                                       hints, 4, &len, &no_preference, NULL);
    CHECK(status == NODECORE_STATUS_OK && !no_preference && len == 3);

    /* The merged hint steers the allocation: NUMA node 1, a whole core. */
    char cpus[64];
    CHECK(allocate(policy, &p, 0, &hints[1], cpus, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(cpus, "1,7") == 0);
    /* Allocated: the hints now describe exactly those CPUs. */
    status = nodecore_static_policy_topology_hints(policy, p.names, strlen(p.names), &p.pod, p.containers, 1, 0,
                                                   hints, 4, &len, &no_preference, NULL);
    CHECK(status == NODECORE_STATUS_OK && len == 2);
    CHECK(hints[0].numa_mask == 2 && hints[0].preferred && hints[1].numa_mask == 3 && !hints[1].preferred);

    /* A container without exclusive CPUs: no preference at all. */
    struct one_pod fractional = guaranteed_pod("pod-2", 1);
    fractional.containers[0].cpu_request_milli = 500;
    fractional.containers[0].cpu_limit_milli = 500;
    status = nodecore_static_policy_topology_hints(policy, fractional.names, strlen(fractional.names),
                                                   &fractional.pod, fractional.containers, 1, 0, NULL, 0, &len,
                                                   &no_preference, NULL);
    CHECK(status == NODECORE_STATUS_OK && no_preference && len == 0);
    nodecore_static_policy_free(policy);
}

static void test_init_containers_and_sidecars(void) {
    nodecore_topology *topo = named_topology("single-socket-ht");
    nodecore_static_policy_config config = memory_config(topo, 1);
    nodecore_static_policy *policy = NULL;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    nodecore_topology_free(topo);

    /* An init container's CPUs are reused by the app container after it. */
    struct one_pod p;
    memset(&p, 0, sizeof p);
    strcpy(p.names, "pod-1initapp");
    p.pod.uid.len = 5;
    p.pod.qos = NODECORE_QOS_GUARANTEED;
    p.containers[0].name.offset = 5;
    p.containers[0].name.len = 4;
    p.containers[0].cpu_request_milli = p.containers[0].cpu_limit_milli = 2000;
    p.containers[0].init = true;
    p.containers[1].name.offset = 9;
    p.containers[1].name.len = 3;
    p.containers[1].cpu_request_milli = 2000;
    p.containers[1].cpu_limit_milli = -1; /* not set */
    p.len = 2;
    char init_cpus[64], app_cpus[64];
    CHECK(allocate(policy, &p, 0, NULL, init_cpus, NULL) == NODECORE_STATUS_OK);
    CHECK(allocate(policy, &p, 1, NULL, app_cpus, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(init_cpus, "1,5") == 0 && strcmp(app_cpus, "1,5") == 0);

    nodecore_error *err = NULL;
    CHECK(allocate(policy, &p, 2, NULL, app_cpus, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "the pod has 2 containers");
    nodecore_static_policy_free(policy);
}

static void test_policy_errors(void) {
    nodecore_topology *topo = named_topology("single-socket-ht");
    nodecore_static_policy_config config = memory_config(topo, 1);
    nodecore_static_policy *policy = (nodecore_static_policy *)&policy; /* must be reset to NULL */
    nodecore_error *err = NULL;

    const char *alpha = "{\"align-by-socket\": \"true\"}";
    config.options_json = alpha;
    config.options_json_len = strlen(alpha);
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_OPTIONS);
    CHECK(policy == NULL);
    expect_error(err, NODECORE_STATUS_INVALID_OPTIONS, "invalid-options",
                 "CPU Manager Policy Alpha-level Options not enabled, but option \"align-by-socket\" provided");
    config.option_gates = NODECORE_CPU_OPTION_GATE_ALPHA | NODECORE_CPU_OPTION_GATE_BETA;
    const char *single = "single-numa-node";
    config.topology_manager_policy = single;
    config.topology_manager_policy_len = strlen(single);
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_OPTIONS);
    expect_error(err, NODECORE_STATUS_INVALID_OPTIONS, "invalid-options", "incompatible");

    config = memory_config(topo, 1);
    const char *not_strings = "{\"full-pcpus-only\": true}";
    config.options_json = not_strings;
    config.options_json_len = strlen(not_strings);
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_INPUT);
    expect_error(err, NODECORE_STATUS_INVALID_INPUT, "invalid-input", "JSON object of strings");

    config = memory_config(topo, 3);
    nodecore_cpuset *reserved = parse("0,4");
    config.reserved_cpus = reserved;
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_RESERVED);
    expect_error(err, NODECORE_STATUS_INVALID_RESERVED, "invalid-reserved", "");
    config.num_reserved_cpus = 2;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(policy_cpus(policy, NODECORE_POLICY_CPUS_RESERVED), "0,4") == 0);
    nodecore_static_policy_free(policy);
    nodecore_cpuset_free(reserved);

    config = memory_config(topo, 1);
    config.size = sizeof config - 1;
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "declares size");
    config = memory_config(topo, 1);
    config.option_gates = 8;
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "option_gates");
    config = memory_config(NULL, 1);
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "config.topology");
    CHECK(nodecore_static_policy_new(NULL, &policy, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    config = memory_config(topo, 1);
    CHECK(nodecore_static_policy_new(&config, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);

    /* Refused allocations. */
    const char *full = "{\"full-pcpus-only\": \"true\"}";
    config.options_json = full;
    config.options_json_len = strlen(full);
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    char cpus[64];
    struct one_pod odd = guaranteed_pod("pod-1", 3);
    CHECK(allocate(policy, &odd, 0, NULL, cpus, &err) == NODECORE_STATUS_SMT_ALIGNMENT);
    expect_error(err, NODECORE_STATUS_SMT_ALIGNMENT, "smt-alignment",
                 "SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2");
    struct one_pod huge = guaranteed_pod("pod-1", 64);
    CHECK(allocate(policy, &huge, 0, NULL, cpus, &err) == NODECORE_STATUS_SMT_ALIGNMENT);
    expect_error(err, NODECORE_STATUS_SMT_ALIGNMENT, "smt-alignment", "not enough free physical CPUs");
    struct one_pod bad_uid = guaranteed_pod("pod/1", 2);
    CHECK(allocate(policy, &bad_uid, 0, NULL, cpus, &err) == NODECORE_STATUS_INVALID_NAME);
    expect_error(err, NODECORE_STATUS_INVALID_NAME, "invalid-name", "pod UID");

    /* Records that point outside their text, and bad enum values. */
    struct one_pod outside = guaranteed_pod("pod-1", 2);
    outside.containers[0].name.len = 60;
    CHECK(allocate(policy, &outside, 0, NULL, cpus, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "containers[0].name");
    struct one_pod bad_qos = guaranteed_pod("pod-1", 2);
    bad_qos.pod.qos = 3;
    CHECK(allocate(policy, &bad_qos, 0, NULL, cpus, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "pod.qos");
    nodecore_cpuset *out = NULL;
    CHECK(nodecore_static_policy_allocate(NULL, odd.names, 5, &odd.pod, odd.containers, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_allocate(policy, odd.names, 5, NULL, odd.containers, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_cpus(policy, 9, &out, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "which");
    const char bad_utf8[] = {(char)0xff};
    CHECK(nodecore_static_policy_remove_container(policy, bad_utf8, 1, "app", 3, NULL) ==
          NODECORE_STATUS_INVALID_UTF8);
    CHECK(nodecore_static_policy_state_json(NULL, &(char *){NULL}, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_static_policy_free(policy);

    /* Plain memory state: not enough CPUs. */
    config = memory_config(topo, 1);
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    CHECK(allocate(policy, &huge, 0, NULL, cpus, &err) == NODECORE_STATUS_INSUFFICIENT);
    expect_error(err, NODECORE_STATUS_INSUFFICIENT, "insufficient", "requested=64, available=7");
    nodecore_static_policy_free(policy);
    nodecore_topology_free(topo);
}

static void test_checkpoint(void) {
    char dir[] = "/tmp/nodecore-c-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    nodecore_topology *topo = named_topology("single-socket-ht");
    nodecore_static_policy_config config = memory_config(topo, 1);
    config.state_dir = dir;
    config.state_dir_len = strlen(dir);
    nodecore_static_policy *policy = NULL;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    struct one_pod p = guaranteed_pod("pod-1", 2);
    char cpus[64];
    CHECK(allocate(policy, &p, 0, NULL, cpus, NULL) == NODECORE_STATUS_OK);
    nodecore_static_policy_free(policy);

    /* The kubelet's file, byte for byte. */
    char path[128];
    snprintf(path, sizeof path, "%s/cpu_manager_state", dir);
    FILE *file = fopen(path, "r");
    CHECK(file != NULL);
    char content[256] = {0};
    if (file != NULL) {
        CHECK(fread(content, 1, sizeof content - 1, file) > 0);
        fclose(file);
    }
    CHECK(strncmp(content, "{\"policyName\":\"static\",\"defaultCpuSet\":\"0,2-4,6-7\","
                           "\"entries\":{\"pod-1\":{\"app\":\"1,5\"}},\"checksum\":",
                  strlen("{\"policyName\":\"static\",\"defaultCpuSet\":\"0,2-4,6-7\","
                         "\"entries\":{\"pod-1\":{\"app\":\"1,5\"}},\"checksum\":")) == 0);

    /* A new handle restores it. */
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(policy_cpus(policy, NODECORE_POLICY_CPUS_SHARED), "0,2-4,6-7") == 0);
    nodecore_static_policy_free(policy);

    /* Another machine does not fit the restored state. */
    nodecore_topology *other = named_topology("dual-socket-ht");
    config.topology = other;
    nodecore_error *err = NULL;
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_STATE);
    expect_error(err, NODECORE_STATUS_INVALID_STATE, "invalid-state", "");
    nodecore_topology_free(other);

    /* A tampered file is refused with the kubelet's words. */
    file = fopen(path, "w");
    if (file != NULL) {
        fputs("{\"policyName\":\"static\",\"defaultCpuSet\":\"0-7\",\"checksum\":1}", file);
        fclose(file);
    }
    config.topology = topo;
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_CORRUPT_CHECKPOINT);
    expect_error(err, NODECORE_STATUS_CORRUPT_CHECKPOINT, "corrupt-checkpoint", "checkpoint is corrupted");
    const char *other_file = "elsewhere";
    config.state_file = other_file;
    config.state_file_len = strlen(other_file);
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    nodecore_static_policy_free(policy);
    char other_path[128];
    snprintf(other_path, sizeof other_path, "%s/elsewhere", dir);
    CHECK(unlink(other_path) == 0 && unlink(path) == 0 && rmdir(dir) == 0);
    nodecore_topology_free(topo);
}

static void test_take(void) {
    nodecore_topology *topo = named_topology("dual-socket-ht");
    nodecore_cpuset *available = parse("0-11");
    nodecore_cpuset *out = NULL;
    CHECK(nodecore_cpu_take(topo, available, 6, NULL, 0, &out, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(format(out), "0,2,4,6,8,10") == 0); /* one whole socket */
    nodecore_cpuset_free(out);
    const char *spread = "{\"distribute-cpus-across-numa\": \"true\"}";
    CHECK(nodecore_cpu_take(topo, available, 4, spread, strlen(spread), &out, NULL) == NODECORE_STATUS_OK);
    CHECK(nodecore_cpuset_len(out) == 4);
    nodecore_cpuset_free(out);

    nodecore_error *err = NULL;
    CHECK(nodecore_cpu_take(topo, available, 13, NULL, 0, &out, &err) == NODECORE_STATUS_INSUFFICIENT);
    CHECK(out == NULL);
    expect_error(err, NODECORE_STATUS_INSUFFICIENT, "insufficient", "requested=13, available=12");
    const char *unknown = "{\"no-such-option\": \"true\"}";
    CHECK(nodecore_cpu_take(topo, available, 2, unknown, strlen(unknown), &out, &err) ==
          NODECORE_STATUS_INVALID_OPTIONS);
    expect_error(err, NODECORE_STATUS_INVALID_OPTIONS, "invalid-options", "unknown CPU Manager Policy option");
    CHECK(nodecore_cpu_take(NULL, available, 2, NULL, 0, &out, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpu_take(topo, NULL, 2, NULL, 0, &out, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpu_take(topo, available, 2, NULL, 0, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_cpuset_free(available);
    nodecore_topology_free(topo);
}

void test_cpumanager(void) {
    test_allocate_and_remove();
    test_hints_and_affinity();
    test_init_containers_and_sidecars();
    test_policy_errors();
    test_checkpoint();
    test_take();
}
