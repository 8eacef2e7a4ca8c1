/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What differs between the kernels pageidle builds against.
 *
 * Every version or configuration test of the module lives here, so the
 * other files read the same on every kernel.
 */
#ifndef _PAGEIDLE_COMPAT_H
#define _PAGEIDLE_COMPAT_H

#include <linux/kconfig.h>

/* The oldest kernel it builds against, Linux 6.1, is checked in Kbuild. */

/*
 * PG_idle and PG_young exist as real page flags only with
 * CONFIG_PAGE_IDLE_FLAG on 64-bit kernels; 32-bit kernels keep them in
 * page_ext, whose lookup the kernel does not export.  Elsewhere
 * <linux/page_idle.h> turns folio_test_idle() and friends into no-ops.
 */
#if IS_ENABLED(CONFIG_PAGE_IDLE_FLAG) && IS_ENABLED(CONFIG_64BIT)
#define PI_HAVE_PAGE_IDLE_FLAG 1
#else
#define PI_HAVE_PAGE_IDLE_FLAG 0
#endif

/*
 * DEFINE_FOLIO_VMA_WALK() takes the folio's offset from folio_pgoff(),
 * which on older kernels (6.1 among them) also handles hugetlb folios by
 * calling hugetlb_basepage_index(), a function the kernel does not export.
 * pageidle only walks LRU folios, which are never hugetlb, so their offset
 * is always folio->index: this is the same walk without the hugetlb case.
 */
#define PI_DEFINE_FOLIO_VMA_WALK(name, _folio, _vma, _address, _flags)	\
	struct page_vma_mapped_walk name = {				\
		.pfn = folio_pfn(_folio),				\
		.nr_pages = folio_nr_pages(_folio),			\
		.pgoff = (_folio)->index,				\
		.vma = _vma,						\
		.address = _address,					\
		.flags = _flags,					\
	}

/*
 * A few helpers the module calls out of line are inline on some
 * architectures and functions on others; the module resolves the x86
 * ones, the only architecture it is built and tested for.
 */
#ifndef CONFIG_X86_64
#error "pageidle is only built and tested for x86_64"
#endif

#endif /* _PAGEIDLE_COMPAT_H */
