# SPDX-License-Identifier: GPL-2.0-or-later
# The page at / in Debian's chromium (tests/web/test-web.sh), driven by
# playwright-core, which the test installs into the build tree with npm ci
# from the committed package.json and package-lock.json.
TESTS += tests/web/test-web.sh
EXTRA_DIST += \
	tests/web/test-web.sh \
	tests/web/page.js \
	tests/web/package.json \
	tests/web/package-lock.json
CLEANFILES += tests/web/page.png

# The npm install and, out of the source tree, its copied manifests.
clean-web:
	rm -rf tests/web/node_modules
	if test "$(abs_builddir)" != "$(abs_srcdir)"; then \
		rm -f tests/web/package.json tests/web/package-lock.json; \
	fi
PHONY += clean-web
