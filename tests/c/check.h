/*
 * What the C test files share: the CHECK macro and its counters, and a few
 * small functions. test_nodecore.c defines them and runs every file's tests.
 */
#ifndef NODECORE_TEST_CHECK_H
#define NODECORE_TEST_CHECK_H

#include "nodecore.h"

#include <stdio.h>

extern int failures;
extern int checks;

#define CHECK(cond)                                                          \
    do {                                                                     \
        checks++;                                                            \
        if (!(cond)) {                                                       \
            failures++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

/* Checks that a failed call produced an error object of `status` and `kind`
 * whose message contains `part`, then frees it. */
void expect_error(nodecore_error *err, nodecore_status status, const char *kind, const char *part);

/* A set parsed from text known to be valid. */
nodecore_cpuset *parse(const char *text);

/* The list format of a set, in a static buffer. */
const char *format(const nodecore_cpuset *set);

/* A named test topology. */
nodecore_topology *named_topology(const char *name);

/* One test file per module. */
void test_cpumanager(void);
void test_topologymanager(void);
void test_cgroups(void);
void test_eviction(void);
void test_groups(void);

#endif
