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
    test_errors_and_frees();
    if (failures) {
        fprintf(stderr, "%d of %d hostile checks failed\n", failures, checks);
        return 1;
    }
    printf("%d hostile checks passed\n", checks);
    return 0;
}
