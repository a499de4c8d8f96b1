/*
 * cgroup names, paths and value conversions through the C ABI.
 */
#include "check.h"

#include <string.h>

static void test_names(void) {
    const char *text = "kubepodsburstablepod1234";
    nodecore_span components[] = {{0, 8}, {8, 9}, {17, 7}};
    char buf[128];
    size_t len = 0;
    CHECK(nodecore_cgroup_name_to_path(text, strlen(text), components, 3, NODECORE_CGROUP_DRIVER_CGROUPFS, buf,
                                       sizeof buf, &len, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(buf, "/kubepods/burstable/pod1234") == 0 && len == strlen(buf));
    CHECK(nodecore_cgroup_name_to_path(text, strlen(text), components, 3, NODECORE_CGROUP_DRIVER_SYSTEMD, buf,
                                       sizeof buf, &len, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(buf, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice") == 0);

    /* The size query. */
    CHECK(nodecore_cgroup_name_to_path(text, strlen(text), components, 3, NODECORE_CGROUP_DRIVER_CGROUPFS, NULL, 0,
                                       &len, NULL) == NODECORE_STATUS_INSUFFICIENT_SPACE);
    CHECK(len == strlen("/kubepods/burstable/pod1234"));

    /* The root, and refused components. */
    CHECK(nodecore_cgroup_name_to_path(NULL, 0, NULL, 0, NODECORE_CGROUP_DRIVER_SYSTEMD, buf, sizeof buf, &len,
                                       NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(buf, "/") == 0);
    nodecore_error *err = NULL;
    const char *dotdot = "kubepods..";
    nodecore_span up[] = {{0, 8}, {8, 2}};
    CHECK(nodecore_cgroup_name_to_path(dotdot, strlen(dotdot), up, 2, NODECORE_CGROUP_DRIVER_CGROUPFS, buf,
                                       sizeof buf, &len, &err) == NODECORE_STATUS_INVALID_NAME);
    expect_error(err, NODECORE_STATUS_INVALID_NAME, "invalid-name", "..");
    nodecore_span empty[] = {{0, 8}, {8, 0}};
    CHECK(nodecore_cgroup_name_to_path(text, strlen(text), empty, 2, NODECORE_CGROUP_DRIVER_SYSTEMD, buf, sizeof buf,
                                       &len, &err) == NODECORE_STATUS_INVALID_NAME);
    expect_error(err, NODECORE_STATUS_INVALID_NAME, "invalid-name", "invalid slice name: kubepods-.slice");
    nodecore_span past[] = {{20, 10}};
    CHECK(nodecore_cgroup_name_to_path(text, strlen(text), past, 1, NODECORE_CGROUP_DRIVER_CGROUPFS, buf, sizeof buf,
                                       &len, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "components[0]");
    CHECK(nodecore_cgroup_name_to_path(text, strlen(text), components, 3, 7, buf, sizeof buf, &len, &err) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "driver");
    CHECK(nodecore_cgroup_name_to_path(text, strlen(text), NULL, 3, 0, buf, sizeof buf, &len, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
}

static void test_paths(void) {
    char buf[128];
    size_t len = 0;
    const char *cgroupfs = "/kubepods/besteffort";
    CHECK(nodecore_cgroup_path_convert(cgroupfs, strlen(cgroupfs), NODECORE_CGROUP_DRIVER_CGROUPFS,
                                       NODECORE_CGROUP_DRIVER_SYSTEMD, buf, sizeof buf, &len,
                                       NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(buf, "/kubepods.slice/kubepods-besteffort.slice") == 0);
    char back[128];
    CHECK(nodecore_cgroup_path_convert(buf, len, NODECORE_CGROUP_DRIVER_SYSTEMD, NODECORE_CGROUP_DRIVER_CGROUPFS,
                                       back, sizeof back, &len, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(back, cgroupfs) == 0);
    nodecore_error *err = NULL;
    CHECK(nodecore_cgroup_path_convert("/a_b", 4, NODECORE_CGROUP_DRIVER_CGROUPFS, NODECORE_CGROUP_DRIVER_SYSTEMD,
                                       buf, sizeof buf, &len, &err) == NODECORE_STATUS_INVALID_NAME);
    expect_error(err, NODECORE_STATUS_INVALID_NAME, "invalid-name", "a_b");

    const char *uid = "6e8d8e5a-36b3";
    CHECK(nodecore_cgroup_pod_path(NULL, 0, true, NODECORE_QOS_BURSTABLE, uid, strlen(uid),
                                   NODECORE_CGROUP_DRIVER_CGROUPFS, buf, sizeof buf, &len,
                                   NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(buf, "/kubepods/burstable/pod6e8d8e5a-36b3") == 0);
    CHECK(nodecore_cgroup_pod_path("/", 1, true, NODECORE_QOS_GUARANTEED, uid, strlen(uid),
                                   NODECORE_CGROUP_DRIVER_SYSTEMD, buf, sizeof buf, &len,
                                   NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(buf, "/kubepods.slice/kubepods-pod6e8d8e5a_36b3.slice") == 0);
    CHECK(nodecore_cgroup_pod_path("/", 1, true, NODECORE_QOS_BEST_EFFORT, "../etc", 6,
                                   NODECORE_CGROUP_DRIVER_CGROUPFS, buf, sizeof buf, &len,
                                   &err) == NODECORE_STATUS_INVALID_NAME);
    expect_error(err, NODECORE_STATUS_INVALID_NAME, "invalid-name", "../etc");
    CHECK(nodecore_cgroup_pod_path("/", 1, true, 9, uid, strlen(uid), NODECORE_CGROUP_DRIVER_CGROUPFS, buf,
                                   sizeof buf, &len, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
}

static void test_conversions(void) {
    CHECK(nodecore_cgroup_milli_cpu_to_shares(0) == 2);
    CHECK(nodecore_cgroup_milli_cpu_to_shares(1000) == 1024);
    CHECK(nodecore_cgroup_milli_cpu_to_shares(1000000) == 262144);
    CHECK(nodecore_cgroup_milli_cpu_to_quota(0, 100000) == 0);
    CHECK(nodecore_cgroup_milli_cpu_to_quota(5, 100000) == 1000);
    CHECK(nodecore_cgroup_milli_cpu_to_quota(1500, 100000) == 150000);
    CHECK(nodecore_cgroup_cpu_shares_to_weight_linear(1024) == 39);
    CHECK(nodecore_cgroup_cpu_shares_to_weight_quadratic(1024) == 100);
    CHECK(nodecore_cgroup_cpu_shares_to_weight_quadratic(0) == 0);
    CHECK(nodecore_cgroup_cpu_weight_to_shares(39) == 998);
    CHECK(nodecore_cgroup_memory_high(128 << 20, 256 << 20, 0, 0.9, 4096) == 255012864);
    CHECK(nodecore_cgroup_memory_high(256 << 20, 256 << 20, 0, 0.9, 4096) == 0);
    CHECK(nodecore_cgroup_memory_high(1, 2, 0, 0.9, 0) == 0); /* no division trap */
}

static void test_swap(void) {
    nodecore_container_swap_input input;
    memset(&input, 0, sizeof input);
    input.cgroup_version = NODECORE_CGROUP_V2;
    input.swap_controller = true;
    input.swap_behavior = NODECORE_SWAP_LIMITED_SWAP;
    input.node_swap_gate = true;
    input.qos = NODECORE_QOS_BURSTABLE;
    input.memory_request = (int64_t)1 << 30;
    input.memory_limit = (int64_t)2 << 30;
    input.node_memory = (int64_t)40 << 30;
    input.node_swap = (int64_t)5 << 30;
    nodecore_swap_setting setting;
    CHECK(nodecore_cgroup_container_swap(&input, &setting, NULL) == NODECORE_STATUS_OK);
    CHECK(setting.kind == NODECORE_SWAP_SETTING_SWAP_MAX && setting.swap_max == 134217728);
    input.critical = true;
    CHECK(nodecore_cgroup_container_swap(&input, &setting, NULL) == NODECORE_STATUS_OK);
    CHECK(setting.kind == NODECORE_SWAP_SETTING_SWAP_MAX && setting.swap_max == 0);
    input.cgroup_version = NODECORE_CGROUP_V1;
    CHECK(nodecore_cgroup_container_swap(&input, &setting, NULL) == NODECORE_STATUS_OK);
    CHECK(setting.kind == NODECORE_SWAP_SETTING_MEMSW_EQUALS_MEMORY_LIMIT);
    input.swap_controller = false;
    CHECK(nodecore_cgroup_container_swap(&input, &setting, NULL) == NODECORE_STATUS_OK);
    CHECK(setting.kind == NODECORE_SWAP_SETTING_NOT_CONFIGURED);
    nodecore_error *err = NULL;
    input.cgroup_version = 0;
    CHECK(nodecore_cgroup_container_swap(&input, &setting, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "cgroup_version");
    CHECK(nodecore_cgroup_container_swap(NULL, &setting, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_container_swap(&input, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);

    int64_t bytes = 0;
    CHECK(nodecore_cgroup_limited_swap_bytes((int64_t)1 << 30, (int64_t)40 << 30, (int64_t)5 << 30, &bytes, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(bytes == 134217728);
    CHECK(nodecore_cgroup_limited_swap_bytes(2, 1, 1, &bytes, &err) == NODECORE_STATUS_INVALID_CONFIGURATION);
    expect_error(err, NODECORE_STATUS_INVALID_CONFIGURATION, "invalid-configuration",
                 "container request 2 is larger than total node memory 1");
    CHECK(nodecore_cgroup_limited_swap_bytes(1, 1, 1, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

void test_cgroups(void) {
    test_names();
    test_paths();
    test_conversions();
    test_swap();
}
