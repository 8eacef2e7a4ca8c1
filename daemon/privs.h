/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The process's user, groups and capabilities: switching, dropping and
 * reading them back.  Capability sets are bit masks (bit N is capability
 * N), read with capget(2) and prctl(2) for every capability the running
 * kernel has (/proc/sys/kernel/cap_last_cap), not only those the headers
 * knew at build time. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIVS_CAP(c) (UINT64_C(1) << (c))
#define PRIVS_UID_INVALID ((uid_t) -1)

int privs_lookup_user(const char *name, uid_t *ret_uid, gid_t *ret_gid);

/* The highest capability number of the running kernel: cap_last_cap, or,
 * where /proc/sys is not there, probed with PR_CAPBSET_READ.
 * privs_cap_last_from() reads it from path (for the tests). */
int privs_cap_last(void);
int privs_cap_last_from(const char *path);

typedef struct PrivsState {
        uid_t uid[3];                   /* real, effective, saved */
        gid_t gid[3];
        int n_groups;                   /* supplementary */
        uint64_t permitted, effective, inheritable, bounding, ambient;
        bool no_new_privs;
} PrivsState;

/* What a drop must leave: all three user and group IDs, no supplementary
 * groups if no_groups (a process that stays who it is keeps its own), exactly these permitted and effective sets, empty inheritable
 * and ambient sets, no_new_privs, and, if bounding_exact, exactly this
 * bounding set (a process without CAP_SETPCAP cannot shrink its own). */
typedef struct PrivsWant {
        uid_t uid;
        gid_t gid;
        uint64_t permitted, effective, bounding;
        bool bounding_exact;
        bool no_groups;
} PrivsWant;

int privs_read(PrivsState *ret, int cap_last);
/* 0 if s is as w says, else -EPERM with the first difference in why. */
int privs_check(const PrivsState *s, const PrivsWant *w, int cap_last, char *why, size_t size);

/* The permitted set of the process, 0 if it cannot be read. */
uint64_t privs_permitted(void);
/* "cap_dac_override cap_sys_ptrace", or "none"; NULL when out of memory. */
char *privs_format(uint64_t mask);

/* Drops to uid/gid (PRIVS_UID_INVALID: stays who it is; a switch needs
 * root) with no supplementary groups, keeping exactly keep (which must be
 * permitted now) in the permitted set, and in the effective set too if
 * effective; the bounding set is cut to keep where CAP_SETPCAP allows it;
 * ambient and inheritable are emptied and no_new_privs is set.  Then reads
 * it all back and fails with -EPERM, logged, if any of it is not so. */
int privs_drop(uid_t uid, gid_t gid, uint64_t keep, bool effective);
