# SPDX-License-Identifier: GPL-2.0-or-later
# The bus policy, activation file and interface description of
# org.pageidled1(5), in the directories configure chose
# (--with-dbuspolicydir and the like).
dist_dbuspolicy_DATA = dbus/org.pageidled1.conf
dist_dbusinterface_DATA = dbus/org.pageidled1.xml
dist_dbussystemservice_DATA = dbus/org.pageidled1.service
