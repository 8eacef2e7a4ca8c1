# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packaging (pageidled and pageidle-dkms), in the tarball so
# that "make deb" (build-aux/make-deb) builds the packages from it.
EXTRA_DIST += \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/rules \
	debian/source/format \
	debian/pageidled.conf \
	debian/pageidled.install \
	debian/pageidled.postinst \
	debian/pageidled.postrm \
	debian/pageidled.lintian-overrides \
	debian/pageidle-dkms.lintian-overrides \
	debian/pageidle-dkms.dkms \
	debian/pageidle-dkms.postinst \
	debian/pageidle-dkms.prerm

# make deb: both packages in deb/, from this tree's dist tarball.
deb: dist-gzip
	$(top_srcdir)/build-aux/make-deb --out deb $(distdir).tar.gz
PHONY += deb

clean-deb:
	rm -rf deb
PHONY += clean-deb
