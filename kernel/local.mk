# SPDX-License-Identifier: GPL-2.0-or-later
# pageidle.ko, built by Kbuild against $(KBUILD_DIR) with its objects in the
# build tree.
kernel_sources = \
	kernel/compat.h \
	kernel/pageidle.h \
	kernel/pageidle_main.c \
	kernel/pageidle_rmap.c \
	kernel/pageidle_state.c \
	kernel/pageidle_syms.c
EXTRA_DIST += kernel/Kbuild kernel/dkms.conf kernel/README.md $(kernel_sources)

kbuild_module = $(top_srcdir)/build-aux/kbuild-module '$(KBUILD_DIR)' \
	'$(top_srcdir)/kernel' '$(abs_top_builddir)/kernel'
kbuild_verbose = $(kbuild_verbose_@AM_V@)
kbuild_verbose_ = $(kbuild_verbose_@AM_DEFAULT_V@)
kbuild_verbose_0 = --no-print-directory
kbuild_verbose_1 = V=1

if BUILD_KMOD
all-kmod: kernel/pageidle.ko

kernel/pageidle.ko: kernel/Kbuild $(kernel_sources)
	$(AM_V_GEN)$(kbuild_module) modules $(kbuild_verbose)

install-kmod: kernel/pageidle.ko
	$(MKDIR_P) '$(DESTDIR)$(kmoddir)'
	$(INSTALL_DATA) kernel/pageidle.ko '$(DESTDIR)$(kmoddir)/pageidle.ko'
	@case '$(DESTDIR)$(kmoddir)' in \
	/lib/modules/$(KERNEL_RELEASE)/*) depmod -a '$(KERNEL_RELEASE)' ;; \
	*) echo "pageidle.ko installed outside /lib/modules/$(KERNEL_RELEASE): run depmod where it is used" ;; \
	esac

uninstall-kmod:
	rm -f '$(DESTDIR)$(kmoddir)/pageidle.ko'

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
