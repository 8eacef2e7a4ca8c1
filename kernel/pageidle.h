/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of pageidle.ko share.
 *
 * pageidle_main.c   module parameters, load and unload, the sysfs ABI
 * pageidle_rmap.c   finding a PFN's folio, clearing its accessed bits
 * pageidle_state.c  where "idle" is kept: page flags or the module's own
 * pageidle_dev.c    /dev/pageidle, the scan interface
 * pageidle_syms.c   kernel symbols resolved at load time
 */
#ifndef _PAGEIDLE_H
#define _PAGEIDLE_H

#include <linux/kallsyms.h>
#include <linux/kobject.h>
#include <linux/memcontrol.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/pgtable.h>
#include <linux/rmap.h>
#include <linux/static_call.h>

#include "compat.h"

/*
 * pageidle_syms.c: functions the kernel does not export are reached
 * through static calls, so every call is a direct one: no ENDBR is needed
 * at the target (the kernel seals the ENDBR of functions whose address it
 * never takes, and an indirect call to them faults under IBT) and no
 * retpoline is taken.
 */
DECLARE_STATIC_CALL(pi_rmap_walk, rmap_walk);
DECLARE_STATIC_CALL(pi_page_vma_mapped_walk, page_vma_mapped_walk);
DECLARE_STATIC_CALL(pi_folio_lock_anon_vma_read, folio_lock_anon_vma_read);
DECLARE_STATIC_CALL(pi_ptep_test_and_clear_young, ptep_test_and_clear_young);
DECLARE_STATIC_CALL(pi_pmdp_test_and_clear_young, pmdp_test_and_clear_young);
DECLARE_STATIC_CALL(pi_mmu_notifier_clear_young, __mmu_notifier_clear_young);
DECLARE_STATIC_CALL(pi_page_cgroup_ino, page_cgroup_ino);

/* Data the kernel does not export: max_pfn, and mm_kobj on 6.12. */
extern unsigned long *pi_max_pfn;
extern struct kobject **pi_mm_kobj;

int pi_syms_resolve(void);

static inline unsigned long pi_read_max_pfn(void)
{
	return READ_ONCE(*pi_max_pfn);
}

/* pageidle_state.c */
int pi_state_init(bool force_own);
void pi_state_exit(void);
const char *pi_state_name(void);
unsigned long pi_state_pfn_limit(void);
bool pi_state_test_idle(struct folio *folio);
void pi_state_set_idle(struct folio *folio);
void pi_state_referenced(struct folio *folio);

/* pageidle_rmap.c */
struct folio *pi_get_folio(unsigned long pfn);
void pi_clear_refs(struct folio *folio);

/* pageidle_dev.c */
int pi_dev_init(void);
void pi_dev_exit(void);

#endif /* _PAGEIDLE_H */
