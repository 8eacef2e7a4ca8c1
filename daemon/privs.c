/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>

#include "privs.h"
#include "util.h"

static void cap_freep(cap_t *c) {
        if (*c)
                cap_free(*c);
}
#define _cleanup_cap_ _cleanup_(cap_freep)

int privs_lookup_user(const char *name, uid_t *ret_uid, gid_t *ret_gid) {
        struct passwd pw, *result = NULL;
        char buf[16384];
        int r;

        r = getpwnam_r(name, &pw, buf, sizeof(buf), &result);
        if (r != 0)
                return -r;
        if (!result)
                return -ESRCH;
        *ret_uid = pw.pw_uid;
        *ret_gid = pw.pw_gid;
        return 0;
}

static bool kept(cap_value_t c, const cap_value_t *keep, size_t n_keep) {
        for (size_t i = 0; i < n_keep; i++)
                if (keep[i] == c)
                        return true;
        return false;
}

int privs_drop(uid_t uid, gid_t gid, const cap_value_t *keep, size_t n_keep) {
        _cleanup_cap_ cap_t caps = NULL;

        /* The bounding set first, while CAP_SETPCAP is still effective. */
        for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
                if (kept(c, keep, n_keep) || !CAP_IS_SUPPORTED(c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return log_error_errno(errno, "Failed to drop capability %s from the bounding set: %m",
                                               cap_to_name(c));
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return log_error_errno(errno, "Failed to clear the ambient capabilities: %m");

        if (setgroups(0, NULL) < 0)
                return log_error_errno(errno, "Failed to drop supplementary groups: %m");
        if (setresgid(gid, gid, gid) < 0)
                return log_error_errno(errno, "Failed to change group to %u: %m", (unsigned) gid);
        /* Keep the permitted set across the uid change... */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to set keep-caps: %m");
        if (setresuid(uid, uid, uid) < 0)
                return log_error_errno(errno, "Failed to change user to %u: %m", (unsigned) uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to clear keep-caps: %m");

        /* ...then set it to exactly what is kept, none of it effective. */
        caps = cap_init();
        if (!caps)
                return log_oom();
        if (n_keep > 0 && cap_set_flag(caps, CAP_PERMITTED, (int) n_keep, keep, CAP_SET) < 0)
                return log_error_errno(errno, "Failed to build the capability set: %m");
        if (cap_set_proc(caps) < 0)
                return log_error_errno(errno, "Failed to set capabilities: %m");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to set no_new_privs: %m");

        return privs_verify(uid, gid, keep, n_keep);
}

int privs_verify(uid_t uid, gid_t gid, const cap_value_t *keep, size_t n_keep) {
        _cleanup_cap_ cap_t caps = NULL;
        uid_t ru, eu, su;
        gid_t rg, eg, sg;

        if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
                return log_error_errno(errno, "Failed to read back user and group: %m");
        if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
                return log_error_errno(EPERM, "Privilege drop did not take: uids %u/%u/%u, gids %u/%u/%u",
                                       ru, eu, su, rg, eg, sg);
        if (getgroups(0, NULL) != 0)
                return log_error_errno(EPERM, "Privilege drop left supplementary groups");

        caps = cap_get_proc();
        if (!caps)
                return log_error_errno(errno, "Failed to read back capabilities: %m");
        for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
                cap_flag_value_t p, e, i;
                bool want = kept(c, keep, n_keep);
                int b, a;

                if (!CAP_IS_SUPPORTED(c))
                        continue;
                if (cap_get_flag(caps, c, CAP_PERMITTED, &p) < 0 ||
                    cap_get_flag(caps, c, CAP_EFFECTIVE, &e) < 0 ||
                    cap_get_flag(caps, c, CAP_INHERITABLE, &i) < 0)
                        return log_error_errno(errno, "Failed to read back capabilities: %m");
                b = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
                a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
                if ((p == CAP_SET) != want || e == CAP_SET || i == CAP_SET || (b == 1) != want || a == 1)
                        return log_error_errno(EPERM, "Capability %s is not as intended after the privilege drop",
                                               cap_to_name(c));
        }
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return log_error_errno(EPERM, "no_new_privs is not set after the privilege drop");
        return 0;
}

int privs_set_effective(cap_value_t cap, bool on) {
        _cleanup_cap_ cap_t caps = cap_get_proc();

        if (!caps)
                return -errno;
        if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, on ? CAP_SET : CAP_CLEAR) < 0)
                return -errno;
        if (cap_set_proc(caps) < 0)
                return -errno;
        return 0;
}
