/*
 * Exercises every function of include/nodecore.h, success and error paths,
 * the way a C caller uses them. Built with -Wall -Wextra -Werror against
 * both libnodecore.a and libnodecore.so and run under valgrind, which fails
 * the run on any leak or invalid access.
 *
 * The module files (test_<module>.c) share check.h.
 *
 * Usage: test_nodecore [CASE_FILE.jsonl ...]
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

int failures = 0;
int checks = 0;

void expect_error(nodecore_error *err, nodecore_status status, const char *kind, const char *part) {
    CHECK(err != NULL);
    if (err == NULL) {
        return;
    }
    CHECK(nodecore_error_status(err) == status);
    CHECK(strcmp(nodecore_error_kind(err), kind) == 0);
    if (strstr(nodecore_error_message(err), part) == NULL) {
        failures++;
        fprintf(stderr, "error message \"%s\" lacks \"%s\"\n", nodecore_error_message(err), part);
    }
    checks++;
    nodecore_error_free(err);
}

nodecore_cpuset *parse(const char *text) {
    nodecore_cpuset *set = NULL;
    nodecore_error *err = NULL;
    nodecore_status status = nodecore_cpuset_parse(text, strlen(text), &set, &err);
    CHECK(status == NODECORE_STATUS_OK);
    CHECK(err == NULL);
    CHECK(set != NULL);
    return set;
}

const char *format(const nodecore_cpuset *set) {
    static char buf[256];
    size_t len = 0;
    nodecore_status status = nodecore_cpuset_format(set, buf, sizeof buf, &len, NULL);
    CHECK(status == NODECORE_STATUS_OK);
    CHECK(len == strlen(buf));
    return buf;
}

nodecore_topology *named_topology(const char *name) {
    nodecore_topology *topo = NULL;
    CHECK(nodecore_topology_named(name, strlen(name), &topo, NULL) == NODECORE_STATUS_OK);
    return topo;
}

static void test_versions(void) {
    uint32_t abi = nodecore_abi_version();
    CHECK(abi >> 16 == NODECORE_ABI_VERSION_MAJOR);
    CHECK((abi & 0xffff) == NODECORE_ABI_VERSION_MINOR);
    CHECK(strlen(nodecore_version()) > 0);
}

static void test_status_names(void) {
    CHECK(strcmp(nodecore_status_name(NODECORE_STATUS_OK), "ok") == 0);
    CHECK(strcmp(nodecore_status_name(NODECORE_STATUS_PARSE), "parse") == 0);
    CHECK(strcmp(nodecore_status_name(NODECORE_STATUS_UNKNOWN_TOPOLOGY), "unknown-topology") == 0);
    CHECK(strcmp(nodecore_status_name(-1), "unknown") == 0);
    /* The numbers are frozen: a change here breaks every caller. */
    CHECK(NODECORE_STATUS_NULL_ARGUMENT == 1 && NODECORE_STATUS_PANIC == 5 && NODECORE_STATUS_PARSE == 100);
}

static void test_errors(void) {
    CHECK(nodecore_error_status(NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_error_kind(NULL) == NULL);
    CHECK(nodecore_error_message(NULL) == NULL);
    nodecore_error_free(NULL);
    nodecore_string_free(NULL);
    nodecore_cpuset_free(NULL);
    nodecore_topology_free(NULL);
    nodecore_static_policy_free(NULL);
}

static void test_cpuset_parse_and_format(void) {
    nodecore_cpuset *set = parse("8,0-3");
    CHECK(strcmp(format(set), "0-3,8") == 0);
    CHECK(nodecore_cpuset_len(set) == 5);
    CHECK(nodecore_cpuset_contains(set, 8) && !nodecore_cpuset_contains(set, 4));

    /* The size query, then a buffer one byte short of the NUL. */
    size_t len = 99;
    CHECK(nodecore_cpuset_format(set, NULL, 0, &len, NULL) == NODECORE_STATUS_INSUFFICIENT_SPACE);
    CHECK(len == 5);
    char small[5] = {'x', 'x', 'x', 'x', 'x'};
    nodecore_error *err = NULL;
    CHECK(nodecore_cpuset_format(set, small, sizeof small, &len, &err) == NODECORE_STATUS_INSUFFICIENT_SPACE);
    CHECK(small[0] == 'x');
    expect_error(err, NODECORE_STATUS_INSUFFICIENT_SPACE, "insufficient-space", "needs 5 and a NUL");
    CHECK(nodecore_cpuset_format(set, small, sizeof small, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpuset_format(NULL, small, sizeof small, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);

    /* Text need not be NUL-terminated: only `len` bytes are read. */
    nodecore_cpuset *prefix = NULL;
    CHECK(nodecore_cpuset_parse("1-2garbage", 3, &prefix, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(format(prefix), "1-2") == 0);
    nodecore_cpuset_free(prefix);

    /* The empty set, from NULL text of length 0 and from new(). */
    nodecore_cpuset *empty = NULL;
    CHECK(nodecore_cpuset_parse(NULL, 0, &empty, NULL) == NODECORE_STATUS_OK);
    nodecore_cpuset *fresh = nodecore_cpuset_new();
    CHECK(nodecore_cpuset_equal(empty, fresh) && nodecore_cpuset_len(empty) == 0);
    CHECK(strcmp(format(empty), "") == 0);
    nodecore_cpuset_free(empty);
    nodecore_cpuset_free(fresh);
    nodecore_cpuset_free(set);
}

static void test_cpuset_parse_errors(void) {
    nodecore_cpuset *set = (nodecore_cpuset *)&set; /* must be reset to NULL */
    nodecore_error *err = NULL;
    CHECK(nodecore_cpuset_parse("3-1", 3, &set, &err) == NODECORE_STATUS_PARSE);
    CHECK(set == NULL);
    expect_error(err, NODECORE_STATUS_PARSE, "parse", "invalid range \"3-1\" (3 > 1)");

    CHECK(nodecore_cpuset_parse("1-", 2, &set, &err) == NODECORE_STATUS_PARSE);
    expect_error(err, NODECORE_STATUS_PARSE, "parse", "strconv.Atoi: parsing \"\": invalid syntax");

    CHECK(nodecore_cpuset_parse("0-9000", 6, &set, &err) == NODECORE_STATUS_PARSE);
    expect_error(err, NODECORE_STATUS_PARSE, "parse", "8191");

    const char bad_utf8[] = {'1', (char)0xff};
    CHECK(nodecore_cpuset_parse(bad_utf8, sizeof bad_utf8, &set, &err) == NODECORE_STATUS_INVALID_UTF8);
    expect_error(err, NODECORE_STATUS_INVALID_UTF8, "invalid-utf8", "text");

    CHECK(nodecore_cpuset_parse(NULL, 3, &set, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "text");
    CHECK(nodecore_cpuset_parse("1", 1, NULL, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "out");

    /* Without an error out-parameter only the status tells. */
    CHECK(nodecore_cpuset_parse("x", 1, &set, NULL) == NODECORE_STATUS_PARSE);
    CHECK(set == NULL);
}

static void test_cpuset_lists(void) {
    size_t ids[] = {5, 1, 2, 5};
    nodecore_cpuset *set = NULL;
    CHECK(nodecore_cpuset_from_list(ids, 4, &set, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(format(set), "1-2,5") == 0);

    size_t out[3] = {0, 0, 0};
    size_t len = 0;
    CHECK(nodecore_cpuset_to_list(set, out, 3, &len, NULL) == NODECORE_STATUS_OK);
    CHECK(len == 3 && out[0] == 1 && out[1] == 2 && out[2] == 5);
    CHECK(nodecore_cpuset_to_list(set, out, 2, &len, NULL) == NODECORE_STATUS_INSUFFICIENT_SPACE);
    CHECK(len == 3);
    CHECK(nodecore_cpuset_to_list(NULL, out, 3, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_cpuset_free(set);

    size_t too_large[] = {NODECORE_MAX_CPU_ID + 1};
    nodecore_error *err = NULL;
    CHECK(nodecore_cpuset_from_list(too_large, 1, &set, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(set == NULL);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "8192");
    CHECK(nodecore_cpuset_from_list(NULL, 1, &set, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpuset_from_list(NULL, 0, &set, NULL) == NODECORE_STATUS_OK);
    CHECK(nodecore_cpuset_len(set) == 0);
    nodecore_cpuset_free(set);
}

static void test_cpuset_algebra(void) {
    nodecore_cpuset *a = parse("0-5");
    nodecore_cpuset *b = parse("4-9");
    nodecore_cpuset *u = nodecore_cpuset_union(a, b);
    nodecore_cpuset *i = nodecore_cpuset_intersection(a, b);
    nodecore_cpuset *d = nodecore_cpuset_difference(a, b);
    CHECK(strcmp(format(u), "0-9") == 0);
    CHECK(strcmp(format(i), "4-5") == 0);
    CHECK(strcmp(format(d), "0-3") == 0);
    CHECK(nodecore_cpuset_is_subset(i, a) && nodecore_cpuset_is_subset(i, b));
    CHECK(!nodecore_cpuset_is_subset(a, b));
    CHECK(!nodecore_cpuset_equal(a, b) && !nodecore_cpuset_equal(a, NULL));
    CHECK(nodecore_cpuset_union(a, NULL) == NULL);
    CHECK(nodecore_cpuset_intersection(NULL, b) == NULL);
    CHECK(nodecore_cpuset_difference(NULL, NULL) == NULL);
    CHECK(nodecore_cpuset_len(NULL) == 0 && !nodecore_cpuset_contains(NULL, 0));
    CHECK(!nodecore_cpuset_is_subset(NULL, a));

    nodecore_cpuset *copy = nodecore_cpuset_clone(a);
    CHECK(nodecore_cpuset_equal(copy, a));
    CHECK(nodecore_cpuset_clone(NULL) == NULL);
    CHECK(nodecore_cpuset_insert(copy, 100, NULL) == NODECORE_STATUS_OK);
    CHECK(strcmp(format(copy), "0-5,100") == 0);
    CHECK(strcmp(format(a), "0-5") == 0); /* the clone is independent */
    nodecore_error *err = NULL;
    CHECK(nodecore_cpuset_insert(copy, NODECORE_MAX_CPU_ID + 1, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "exceeds");
    CHECK(nodecore_cpuset_insert(NULL, 1, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpuset_remove(copy, 100) && !nodecore_cpuset_remove(copy, 100));
    CHECK(!nodecore_cpuset_remove(NULL, 0));
    CHECK(nodecore_cpuset_equal(copy, a));

    nodecore_cpuset *sets[] = {a, b, u, i, d, copy};
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        nodecore_cpuset_free(sets[k]);
    }
}

static void test_topology(void) {
    nodecore_topology *topo = NULL;
    nodecore_error *err = NULL;
    CHECK(nodecore_topology_named("dual-socket-ht", 14, &topo, &err) == NODECORE_STATUS_OK);
    CHECK(err == NULL && topo != NULL);

    nodecore_topology_counts counts;
    CHECK(nodecore_topology_get_counts(topo, &counts, NULL) == NODECORE_STATUS_OK);
    CHECK(counts.num_cpus == 12 && counts.num_cores == 6 && counts.num_sockets == 2);
    CHECK(counts.num_numa_nodes == 2 && counts.num_uncore_caches >= 1);
    CHECK(nodecore_topology_get_counts(topo, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_get_counts(NULL, &counts, NULL) == NODECORE_STATUS_NULL_ARGUMENT);

    nodecore_cpu_info info;
    CHECK(nodecore_topology_cpu_info(topo, 7, &info, NULL) == NODECORE_STATUS_OK);
    CHECK(info.core == 1 && info.socket == 1 && info.numa == 1);
    CHECK(nodecore_topology_cpu_info(topo, 12, &info, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "no CPU 12");

    nodecore_cpuset *cpus = nodecore_topology_cpus(topo);
    CHECK(strcmp(format(cpus), "0-11") == 0);
    nodecore_cpuset_free(cpus);
    CHECK(nodecore_topology_cpus(NULL) == NULL);

    /* JSON out and back in gives the same machine. */
    char *json = NULL;
    CHECK(nodecore_topology_to_json(topo, &json, NULL) == NODECORE_STATUS_OK);
    CHECK(json != NULL && strncmp(json, "{\"cpus\":[", 9) == 0);
    nodecore_topology *again = NULL;
    CHECK(nodecore_topology_from_json(json, strlen(json), &again, NULL) == NODECORE_STATUS_OK);
    nodecore_topology_counts counts_again;
    CHECK(nodecore_topology_get_counts(again, &counts_again, NULL) == NODECORE_STATUS_OK);
    CHECK(memcmp(&counts, &counts_again, sizeof counts) == 0);
    nodecore_string_free(json);
    nodecore_topology_free(again);
    CHECK(nodecore_topology_to_json(NULL, &json, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(json == NULL);
    CHECK(nodecore_topology_to_json(topo, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_topology_free(topo);

    /* A name given as a JSON string loads too. */
    const char *named = "\"single-socket-ht\"";
    CHECK(nodecore_topology_from_json(named, strlen(named), &topo, NULL) == NODECORE_STATUS_OK);
    nodecore_topology_free(topo);

    char *names = NULL;
    CHECK(nodecore_topology_names(&names, NULL) == NODECORE_STATUS_OK);
    CHECK(strstr(names, "\"dual-socket-ht\"") != NULL && names[0] == '[');
    nodecore_string_free(names);
    CHECK(nodecore_topology_names(NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

static void test_topology_discovery(void) {
    /* This machine: whatever it has, the counters are consistent. */
    nodecore_topology *topo = NULL;
    nodecore_error *err = NULL;
    CHECK(nodecore_topology_discover(NULL, 0, &topo, &err) == NODECORE_STATUS_OK);
    CHECK(err == NULL && topo != NULL);
    nodecore_topology_counts counts;
    CHECK(nodecore_topology_get_counts(topo, &counts, NULL) == NODECORE_STATUS_OK);
    CHECK(counts.num_cpus >= 1 && counts.num_cores >= 1 && counts.num_cores <= counts.num_cpus);
    nodecore_cpuset *cpus = nodecore_topology_cpus(topo);
    CHECK(nodecore_cpuset_len(cpus) == counts.num_cpus);
    nodecore_cpuset_free(cpus);
    nodecore_topology_free(topo);

    char *distances = NULL;
    CHECK(nodecore_topology_numa_distances(NULL, 0, &distances, NULL) == NODECORE_STATUS_OK);
    CHECK(distances != NULL && distances[0] == '{');
    nodecore_string_free(distances);

    /* A root without sysfs. */
    const char *root = "/nonexistent/nodecore-root";
    topo = (nodecore_topology *)&topo;
    CHECK(nodecore_topology_discover(root, strlen(root), &topo, &err) == NODECORE_STATUS_DISCOVERY);
    CHECK(topo == NULL);
    expect_error(err, NODECORE_STATUS_DISCOVERY, "discovery", "nodecore-root");
    /* No NUMA directories: no distances, as the kubelet has none then. */
    CHECK(nodecore_topology_numa_distances(root, strlen(root), &distances, NULL) == NODECORE_STATUS_OK);
    CHECK(distances != NULL && strcmp(distances, "{}") == 0);
    nodecore_string_free(distances);
    CHECK(nodecore_topology_discover(NULL, 0, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    const char bad[] = {'/', (char)0xff};
    CHECK(nodecore_topology_discover(bad, sizeof bad, &topo, NULL) == NODECORE_STATUS_INVALID_UTF8);
}

static void test_topology_errors(void) {
    nodecore_topology *topo = NULL;
    nodecore_error *err = NULL;
    CHECK(nodecore_topology_named("no-such-machine", 15, &topo, &err) == NODECORE_STATUS_UNKNOWN_TOPOLOGY);
    CHECK(topo == NULL);
    expect_error(err, NODECORE_STATUS_UNKNOWN_TOPOLOGY, "unknown-topology", "no-such-machine");

    const char *empty = "{\"cpus\":[]}";
    CHECK(nodecore_topology_from_json(empty, strlen(empty), &topo, &err) == NODECORE_STATUS_INVALID_TOPOLOGY);
    expect_error(err, NODECORE_STATUS_INVALID_TOPOLOGY, "invalid-topology", "no CPU");

    const char *twice = "{\"cpus\":[{\"cpu\":0,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0},"
                        "{\"cpu\":0,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0}]}";
    CHECK(nodecore_topology_from_json(twice, strlen(twice), &topo, &err) == NODECORE_STATUS_INVALID_TOPOLOGY);
    expect_error(err, NODECORE_STATUS_INVALID_TOPOLOGY, "invalid-topology", "more than once");

    CHECK(nodecore_topology_from_json("{", 1, &topo, &err) == NODECORE_STATUS_INVALID_INPUT);
    expect_error(err, NODECORE_STATUS_INVALID_INPUT, "invalid-input", "JSON");

    CHECK(nodecore_topology_from_json(NULL, 4, &topo, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "json");
    CHECK(nodecore_topology_named("x", 1, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

static void test_eval(void) {
    const char *cases = "{\"id\":\"a\",\"kind\":\"cpuset.parse\",\"input\":{\"text\":\"3,0-2\"}}\n"
                        "\n"
                        "{\"id\":\"b\",\"kind\":\"cpuset.parse\",\"input\":{\"text\":\"3-1\"}}\n"
                        "{\"id\":\"c\",\"kind\":\"no.such-kind\",\"input\":{}}\n";
    char *out = NULL;
    CHECK(nodecore_eval(cases, strlen(cases), &out) == NODECORE_STATUS_OK);
    CHECK(out != NULL);
    /* One answer per case, in order; a failing case is an answer, not a failed call. */
    const char *expected = "{\"id\":\"a\",\"output\":{\"cpus\":\"0-3\"}}\n"
                           "{\"error\":{\"kind\":\"parse\",\"message\":\"invalid CPU list \\\"3-1\\\": "
                           "invalid range \\\"3-1\\\" (3 > 1)\"},\"id\":\"b\"}\n"
                           "{\"error\":{\"kind\":\"unknown-kind\",";
    CHECK(out != NULL && strncmp(out, expected, strlen(expected)) == 0);
    nodecore_string_free(out);

    CHECK(nodecore_eval(NULL, 0, &out) == NODECORE_STATUS_OK);
    CHECK(out != NULL && out[0] == '\0');
    nodecore_string_free(out);

    const char bad[] = {'{', (char)0xc3};
    out = (char *)&out;
    CHECK(nodecore_eval(bad, sizeof bad, &out) == NODECORE_STATUS_INVALID_UTF8);
    CHECK(out == NULL);
    CHECK(nodecore_eval(NULL, 5, &out) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eval(cases, strlen(cases), NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

/* Runs a whole vector file through nodecore_eval and checks the answers
 * line up with the cases (ids in order; the Rust, Go and Python suites
 * compare the answers with `expect`). */
static void test_eval_vectors(const char *path) {
    FILE *file = fopen(path, "rb");
    CHECK(file != NULL);
    if (file == NULL) {
        return;
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    CHECK(text != NULL && fread(text, 1, (size_t)size, file) == (size_t)size);
    fclose(file);
    text[size] = '\0';

    char *out = NULL;
    CHECK(nodecore_eval(text, (size_t)size, &out) == NODECORE_STATUS_OK);
    size_t cases = 0, answers = 0;
    for (char *line = text; *line; line++) {
        if (*line == '{' && (line == text || line[-1] == '\n')) {
            cases++;
        }
    }
    for (char *c = out; c && *c; c++) {
        answers += *c == '\n';
    }
    CHECK(cases > 0 && cases == answers);
    printf("%s: %zu cases answered\n", path, answers);
    nodecore_string_free(out);
    free(text);
}

int main(int argc, char **argv) {
    test_versions();
    test_status_names();
    test_errors();
    test_cpuset_parse_and_format();
    test_cpuset_parse_errors();
    test_cpuset_lists();
    test_cpuset_algebra();
    test_topology();
    test_topology_discovery();
    test_topology_errors();
    test_eval();
    test_cpumanager();
    test_topologymanager();
    test_cgroups();
    test_eviction();
    test_groups();
    for (int k = 1; k < argc; k++) {
        test_eval_vectors(argv[k]);
    }
    printf("c-abi: %d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
