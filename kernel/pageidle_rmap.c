// SPDX-License-Identifier: GPL-2.0-only
/*
 * From a PFN to a folio that is safe to walk, and the reverse-map walk that
 * clears the accessed bit of every PTE and PMD mapping it, secondary MMUs
 * included.
 */
#define pr_fmt(fmt) "pageidle: " fmt

#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/page-flags.h>

#include "pageidle.h"

/*
 * Only pages on an LRU list count: those are user memory, and an LRU folio
 * is always safe to hand to rmap_walk().  Tail pages never count; a THP is
 * reported through its head.  Returns the folio with a reference held, or
 * NULL.
 */
struct folio *pi_get_folio(unsigned long pfn)
{
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio;

	if (!page || PageTail(page))
		return NULL;

	folio = page_folio(page);
	if (!folio_test_lru(folio) || !folio_try_get(folio))
		return NULL;
	/* It may have been freed, split or isolated before we got it. */
	if (unlikely(page_folio(page) != folio || !folio_test_lru(folio))) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

struct pi_walk {
	bool referenced;
};

static int pi_ptep_clear_young_notify(struct vm_area_struct *vma,
				      unsigned long addr, pte_t *ptep)
{
	int young;

	young = static_call(pi_ptep_test_and_clear_young)(vma, addr, ptep);
	if (mm_has_notifiers(vma->vm_mm))
		young |= static_call(pi_mmu_notifier_clear_young)(vma->vm_mm,
				addr, addr + PAGE_SIZE);
	return young;
}

static int pi_pmdp_clear_young_notify(struct vm_area_struct *vma,
				      unsigned long addr, pmd_t *pmdp)
{
	int young;

	young = static_call(pi_pmdp_test_and_clear_young)(vma, addr, pmdp);
	if (mm_has_notifiers(vma->vm_mm))
		young |= static_call(pi_mmu_notifier_clear_young)(vma->vm_mm,
				addr, addr + PMD_SIZE);
	return young;
}

/* rmap_walk() callback: one VMA that may map the folio. */
static bool pi_clear_refs_one(struct folio *folio, struct vm_area_struct *vma,
			      unsigned long addr, void *arg)
{
	PI_DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	struct pi_walk *walk = arg;

	while (static_call(pi_page_vma_mapped_walk)(&pvmw)) {
		addr = pvmw.address;
		/* One young PTE of a PTE-mapped THP makes the whole THP young. */
		if (pvmw.pte) {
			if (pi_ptep_clear_young_notify(vma, addr, pvmw.pte))
				walk->referenced = true;
		} else if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) && pvmw.pmd) {
			if (pi_pmdp_clear_young_notify(vma, addr, pvmw.pmd))
				walk->referenced = true;
		}
	}
	return true;
}

/*
 * The walk does not hold the lock of an anonymous folio, so the anon_vma
 * is taken the careful way (it may be freed under us otherwise).  The
 * kernel calls this through a pointer: keeping the callback in the module
 * means the kernel's function is only ever called directly.
 */
static struct anon_vma *pi_anon_lock(struct folio *folio,
				     struct rmap_walk_control *rwc)
{
	return static_call(pi_folio_lock_anon_vma_read)(folio, rwc);
}

static inline bool pi_folio_has_mapping(struct folio *folio)
{
	return ((unsigned long)READ_ONCE(folio->mapping) & ~PAGE_MAPPING_FLAGS);
}

/*
 * Clear the accessed bit of every mapping of @folio (a referenced LRU
 * folio).  When one was set, the folio is no longer idle and the reference
 * is passed on to reclaim (pi_state_referenced()).  File and KSM folios
 * need the folio lock for the walk: they are trylocked and skipped when
 * contended, like the kernel's own page_idle does.
 */
void pi_clear_refs(struct folio *folio)
{
	struct pi_walk walk = { .referenced = false };
	struct rmap_walk_control rwc = {
		.arg = &walk,
		.rmap_one = pi_clear_refs_one,
		.anon_lock = pi_anon_lock,
	};
	bool need_lock;

	if (!folio_mapped(folio) || !pi_folio_has_mapping(folio))
		return;

	need_lock = !folio_test_anon(folio) || folio_test_ksm(folio);
	if (need_lock && !folio_trylock(folio))
		return;

	static_call(pi_rmap_walk)(folio, &rwc);

	if (need_lock)
		folio_unlock(folio);

	if (walk.referenced)
		pi_state_referenced(folio);
}
