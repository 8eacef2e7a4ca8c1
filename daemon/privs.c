/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "privs.h"
#include "util.h"

#define CAP_LAST_CAP_FILE "/proc/sys/kernel/cap_last_cap"

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

int privs_cap_last_from(const char *path) {
        _cleanup_free_ char *text = NULL;
        char *end;
        long v;
        int r;

        r = read_full_fileat(AT_FDCWD, path, &text, NULL);
        if (r < 0)
                return r;
        errno = 0;
        v = strtol(text, &end, 10);
        if (errno != 0 || end == text || (*end != '\n' && *end != 0) || v < 0)
                return -EINVAL;
        /* Sets are 64 bits wide, in the kernel's interface as here. */
        return (int) MIN(v, 63L);
}

int privs_cap_last(void) {
        int c, r;

        r = privs_cap_last_from(CAP_LAST_CAP_FILE);
        if (r >= 0)
                return r;
        /* No /proc/sys (a chroot, a test tree): the bounding set says where
         * the capabilities end. */
        for (c = 0; c < 64 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
                ;
        return c > 0 ? c - 1 : -EINVAL;
}

static uint64_t caps_mask(int cap_last) {
        return cap_last >= 63 ? UINT64_MAX : PRIVS_CAP(cap_last + 1) - 1;
}

static int caps_get(uint64_t *ret_permitted, uint64_t *ret_effective, uint64_t *ret_inheritable) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        if (capget(&h, d) < 0)
                return -errno;
        *ret_permitted = d[0].permitted | (uint64_t) d[1].permitted << 32;
        *ret_effective = d[0].effective | (uint64_t) d[1].effective << 32;
        *ret_inheritable = d[0].inheritable | (uint64_t) d[1].inheritable << 32;
        return 0;
}

static int caps_set(uint64_t permitted, uint64_t effective, uint64_t inheritable) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {
                { (uint32_t) effective, (uint32_t) permitted, (uint32_t) inheritable },
                { (uint32_t) (effective >> 32), (uint32_t) (permitted >> 32), (uint32_t) (inheritable >> 32) },
        };

        return capset(&h, d) < 0 ? -errno : 0;
}

int privs_read(PrivsState *ret, int cap_last) {
        PrivsState s = {};
        int r;

        if (getresuid(&s.uid[0], &s.uid[1], &s.uid[2]) < 0 || getresgid(&s.gid[0], &s.gid[1], &s.gid[2]) < 0)
                return -errno;
        s.n_groups = getgroups(0, NULL);
        if (s.n_groups < 0)
                return -errno;
        r = caps_get(&s.permitted, &s.effective, &s.inheritable);
        if (r < 0)
                return r;
        for (int c = 0; c <= cap_last; c++) {
                r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
                if (r < 0)
                        return -errno;
                if (r > 0)
                        s.bounding |= PRIVS_CAP(c);
                r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
                if (r < 0 && !(errno == EINVAL && c == 0))
                        return -errno;
                if (r < 0)
                        break;          /* a kernel without ambient capabilities (before 4.3) */
                if (r > 0)
                        s.ambient |= PRIVS_CAP(c);
        }
        r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        if (r < 0)
                return -errno;
        s.no_new_privs = r == 1;
        *ret = s;
        return 0;
}

static void why_caps(char *why, size_t size, const char *set, uint64_t have, uint64_t want) {
        _cleanup_free_ char *extra = privs_format(have & ~want), *missing = privs_format(want & ~have);

        snprintf(why, size, "the %s capability set holds %s that it should not and lacks %s", set,
                 extra ?: "?", missing ?: "?");
}

int privs_check(const PrivsState *s, const PrivsWant *w, int cap_last, char *why, size_t size) {
        uint64_t mask = caps_mask(cap_last);
        const struct {
                const char *name;
                uint64_t have, want;
                bool check;
        } sets[] = {
                { "permitted", s->permitted, w->permitted, true },
                { "effective", s->effective, w->effective, true },
                { "inheritable", s->inheritable, 0, true },
                { "ambient", s->ambient, 0, true },
                { "bounding", s->bounding, w->bounding, w->bounding_exact },
        };

        for (unsigned i = 0; i < 3; i++)
                if (s->uid[i] != w->uid || s->gid[i] != w->gid) {
                        snprintf(why, size, "user IDs are %u %u %u, group IDs %u %u %u, not %u and %u",
                                 (unsigned) s->uid[0], (unsigned) s->uid[1], (unsigned) s->uid[2],
                                 (unsigned) s->gid[0], (unsigned) s->gid[1], (unsigned) s->gid[2],
                                 (unsigned) w->uid, (unsigned) w->gid);
                        return -EPERM;
                }
        if (w->no_groups && s->n_groups != 0) {
                snprintf(why, size, "%d supplementary groups are left", s->n_groups);
                return -EPERM;
        }
        for (size_t i = 0; i < ELEMENTSOF(sets); i++)
                if (sets[i].check && (sets[i].have & mask) != (sets[i].want & mask)) {
                        why_caps(why, size, sets[i].name, sets[i].have & mask, sets[i].want & mask);
                        return -EPERM;
                }
        if (!s->no_new_privs) {
                snprintf(why, size, "no_new_privs is not set");
                return -EPERM;
        }
        return 0;
}

uint64_t privs_permitted(void) {
        uint64_t p = 0, e, i;

        return caps_get(&p, &e, &i) < 0 ? 0 : p;
}

char *privs_format(uint64_t mask) {
        char *s = NULL;
        size_t len = 0;

        if (mask == 0)
                return strdup("none");
        for (int c = 0; c < 64; c++) {
                char *name, *n;

                if (!(mask & PRIVS_CAP(c)))
                        continue;
                name = cap_to_name(c);
                if (!name) {
                        free(s);
                        return NULL;
                }
                n = realloc(s, len + strlen(name) + 2);
                if (!n) {
                        cap_free(name);
                        free(s);
                        return NULL;
                }
                s = n;
                len += (size_t) sprintf(s + len, "%s%s", len > 0 ? " " : "", name);
                cap_free(name);
        }
        return s;
}

int privs_drop(uid_t uid, gid_t gid, uint64_t keep, bool effective) {
        _cleanup_free_ char *names = NULL;
        bool setpcap, switching = uid != PRIVS_UID_INVALID;
        PrivsState s;
        PrivsWant w;
        char why[512];
        int cap_last, r;

        cap_last = privs_cap_last();
        if (cap_last < 0)
                return log_error_errno(cap_last, "Failed to find the kernel's highest capability: %m");
        r = privs_read(&s, cap_last);
        if (r < 0)
                return log_error_errno(r, "Failed to read the process's capabilities: %m");
        if (keep & ~s.permitted) {
                names = privs_format(keep & ~s.permitted);
                return log_error_errno(EPERM, "Cannot keep %s: not in the permitted set.", names ?: "capabilities");
        }

        /* The bounding set first, while CAP_SETPCAP is still there. */
        setpcap = s.permitted & PRIVS_CAP(CAP_SETPCAP);
        if (setpcap && !(s.effective & PRIVS_CAP(CAP_SETPCAP))) {
                r = caps_set(s.permitted, s.effective | PRIVS_CAP(CAP_SETPCAP), s.inheritable);
                if (r < 0)
                        return log_error_errno(r, "Failed to raise CAP_SETPCAP: %m");
        }
        for (int c = 0; setpcap && c <= cap_last; c++) {
                if ((keep & PRIVS_CAP(c)) || !(s.bounding & PRIVS_CAP(c)))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
                        _cleanup_free_ char *name = privs_format(PRIVS_CAP(c));

                        return log_error_errno(errno, "Failed to drop %s from the bounding set: %m", name ?: "a capability");
                }
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return log_error_errno(errno, "Failed to clear the ambient capabilities: %m");

        if (switching) {
                if (setgroups(0, NULL) < 0)
                        return log_error_errno(errno, "Failed to drop supplementary groups: %m");
                if (setresgid(gid, gid, gid) < 0)
                        return log_error_errno(errno, "Failed to change group to %u: %m", (unsigned) gid);
                /* Keep the permitted set across the change of user... */
                if (keep != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                        return log_error_errno(errno, "Failed to set keep-caps: %m");
                if (setresuid(uid, uid, uid) < 0)
                        return log_error_errno(errno, "Failed to change user to %u: %m", (unsigned) uid);
                if (keep != 0 && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                        return log_error_errno(errno, "Failed to clear keep-caps: %m");
        }

        /* ...then set it to exactly what is kept. */
        r = caps_set(keep, effective ? keep : 0, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to set the capabilities: %m");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to set no_new_privs: %m");

        w = (PrivsWant) {
                .uid = switching ? uid : s.uid[1],
                .gid = switching ? gid : s.gid[1],
                .permitted = keep,
                .effective = effective ? keep : 0,
                .bounding = keep,
                .bounding_exact = setpcap,
                .no_groups = switching,
        };
        r = privs_read(&s, cap_last);
        if (r < 0)
                return log_error_errno(r, "Failed to read back the capabilities: %m");
        r = privs_check(&s, &w, cap_last, why, sizeof(why));
        if (r < 0)
                return log_error_errno(r, "The privilege drop did not take: %s.", why);
        return 0;
}
