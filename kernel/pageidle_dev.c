// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/pageidle: the scan interface (uapi/pageidle_dev.h).  One call does
 * for a PFN range what a bitmap client does with /proc/kpageflags,
 * /proc/kpagecgroup and the bitmap: find the LRU folios charged to the
 * named memory cgroups, read back whether each stayed idle, mark it idle
 * again, and report it.  It costs one rmap walk per tracked mapped folio
 * (the bitmap costs one to read back and one to mark) and nothing but a
 * look at struct page for the memory of other cgroups.
 */
#define pr_fmt(fmt) "pageidle: " fmt

#include <linux/bsearch.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "pageidle.h"
#include "uapi/pageidle_dev.h"

#define PI_WORD_PFNS	64

/* A named cgroup: its inode and its index in the caller's list. */
struct pi_cgroup_key {
	u64 ino;
	u32 index;
};

struct pi_scan_ctx {
	struct pi_cgroup_key *keys;	/* sorted by inode */
	u32 n_keys;
	u64 last_ino;			/* runs of pages share a cgroup */
	long last_index;
	u64 lru_folios;
	struct pageidle_folio word[PI_WORD_PFNS];
};

static int pi_key_cmp(const void *a, const void *b)
{
	const struct pi_cgroup_key *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* The caller's index of the cgroup with inode @ino, or -1. */
static long pi_scan_lookup(struct pi_scan_ctx *c, u64 ino)
{
	struct pi_cgroup_key key = { .ino = ino }, *found;

	if (ino != c->last_ino) {
		found = bsearch(&key, c->keys, c->n_keys, sizeof(key),
				pi_key_cmp);
		c->last_ino = ino;
		c->last_index = found ? (long)found->index : -1;
	}
	return c->last_index;
}

/*
 * One folio of a named cgroup: read back, mark again, report.  A single
 * rmap walk serves both: it clears the accessed bits a read-back looks
 * for, which is also what marking needs, and a young mapping it finds
 * takes the folio's idle mark away (pi_state_referenced()) before the
 * second look.
 */
static void pi_scan_folio(struct folio *folio, u32 index,
			  struct pageidle_folio *rec)
{
	bool was_idle = pi_state_test_idle(folio);
	bool idle;

	pi_clear_refs(folio);
	idle = was_idle && pi_state_test_idle(folio);
	pi_state_set_idle(folio);

	rec->pfn = folio_pfn(folio);
	rec->cgroup = index;
	rec->order = folio_order(folio);
	rec->flags = (folio_test_anon(folio) ? PAGEIDLE_FOLIO_ANON : 0) |
		     (idle ? PAGEIDLE_FOLIO_IDLE : 0);
	rec->reserved = 0;
}

/*
 * How many PFNs from @pfn (not a tracked folio's) can be passed over at
 * once: a free buddy block or a compound page whole, else one.  Both are
 * naturally aligned, so a skip never ends inside a word it did not start
 * at the beginning of.  The order is read without the zone lock: a block
 * allocated meanwhile may give a stale one, which is bounded and only
 * makes the skip pass over a page that was free when it started.
 */
static unsigned long pi_scan_skip(struct page *page, unsigned long pfn)
{
	unsigned long nr = 1;

	if (PageBuddy(page)) {
		unsigned long order = READ_ONCE(page->private);

		if (order < BITS_PER_LONG && (1UL << order) <= MAX_ORDER_NR_PAGES)
			nr = 1UL << order;
	} else if (PageHead(page)) {
		nr = compound_nr(page);
	}
	if (nr > MAX_ORDER_NR_PAGES * 512UL || !IS_ALIGNED(pfn, nr))
		return 1;
	return nr;
}

/*
 * PFNs from @pfn of the word it starts, and any free block or compound
 * page that starts there and goes on past it: the folios found go to
 * c->word.  Returns the PFN after the last one looked at.
 */
static unsigned long pi_scan_word(struct pi_scan_ctx *c, unsigned long pfn,
				  unsigned long end, unsigned int *n_found)
{
	unsigned long word_end = min(ALIGN(pfn + 1, PI_WORD_PFNS), end);
	unsigned int n = 0;

	while (pfn < word_end) {
		struct page *page = pfn_to_online_page(pfn);
		struct folio *folio;
		long index;

		if (!page || PageTail(page)) {
			pfn++;
			continue;
		}
		if (!folio_test_lru(page_folio(page))) {
			pfn += pi_scan_skip(page, pfn);
			continue;
		}
		c->lru_folios++;
		/* Safe without a reference, as for /proc/kpagecgroup. */
		index = pi_scan_lookup(c,
				static_call(pi_page_cgroup_ino)(page));
		folio = index < 0 ? NULL : pi_get_folio(pfn);
		if (!folio) {
			pfn += pi_scan_skip(page, pfn);
			continue;
		}
		pi_scan_folio(folio, index, &c->word[n++]);
		pfn += folio_nr_pages(folio);
		folio_put(folio);
	}
	*n_found = n;
	return pfn;
}

static int pi_scan_check(const struct pageidle_scan *s)
{
	int i;

	if (s->version != PAGEIDLE_SCAN_VERSION || s->flags || s->reserved0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(s->reserved); i++)
		if (s->reserved[i])
			return -EINVAL;
	if (s->start_pfn % PI_WORD_PFNS || s->end_pfn % PI_WORD_PFNS ||
	    s->end_pfn < s->start_pfn ||
	    s->end_pfn - s->start_pfn > PAGEIDLE_SCAN_MAX_PFNS)
		return -EINVAL;
	if (!s->n_cgroups)
		return -EINVAL;
	if (s->n_cgroups > PAGEIDLE_SCAN_MAX_CGROUPS)
		return -E2BIG;
	if (s->max_folios < PAGEIDLE_SCAN_MIN_FOLIOS)
		return -ENOSPC;
	return 0;
}

static int pi_scan_load_cgroups(struct pi_scan_ctx *c,
				const struct pageidle_scan *s)
{
	u64 __user *uinos = u64_to_user_ptr(s->cgroups);
	u32 i;

	c->keys = kvmalloc_array(s->n_cgroups, sizeof(*c->keys), GFP_KERNEL);
	if (!c->keys)
		return -ENOMEM;
	for (i = 0; i < s->n_cgroups; i++) {
		if (get_user(c->keys[i].ino, uinos + i))
			return -EFAULT;
		c->keys[i].index = i;
	}
	sort(c->keys, s->n_cgroups, sizeof(*c->keys), pi_key_cmp, NULL);
	c->n_keys = s->n_cgroups;
	/* No memcg has inode 0: an uncharged page never matches. */
	c->last_ino = 0;
	c->last_index = -1;
	return 0;
}

static long pi_ioctl_scan(struct pageidle_scan __user *arg)
{
	struct pageidle_folio __user *out;
	struct pageidle_scan s;
	struct pi_scan_ctx *c;
	unsigned long pfn, end, max_pfn;
	long err;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	err = pi_scan_check(&s);
	if (err)
		return err;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	err = pi_scan_load_cgroups(c, &s);
	if (err)
		goto out;

	out = u64_to_user_ptr(s.folios);
	s.n_folios = 0;
	max_pfn = pi_read_max_pfn();
	end = min_t(u64, s.end_pfn, max_pfn);
	for (pfn = s.start_pfn; pfn < end;) {
		unsigned int n;

		if (s.max_folios - s.n_folios < PI_WORD_PFNS)
			break;
		if (signal_pending(current)) {
			if (pfn == s.start_pfn) {
				err = -EINTR;
				goto out;
			}
			break;
		}
		pfn = pi_scan_word(c, pfn, end, &n);
		if (copy_to_user(out + s.n_folios, c->word, n * sizeof(*c->word))) {
			err = -EFAULT;
			goto out;
		}
		s.n_folios += n;
		cond_resched();
	}
	/* Nothing is past the end of memory: that part is done. */
	s.next_pfn = pfn >= end ? s.end_pfn : pfn;
	s.lru_folios = c->lru_folios;
	if (copy_to_user(arg, &s, sizeof(s)))
		err = -EFAULT;
out:
	kvfree(c->keys);
	kfree(c);
	return err;
}

static long pi_dev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	switch (cmd) {
	case PAGEIDLE_IOC_SCAN:
		return pi_ioctl_scan((struct pageidle_scan __user *)arg);
	default:
		return -ENOTTY;
	}
}

/* .owner pins the module while a file is open: no call outlives it. */
static const struct file_operations pi_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pi_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pi_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = PAGEIDLE_DEV_NAME,
	.fops = &pi_dev_fops,
	.mode = 0600,
};

int pi_dev_init(void)
{
	int err = misc_register(&pi_dev);

	if (err)
		pr_err("cannot register /dev/%s (error %d)\n",
		       PAGEIDLE_DEV_NAME, err);
	return err;
}

void pi_dev_exit(void)
{
	misc_deregister(&pi_dev);
}
