// SPDX-License-Identifier: GPL-2.0-only
/*
 * pageidle.ko: the idle page bitmap, /sys/kernel/mm/page_idle/bitmap, for
 * kernels built without CONFIG_IDLE_PAGE_TRACKING.
 */
#define pr_fmt(fmt) "pageidle: " fmt

#include <linux/module.h>

static int __init pageidle_init(void)
{
	pr_info("loaded\n");
	return 0;
}

static void __exit pageidle_exit(void)
{
	pr_info("unloaded\n");
}

module_init(pageidle_init);
module_exit(pageidle_exit);

MODULE_DESCRIPTION("Idle page tracking bitmap for kernels built without it");
MODULE_LICENSE("GPL");
