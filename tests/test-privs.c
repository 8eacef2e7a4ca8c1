/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capability sets as the running kernel has them: cap_last_cap, the check
 * of a state against what a drop must leave (with capabilities beyond the
 * last one this build's headers know), and, as root, drops from the states
 * a daemon can be started in. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "privs.h"
#include "test-util.h"
#include "util.h"

static int cap_last_of(const char *text) {
        char path[] = "/tmp/test-privs.XXXXXX";
        int fd = mkstemp(path), r;

        CHECK(fd >= 0);
        CHECK(write(fd, text, strlen(text)) == (ssize_t) strlen(text));
        close(fd);
        r = privs_cap_last_from(path);
        unlink(path);
        return r;
}

static void test_cap_last(void) {
        char *t = NULL;

        CHECK(cap_last_of("40\n") == 40);
        CHECK(cap_last_of("45\n") == 45);
        CHECK(cap_last_of("100\n") == 63);
        CHECK(cap_last_of("") == -EINVAL);
        CHECK(cap_last_of("x\n") == -EINVAL);
        CHECK(cap_last_of("-1\n") == -EINVAL);
        CHECK(read_full_fileat(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &t, NULL) >= 0);
        CHECK(privs_cap_last() == atoi(t));
        free(t);
}

static void test_check(void) {
        /* A kernel with one capability more than CAP_LAST_CAP here. */
        int last = CAP_LAST_CAP + 1;
        PrivsState s = {
                .uid = { 981, 981, 981 },
                .gid = { 981, 981, 981 },
                .bounding = PRIVS_CAP(last),
                .no_new_privs = true,
        };
        PrivsWant w = { .uid = 981, .gid = 981, .bounding_exact = true, .no_groups = true };
        char why[512];

        /* The capability the headers do not know is seen where the kernel has it. */
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == -EPERM);
        CHECK(strstr(why, "bounding"));
        CHECK(privs_check(&s, &w, CAP_LAST_CAP, why, sizeof(why)) == 0);
        s.bounding = 0;
        s.permitted = PRIVS_CAP(last);
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == -EPERM);
        CHECK(strstr(why, "permitted"));
        s.permitted = 0;
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == 0);

        /* Each difference, one at a time. */
        s.ambient = PRIVS_CAP(CAP_DAC_OVERRIDE);
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == -EPERM && strstr(why, "ambient"));
        s.ambient = 0;
        s.inheritable = PRIVS_CAP(CAP_DAC_OVERRIDE);
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == -EPERM && strstr(why, "inheritable"));
        s.inheritable = 0;
        s.gid[2] = 0;
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == -EPERM && strstr(why, "group IDs"));
        s.gid[2] = 981;
        s.n_groups = 1;
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == -EPERM && strstr(why, "supplementary"));
        w.no_groups = false;
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == 0);
        s.no_new_privs = false;
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == -EPERM && strstr(why, "no_new_privs"));
        s.no_new_privs = true;
        /* Without CAP_SETPCAP the bounding set stays what it was. */
        s.bounding = UINT64_MAX;
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == -EPERM);
        w.bounding_exact = false;
        CHECK(privs_check(&s, &w, last, why, sizeof(why)) == 0);
}

static void set_caps(uint64_t permitted, uint64_t inheritable) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {
                { (uint32_t) permitted, (uint32_t) permitted, (uint32_t) inheritable },
                { (uint32_t) (permitted >> 32), (uint32_t) (permitted >> 32), (uint32_t) (inheritable >> 32) },
        };

        CHECK(capset(&h, d) == 0);
}

/* In a child: become nobody with ambient caps (as systemd's User= and
 * AmbientCapabilities= start a service), then drop. */
static int child_drop(uint64_t caps, uint64_t keep) {
        int last = privs_cap_last();
        PrivsState s;

        CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0);
        CHECK(setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0);
        set_caps(caps, caps);
        for (int c = 0; c < 64; c++)
                if (caps & PRIVS_CAP(c))
                        CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) == 0);
        CHECK(privs_read(&s, last) == 0 && s.ambient == caps);

        CHECK(privs_drop(PRIVS_UID_INVALID, 0, keep, true) == 0);
        CHECK(privs_read(&s, last) == 0);
        CHECK(s.uid[1] == 65534 && s.permitted == keep && s.effective == keep);
        CHECK(s.ambient == 0 && s.inheritable == 0 && s.no_new_privs);
        /* Cut to keep only where CAP_SETPCAP was there to do it. */
        if (caps & PRIVS_CAP(CAP_SETPCAP))
                CHECK(s.bounding == keep);
        else
                CHECK(s.bounding != keep);
        return 0;
}

static int child_switch(uint64_t keep) {
        int last = privs_cap_last();
        PrivsState s;

        CHECK(setgroups(1, (gid_t[]) { 4 }) == 0);
        CHECK(privs_drop(65534, 65534, keep, false) == 0);
        CHECK(privs_read(&s, last) == 0);
        CHECK(s.uid[0] == 65534 && s.uid[1] == 65534 && s.uid[2] == 65534 && s.gid[0] == 65534 && s.n_groups == 0);
        CHECK(s.permitted == keep && s.effective == 0 && s.bounding == keep && s.ambient == 0 && s.no_new_privs);
        /* Nothing to raise any more. */
        CHECK(privs_drop(PRIVS_UID_INVALID, 0, PRIVS_CAP(CAP_SYS_ADMIN), false) == -EPERM);
        return 0;
}

static void in_child(int (*f)(uint64_t, uint64_t), uint64_t a, uint64_t b) {
        int status;
        pid_t pid = fork();

        CHECK(pid >= 0);
        if (pid == 0)
                _exit(f(a, b) == 0 ? 0 : 1);
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int child_switch2(uint64_t keep, uint64_t unused) {
        return child_switch(keep);
}

int main(void) {
        test_cap_last();
        test_check();
        if (geteuid() != 0) {
                fprintf(stderr, "not root: the drops from root and ambient states are not tried\n");
                return 0;
        }
        in_child(child_drop, PRIVS_CAP(CAP_DAC_OVERRIDE), 0);
        in_child(child_drop, PRIVS_CAP(CAP_DAC_OVERRIDE) | PRIVS_CAP(CAP_SYS_PTRACE), PRIVS_CAP(CAP_DAC_OVERRIDE));
        in_child(child_drop, PRIVS_CAP(CAP_DAC_OVERRIDE) | PRIVS_CAP(CAP_SETPCAP), 0);
        in_child(child_drop, PRIVS_CAP(CAP_DAC_OVERRIDE) | PRIVS_CAP(CAP_SETPCAP), PRIVS_CAP(CAP_DAC_OVERRIDE));
        in_child(child_switch2, 0, 0);
        in_child(child_switch2, PRIVS_CAP(CAP_DAC_OVERRIDE), 0);
        return 0;
}
