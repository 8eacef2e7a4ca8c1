/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The names of the D-Bus API (contract: org.pageidled1(5)), for the daemon
 * (bus.c), pageidlectl and the tests alike.  Every error name here is
 * documented in the man page (tests/test-bus-man.sh checks). */
#define BUS_NAME "org.pageidled1"
#define BUS_MANAGER_PATH "/org/pageidled1"
#define BUS_CGROUP_PREFIX "/org/pageidled1/cgroup"
#define BUS_MANAGER_INTERFACE "org.pageidled1.Manager"
#define BUS_CGROUP_INTERFACE "org.pageidled1.Cgroup"

#define BUS_ERROR_INVALID_PATH "org.pageidled1.Error.InvalidPath"
#define BUS_ERROR_NO_SUCH_CGROUP "org.pageidled1.Error.NoSuchCgroup"
#define BUS_ERROR_ALREADY_TRACKED "org.pageidled1.Error.AlreadyTracked"
#define BUS_ERROR_NOT_TRACKED "org.pageidled1.Error.NotTracked"
#define BUS_ERROR_SCAN_FAILED "org.pageidled1.Error.ScanFailed"
