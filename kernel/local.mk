# SPDX-License-Identifier: GPL-2.0-or-later
# pageidle.ko, built by Kbuild against $(KBUILD_DIR) with its objects in the
# build tree.
kernel_sources = \
	kernel/compat.h \
	kernel/pageidle.h \
	kernel/pageidle_main.c \
	kernel/pageidle_rmap.c \
	kernel/pageidle_state.c \
	kernel/pageidle_syms.c \
	kernel/pageidle_dev.c \
	kernel/uapi/pageidle_dev.h
# configure makes kernel/dkms.conf from kernel/dkms.conf.in.
EXTRA_DIST += kernel/Kbuild kernel/README.md $(kernel_sources)

kbuild_module = PAGEIDLE_VERSION='$(PACKAGE_VERSION)' \
	$(top_srcdir)/build-aux/kbuild-module '$(KBUILD_DIR)' \
	'$(top_srcdir)/kernel' '$(abs_top_builddir)/kernel'
kbuild_verbose = $(kbuild_verbose_@AM_V@)
kbuild_verbose_ = $(kbuild_verbose_@AM_DEFAULT_V@)
kbuild_verbose_0 = --no-print-directory
kbuild_verbose_1 = V=1

if BUILD_KMOD
all-kmod: kernel/pageidle.ko

kernel/pageidle.ko: kernel/Kbuild $(kernel_sources)
	$(AM_V_GEN)$(kbuild_module) modules $(kbuild_verbose)

# Kbuild's modules_install puts pageidle.ko in
# INSTALL_MOD_PATH/lib/modules/RELEASE/INSTALL_MOD_DIR (configure split
# kmoddir into the two), signed and compressed as the kernel's
# configuration says (CONFIG_MODULE_SIG_ALL, CONFIG_MODULE_COMPRESS_*).
# Its depmod would run with -b $(DESTDIR) where the build tree has a
# System.map, and leave a modules.dep of this one module there: DEPMOD=true
# turns it off, and depmod runs here, only when installing into the
# running system's /lib/modules.
install-kmod: kernel/pageidle.ko
	$(AM_V_GEN)$(kbuild_module) modules_install $(kbuild_verbose) DEPMOD=true \
		INSTALL_MOD_PATH='$(DESTDIR)$(kmod_install_mod_path)' \
		INSTALL_MOD_DIR='$(kmod_install_mod_dir)'
	@if test -z '$(DESTDIR)$(kmod_install_mod_path)'; then \
		echo "depmod -a $(KERNEL_RELEASE)"; depmod -a '$(KERNEL_RELEASE)'; \
	else \
		echo "pageidle.ko installed in $(DESTDIR)$(kmoddir): run depmod -a $(KERNEL_RELEASE) where it is used"; \
	fi

# Whichever compression the kernel's configuration chose.
uninstall-kmod:
	rm -f '$(DESTDIR)$(kmoddir)/pageidle.ko' '$(DESTDIR)$(kmoddir)/pageidle.ko.gz' \
		'$(DESTDIR)$(kmoddir)/pageidle.ko.xz' '$(DESTDIR)$(kmoddir)/pageidle.ko.zst'

clean-kmod:
	-$(kbuild_module) clean $(kbuild_verbose)
	-test '$(abs_top_srcdir)' = '$(abs_top_builddir)' || \
		find kernel -maxdepth 1 -type l -delete
else
all-kmod:
clean-kmod:
install-kmod:
uninstall-kmod:
endif
PHONY += all-kmod clean-kmod install-kmod uninstall-kmod
