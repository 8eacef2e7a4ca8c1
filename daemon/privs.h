/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/types.h>

int privs_lookup_user(const char *name, uid_t *ret_uid, gid_t *ret_gid);

/* Switches the process, started as root, to uid/gid with no supplementary
 * groups, keeping exactly the capabilities in keep[] in the permitted and
 * bounding sets (none effective, inheritable or ambient) and setting
 * no_new_privs; then reads everything back and fails with -EPERM if any of
 * it is not as asked. */
int privs_drop(uid_t uid, gid_t gid, const cap_value_t *keep, size_t n_keep);
int privs_verify(uid_t uid, gid_t gid, const cap_value_t *keep, size_t n_keep);

/* Raises (or lowers) one permitted capability in the effective set, for
 * the few calls that need it. */
int privs_set_effective(cap_value_t cap, bool on);
