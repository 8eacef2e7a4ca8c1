/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The privileged opener: the only part of pageidled that keeps a
 * capability once it runs.  Forked before the daemon drops its
 * privileges, it keeps what the backend needs (CAP_DAC_OVERRIDE, with refs
 * also CAP_SYS_PTRACE) and does three things for the daemon over a
 * socketpair, each a fixed-size request answered by one reply:
 *
 *   OPENER_OPEN_BITMAP   opens the idle page bitmap (mode 0600, root) for
 *                        reading and writing and passes the fd back;
 *   OPENER_OPEN_DEVICE   the same for /dev/pageidle, pageidle.ko's scan
 *                        interface (mode 0600, root);
 *   OPENER_READ_ROLLUP   reads /proc/PID/smaps_rollup and sends it back
 *                        without its first line (the address range of the
 *                        process's mappings, which the estimates do not use);
 *   OPENER_CLEAR_REFS    writes "1" to /proc/PID/clear_refs (clears the
 *                        referenced bits, and nothing else that file does).
 *
 * The daemon itself then holds no capability at all, so the code that
 * handles HTTP and D-Bus input has none to raise.  The helper reads
 * nothing but those records: anything of another size, with file
 * descriptors attached, an unknown op, a pid out of range or an op its
 * backend does not use is refused with EINVAL (or EPERM for the op) and
 * logged.  It dies with the daemon (PR_SET_PDEATHSIG, and end of file on
 * the socket), is not dumpable, and the daemon exits when it goes away.
 *
 * Without privileges to shed (User=root, or started without
 * capabilities) the same calls do the same work in the daemon itself. */

#include <stdint.h>
#include <sys/types.h>

typedef enum OpenerOp {
        OPENER_OPEN_BITMAP = 1,
        OPENER_READ_ROLLUP,
        OPENER_CLEAR_REFS,
        OPENER_OPEN_DEVICE,
        _OPENER_OP_MAX,
} OpenerOp;

typedef struct OpenerRequest {
        uint32_t op;
        int32_t pid;                    /* 0 for OPENER_OPEN_BITMAP and _DEVICE */
} OpenerRequest;

/* smaps_rollup is about 600 bytes; this leaves room for fields to come. */
#define OPENER_DATA_MAX 4096

typedef struct OpenerReply {
        int32_t error;                  /* 0, or a positive errno */
        uint32_t size;                  /* bytes of data */
        char data[OPENER_DATA_MAX];     /* OPENER_READ_ROLLUP's text */
} OpenerReply;
#define OPENER_REPLY_HEADER (sizeof(int32_t) + sizeof(uint32_t))

typedef struct OpenerConfig {
        const char *proc_root;          /* for the PID ops; NULL refuses them */
        const char *bitmap_path;        /* NULL refuses OPENER_OPEN_BITMAP */
        const char *device_path;        /* NULL refuses OPENER_OPEN_DEVICE */
        uid_t uid;                      /* the helper's; PRIVS_UID_INVALID: stays */
        gid_t gid;
        uint64_t keep;                  /* capabilities the helper keeps, effective */
} OpenerConfig;

/* What the helper may open: /proc (or -EBADF), and the two files (or NULL). */
typedef struct OpenerFiles {
        int proc_fd;
        const char *bitmap_path;
        const char *device_path;
} OpenerFiles;

typedef struct Opener {
        int fd;                         /* to the helper; -EBADF: works in-process */
        pid_t pid;                      /* the helper, 0 once reaped */
        int proc_fd;                    /* in-process: opened from proc_root */
        char *bitmap_path;              /* in-process */
        char *device_path;              /* in-process */
        int error;                      /* the helper was lost: every call fails so */
} Opener;

/* No helper: the calls work with the caller's own privileges. */
int opener_new_local(const OpenerConfig *c, Opener **ret);
/* Forks the helper, which drops to c's user and capabilities, and waits
 * until it says it did; its failure is logged and returned. */
int opener_fork(const OpenerConfig *c, Opener **ret);
/* Closes the socket (the helper exits at end of file) and reaps it. */
Opener *opener_free(Opener *o);
static inline void opener_freep(Opener **o) {
        opener_free(*o);
}

/* Each returns the kernel's error for the file as a negative errno, or
 * -ENOTCONN once the helper is gone (logged once). */
int opener_open_bitmap(Opener *o);
int opener_open_device(Opener *o);
int opener_read_rollup(Opener *o, int pid, char **ret, size_t *ret_size);
int opener_clear_refs(Opener *o, int pid);

/* The CPU time the helper has used so far (0 without one): its reads of
 * smaps_rollup are part of a refs scan, and count against CPUBudget=. */
void opener_cpu_times_usec(const Opener *o, uint64_t *ret_user, uint64_t *ret_sys);

/* After the helper hung up: reaps it and logs how it ended. */
void opener_reap(Opener *o);

/* The helper's side: answers requests on fd until end of file, opening
 * only what f names.  Returns 0 at end of file, a negative errno (logged)
 * when it cannot go on. */
int opener_serve(int fd, const OpenerFiles *f);
