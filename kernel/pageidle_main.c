// SPDX-License-Identifier: GPL-2.0-only
/*
 * pageidle.ko: the idle page bitmap, /sys/kernel/mm/page_idle/bitmap, for
 * kernels built without CONFIG_IDLE_PAGE_TRACKING, with the ABI of the
 * kernel's mm/page_idle.c:
 *
 * - a 0600 binary attribute "bitmap" in the attribute group "page_idle"
 *   on mm_kobj;
 * - u64 words, bit N of word W is PFN 64 * W + N, 1 = idle;
 * - offset and count must be multiples of 8 bytes, else EINVAL;
 * - a read at or after max_pfn returns 0 bytes, one that crosses it stops
 *   there, and like in-tree only whole words are counted in what it
 *   returns: a last word that max_pfn cuts short is left out;
 * - a write at or after max_pfn fails with ENXIO; one that crosses it
 *   stops there, counted the same way;
 * - writing a 1 bit clears the accessed bits of the page's mappings and
 *   marks it idle; 0 bits change nothing;
 * - a page reads 1 when it is marked idle and has not been referenced
 *   since, which the read checks with the same walk.
 */
#define pr_fmt(fmt) "pageidle: " fmt

#include <linux/init.h>
#include <linux/kernfs.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "pageidle.h"
#include "uapi/pageidle_dev.h"

#define PI_CHUNK_SIZE	sizeof(u64)
#define PI_CHUNK_BITS	(PI_CHUNK_SIZE * BITS_PER_BYTE)

static char *sysfs_name = "page_idle";
module_param(sysfs_name, charp, 0444);
MODULE_PARM_DESC(sysfs_name,
		 "Directory under /sys/kernel/mm that holds bitmap (default page_idle); another name serves the same ABI beside the kernel's own");

static bool force_own_state;
module_param(force_own_state, bool, 0444);
MODULE_PARM_DESC(force_own_state,
		 "Keep idle marks in the module's own per-PFN bitmap even where the kernel has PG_idle/PG_young (default N)");

static int pi_param_state_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s\n", pi_state_name());
}

static int pi_param_state_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops pi_param_state_ops = {
	.set = pi_param_state_set,
	.get = pi_param_state_get,
};
module_param_cb(state, &pi_param_state_ops, NULL, 0444);
MODULE_PARM_DESC(state,
		 "Where idle marks are kept, read-only: page_flags (the kernel's PG_idle/PG_young) or own");

/* True when [pos, pos + count) is not made of whole u64 words. */
static bool pi_misaligned(loff_t pos, size_t count)
{
	return pos % PI_CHUNK_SIZE || count % PI_CHUNK_SIZE;
}

/*
 * The first PFN of byte offset @pos, or @limit when @pos is at or past it
 * (comparing bytes first, so a huge offset cannot wrap around).
 */
static unsigned long pi_pos_to_pfn(loff_t pos, unsigned long limit)
{
	if (pos >= DIV_ROUND_UP(limit, BITS_PER_BYTE))
		return limit;
	return pos * BITS_PER_BYTE;
}

static ssize_t pi_bitmap_read(struct file *file, struct kobject *kobj,
			      struct bin_attribute *attr, char *buf,
			      loff_t pos, size_t count)
{
	unsigned long max_pfn = pi_read_max_pfn();
	unsigned long pfn, end_pfn;
	u64 *out = (u64 *)buf;
	struct folio *folio;
	unsigned int bit;

	if (pi_misaligned(pos, count))
		return -EINVAL;

	pfn = pi_pos_to_pfn(pos, max_pfn);
	if (pfn >= max_pfn)
		return 0;
	end_pfn = min(pfn + count * BITS_PER_BYTE, max_pfn);

	for (; pfn < end_pfn; pfn++) {
		bit = pfn % PI_CHUNK_BITS;
		if (!bit)
			*out = 0;
		folio = pi_get_folio(pfn);
		if (folio) {
			/*
			 * A page marked idle may have been used through a
			 * mapping since: clear its references and look again.
			 */
			if (pi_state_test_idle(folio)) {
				pi_clear_refs(folio);
				if (pi_state_test_idle(folio))
					*out |= 1ULL << bit;
			}
			folio_put(folio);
		}
		if (bit == PI_CHUNK_BITS - 1)
			out++;
		cond_resched();
	}
	return (char *)out - buf;
}

static ssize_t pi_bitmap_write(struct file *file, struct kobject *kobj,
			       struct bin_attribute *attr, char *buf,
			       loff_t pos, size_t count)
{
	unsigned long limit = min(pi_read_max_pfn(), pi_state_pfn_limit());
	const u64 *in = (const u64 *)buf;
	unsigned long pfn, end_pfn;
	struct folio *folio;
	unsigned int bit;

	if (pi_misaligned(pos, count))
		return -EINVAL;

	pfn = pi_pos_to_pfn(pos, limit);
	if (pfn >= limit)
		return -ENXIO;
	end_pfn = min(pfn + count * BITS_PER_BYTE, limit);

	for (; pfn < end_pfn; pfn++) {
		bit = pfn % PI_CHUNK_BITS;
		if ((*in >> bit) & 1) {
			folio = pi_get_folio(pfn);
			if (folio) {
				pi_clear_refs(folio);
				pi_state_set_idle(folio);
				folio_put(folio);
			}
		}
		if (bit == PI_CHUNK_BITS - 1)
			in++;
		cond_resched();
	}
	return (char *)in - buf;
}

static struct bin_attribute pi_bitmap_attr =
	__BIN_ATTR(bitmap, 0600, pi_bitmap_read, pi_bitmap_write, 0);

static struct bin_attribute *pi_bin_attrs[] = {
	&pi_bitmap_attr,
	NULL,
};

/* .name is sysfs_name, set at load */
static struct attribute_group pi_attr_group = {
	.bin_attrs = pi_bin_attrs,
};

static bool pi_sysfs_name_valid(const char *name)
{
	return name && name[0] && strlen(name) <= NAME_MAX &&
	       !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/*
 * Refuse to shadow what is there already: the kernel's own bitmap (built
 * with CONFIG_IDLE_PAGE_TRACKING) or anything else of that name.  Creating
 * the group over it would fail with a WARNING from sysfs.
 */
static int pi_sysfs_check_free(struct kobject *mm_kobj)
{
	struct kernfs_node *kn;

	kn = kernfs_find_and_get(mm_kobj->sd, sysfs_name);
	if (!kn)
		return 0;
	kernfs_put(kn);
	if (!strcmp(sysfs_name, "page_idle"))
		pr_err("/sys/kernel/mm/page_idle already exists: this kernel has its own idle page tracking; refusing to load (use sysfs_name=OTHER to load beside it)\n");
	else
		pr_err("/sys/kernel/mm/%s already exists; refusing to load\n",
		       sysfs_name);
	return -EEXIST;
}

static int __init pageidle_init(void)
{
	struct kobject *mm_kobj;
	int err;

	if (!pi_sysfs_name_valid(sysfs_name)) {
		pr_err("invalid sysfs_name \"%s\"; refusing to load\n",
		       sysfs_name ? sysfs_name : "");
		return -EINVAL;
	}

	err = pi_syms_resolve();
	if (err)
		return err;

	mm_kobj = READ_ONCE(*pi_mm_kobj);
	if (!mm_kobj) {
		pr_err("/sys/kernel/mm does not exist; refusing to load\n");
		return -ENOENT;
	}
	err = pi_sysfs_check_free(mm_kobj);
	if (err)
		return err;

	err = pi_state_init(force_own_state);
	if (err)
		return err;

	pi_attr_group.name = sysfs_name;
	err = sysfs_create_group(mm_kobj, &pi_attr_group);
	if (err) {
		pr_err("cannot create /sys/kernel/mm/%s/bitmap (error %d)\n",
		       sysfs_name, err);
		pi_state_exit();
		return err;
	}

	err = pi_dev_init();
	if (err) {
		sysfs_remove_group(mm_kobj, &pi_attr_group);
		pi_state_exit();
		return err;
	}

	pr_info("/sys/kernel/mm/%s/bitmap and /dev/%s ready, %s state, %lu PFNs\n",
		sysfs_name, PAGEIDLE_DEV_NAME, pi_state_name(),
		pi_read_max_pfn());
	return 0;
}

static void __exit pageidle_exit(void)
{
	/*
	 * Removing the group waits for every read and write in progress to
	 * finish and fails later ones; an open /dev/pageidle holds the module,
	 * so no scan call is in progress.  Nothing uses the state after this.
	 */
	pi_dev_exit();
	sysfs_remove_group(READ_ONCE(*pi_mm_kobj), &pi_attr_group);
	pi_state_exit();
	pr_info("/sys/kernel/mm/%s/bitmap removed\n", sysfs_name);
}

module_init(pageidle_init);
module_exit(pageidle_exit);

/* configure's version, from Kbuild (see build-aux/kbuild-module). */
#ifndef PAGEIDLE_VERSION
#error "PAGEIDLE_VERSION is not set: build with build-aux/kbuild-module, make or dkms"
#endif

MODULE_DESCRIPTION("Idle page tracking bitmap for kernels built without it");
MODULE_LICENSE("GPL");
MODULE_VERSION(PAGEIDLE_VERSION);
