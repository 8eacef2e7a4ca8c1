# SPDX-License-Identifier: GPL-2.0-or-later
# systemd units and the files systemd reads at boot: each goes where
# systemd looks (configure takes the directories from systemd.pc).
systemdsystemunit_DATA = units/pageidled.service units/pageidled.socket

units/pageidled.service: units/pageidled.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) units && \
	$(SED) -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/units/pageidled.service.in > $@.tmp && \
	mv $@.tmp $@
CLEANFILES += units/pageidled.service

# These three are named after the package in their directories.
install-units-renamed:
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)' '$(DESTDIR)$(tmpfilesdir)' '$(DESTDIR)$(modulesloaddir)'
	$(INSTALL_DATA) $(srcdir)/units/pageidled.sysusers '$(DESTDIR)$(sysusersdir)/pageidled.conf'
	$(INSTALL_DATA) $(srcdir)/units/pageidled.tmpfiles '$(DESTDIR)$(tmpfilesdir)/pageidled.conf'
	$(INSTALL_DATA) $(srcdir)/units/pageidle.modules-load '$(DESTDIR)$(modulesloaddir)/pageidle.conf'
uninstall-units-renamed:
	rm -f '$(DESTDIR)$(sysusersdir)/pageidled.conf' '$(DESTDIR)$(tmpfilesdir)/pageidled.conf' \
		'$(DESTDIR)$(modulesloaddir)/pageidle.conf'
PHONY += install-units-renamed uninstall-units-renamed

EXTRA_DIST += \
	units/pageidled.service.in \
	units/pageidled.socket \
	units/pageidled.sysusers \
	units/pageidled.tmpfiles \
	units/pageidle.modules-load
