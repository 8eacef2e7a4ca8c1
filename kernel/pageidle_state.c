// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where a page's "idle" mark is kept.
 *
 * page_flags: the kernel's PG_idle and PG_young (CONFIG_PAGE_IDLE_FLAG on
 * 64-bit kernels).  Exactly what mm/page_idle.c uses, so the kernel's own
 * hooks cooperate as in-tree: an access through read(2), write(2) or any
 * other page cache lookup (folio_mark_accessed()) clears PG_idle, reclaim's
 * rmap walk (folio_referenced()) clears PG_idle when it finds a young PTE
 * and counts PG_young as a reference, and migration and THP splits carry
 * both flags over.
 *
 * own: one bit per PFN in a vmalloc'ed bitmap sized at load from max_pfn,
 * for kernels without the page flags (Debian's 6.1) or when
 * force_own_state is set.  The kernel knows nothing of it, so an access
 * that leaves no accessed bit in a page table for the module to find is
 * not seen: read(2)/write(2) and other page cache accesses, a young PTE
 * that reclaim or MGLRU aging cleared first, a young file PTE dropped at
 * unmap.  See README.md.  Bits are set and cleared atomically; there is no
 * lock.
 */
#define pr_fmt(fmt) "pageidle: " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/page_idle.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>

#include "pageidle.h"

enum pi_state_mode {
	PI_STATE_NONE,
	PI_STATE_PAGE_FLAGS,
	PI_STATE_OWN,
};

static enum pi_state_mode pi_mode;

/* own mode: bit N set = PFN N marked idle and not seen referenced since */
static unsigned long *pi_own_bits;
/* PFNs covered by pi_own_bits: max_pfn at load, rounded up to a long */
static unsigned long pi_own_pfns;

const char *pi_state_name(void)
{
	switch (pi_mode) {
	case PI_STATE_PAGE_FLAGS:
		return "page_flags";
	case PI_STATE_OWN:
		return "own";
	default:
		return "none";
	}
}

/*
 * Writes stop at this PFN; reads see every PFN below max_pfn, and a PFN
 * the own bitmap does not cover reads as not idle.
 */
unsigned long pi_state_pfn_limit(void)
{
	return pi_mode == PI_STATE_OWN ? pi_own_pfns : ULONG_MAX;
}

bool pi_state_test_idle(struct folio *folio)
{
	unsigned long pfn;

	if (pi_mode == PI_STATE_PAGE_FLAGS)
		return folio_test_idle(folio);

	pfn = folio_pfn(folio);
	return pfn < pi_own_pfns && test_bit(pfn, pi_own_bits);
}

void pi_state_set_idle(struct folio *folio)
{
	unsigned long pfn;

	if (pi_mode == PI_STATE_PAGE_FLAGS) {
		folio_set_idle(folio);
		return;
	}

	pfn = folio_pfn(folio);
	if (pfn < pi_own_pfns)
		set_bit(pfn, pi_own_bits);
}

/*
 * The rmap walk found and cleared a young PTE or PMD of @folio: it is not
 * idle, and reclaim must still learn of the reference the walk took away
 * from the page table.
 *
 * page_flags: PG_young, as in-tree.  folio_referenced() counts it as one
 * referencing PTE when reclaim next looks at the folio.
 *
 * own: PG_young does not exist, so the reference is reported at once with
 * folio_mark_accessed(), the call the kernel makes for an access it cannot
 * see in a page table.  It is exported and right for both the classic LRU
 * and MGLRU (where it raises the folio's reference tier).  On the classic
 * LRU the first reference sets PG_referenced and a second one, found by a
 * later scan, activates the folio: the same "look twice" rule reclaim
 * applies to referencing PTEs.  The difference from in-tree is for a
 * folio used in one scan interval only: reclaim sees PG_referenced but no
 * referencing PTE, which for an anonymous folio does not spare it another
 * trip round the inactive list.  Setting only PG_referenced would leave
 * that gap for every folio; the module never holds page table or LRU
 * locks when it calls this.
 */
void pi_state_referenced(struct folio *folio)
{
	unsigned long pfn;

	if (pi_mode == PI_STATE_PAGE_FLAGS) {
		folio_clear_idle(folio);
		folio_set_young(folio);
		return;
	}

	pfn = folio_pfn(folio);
	if (pfn < pi_own_pfns)
		clear_bit(pfn, pi_own_bits);
	folio_mark_accessed(folio);
}

/*
 * Memory hotplug, own mode.  Sections that go offline or come online lose
 * their marks, so pages that appear there never inherit a stale one.
 * Memory added above pi_own_pfns is not covered: it reads as not idle and
 * writes to it fail with ENXIO until the module is reloaded.  Memory
 * blocks are section-aligned, so the cleared range is whole longs that no
 * one sets concurrently (none of its pages is online and on an LRU).
 */
static void pi_own_forget(unsigned long start, unsigned long nr)
{
	unsigned long end = min(start + nr, pi_own_pfns);

	if (start < end)
		bitmap_clear(pi_own_bits, start, end - start);
}

static int pi_state_memory_event(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	struct memory_notify *mn = data;

	switch (action) {
	case MEM_GOING_ONLINE:
		if (mn->start_pfn + mn->nr_pages > pi_own_pfns)
			pr_warn("PFNs %#lx-%#lx onlined beyond the %#lx PFNs tracked since load: they read as not idle and cannot be marked until pageidle is reloaded\n",
				mn->start_pfn, mn->start_pfn + mn->nr_pages - 1,
				pi_own_pfns);
		pi_own_forget(mn->start_pfn, mn->nr_pages);
		break;
	case MEM_OFFLINE:
		pi_own_forget(mn->start_pfn, mn->nr_pages);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block pi_state_memory_nb = {
	.notifier_call = pi_state_memory_event,
};

int pi_state_init(bool force_own)
{
	int err;

	if (PI_HAVE_PAGE_IDLE_FLAG && !force_own) {
		pi_mode = PI_STATE_PAGE_FLAGS;
		return 0;
	}

	pi_own_pfns = round_up(pi_read_max_pfn(), BITS_PER_LONG);
	pi_own_bits = vzalloc(BITS_TO_LONGS(pi_own_pfns) * sizeof(long));
	if (!pi_own_bits)
		return -ENOMEM;

	err = register_memory_notifier(&pi_state_memory_nb);
	if (err) {
		pr_err("cannot register memory hotplug notifier (error %d)\n",
		       err);
		vfree(pi_own_bits);
		pi_own_bits = NULL;
		return err;
	}
	pi_mode = PI_STATE_OWN;
	return 0;
}

void pi_state_exit(void)
{
	if (pi_mode == PI_STATE_OWN) {
		unregister_memory_notifier(&pi_state_memory_nb);
		vfree(pi_own_bits);
		pi_own_bits = NULL;
	}
	pi_mode = PI_STATE_NONE;
}
