# SPDX-License-Identifier: GPL-2.0-or-later
dist_man_MANS = \
	man/pageidled.8 \
	man/pageidled.conf.5 \
	man/pageidlectl.1 \
	man/org.pageidled1.5
