/*
 * Hostile callers of the C ABI: NULL in every pointer position, text that is
 * not UTF-8, lengths and counts that cannot be true, misaligned arrays,
 * out-parameters holding garbage, and frees of NULL, repeated. Every call
 * must return its documented status (docs/limits.md lists them), leave
 * out-parameters in their documented state, and neither crash nor leak.
 *
 * Built like test_nodecore.c and run under valgrind (static and shared
 * library) and, separately, with AddressSanitizer and UBSan.
 *
 * What C cannot detect, and this test therefore does not try: a pointer to
 * freed or foreign memory, a length shorter than claimed but still possible
 * (under PTRDIFF_MAX bytes), a buffer smaller than its stated capacity, a
 * second free of the same non-NULL object. Those are the caller's contract.
 */
#include "nodecore.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        checks++;                                                            \
        if (!(cond)) {                                                       \
            failures++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

/* A pointer value no library function may store, read or free: checks that
 * out-parameters are overwritten rather than left as they were. */
#define GARBAGE ((void *)(uintptr_t)0x5a5a5a5a5a5a5a5aULL)

/* The largest byte length that can describe a real object is PTRDIFF_MAX;
 * anything above it is refused as impossible. */
#define IMPOSSIBLE_LEN ((size_t)PTRDIFF_MAX + 1)

/* Checks a failed call's error object (status, kind, a part of the
 * message), then frees it. */
static void expect_error(nodecore_error *err, nodecore_status status, const char *kind, const char *part) {
    CHECK(err != NULL && err != GARBAGE);
    if (err == NULL || err == GARBAGE) {
        return;
    }
    CHECK(nodecore_error_status(err) == status);
    CHECK(strcmp(nodecore_error_kind(err), kind) == 0);
    CHECK(strcmp(nodecore_status_name(status), kind) == 0);
    if (strstr(nodecore_error_message(err), part) == NULL) {
        failures++;
        fprintf(stderr, "error message \"%s\" lacks \"%s\"\n", nodecore_error_message(err), part);
    }
    nodecore_error_free(err);
}

static nodecore_cpuset *parse(const char *text) {
    nodecore_cpuset *set = NULL;
    CHECK(nodecore_cpuset_parse(text, strlen(text), &set, NULL) == NODECORE_STATUS_OK);
    return set;
}

/* --- CPU sets ------------------------------------------------------------ */

static void test_cpuset_parse(void) {
    nodecore_cpuset *set = GARBAGE;
    nodecore_error *err = GARBAGE;

    /* NULL text with a length, NULL out. */
    CHECK(nodecore_cpuset_parse(NULL, 3, &set, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(set == NULL);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`text`");
    CHECK(nodecore_cpuset_parse(NULL, 3, &set, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    err = GARBAGE;
    CHECK(nodecore_cpuset_parse("0-3", 3, NULL, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`out`");
    CHECK(nodecore_cpuset_parse(NULL, 0, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);

    /* Text that is not UTF-8: a stray byte, an overlong '/', a surrogate, a
     * truncated sequence. */
    static const char *const bad[] = {"0-\xff", "\xc0\xaf", "\xed\xa0\x80", "1,\xe2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set = GARBAGE;
        err = GARBAGE;
        CHECK(nodecore_cpuset_parse(bad[i], strlen(bad[i]), &set, &err) == NODECORE_STATUS_INVALID_UTF8);
        CHECK(set == NULL);
        expect_error(err, NODECORE_STATUS_INVALID_UTF8, "invalid-utf8", "not UTF-8");
    }

    /* An interior NUL is text like any other: not a CPU list, and the
     * message quoting it is still a whole C string. */
    const char nul[] = {'0', '-', '1', '\0', ',', '5'};
    err = GARBAGE;
    CHECK(nodecore_cpuset_parse(nul, sizeof nul, &set, &err) == NODECORE_STATUS_PARSE);
    expect_error(err, NODECORE_STATUS_PARSE, "parse", "invalid syntax");

    /* A length no object can have. */
    err = GARBAGE;
    CHECK(nodecore_cpuset_parse("0", IMPOSSIBLE_LEN, &set, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(set == NULL);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "impossible length");
    CHECK(nodecore_cpuset_parse("0", SIZE_MAX, &set, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);

    /* Ids far past the largest: refused as text, without allocating for them. */
    static const char *const huge[] = {"0-8192", "0-18446744073709551615", "9223372036854775807",
                                       "-9223372036854775809"};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        err = GARBAGE;
        CHECK(nodecore_cpuset_parse(huge[i], strlen(huge[i]), &set, &err) == NODECORE_STATUS_PARSE);
        CHECK(set == NULL);
        expect_error(err, NODECORE_STATUS_PARSE, "parse", "invalid CPU list");
    }
}

static void test_cpuset_from_list(void) {
    nodecore_cpuset *set = GARBAGE;
    nodecore_error *err = GARBAGE;
    size_t ids[2] = {1, 2};

    CHECK(nodecore_cpuset_from_list(NULL, 2, &set, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(set == NULL);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`cpus`");
    err = GARBAGE;
    CHECK(nodecore_cpuset_from_list(ids, 2, NULL, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`out`");

    /* NULL with a count of 0 is the empty set (a Go nil slice). */
    CHECK(nodecore_cpuset_from_list(NULL, 0, &set, NULL) == NODECORE_STATUS_OK);
    CHECK(set != NULL && nodecore_cpuset_len(set) == 0);
    nodecore_cpuset_free(set);

    /* Counts whose byte size overflows, or exceeds any object. */
    const size_t counts[] = {SIZE_MAX, SIZE_MAX / sizeof(size_t) + 1, IMPOSSIBLE_LEN / sizeof(size_t) + 1};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        err = GARBAGE;
        set = GARBAGE;
        CHECK(nodecore_cpuset_from_list(ids, counts[i], &set, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
        CHECK(set == NULL);
        expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "impossible length");
    }

    /* A misaligned array. */
    size_t storage[3] = {0, 0, 0};
    const size_t *odd = (const size_t *)(const void *)((const char *)storage + 1);
    err = GARBAGE;
    CHECK(nodecore_cpuset_from_list(odd, 1, &set, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "aligned");

    /* Ids past the largest, down to SIZE_MAX. */
    size_t big[3] = {0, NODECORE_MAX_CPU_ID + 1, SIZE_MAX};
    for (size_t i = 1; i < 3; i++) {
        err = GARBAGE;
        CHECK(nodecore_cpuset_from_list(&big[i], 1, &set, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
        CHECK(set == NULL);
        expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "exceeds the largest");
    }
}

static void test_cpuset_buffers(void) {
    nodecore_cpuset *set = parse("0-3,8");
    char text[16];
    size_t list[8];
    size_t len = 12345;
    nodecore_error *err = GARBAGE;

    /* NULL set, NULL out_len, NULL buffer with room claimed. */
    CHECK(nodecore_cpuset_format(NULL, text, sizeof text, &len, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`set`");
    CHECK(nodecore_cpuset_format(set, text, sizeof text, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    err = GARBAGE;
    CHECK(nodecore_cpuset_format(set, NULL, 100, &len, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`buf`");
    CHECK(len == 5);

    /* Every capacity too small: nothing written, the need reported. */
    for (size_t cap = 0; cap <= 5; cap++) {
        memset(text, 'x', sizeof text);
        len = 0;
        CHECK(nodecore_cpuset_format(set, cap ? text : NULL, cap, &len, NULL) == NODECORE_STATUS_INSUFFICIENT_SPACE);
        CHECK(len == 5 && text[0] == 'x');
    }
    /* A capacity larger than the buffer is a lie C cannot see; the library
     * writes only the text and its NUL (6 bytes here), so it is harmless
     * whenever the real buffer holds them. */
    CHECK(nodecore_cpuset_format(set, text, SIZE_MAX, &len, NULL) == NODECORE_STATUS_OK);
    CHECK(len == 5 && strcmp(text, "0-3,8") == 0 && text[6] == 'x');

    /* The list form: the same protocol, plus alignment. */
    CHECK(nodecore_cpuset_to_list(NULL, list, 8, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpuset_to_list(set, list, 8, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpuset_to_list(set, NULL, 8, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpuset_to_list(set, NULL, 0, &len, NULL) == NODECORE_STATUS_INSUFFICIENT_SPACE && len == 5);
    size_t *odd = (size_t *)(void *)((char *)list + 1);
    err = GARBAGE;
    CHECK(nodecore_cpuset_to_list(set, odd, 6, &len, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "aligned");
    CHECK(nodecore_cpuset_to_list(set, list, SIZE_MAX, &len, NULL) == NODECORE_STATUS_OK && len == 5);
    CHECK(list[4] == 8);
    nodecore_cpuset_free(set);
}

static void test_cpuset_infallible(void) {
    nodecore_cpuset *set = parse("1,5");
    /* NULL reads as "no set": 0, false, or NULL for a new set. */
    CHECK(nodecore_cpuset_len(NULL) == 0);
    CHECK(!nodecore_cpuset_contains(NULL, 1));
    CHECK(!nodecore_cpuset_contains(set, SIZE_MAX) && !nodecore_cpuset_contains(set, NODECORE_MAX_CPU_ID + 1));
    CHECK(!nodecore_cpuset_equal(NULL, set) && !nodecore_cpuset_equal(set, NULL) && !nodecore_cpuset_equal(NULL, NULL));
    CHECK(!nodecore_cpuset_is_subset(NULL, set) && !nodecore_cpuset_is_subset(set, NULL));
    CHECK(nodecore_cpuset_clone(NULL) == NULL);
    CHECK(nodecore_cpuset_union(NULL, set) == NULL && nodecore_cpuset_union(set, NULL) == NULL);
    CHECK(nodecore_cpuset_intersection(NULL, NULL) == NULL);
    CHECK(nodecore_cpuset_difference(set, NULL) == NULL && nodecore_cpuset_difference(NULL, set) == NULL);
    CHECK(!nodecore_cpuset_remove(NULL, 1));
    CHECK(!nodecore_cpuset_remove(set, SIZE_MAX));

    nodecore_error *err = GARBAGE;
    CHECK(nodecore_cpuset_insert(NULL, 1, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`set`");
    err = GARBAGE;
    CHECK(nodecore_cpuset_insert(set, SIZE_MAX, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "exceeds the largest");
    CHECK(nodecore_cpuset_len(set) == 2);
    /* Success stores NULL through `err`, whatever it held. */
    err = GARBAGE;
    CHECK(nodecore_cpuset_insert(set, NODECORE_MAX_CPU_ID, &err) == NODECORE_STATUS_OK && err == NULL);
    nodecore_cpuset_free(set);
}

/* --- Topologies ----------------------------------------------------------- */

static void test_topology(void) {
    nodecore_topology *topo = GARBAGE;
    nodecore_error *err = GARBAGE;

    CHECK(nodecore_topology_from_json(NULL, 5, &topo, &err) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(topo == NULL);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`json`");
    CHECK(nodecore_topology_from_json("{}", 2, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_from_json("\"x\xff\"", 4, &topo, NULL) == NODECORE_STATUS_INVALID_UTF8 && topo == NULL);
    CHECK(nodecore_topology_from_json("{}", IMPOSSIBLE_LEN, &topo, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(nodecore_topology_from_json(NULL, 0, &topo, NULL) == NODECORE_STATUS_INVALID_INPUT && topo == NULL);

    /* JSON nested far deeper than any document: refused, not a stack overflow. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth);
    CHECK(deep != NULL);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    err = GARBAGE;
    CHECK(nodecore_topology_from_json(deep, 2 * depth, &topo, &err) == NODECORE_STATUS_INVALID_INPUT);
    expect_error(err, NODECORE_STATUS_INVALID_INPUT, "invalid-input", "recursion limit");
    free(deep);

    /* Ids no machine has. */
    static const char *const bad[] = {
        "{\"cpus\":[{\"cpu\":8192,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0}]}",
        "{\"cpus\":[{\"cpu\":18446744073709551616,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0}]}",
        "{\"cpus\":[{\"cpu\":-1,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0}]}",
    };
    const nodecore_status expected[] = {NODECORE_STATUS_INVALID_TOPOLOGY, NODECORE_STATUS_INVALID_INPUT,
                                        NODECORE_STATUS_INVALID_INPUT};
    for (size_t i = 0; i < 3; i++) {
        topo = GARBAGE;
        CHECK(nodecore_topology_from_json(bad[i], strlen(bad[i]), &topo, NULL) == expected[i]);
        CHECK(topo == NULL);
    }

    CHECK(nodecore_topology_named(NULL, 3, &topo, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_named("dual-socket-ht", 14, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_named("\xfe", 1, &topo, NULL) == NODECORE_STATUS_INVALID_UTF8);
    err = GARBAGE;
    CHECK(nodecore_topology_named("", 0, &topo, &err) == NODECORE_STATUS_UNKNOWN_TOPOLOGY);
    expect_error(err, NODECORE_STATUS_UNKNOWN_TOPOLOGY, "unknown-topology", "");
    CHECK(nodecore_topology_names(NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);

    CHECK(nodecore_topology_named("dual-socket-ht", 14, &topo, NULL) == NODECORE_STATUS_OK);
    char *json = GARBAGE;
    CHECK(nodecore_topology_to_json(NULL, &json, NULL) == NODECORE_STATUS_NULL_ARGUMENT && json == NULL);
    CHECK(nodecore_topology_to_json(topo, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_topology_counts counts;
    CHECK(nodecore_topology_get_counts(NULL, &counts, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_get_counts(topo, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_cpu_info info;
    CHECK(nodecore_topology_cpu_info(NULL, 0, &info, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_cpu_info(topo, 0, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    err = GARBAGE;
    CHECK(nodecore_topology_cpu_info(topo, SIZE_MAX, &info, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "no CPU");
    CHECK(nodecore_topology_cpus(NULL) == NULL);
    nodecore_topology_free(topo);
}

/* --- The eval door --------------------------------------------------------- */

static void test_eval(void) {
    char *out = GARBAGE;
    CHECK(nodecore_eval(NULL, 4, &out) == NODECORE_STATUS_NULL_ARGUMENT && out == NULL);
    CHECK(nodecore_eval("{}", 2, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    out = GARBAGE;
    CHECK(nodecore_eval("{\"id\":\"\xff\"}", 10, &out) == NODECORE_STATUS_INVALID_UTF8 && out == NULL);
    CHECK(nodecore_eval("{}", IMPOSSIBLE_LEN, &out) == NODECORE_STATUS_INVALID_ARGUMENT && out == NULL);
    CHECK(nodecore_eval(NULL, 0, &out) == NODECORE_STATUS_OK && out != NULL && out[0] == '\0');
    nodecore_string_free(out);

    /* Bad cases are answered, each on its line; the call succeeds. */
    static const char cases[] =
        "not json\n"
        "{\"id\":1,\"kind\":\"cpu.take\",\"input\":{\"topology\":\"dual-socket-ht\",\"available\":\"0-11\","
        "\"count\":18446744073709551615,\"options\":{}}}\n"
        "{\"id\":2,\"kind\":\"no.such.kind\",\"input\":{}}\n"
        "{\"id\":3,\"kind\":\"cpuset.parse\",\"input\":{\"text\":\"0-99999999999999999999\"}}\n"
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n";
    CHECK(nodecore_eval(cases, sizeof cases - 1, &out) == NODECORE_STATUS_OK);
    size_t lines = 0;
    for (const char *p = out; p && *p; p++) {
        lines += *p == '\n';
    }
    CHECK(lines == 5);
    CHECK(strstr(out, "\"unknown-kind\"") != NULL && strstr(out, "\"parse\"") != NULL);
    CHECK(strstr(out, "recursion limit") != NULL);
    nodecore_string_free(out);
}

/* --- The static policy ----------------------------------------------------- */

/* The names and records of a Guaranteed pod with one container. */
static const char POD_NAMES[] = "pod-1app";
static const nodecore_pod POD = {{0, 5}, NODECORE_QOS_GUARANTEED};
static const nodecore_container APP = {{5, 3}, 2000, 2000, false, false};

static nodecore_static_policy_config policy_config(const nodecore_topology *topo) {
    nodecore_static_policy_config config;
    memset(&config, 0, sizeof config);
    config.size = sizeof config;
    config.topology = topo;
    config.num_reserved_cpus = 1;
    config.option_gates = NODECORE_CPU_OPTION_GATES_DEFAULT;
    return config;
}

static void test_static_policy_new(const nodecore_topology *topo) {
    nodecore_static_policy *policy = GARBAGE;
    nodecore_error *err = GARBAGE;
    nodecore_static_policy_config config = policy_config(topo);

    CHECK(nodecore_static_policy_new(NULL, &policy, &err) == NODECORE_STATUS_NULL_ARGUMENT && policy == NULL);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`config`");
    CHECK(nodecore_static_policy_new(&config, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    config.topology = NULL;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_NULL_ARGUMENT && policy == NULL);

    /* A config of another size is refused before anything past `size` is read. */
    const size_t sizes[] = {0, 1, sizeof config - 1, sizeof config + 8, SIZE_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        config = policy_config(topo);
        config.size = sizes[i];
        err = GARBAGE;
        CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_ARGUMENT);
        CHECK(policy == NULL);
        expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "size");
    }

    /* Text fields: NULL with a length, not UTF-8, impossible lengths. */
    config = policy_config(topo);
    config.options_json_len = 2;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    config.options_json = "{\"\xff\":\"true\"}";
    config.options_json_len = 13;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_INVALID_UTF8);
    config.options_json = "[1]";
    config.options_json_len = 3;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_INVALID_INPUT);
    config.options_json = "{}";
    config.options_json_len = IMPOSSIBLE_LEN;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    config = policy_config(topo);
    config.topology_manager_policy_len = 4;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    config = policy_config(topo);
    config.state_dir_len = 4;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    config = policy_config(topo);
    config.state_dir = "/tmp";
    config.state_dir_len = 4;
    config.state_file = "../escape";
    config.state_file_len = 9;
    err = GARBAGE;
    CHECK(nodecore_static_policy_new(&config, &policy, &err) == NODECORE_STATUS_INVALID_NAME && policy == NULL);
    expect_error(err, NODECORE_STATUS_INVALID_NAME, "invalid-name", "../escape");

    /* Gates nobody defined, and more reserved CPUs than the machine has. */
    config = policy_config(topo);
    config.option_gates = 0x80000000u;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    config = policy_config(topo);
    config.num_reserved_cpus = SIZE_MAX;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_INVALID_RESERVED && policy == NULL);
}

static void test_static_policy_calls(const nodecore_static_policy *policy) {
    nodecore_cpuset *out = GARBAGE;
    nodecore_error *err = GARBAGE;
    const size_t names_len = strlen(POD_NAMES);

    /* allocate: every pointer NULL in turn; `affinity` may be NULL. */
    CHECK(nodecore_static_policy_allocate(NULL, POD_NAMES, names_len, &POD, &APP, 1, 0, NULL, &out, &err) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(out == NULL);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "`policy`");
    CHECK(nodecore_static_policy_allocate(policy, NULL, names_len, &POD, &APP, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, NULL, &APP, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, NULL, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &APP, 1, 0, NULL, NULL, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);

    /* Indexes and spans that point outside what was passed. */
    err = GARBAGE;
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &APP, 1, 1, NULL, &out, &err) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "");
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &APP, 1, SIZE_MAX, NULL, &out, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    const nodecore_pod far_uid = {{SIZE_MAX, 2}, NODECORE_QOS_GUARANTEED};
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &far_uid, &APP, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    const nodecore_container far_name = {{3, 100}, 2000, 2000, false, false};
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &far_name, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    /* A names text that lies about being UTF-8, and a span cutting a character. */
    static const char bad_names[] = "pod-\xff" "app";
    CHECK(nodecore_static_policy_allocate(policy, bad_names, 8, &POD, &APP, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_INVALID_UTF8);
    static const char accented[] = "pod-\xc3\xa9" "app";
    const nodecore_pod cut = {{0, 5}, NODECORE_QOS_GUARANTEED};
    CHECK(nodecore_static_policy_allocate(policy, accented, 9, &cut, &APP, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    /* Impossible counts of containers. */
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &APP, SIZE_MAX, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    /* Enum values no one defined; requests no machine has. */
    const nodecore_pod odd_qos = {{0, 5}, 77};
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &odd_qos, &APP, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    /* Whole CPUs only: INT64_MAX millicores is not, so it runs shared; the
     * largest whole number of CPUs is refused as more than the machine has. */
    const nodecore_container fraction = {{5, 3}, INT64_MAX, INT64_MAX, false, false};
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &fraction, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(nodecore_cpuset_len(out) == 0);
    nodecore_cpuset_free(out);
    const int64_t whole = INT64_MAX - INT64_MAX % 1000;
    const nodecore_container huge = {{5, 3}, whole, whole, false, false};
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &huge, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_INSUFFICIENT);
    const nodecore_container negative = {{5, 3}, -1000, -1000, false, false};
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &negative, 1, 0, NULL, &out, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(nodecore_cpuset_len(out) == 0); /* no whole CPU: the shared pool */
    nodecore_cpuset_free(out);
    /* An affinity naming NUMA nodes the machine lacks: no aligned CPUs, the rest from anywhere. */
    const nodecore_hint nowhere = {1ULL << 63, false, true};
    CHECK(nodecore_static_policy_allocate(policy, POD_NAMES, names_len, &POD, &APP, 1, 0, &nowhere, &out, NULL) ==
          NODECORE_STATUS_OK);
    CHECK(nodecore_cpuset_len(out) == 2);
    nodecore_cpuset_free(out);

    /* Hints: NULL in every position; the buffer protocol. */
    nodecore_hint hints[8];
    size_t len = 0;
    bool none = true;
    CHECK(nodecore_static_policy_topology_hints(NULL, POD_NAMES, names_len, &POD, &APP, 1, 0, hints, 8, &len, &none,
                                                NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_topology_hints(policy, NULL, names_len, &POD, &APP, 1, 0, hints, 8, &len, &none,
                                                NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_topology_hints(policy, POD_NAMES, names_len, NULL, &APP, 1, 0, hints, 8, &len, &none,
                                                NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_topology_hints(policy, POD_NAMES, names_len, &POD, NULL, 1, 0, hints, 8, &len, &none,
                                                NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_topology_hints(policy, POD_NAMES, names_len, &POD, &APP, 1, 0, hints, 8, NULL, &none,
                                                NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_topology_hints(policy, POD_NAMES, names_len, &POD, &APP, 1, 0, hints, 8, &len, NULL,
                                                NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_topology_hints(policy, POD_NAMES, names_len, &POD, &APP, 1, 0, NULL, 0, &len, &none,
                                                NULL) == NODECORE_STATUS_INSUFFICIENT_SPACE);
    CHECK(len > 0);
    CHECK(nodecore_static_policy_topology_hints(policy, POD_NAMES, names_len, &POD, &APP, 1, 0, NULL, 8, &len, &none,
                                                NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_pod_topology_hints(NULL, POD_NAMES, names_len, &POD, &APP, 1, hints, 8, &len, &none,
                                                    NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_pod_topology_hints(policy, POD_NAMES, names_len, &POD, &APP, 1, hints, 8, &len, NULL,
                                                    NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_pod_topology_hints(policy, POD_NAMES, names_len, &POD, &APP, 1, hints, 8, NULL, &none,
                                                    NULL) == NODECORE_STATUS_NULL_ARGUMENT);

    /* remove, container_cpus, cpus, state_json. */
    CHECK(nodecore_static_policy_remove_container(NULL, "pod-1", 5, "app", 3, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_remove_container(policy, NULL, 5, "app", 3, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_remove_container(policy, "pod-1", 5, NULL, 3, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_remove_container(policy, "pod-\xff", 5, "app", 3, NULL) ==
          NODECORE_STATUS_INVALID_UTF8);
    CHECK(nodecore_static_policy_remove_container(policy, "pod-1", IMPOSSIBLE_LEN, "app", 3, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    out = GARBAGE;
    CHECK(nodecore_static_policy_container_cpus(NULL, "pod-1", 5, "app", 3, &out, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(out == NULL);
    CHECK(nodecore_static_policy_container_cpus(policy, NULL, 5, "app", 3, &out, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_container_cpus(policy, "pod-1", 5, NULL, 3, &out, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_container_cpus(policy, "pod-1", 5, "app", 3, NULL, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_cpus(NULL, NODECORE_POLICY_CPUS_SHARED, &out, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_static_policy_cpus(policy, NODECORE_POLICY_CPUS_SHARED, NULL, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    out = GARBAGE;
    CHECK(nodecore_static_policy_cpus(policy, 1000, &out, NULL) == NODECORE_STATUS_INVALID_ARGUMENT && out == NULL);
    char *json = GARBAGE;
    CHECK(nodecore_static_policy_state_json(NULL, &json, NULL) == NODECORE_STATUS_NULL_ARGUMENT && json == NULL);
    CHECK(nodecore_static_policy_state_json(policy, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

static void test_static_policy(void) {
    nodecore_topology *topo = NULL;
    CHECK(nodecore_topology_named("dual-socket-ht", 14, &topo, NULL) == NODECORE_STATUS_OK);
    test_static_policy_new(topo);
    nodecore_static_policy_config config = policy_config(topo);
    nodecore_static_policy *policy = NULL;
    CHECK(nodecore_static_policy_new(&config, &policy, NULL) == NODECORE_STATUS_OK);
    test_static_policy_calls(policy);
    for (int i = 0; i < 2; i++) {
        nodecore_static_policy_free(NULL);
    }
    nodecore_static_policy_free(policy);

    /* nodecore_cpu_take. */
    nodecore_cpuset *all = nodecore_topology_cpus(topo);
    nodecore_cpuset *out = GARBAGE;
    CHECK(nodecore_cpu_take(NULL, all, 2, NULL, 0, &out, NULL) == NODECORE_STATUS_NULL_ARGUMENT && out == NULL);
    CHECK(nodecore_cpu_take(topo, NULL, 2, NULL, 0, &out, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpu_take(topo, all, 2, NULL, 2, &out, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpu_take(topo, all, 2, NULL, 0, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cpu_take(topo, all, SIZE_MAX, NULL, 0, &out, NULL) == NODECORE_STATUS_INSUFFICIENT && out == NULL);
    CHECK(nodecore_cpu_take(topo, all, 2, "{\"x\xff\":1}", 8, &out, NULL) == NODECORE_STATUS_INVALID_UTF8);
    static const char unknown[] = "{\"no-such-option\":\"true\"}";
    CHECK(nodecore_cpu_take(topo, all, 2, unknown, strlen(unknown), &out, NULL) == NODECORE_STATUS_INVALID_OPTIONS);
    /* One byte more than the text: the NUL is read as JSON and refused. */
    CHECK(nodecore_cpu_take(topo, all, 2, unknown, sizeof unknown, &out, NULL) == NODECORE_STATUS_INVALID_INPUT);
    nodecore_cpuset_free(all);
    nodecore_topology_free(topo);
}

/* --- The topology manager's merge ------------------------------------------- */

static void test_topology_policy(void) {
    nodecore_topology_policy *policy = GARBAGE;
    nodecore_error *err = GARBAGE;
    static const char config[] = "{\"policy\":\"best-effort\",\"numa_nodes\":[0,1]}";
    CHECK(nodecore_topology_policy_new(NULL, 5, &policy, &err) == NODECORE_STATUS_NULL_ARGUMENT && policy == NULL);
    expect_error(err, NODECORE_STATUS_NULL_ARGUMENT, "null-argument", "");
    CHECK(nodecore_topology_policy_new(config, strlen(config), NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_new("{\"\xff\"}", 5, &policy, NULL) == NODECORE_STATUS_INVALID_UTF8);
    CHECK(nodecore_topology_policy_new(config, IMPOSSIBLE_LEN, &policy, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(nodecore_topology_policy_new("[]", 2, &policy, NULL) == NODECORE_STATUS_INVALID_INPUT && policy == NULL);
    static const char many_nodes[] = "{\"policy\":\"best-effort\",\"numa_nodes\":[0,64]}";
    CHECK(nodecore_topology_policy_new(many_nodes, strlen(many_nodes), &policy, NULL) != NODECORE_STATUS_OK);
    CHECK(policy == NULL);
    CHECK(nodecore_topology_policy_new(config, strlen(config), &policy, NULL) == NODECORE_STATUS_OK);

    nodecore_hint hints[2] = {{1, false, true}, {3, false, false}};
    nodecore_hint_list lists[2] = {{0, 1, false}, {0, 2, false}};
    nodecore_merge_result result;
    CHECK(nodecore_topology_policy_merge(NULL, hints, 2, lists, 2, &result, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_merge(policy, NULL, 2, lists, 2, &result, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_merge(policy, hints, 2, NULL, 2, &result, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_merge(policy, hints, 2, lists, 2, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    /* Lists that reach past the hints, or wrap around. */
    nodecore_hint_list wrap[1] = {{SIZE_MAX, 2, false}};
    err = GARBAGE;
    CHECK(nodecore_topology_policy_merge(policy, hints, 2, wrap, 1, &result, &err) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "past the end");
    CHECK(nodecore_topology_policy_merge(policy, hints, SIZE_MAX, lists, 2, &result, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(nodecore_topology_policy_merge(policy, hints, 2, lists, SIZE_MAX / 2, &result, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);

    /* A batch: pod spans past the lists; the results buffer protocol. */
    nodecore_span pods[2] = {{0, 1}, {1, 1}};
    nodecore_merge_result results[2];
    size_t len = 0;
    CHECK(nodecore_topology_policy_merge_batch(NULL, hints, 2, lists, 2, pods, 2, results, 2, &len, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 2, lists, 2, NULL, 2, results, 2, &len, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 2, lists, 2, pods, 2, results, 2, NULL, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 2, lists, 2, pods, 2, NULL, 0, &len, NULL) ==
          NODECORE_STATUS_INSUFFICIENT_SPACE && len == 2);
    nodecore_span far[1] = {{1, SIZE_MAX}};
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 2, lists, 2, far, 1, results, 2, &len, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(nodecore_topology_policy_merge_batch(policy, hints, 2, lists, 2, pods, 2, results, 2, &len, NULL) ==
          NODECORE_STATUS_OK && len == 2);
    nodecore_topology_policy_free(policy);
    nodecore_topology_policy_free(NULL);
    nodecore_topology_policy_free(NULL);
}

/* --- Cgroups, eviction, PIDs, groups, discovery ------------------------------- */

static void test_cgroups(void) {
    static const char text[] = "kubepodsburstablepod1";
    const nodecore_span components[3] = {{0, 8}, {8, 9}, {17, 4}};
    char buf[128];
    size_t len = 0;
    CHECK(nodecore_cgroup_name_to_path(NULL, 21, components, 3, NODECORE_CGROUP_DRIVER_CGROUPFS, buf, sizeof buf,
                                       &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_name_to_path(text, 21, NULL, 3, NODECORE_CGROUP_DRIVER_CGROUPFS, buf, sizeof buf, &len,
                                       NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_name_to_path(text, 21, components, 3, NODECORE_CGROUP_DRIVER_CGROUPFS, buf, sizeof buf,
                                       NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_name_to_path(text, 21, components, 3, NODECORE_CGROUP_DRIVER_CGROUPFS, NULL, sizeof buf,
                                       &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_name_to_path(text, 21, components, SIZE_MAX, NODECORE_CGROUP_DRIVER_CGROUPFS, buf,
                                       sizeof buf, &len, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(nodecore_cgroup_name_to_path("kube\xffpods", 9, components, 1, NODECORE_CGROUP_DRIVER_CGROUPFS, buf,
                                       sizeof buf, &len, NULL) == NODECORE_STATUS_INVALID_UTF8);
    CHECK(nodecore_cgroup_name_to_path(text, 21, components, 3, 0xffffffffu, buf, sizeof buf, &len, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);

    CHECK(nodecore_cgroup_path_convert(NULL, 4, NODECORE_CGROUP_DRIVER_CGROUPFS, NODECORE_CGROUP_DRIVER_SYSTEMD, buf,
                                       sizeof buf, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_path_convert("/a", 2, NODECORE_CGROUP_DRIVER_CGROUPFS, NODECORE_CGROUP_DRIVER_SYSTEMD, buf,
                                       sizeof buf, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_path_convert("/a", 2, 9, NODECORE_CGROUP_DRIVER_SYSTEMD, buf, sizeof buf, &len, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(nodecore_cgroup_pod_path(NULL, 4, true, NODECORE_QOS_BURSTABLE, "uid", 3, NODECORE_CGROUP_DRIVER_CGROUPFS,
                                   buf, sizeof buf, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_pod_path("/", 1, true, NODECORE_QOS_BURSTABLE, NULL, 3, NODECORE_CGROUP_DRIVER_CGROUPFS, buf,
                                   sizeof buf, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_pod_path("/", 1, true, 99, "uid", 3, NODECORE_CGROUP_DRIVER_CGROUPFS, buf, sizeof buf, &len,
                                   NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(nodecore_cgroup_pod_path("/", 1, true, NODECORE_QOS_BURSTABLE, "../../etc", 9,
                                   NODECORE_CGROUP_DRIVER_CGROUPFS, buf, sizeof buf, &len, NULL) != NODECORE_STATUS_OK);

    nodecore_container_swap_input input;
    memset(&input, 0, sizeof input);
    input.cgroup_version = NODECORE_CGROUP_V2;
    nodecore_swap_setting setting;
    CHECK(nodecore_cgroup_container_swap(NULL, &setting, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_container_swap(&input, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    input.cgroup_version = 7;
    CHECK(nodecore_cgroup_container_swap(&input, &setting, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    int64_t bytes = 0;
    CHECK(nodecore_cgroup_limited_swap_bytes(1, 2, 3, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_cgroup_limited_swap_bytes(INT64_MAX, INT64_MAX, INT64_MAX, &bytes, NULL) != NODECORE_STATUS_PANIC);
    /* The infallible conversions take any number. */
    (void)nodecore_cgroup_milli_cpu_to_shares(INT64_MIN);
    (void)nodecore_cgroup_milli_cpu_to_quota(INT64_MAX, UINT64_MAX);
    (void)nodecore_cgroup_cpu_shares_to_weight_linear(UINT64_MAX);
    (void)nodecore_cgroup_cpu_shares_to_weight_quadratic(UINT64_MAX);
    (void)nodecore_cgroup_cpu_weight_to_shares(UINT64_MAX);
    (void)nodecore_cgroup_memory_high(INT64_MAX, INT64_MIN, INT64_MAX, 1e308, 0);
}

static void test_eviction(void) {
    CHECK(nodecore_eviction_signal_name(UINT32_MAX) == NULL);
    nodecore_eviction_signal signal;
    CHECK(nodecore_eviction_signal_from_name(NULL, 3, &signal, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_signal_from_name("\xff", 1, &signal, NULL) == NODECORE_STATUS_INVALID_UTF8);

    nodecore_threshold thresholds[4];
    size_t len = 0;
    static const char config[] = "{\"evictionHard\":{\"memory.available\":\"100Mi\"}}";
    CHECK(nodecore_eviction_thresholds(NULL, 5, thresholds, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_thresholds(config, strlen(config), thresholds, 4, NULL, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_thresholds(config, strlen(config), NULL, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    static const char absurd[] = "{\"evictionHard\":{\"memory.available\":\"1e99999999999999999999Ki\"}}";
    nodecore_error *err = GARBAGE;
    CHECK(nodecore_eviction_thresholds(absurd, strlen(absurd), thresholds, 4, &len, &err) ==
          NODECORE_STATUS_INVALID_THRESHOLD);
    expect_error(err, NODECORE_STATUS_INVALID_THRESHOLD, "invalid-threshold", "");

    nodecore_container_requests containers[1] = {{NODECORE_CONTAINER_REGULAR, true, 1, false, 0}};
    int64_t memory = 0, storage = 0;
    CHECK(nodecore_eviction_pod_requests(NULL, 1, NULL, &memory, &storage, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_pod_requests(containers, 1, NULL, NULL, &storage, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_pod_requests(containers, 1, NULL, &memory, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_pod_requests(containers, SIZE_MAX, NULL, &memory, &storage, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);
    nodecore_container_requests overflow[2] = {{NODECORE_CONTAINER_REGULAR, true, INT64_MAX, false, 0},
                                               {NODECORE_CONTAINER_REGULAR, true, INT64_MAX, false, 0}};
    CHECK(nodecore_eviction_pod_requests(overflow, 2, NULL, &memory, &storage, NULL) != NODECORE_STATUS_PANIC);
    nodecore_container_requests odd_kind[1] = {{77, true, 1, false, 0}};
    CHECK(nodecore_eviction_pod_requests(odd_kind, 1, NULL, &memory, &storage, NULL) ==
          NODECORE_STATUS_INVALID_ARGUMENT);

    nodecore_pod_stats pods[2];
    memset(pods, 0, sizeof pods);
    size_t order[2];
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_MEMORY_AVAILABLE, false, false, NULL, 2, order, 2, &len, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_MEMORY_AVAILABLE, false, false, pods, 2, NULL, 2, &len, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_MEMORY_AVAILABLE, false, false, pods, 2, order, 2, NULL, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_MEMORY_AVAILABLE, false, false, pods, SIZE_MAX, order, 2, &len,
                                 NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    pods[0].has_stats = pods[1].has_stats = true;
    pods[0].memory_working_set_bytes = UINT64_MAX;
    pods[0].memory_request = INT64_MIN;
    pods[1].priority = INT32_MIN;
    CHECK(nodecore_eviction_rank(NODECORE_SIGNAL_MEMORY_AVAILABLE, false, false, pods, 2, order, 2, &len, NULL) ==
          NODECORE_STATUS_OK && len == 2);
}

static void test_groups_and_pids(void) {
    static const char passwd[] = "alice:x:1000:1000::/:/bin/sh\n";
    nodecore_security_context sc;
    memset(&sc, 0, sizeof sc);
    nodecore_container_user user;
    uint32_t groups[4];
    size_t len = 0;
    CHECK(nodecore_groups_resolve_files(NULL, 5, true, NULL, 0, false, "alice", 5, &sc, NULL, 0, NULL, &user, groups, 4,
                                        &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_files(passwd, strlen(passwd), true, NULL, 3, true, "alice", 5, &sc, NULL, 0, NULL,
                                        &user, groups, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_files(passwd, strlen(passwd), true, NULL, 0, false, NULL, 5, &sc, NULL, 0, NULL,
                                        &user, groups, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_files(passwd, strlen(passwd), true, NULL, 0, false, "alice", 5, NULL, NULL, 0, NULL,
                                        &user, groups, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_files(passwd, strlen(passwd), true, NULL, 0, false, "alice", 5, &sc, NULL, 2, NULL,
                                        &user, groups, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_files(passwd, strlen(passwd), true, NULL, 0, false, "alice", 5, &sc, NULL, 0, NULL,
                                        NULL, groups, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_files(passwd, strlen(passwd), true, NULL, 0, false, "alice", 5, &sc, NULL, 0, NULL,
                                        &user, groups, 4, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_files(passwd, strlen(passwd), true, NULL, 0, false, "alice", 5, &sc, NULL, 0, NULL,
                                        &user, NULL, 4, &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    /* passwd bytes that are not UTF-8 are read as the runtimes read them: bytes. */
    CHECK(nodecore_groups_resolve_files("\xff:x:1:1\n", 9, true, NULL, 0, false, "1", 1, &sc, NULL, 0, NULL, &user,
                                        groups, 4, &len, NULL) != NODECORE_STATUS_PANIC);
    nodecore_groups_options options = {77, 0, false};
    CHECK(nodecore_groups_resolve_files(passwd, strlen(passwd), true, NULL, 0, false, "alice", 5, &sc, NULL, 0,
                                        &options, &user, groups, 4, &len, NULL) == NODECORE_STATUS_INVALID_ARGUMENT);
    CHECK(nodecore_groups_resolve_rootfs(NULL, 5, "alice", 5, &sc, NULL, 0, NULL, &user, groups, 4, &len, NULL) ==
          NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_rootfs("/no/such/rootfs", 15, "alice", 5, &sc, NULL, 0, NULL, &user, groups, 4, &len,
                                         NULL) != NODECORE_STATUS_OK);

    nodecore_node_pids node;
    CHECK(nodecore_pids_node(NULL, 5, &node, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_pids_node("/", 1, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    uint64_t count = 0;
    bool has_count = false;
    CHECK(nodecore_pids_pod_process_count(NULL, 5, &count, &has_count, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_pids_pod_process_count("/", 1, NULL, &has_count, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_pids_pod_process_count("/", 1, &count, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    nodecore_error *err = GARBAGE;
    CHECK(nodecore_pids_pod_process_count("/no/such/pod", 12, &count, &has_count, &err) == NODECORE_STATUS_IO);
    expect_error(err, NODECORE_STATUS_IO, "io", "/no/such/pod");

    nodecore_topology *topo = GARBAGE;
    CHECK(nodecore_topology_discover(NULL, 5, &topo, NULL) == NODECORE_STATUS_NULL_ARGUMENT && topo == NULL);
    CHECK(nodecore_topology_discover("/", 1, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_topology_discover("/no/such/root", 13, &topo, NULL) != NODECORE_STATUS_OK && topo == NULL);
    char *json = GARBAGE;
    CHECK(nodecore_topology_numa_distances(NULL, 5, &json, NULL) == NODECORE_STATUS_NULL_ARGUMENT && json == NULL);
    CHECK(nodecore_topology_numa_distances("/", 1, NULL, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
}

/* --- Errors, statuses and frees --------------------------------------------- */

static void test_errors_and_frees(void) {
    CHECK(nodecore_error_status(NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_error_kind(NULL) == NULL && nodecore_error_message(NULL) == NULL);
    const int32_t codes[] = {INT32_MIN, -1, 8, 98, 100000, INT32_MAX};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(strcmp(nodecore_status_name(codes[i]), "unknown") == 0);
    }

    /* Every free function takes NULL, any number of times. */
    for (int i = 0; i < 3; i++) {
        nodecore_cpuset_free(NULL);
        nodecore_topology_free(NULL);
        nodecore_error_free(NULL);
        nodecore_string_free(NULL);
    }

    /* The pattern the contract allows: free, forget, free again. */
    nodecore_cpuset *set = parse("0");
    nodecore_cpuset_free(set);
    set = NULL;
    nodecore_cpuset_free(set);

    /* After success the error out-parameter is NULL: freeing it is safe. */
    nodecore_error *err = GARBAGE;
    set = NULL;
    CHECK(nodecore_cpuset_parse("1", 1, &set, &err) == NODECORE_STATUS_OK && err == NULL);
    nodecore_error_free(err);
    nodecore_cpuset_free(set);
}

int main(void) {
    CHECK(nodecore_abi_version() >> 16 == NODECORE_ABI_VERSION_MAJOR);
    test_cpuset_parse();
    test_cpuset_from_list();
    test_cpuset_buffers();
    test_cpuset_infallible();
    test_topology();
    test_eval();
    test_static_policy();
    test_topology_policy();
    test_cgroups();
    test_eviction();
    test_groups_and_pids();
    test_errors_and_frees();
    if (failures) {
        fprintf(stderr, "%d of %d hostile checks failed\n", failures, checks);
        return 1;
    }
    printf("%d hostile checks passed\n", checks);
    return 0;
}
