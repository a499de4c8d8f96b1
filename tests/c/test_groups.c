/*
 * Supplemental-group resolution through the C ABI: files in memory and a
 * root filesystem on disk.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, symlink */

#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *PASSWD = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n";
static const char *GROUP = "wheel:x:10:root,alice\nalice:x:1000:alice\ndevs:x:50000:alice\n";

static void test_files(void) {
    nodecore_security_context sc;
    memset(&sc, 0, sizeof sc);
    sc.has_fs_group = true;
    sc.fs_group = 2000;
    int64_t supplemental[] = {4000};
    nodecore_container_user user;
    uint32_t groups[8];
    size_t len = 0;
    nodecore_status status = nodecore_groups_resolve_files(PASSWD, strlen(PASSWD), true, GROUP, strlen(GROUP), true,
                                                           "alice", 5, &sc, supplemental, 1, NULL, &user, groups,
                                                           8, &len, NULL);
    /* containerd as released: sorted, and the group named alice left out. */
    CHECK(status == NODECORE_STATUS_OK && user.uid == 1000 && user.gid == 1000 && len == 5);
    CHECK(groups[0] == 10 && groups[1] == 1000 && groups[2] == 2000 && groups[3] == 4000 && groups[4] == 50000);

    nodecore_groups_options crio = {NODECORE_RUNTIME_CRI_O, NODECORE_USER_PARSER_V0_4_0, false};
    status = nodecore_groups_resolve_files(PASSWD, strlen(PASSWD), true, GROUP, strlen(GROUP), true, "alice", 5, &sc,
                                           supplemental, 1, &crio, &user, groups, 8, &len, NULL);
    /* CRI-O: in the order added, the same-name group included. */
    CHECK(status == NODECORE_STATUS_OK && len == 5 && groups[0] == 1000 && groups[1] == 10 && groups[2] == 50000 &&
          groups[3] == 2000 && groups[4] == 4000);

    sc.supplemental_groups_policy = NODECORE_GROUPS_POLICY_STRICT;
    status = nodecore_groups_resolve_files(PASSWD, strlen(PASSWD), true, GROUP, strlen(GROUP), true, "alice", 5, &sc,
                                           supplemental, 1, NULL, &user, groups, 8, &len, NULL);
    CHECK(status == NODECORE_STATUS_OK && len == 3 && groups[0] == 1000 && groups[1] == 2000 && groups[2] == 4000);

    /* The buffer protocol: nothing written when the groups do not fit. */
    nodecore_container_user untouched = {7, 7};
    nodecore_error *err = NULL;
    status = nodecore_groups_resolve_files(PASSWD, strlen(PASSWD), true, GROUP, strlen(GROUP), true, "alice", 5, &sc,
                                           supplemental, 1, NULL, &untouched, groups, 2, &len, &err);
    CHECK(status == NODECORE_STATUS_INSUFFICIENT_SPACE && len == 3 && untouched.uid == 7);
    expect_error(err, NODECORE_STATUS_INSUFFICIENT_SPACE, "insufficient-space", "3 are needed");

    /* Refusals with the runtimes' and the API's words. */
    status = nodecore_groups_resolve_files(PASSWD, strlen(PASSWD), true, GROUP, strlen(GROUP), true, "carol", 5, &sc,
                                           NULL, 0, NULL, &user, groups, 8, &len, &err);
    CHECK(status == NODECORE_STATUS_USER_NOT_FOUND);
    expect_error(err, NODECORE_STATUS_USER_NOT_FOUND, "user-not-found", "carol");
    status = nodecore_groups_resolve_files(NULL, 0, false, NULL, 0, false, "alice", 5, &sc, NULL, 0, NULL, &user,
                                           groups, 8, &len, &err);
    CHECK(status == NODECORE_STATUS_USER_NOT_FOUND); /* no /etc/passwd at all */
    expect_error(err, NODECORE_STATUS_USER_NOT_FOUND, "user-not-found", "alice");
    int64_t negative[] = {-1};
    status = nodecore_groups_resolve_files(PASSWD, strlen(PASSWD), true, NULL, 0, false, "", 0, &sc, negative, 1,
                                           NULL, &user, groups, 8, &len, &err);
    CHECK(status == NODECORE_STATUS_GID_OUT_OF_RANGE);
    expect_error(err, NODECORE_STATUS_GID_OUT_OF_RANGE, "gid-out-of-range", "must be between 0 and 2147483647");
    sc.has_run_as_user = true;
    sc.run_as_user = (int64_t)1 << 40;
    status = nodecore_groups_resolve_files(PASSWD, strlen(PASSWD), true, NULL, 0, false, "", 0, &sc, NULL, 0, NULL,
                                           &user, groups, 8, &len, &err);
    CHECK(status == NODECORE_STATUS_UID_OUT_OF_RANGE);
    expect_error(err, NODECORE_STATUS_UID_OUT_OF_RANGE, "uid-out-of-range", "");

    /* Files need not be UTF-8; enums and pointers are checked. */
    const char latin1[] = "root:x:0:0:r\xe9:/root:/bin/sh\n";
    memset(&sc, 0, sizeof sc);
    status = nodecore_groups_resolve_files(latin1, strlen(latin1), true, NULL, 0, false, "root", 4, &sc, NULL, 0, NULL,
                                           &user, groups, 8, &len, NULL);
    CHECK(status == NODECORE_STATUS_OK && user.uid == 0 && len == 1);
    sc.supplemental_groups_policy = 2;
    status = nodecore_groups_resolve_files(NULL, 0, false, NULL, 0, false, NULL, 0, &sc, NULL, 0, NULL, &user, groups,
                                           8, &len, &err);
    CHECK(status == NODECORE_STATUS_INVALID_ARGUMENT);
    expect_error(err, NODECORE_STATUS_INVALID_ARGUMENT, "invalid-argument", "supplemental_groups_policy");
    CHECK(nodecore_groups_resolve_files(NULL, 0, false, NULL, 0, false, NULL, 0, NULL, NULL, 0, NULL, &user, groups, 8,
                                        &len, NULL) == NODECORE_STATUS_NULL_ARGUMENT);
    CHECK(nodecore_groups_resolve_files(PASSWD, 3, true, NULL, 0, false, "\xff", 1, &sc, NULL, 0, NULL, &user, groups,
                                        8, &len, NULL) == NODECORE_STATUS_INVALID_UTF8);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_rootfs(void) {
    char root[] = "/tmp/nodecore-c-rootfs-XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char etc[96], passwd[128], group[128];
    snprintf(etc, sizeof etc, "%s/etc", root);
    snprintf(passwd, sizeof passwd, "%s/passwd", etc);
    snprintf(group, sizeof group, "%s/group", etc);
    CHECK(mkdir(etc, 0755) == 0);
    write_file(passwd, PASSWD);
    /* /etc/group points to a group file outside the root; resolved inside
     * the root, that path does not exist, so the image has no /etc/group. */
    char outside[] = "/tmp/nodecore-c-outside-XXXXXX";
    CHECK(mkdtemp(outside) != NULL);
    char outside_group[96];
    snprintf(outside_group, sizeof outside_group, "%s/group", outside);
    write_file(outside_group, GROUP);
    CHECK(symlink(outside_group, group) == 0);

    nodecore_security_context sc;
    memset(&sc, 0, sizeof sc);
    nodecore_container_user user;
    uint32_t groups[8];
    size_t len = 0;
    nodecore_status status = nodecore_groups_resolve_rootfs(root, strlen(root), "alice", 5, &sc, NULL, 0, NULL, &user,
                                                            groups, 8, &len, NULL);
    CHECK(status == NODECORE_STATUS_OK && user.uid == 1000 && len == 1 && groups[0] == 1000);
    CHECK(unlink(outside_group) == 0 && rmdir(outside) == 0);
    CHECK(unlink(group) == 0);
    write_file(group, GROUP);
    status = nodecore_groups_resolve_rootfs(root, strlen(root), "alice", 5, &sc, NULL, 0, NULL, &user, groups, 8, &len,
                                            NULL);
    CHECK(status == NODECORE_STATUS_OK && len == 3); /* 10, 1000, 50000 */

    /* A directory where /etc/group should be. */
    CHECK(unlink(group) == 0 && mkdir(group, 0755) == 0);
    nodecore_error *err = NULL;
    status = nodecore_groups_resolve_rootfs(root, strlen(root), "alice", 5, &sc, NULL, 0, NULL, &user, groups, 8, &len,
                                            &err);
    CHECK(status == NODECORE_STATUS_NOT_REGULAR_FILE);
    expect_error(err, NODECORE_STATUS_NOT_REGULAR_FILE, "not-regular-file", "/etc/group is not a regular file");
    CHECK(rmdir(group) == 0 && unlink(passwd) == 0 && rmdir(etc) == 0 && rmdir(root) == 0);

    status = nodecore_groups_resolve_rootfs(root, strlen(root), "alice", 5, &sc, NULL, 0, NULL, &user, groups, 8, &len,
                                            &err);
    CHECK(status == NODECORE_STATUS_ROOTFS);
    expect_error(err, NODECORE_STATUS_ROOTFS, "rootfs", root);
}

void test_groups(void) {
    test_files();
    test_rootfs();
}
