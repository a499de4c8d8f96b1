/*
 * The topology manager's hint merge through the C ABI.
 */
#include "check.h"

#include <string.h>

static nodecore_topology_policy *new_policy(const char *config) {
    nodecore_topology_policy *policy = NULL;
    nodecore_error *err = NULL;
    CHECK(nodecore_topology_policy_new(config, strlen(config), &policy, &err) == NODECORE_STATUS_OK);
    CHECK(err == NULL && policy != NULL);
    return policy;
}

static nodecore_hint hint(uint64_t mask, bool preferred) {
    nodecore_hint h = {mask, false, preferred};
    return h;
}

static void test_merge(void) {
    nodecore_topology_policy *policy =
        new_policy("{\"policy\": \"restricted\", \"numa_nodes\": [0, 1], \"options\": {}}");

    /* CPU: node 0, node 1 (preferred), both; memory: node 1, both. */
    nodecore_hint hints[] = {hint(1, true), hint(2, true), hint(3, false), hint(2, true), hint(3, false)};
    nodecore_hint_list lists[] = {{0, 3, false}, {3, 2, false}};
    nodecore_merge_result result;
    nodecore_error *err = NULL;
    CHECK(nodecore_topology_policy_merge(policy, hints, 5, lists, 2, &result, &err) == NODECORE_STATUS_OK);
    CHECK(err == NULL);
    CHECK(result.hint.numa_mask == 2 && !result.hint.any_node && result.hint.preferred && result.admit);

    /* A provider without preference changes nothing; one that cannot be
     * satisfied makes the result non-preferred, and restricted refuses it. */
    nodecore_hint_list with_none[] = {{0, 3, false}, {3, 2, false}, {0, 0, true}};
    CHECK(nodecore_topology_policy_merge(policy, hints, 5, with_none, 3, &result, NULL) == NODECORE_STATUS_OK);
    CHECK(result.hint.numa_mask == 2 && result.admit);
    nodecore_hint_list with_empty[] = {{0, 3, false}, {3, 2, false}, {0, 0, false}};
    CHECK(nodecore_topology_policy_merge(policy, hints, 5, with_empty, 3, &result, NULL) == NODECORE_STATUS_OK);
    CHECK(!result.hint.preferred && !result.admit);

    /* "Any node" hints are not empty masks. */
    nodecore_hint any[] = {{0, true, true}};
    nodecore_hint_list any_list[] = {{0, 1, false}};
    CHECK(nodecore_topology_policy_merge(policy, any, 1, any_list, 1, &result, NULL) == NODECORE_STATUS_OK);
    CHECK(result.hint.numa_mask == 3 && result.hint.preferred && result.admit);
    nodecore_hint empty[] = {{0, false, true}};
    CHECK(nodecore_topology_policy_merge(policy, empty, 1, any_list, 1, &result, NULL) == NODECORE_STATUS_OK);
    CHECK(result.hint.numa_mask == 3 && !result.hint.preferred && !result.admit);

    /* No lists at all. */
    CHECK(nodecore_topology_policy_merge(policy, NULL, 0, NULL, 0, &result, NULL) == NODECORE_STATUS_OK);
    CHECK(result.hint.numa_mask == 3 && result.hint.preferred && result.admit);

    /* Errors. */
    nodecore_hint_list past[] = {{4, 2, false}};
    CHECK(nodecore_topology_policy_merge(policy, hints, 5, past, 1, &result, &err) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "hint list 0");
    CHECK(nodecore_topology_policy_merge(NULL, hints, 5, lists, 2, &result, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_merge(policy, NULL, 5, lists, 2, &result, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_merge(policy, hints, 5, lists, 2, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_topology_policy_free(policy);
}

static void test_single_numa_node_and_none(void) {
    nodecore_topology_policy *single = new_policy("{\"policy\": \"single-numa-node\", \"numa_nodes\": [0, 1]}");
    nodecore_hint hints[] = {hint(3, true)};
    nodecore_hint_list lists[] = {{0, 1, false}};
    nodecore_merge_result result;
    CHECK(nodecore_topology_policy_merge(single, hints, 1, lists, 1, &result, NULL) == NODECORE_STATUS_OK);
    CHECK(!result.admit && !result.hint.preferred);
    nodecore_topology_policy_free(single);

    nodecore_topology_policy *none = new_policy("{\"policy\": \"none\"}");
    CHECK(nodecore_topology_policy_merge(none, hints, 1, lists, 1, &result, NULL) == NODECORE_STATUS_OK);
    CHECK(result.hint.any_node && result.admit);
    nodecore_topology_policy_free(none);
}

static void test_prefer_closest(void) {
    /* Four nodes; 0 is nearer to 2 than to 1. */
    nodecore_topology_policy *policy = new_policy(
        "{\"policy\": \"best-effort\", \"numa_nodes\": [0, 1, 2, 3],"
        " \"distances\": {\"0\": [10, 21, 11, 21], \"1\": [21, 10, 21, 11], \"2\": [11, 21, 10, 21], \"3\": [21, 11, "
        "21, 10]},"
        " \"options\": {\"prefer-closest-numa-nodes\": \"true\"}}");
    nodecore_hint hints[] = {hint(0x3, true), hint(0x5, true)};
    nodecore_hint_list lists[] = {{0, 2, false}};
    nodecore_merge_result result;
    CHECK(nodecore_topology_policy_merge(policy, hints, 2, lists, 1, &result, NULL) == NODECORE_STATUS_OK);
    CHECK(result.hint.numa_mask == 0x5 && result.hint.preferred);
    nodecore_topology_policy_free(policy);
}

static void test_batch(void) {
    nodecore_topology_policy *policy = new_policy("{\"policy\": \"restricted\", \"numa_nodes\": [0, 1]}");
    /* Pod 0: one provider on node 1. Pod 1: two providers that agree only on
     * node 0 through a non-preferred hint. Pod 2: no provider. */
    nodecore_hint hints[] = {hint(2, true), hint(1, true), hint(2, true), hint(3, false)};
    nodecore_hint_list lists[] = {{0, 1, false}, {1, 1, false}, {2, 2, false}};
    nodecore_span pods[] = {{0, 1}, {1, 2}, {3, 0}};
    nodecore_merge_result results[3];
    size_t len = 0;
    nodecore_error *err = NULL;
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 4, lists, 3, pods, 3, results, 3, &len, &err) ==
          NODECORE_STATUS_OK);
    CHECK(err == NULL && len == 3);
    CHECK(results[0].hint.numa_mask == 2 && results[0].admit);
    CHECK(results[1].hint.numa_mask == 1 && !results[1].hint.preferred && !results[1].admit);
    CHECK(results[2].hint.numa_mask == 3 && results[2].hint.preferred && results[2].admit);

    /* Each batch answer is the single merge's. */
    nodecore_merge_result single;
    CHECK(nodecore_topology_policy_merge(policy, hints, 4, lists + 1, 2, &single, NULL) == NODECORE_STATUS_OK);
    CHECK(single.hint.numa_mask == results[1].hint.numa_mask && single.hint.any_node == results[1].hint.any_node &&
          single.hint.preferred == results[1].hint.preferred && single.admit == results[1].admit);

    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 4, lists, 3, pods, 3, results, 2, &len, &err) ==
          NODECORE_STATUS_INSUFFICIENT_SPACE);
    CHECK(len == 3);
    expect_error(err, NODECORE_STATUS_INSUFFICIENT_SPACE, "insufficient-space", "3 are needed");
    nodecore_span bad[] = {{2, 5}};
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 4, lists, 3, bad, 1, results, 3, &len, &err) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "pod 0 of the batch");
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 4, lists, 3, NULL, 0, NULL, 0, &len, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(len == 0);
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 4, lists, 3, pods, 3, results, 3, NULL, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_topology_policy_free(policy);
}

static void test_policy_errors(void) {
    nodecore_topology_policy *policy = (nodecore_topology_policy *)&policy;
    nodecore_error *err = NULL;
    const char *unknown = "{\"policy\": \"fastest\", \"numa_nodes\": [0]}";
    CHECK(nodecore_topology_policy_new(unknown, strlen(unknown), &policy, &err) == NODECORE_STATUS_UNKNOWN_POLICY);
    CHECK(policy == NULL);
    expect_error(err, NODECORE_STATUS_UNKNOWN_POLICY, "unknown-policy", "fastest");
    const char *many = "{\"policy\": \"best-effort\", \"numa_nodes\": [0,1,2,3,4,5,6,7,8]}";
    CHECK(nodecore_topology_policy_new(many, strlen(many), &policy, &err) == NODECORE_STATUS_TOO_MANY_NUMA_NODES);
    expect_error(err, NODECORE_STATUS_TOO_MANY_NUMA_NODES, "too-many-numa-nodes", "more than 8 NUMA Nodes");
    const char *raised = "{\"policy\": \"best-effort\", \"numa_nodes\": [0,1,2,3,4,5,6,7,8],"
                         " \"options\": {\"max-allowable-numa-nodes\": \"16\"}}";
    CHECK(nodecore_topology_policy_new(raised, strlen(raised), &policy, NULL) == NODECORE_STATUS_OK);
    nodecore_topology_policy_free(policy);
    const char *bad_option = "{\"policy\": \"best-effort\", \"numa_nodes\": [0], \"options\": {\"fancy\": \"1\"}}";
    CHECK(nodecore_topology_policy_new(bad_option, strlen(bad_option), &policy, &err) ==
          NODECORE_STATUS_INVALID_OPTIONS);
    expect_error(err, NODECORE_STATUS_INVALID_OPTIONS, "invalid-options", "unknown Topology Manager Policy option");
    const char *no_rows = "{\"policy\": \"best-effort\", \"numa_nodes\": [0, 1],"
                          " \"options\": {\"prefer-closest-numa-nodes\": \"true\"}}";
    CHECK(nodecore_topology_policy_new(no_rows, strlen(no_rows), &policy, &err) ==
          NODECORE_STATUS_MISSING_DISTANCES);
    expect_error(err, NODECORE_STATUS_MISSING_DISTANCES, "missing-distances", "no distance row for NUMA node 0");
    const char *node64 = "{\"policy\": \"best-effort\", \"numa_nodes\": [64]}";
    CHECK(nodecore_topology_policy_new(node64, strlen(node64), &policy, &err) ==
          NODECORE_STATUS_NUMA_NODE_OUT_OF_RANGE);
    expect_error(err, NODECORE_STATUS_NUMA_NODE_OUT_OF_RANGE, "numa-node-out-of-range", "64");
    CHECK(nodecore_topology_policy_new("[]", 2, &policy, &err) == NODECORE_STATUS_INVALID_INPUT);
    expect_error(err, NODECORE_STATUS_INVALID_INPUT, "invalid-input", "the policy configuration");
    CHECK(nodecore_topology_policy_new(NULL, 3, &policy, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_new("{}", 2, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_topology_policy_free(NULL);
}

void test_topologymanager(void) {
    test_merge();
    test_single_numa_node_and_none();
    test_prefer_closest();
    test_batch();
    test_policy_errors();
}
