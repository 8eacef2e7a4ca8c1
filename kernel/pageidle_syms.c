// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel symbols pageidle needs but the kernel does not export, resolved
 * once at load time.
 *
 * kallsyms_lookup_name() itself is not exported since Linux 5.7.  A kprobe
 * registered on it by name tells its address (kprobes resolve names
 * through kallsyms internally); the probe is removed at once.  Every other
 * symbol is then looked up with it.  A symbol that cannot be found
 * refuses the load with one log line naming it.
 */
#define pr_fmt(fmt) "pageidle: " fmt

#include <linux/kprobes.h>
#include <linux/printk.h>

#include "pageidle.h"

DEFINE_STATIC_CALL_RET0(pi_kallsyms_lookup_name, kallsyms_lookup_name);
DEFINE_STATIC_CALL_RET0(pi_rmap_walk, rmap_walk);
DEFINE_STATIC_CALL_RET0(pi_page_vma_mapped_walk, page_vma_mapped_walk);
DEFINE_STATIC_CALL_RET0(pi_folio_lock_anon_vma_read, folio_lock_anon_vma_read);
DEFINE_STATIC_CALL_RET0(pi_ptep_test_and_clear_young, ptep_test_and_clear_young);
DEFINE_STATIC_CALL_RET0(pi_pmdp_test_and_clear_young, pmdp_test_and_clear_young);
DEFINE_STATIC_CALL_RET0(pi_mmu_notifier_clear_young, __mmu_notifier_clear_young);
DEFINE_STATIC_CALL_RET0(pi_page_cgroup_ino, page_cgroup_ino);

unsigned long *pi_max_pfn;
struct kobject **pi_mm_kobj;

enum pi_sym_id {
	PI_SYM_RMAP_WALK,
	PI_SYM_PAGE_VMA_MAPPED_WALK,
	PI_SYM_FOLIO_LOCK_ANON_VMA_READ,
	PI_SYM_PTEP_TEST_AND_CLEAR_YOUNG,
	PI_SYM_PMDP_TEST_AND_CLEAR_YOUNG,
	PI_SYM_MMU_NOTIFIER_CLEAR_YOUNG,
	PI_SYM_PAGE_CGROUP_INO,
	PI_SYM_MAX_PFN,
	PI_SYM_MM_KOBJ,
	PI_SYM_COUNT
};

static const char * const pi_sym_names[PI_SYM_COUNT] = {
	[PI_SYM_RMAP_WALK] = "rmap_walk",
	[PI_SYM_PAGE_VMA_MAPPED_WALK] = "page_vma_mapped_walk",
	[PI_SYM_FOLIO_LOCK_ANON_VMA_READ] = "folio_lock_anon_vma_read",
	[PI_SYM_PTEP_TEST_AND_CLEAR_YOUNG] = "ptep_test_and_clear_young",
	[PI_SYM_PMDP_TEST_AND_CLEAR_YOUNG] = "pmdp_test_and_clear_young",
	[PI_SYM_MMU_NOTIFIER_CLEAR_YOUNG] = "__mmu_notifier_clear_young",
	[PI_SYM_PAGE_CGROUP_INO] = "page_cgroup_ino",
	[PI_SYM_MAX_PFN] = "max_pfn",
	[PI_SYM_MM_KOBJ] = "mm_kobj",
};

static unsigned long pi_find_kallsyms_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;
	int err;

	err = register_kprobe(&kp);
	if (err) {
		pr_err("cannot find kernel symbol kallsyms_lookup_name (kprobe error %d); refusing to load\n",
		       err);
		return 0;
	}
	/*
	 * On kernels with IBT, kp.addr may lie just past the function's
	 * ENDBR; the static call below is a direct call, so either address
	 * runs the same code.
	 */
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

int pi_syms_resolve(void)
{
	unsigned long addr[PI_SYM_COUNT];
	unsigned long lookup;
	int i;

	lookup = pi_find_kallsyms_lookup_name();
	if (!lookup)
		return -ENOENT;
	static_call_update(pi_kallsyms_lookup_name,
			   (typeof(&kallsyms_lookup_name))lookup);

	for (i = 0; i < PI_SYM_COUNT; i++) {
		addr[i] = static_call(pi_kallsyms_lookup_name)(pi_sym_names[i]);
		if (!addr[i]) {
			pr_err("cannot find kernel symbol %s; refusing to load\n",
			       pi_sym_names[i]);
			return -ENOENT;
		}
	}

	static_call_update(pi_rmap_walk,
			   (typeof(&rmap_walk))addr[PI_SYM_RMAP_WALK]);
	static_call_update(pi_page_vma_mapped_walk,
			   (typeof(&page_vma_mapped_walk))
			   addr[PI_SYM_PAGE_VMA_MAPPED_WALK]);
	static_call_update(pi_folio_lock_anon_vma_read,
			   (typeof(&folio_lock_anon_vma_read))
			   addr[PI_SYM_FOLIO_LOCK_ANON_VMA_READ]);
	static_call_update(pi_ptep_test_and_clear_young,
			   (typeof(&ptep_test_and_clear_young))
			   addr[PI_SYM_PTEP_TEST_AND_CLEAR_YOUNG]);
	static_call_update(pi_pmdp_test_and_clear_young,
			   (typeof(&pmdp_test_and_clear_young))
			   addr[PI_SYM_PMDP_TEST_AND_CLEAR_YOUNG]);
	static_call_update(pi_mmu_notifier_clear_young,
			   (typeof(&__mmu_notifier_clear_young))
			   addr[PI_SYM_MMU_NOTIFIER_CLEAR_YOUNG]);
	static_call_update(pi_page_cgroup_ino,
			   (typeof(&page_cgroup_ino))addr[PI_SYM_PAGE_CGROUP_INO]);
	pi_max_pfn = (unsigned long *)addr[PI_SYM_MAX_PFN];
	pi_mm_kobj = (struct kobject **)addr[PI_SYM_MM_KOBJ];
	return 0;
}
