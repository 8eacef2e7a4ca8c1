/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * /dev/pageidle: pageidle.ko's scan interface, beside the idle page bitmap.
 *
 * One PAGEIDLE_IOC_SCAN call walks a PFN range in the kernel and, for every
 * LRU folio charged to one of the memory cgroups the caller names, reads
 * back whether it stayed idle since it was last marked, marks it idle again
 * and reports it: what a bitmap client does with /proc/kpageflags,
 * /proc/kpagecgroup and two passes over the bitmap, in one pass that
 * returns nothing for the memory of other cgroups.
 *
 * The marks are the bitmap's (the module's state, page flags or its own
 * bitmap): a folio marked through one interface reads back through the
 * other.  Opening the device takes the same rights as the bitmap (mode
 * 0600, root); an open file pins the module, so rmmod fails with EBUSY
 * while one is open.
 */
#ifndef _UAPI_PAGEIDLE_DEV_H
#define _UAPI_PAGEIDLE_DEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PAGEIDLE_DEV_NAME		"pageidle"
#define PAGEIDLE_SCAN_VERSION		1

/* Limits of one call, beyond which it fails: E2BIG for cgroups, EINVAL for PFNs. */
#define PAGEIDLE_SCAN_MAX_CGROUPS	65536
#define PAGEIDLE_SCAN_MAX_PFNS		(1ULL << 26)	/* 256 GiB of 4 KiB pages */
/* The call reports whole words of 64 PFNs: it needs room for that many folios. */
#define PAGEIDLE_SCAN_MIN_FOLIOS	64

/* struct pageidle_folio.flags */
#define PAGEIDLE_FOLIO_ANON		0x01	/* anonymous (KPF_ANON): swap-backed or KSM */
#define PAGEIDLE_FOLIO_IDLE		0x02	/* marked idle before, and not used since */

/* One folio, reported once, by its head. */
struct pageidle_folio {
	__u64 pfn;		/* head PFN */
	__u32 cgroup;		/* index into pageidle_scan.cgroups */
	__u8 order;		/* the folio is 1 << order pages */
	__u8 flags;		/* PAGEIDLE_FOLIO_* */
	__u16 reserved;		/* 0 */
};

struct pageidle_scan {
	__u32 version;		/* in: PAGEIDLE_SCAN_VERSION */
	__u32 flags;		/* in: 0 */
	__u64 start_pfn;	/* in: a multiple of 64 */
	__u64 end_pfn;		/* in: a multiple of 64, at most MAX_PFNS after start_pfn */
	__u64 cgroups;		/* in: pointer to __u64[n_cgroups], memcg inode numbers as in /proc/kpagecgroup */
	__u64 folios;		/* in: pointer to struct pageidle_folio[max_folios] */
	__u32 n_cgroups;	/* in: 1 to MAX_CGROUPS */
	__u32 max_folios;	/* in: at least MIN_FOLIOS */
	__u32 n_folios;		/* out: folios reported, in PFN order */
	__u32 reserved0;	/* 0 */
	__u64 next_pfn;		/* out: where to go on (a multiple of 64); end_pfn when done */
	__u64 lru_folios;	/* out: LRU folios seen in [start_pfn, next_pfn), tracked or not */
	__u64 reserved[4];	/* 0 */
};

/*
 * Errors: EINVAL (version, flags, reserved fields, range, n_cgroups of 0),
 * E2BIG (more than MAX_CGROUPS), ENOSPC (max_folios below MIN_FOLIOS),
 * EFAULT (a pointer; when folios cannot be written, the word of 64 PFNs
 * whose folios were being reported has been read back and marked), EINTR (a signal before the first word was done; one
 * that comes later ends the call early, with next_pfn saying where).  A
 * range past the end of memory is done at once: nothing is there.
 */
#define PAGEIDLE_IOC_MAGIC	0xB9
#define PAGEIDLE_IOC_SCAN	_IOWR(PAGEIDLE_IOC_MAGIC, 1, struct pageidle_scan)

#endif /* _UAPI_PAGEIDLE_DEV_H */
