/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>

/* Who a cgroup is, read from its path (relative to the cgroup root, as
 * pageidled tracks it) and nothing else: the systemd unit and slice it is
 * in, the Kubernetes pod and container, the Docker or Podman container,
 * the systemd-machined machine.  A path of a layout this does not know
 * gets no label, never a wrong one: each value is checked for the shape
 * its key has (a UUID, a 64-digit ID, a unit name), and a key whose value
 * does not fit is left out.  The keys are the JSON document's, the bus's
 * and the metrics' label names alike. */
typedef enum CgroupLabel {
        CGROUP_LABEL_UNIT,              /* the innermost service, scope, socket, mount or swap unit */
        CGROUP_LABEL_SLICE,             /* the innermost slice */
        CGROUP_LABEL_POD_UID,           /* a Kubernetes pod's UID, with dashes */
        CGROUP_LABEL_QOS_CLASS,         /* guaranteed, burstable, besteffort */
        CGROUP_LABEL_CONTAINER_ID,      /* 64 lower-case hex digits */
        CGROUP_LABEL_CONTAINER_RUNTIME, /* containerd, crio, docker, podman */
        CGROUP_LABEL_MACHINE,           /* a systemd-machined machine's name, unescaped */
        _CGROUP_LABEL_MAX,
        _CGROUP_LABEL_INVALID = -EINVAL,
} CgroupLabel;

typedef struct CgroupLabels {
        char *value[_CGROUP_LABEL_MAX]; /* owned; NULL: no such label */
} CgroupLabels;

/* "unit", "slice", "pod_uid", ...; NULL beyond the last. */
const char *cgroup_label_to_string(CgroupLabel l);
/* The label of that key, or _CGROUP_LABEL_INVALID. */
CgroupLabel cgroup_label_from_string(const char *s);
/* "Unit", "Slice", "Pod UID", ...: for people; NULL beyond the last. */
const char *cgroup_label_heading(CgroupLabel l);

/* The labels of path (NULL or "": none) into *ret, which is overwritten;
 * 0, or -ENOMEM (with nothing to free). */
int cgroup_labels_parse(const char *path, CgroupLabels *ret);
/* Frees the values and leaves none; again is harmless. */
void cgroup_labels_done(CgroupLabels *l);
