/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who a cgroup is, from its path alone: the path shapes that systemd,
 * the kubelet (systemd and cgroupfs drivers, guaranteed, burstable and
 * besteffort pods; containerd, CRI-O and Docker containers), Docker,
 * Podman (rootful, rootless, pods, cgroupfs) and systemd-machined
 * (libvirt, systemd-nspawn) create, and near misses of each, which must
 * give no label rather than a wrong one. */
#include "cgroup-labels.h"
#include "test-util.h"
#include "util.h"

/* A container ID, another (a kind node's), and a pod UID in both forms. */
#define ID "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
#define NODE "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
#define ID_UPPER "CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB"
#define ID_SHORT "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48b"
#define UID "0a1b2c3d-4e5f-4789-abcd-ef0123456789"
#define UID_ "0a1b2c3d_4e5f_4789_abcd_ef0123456789"

#define UNIT CGROUP_LABEL_UNIT
#define SLICE CGROUP_LABEL_SLICE
#define POD CGROUP_LABEL_POD_UID
#define QOS CGROUP_LABEL_QOS_CLASS
#define CTR CGROUP_LABEL_CONTAINER_ID
#define RT CGROUP_LABEL_CONTAINER_RUNTIME
#define MACHINE CGROUP_LABEL_MACHINE

typedef struct Case {
        const char *path;
        const char *want[_CGROUP_LABEL_MAX];    /* NULL: no such label */
} Case;

static const Case cases[] = {
        /* systemd: the innermost unit and slice. */
        { "/" },
        { "/init.scope", { [UNIT] = "init.scope" } },
        { "/system.slice", { [SLICE] = "system.slice" } },
        { "/system.slice/nginx.service", { [UNIT] = "nginx.service", [SLICE] = "system.slice" } },
        { "/system.slice/system-getty.slice/getty@tty1.service",
          { [UNIT] = "getty@tty1.service", [SLICE] = "system-getty.slice" } },
        { "/system.slice/system-systemd\\x2dfsck.slice/systemd-fsck@dev-disk-by\\x2duuid-1234.service",
          { [UNIT] = "systemd-fsck@dev-disk-by\\x2duuid-1234.service", [SLICE] = "system-systemd\\x2dfsck.slice" } },
        { "/system.slice/sshd.socket", { [UNIT] = "sshd.socket", [SLICE] = "system.slice" } },
        { "/system.slice/home.mount", { [UNIT] = "home.mount", [SLICE] = "system.slice" } },
        { "/system.slice/dev-zram0.swap", { [UNIT] = "dev-zram0.swap", [SLICE] = "system.slice" } },
        /* A cgroup a service made in its delegated subtree is the service's. */
        { "/system.slice/foo.service/worker", { [UNIT] = "foo.service", [SLICE] = "system.slice" } },
        /* A user's session and their service manager's units. */
        { "/user.slice/user-1000.slice", { [SLICE] = "user-1000.slice" } },
        { "/user.slice/user-1000.slice/session-3.scope", { [UNIT] = "session-3.scope", [SLICE] = "user-1000.slice" } },
        { "/user.slice/user-1000.slice/user@1000.service", { [UNIT] = "user@1000.service", [SLICE] = "user-1000.slice" } },
        { "/user.slice/user-1000.slice/user@1000.service/init.scope",
          { [UNIT] = "init.scope", [SLICE] = "user-1000.slice" } },
        { "/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal-4242.scope",
          { [UNIT] = "app-org.gnome.Terminal-4242.scope", [SLICE] = "app.slice" } },

        /* The kubelet, systemd driver: burstable, besteffort and guaranteed
         * pods; containerd, CRI-O and cri-dockerd containers. */
        { "/kubepods.slice", { [SLICE] = "kubepods.slice" } },
        { "/kubepods.slice/kubepods-burstable.slice", { [SLICE] = "kubepods-burstable.slice", [QOS] = "burstable" } },
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice",
          { [SLICE] = "kubepods-burstable-pod" UID_ ".slice", [POD] = UID, [QOS] = "burstable" } },
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/cri-containerd-" ID ".scope",
          { [UNIT] = "cri-containerd-" ID ".scope", [SLICE] = "kubepods-burstable-pod" UID_ ".slice", [POD] = UID,
            [QOS] = "burstable", [CTR] = ID, [RT] = "containerd" } },
        { "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" ID ".scope",
          { [UNIT] = "crio-" ID ".scope", [SLICE] = "kubepods-besteffort-pod" UID_ ".slice", [POD] = UID,
            [QOS] = "besteffort", [CTR] = ID, [RT] = "crio" } },
        { "/kubepods.slice/kubepods-pod" UID_ ".slice", { [SLICE] = "kubepods-pod" UID_ ".slice", [POD] = UID,
                                                          [QOS] = "guaranteed" } },
        { "/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID ".scope",
          { [UNIT] = "docker-" ID ".scope", [SLICE] = "kubepods-pod" UID_ ".slice", [POD] = UID,
            [QOS] = "guaranteed", [CTR] = ID, [RT] = "docker" } },
        /* CRI-O's conmon is not the container. */
        { "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope",
          { [UNIT] = "crio-conmon-" ID ".scope", [SLICE] = "kubepods-pod" UID_ ".slice", [POD] = UID,
            [QOS] = "guaranteed" } },
        /* kind: the kubelet's cgroup root /kubelet, in a node that is itself
         * a Docker container: the pod's container, not the node's. */
        { "/system.slice/docker-" NODE ".scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/"
          "kubelet-kubepods-burstable-pod" UID_ ".slice/cri-containerd-" ID ".scope",
          { [UNIT] = "cri-containerd-" ID ".scope", [SLICE] = "kubelet-kubepods-burstable-pod" UID_ ".slice",
            [POD] = UID, [QOS] = "burstable", [CTR] = ID, [RT] = "containerd" } },
        { "/system.slice/docker-" NODE ".scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod" UID_ ".slice",
          { [UNIT] = "docker-" NODE ".scope", [SLICE] = "kubelet-kubepods-pod" UID_ ".slice", [POD] = UID,
            [QOS] = "guaranteed" } },

        /* The kubelet, cgroupfs driver: a bare ID (containerd or Docker:
         * no runtime), CRI-O's crio-ID. */
        { "/kubepods" },
        { "/kubepods/burstable", { [QOS] = "burstable" } },
        { "/kubepods/besteffort/pod" UID, { [POD] = UID, [QOS] = "besteffort" } },
        { "/kubepods/burstable/pod" UID "/" ID, { [POD] = UID, [QOS] = "burstable", [CTR] = ID } },
        { "/kubepods/pod" UID "/" ID, { [POD] = UID, [QOS] = "guaranteed", [CTR] = ID } },
        { "/kubepods/pod" UID, { [POD] = UID, [QOS] = "guaranteed" } },
        { "/kubepods/besteffort/pod" UID "/crio-" ID, { [POD] = UID, [QOS] = "besteffort", [CTR] = ID, [RT] = "crio" } },
        { "/kubepods/besteffort/pod" UID "/crio-conmon-" ID, { [POD] = UID, [QOS] = "besteffort" } },

        /* Docker, systemd and cgroupfs drivers. */
        { "/system.slice/docker-" ID ".scope",
          { [UNIT] = "docker-" ID ".scope", [SLICE] = "system.slice", [CTR] = ID, [RT] = "docker" } },
        { "/system.slice/docker.service", { [UNIT] = "docker.service", [SLICE] = "system.slice" } },
        { "/docker/" ID, { [CTR] = ID, [RT] = "docker" } },
        { "/docker" },

        /* Podman: rootful, its conmon, a pod, rootless (with the container's
         * own subtree), the cgroupfs manager. */
        { "/machine.slice/libpod-" ID ".scope",
          { [UNIT] = "libpod-" ID ".scope", [SLICE] = "machine.slice", [CTR] = ID, [RT] = "podman" } },
        { "/machine.slice/libpod-conmon-" ID ".scope", { [UNIT] = "libpod-conmon-" ID ".scope", [SLICE] = "machine.slice" } },
        { "/machine.slice/machine-libpod_pod_" NODE ".slice/libpod-" ID ".scope",
          { [UNIT] = "libpod-" ID ".scope", [SLICE] = "machine-libpod_pod_" NODE ".slice", [CTR] = ID, [RT] = "podman" } },
        { "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope/container",
          { [UNIT] = "libpod-" ID ".scope", [SLICE] = "user.slice", [CTR] = ID, [RT] = "podman" } },
        { "/libpod_parent/libpod-" ID, { [CTR] = ID, [RT] = "podman" } },
        { "/libpod_parent/libpod-" ID "/ctr", { [CTR] = ID, [RT] = "podman" } },
        { "/libpod_parent/libpod-" ID "/conmon" },

        /* systemd-machined: a libvirt VM (its vCPU threads' cgroup too),
         * systemd-nspawn as a scope and as a service. */
        { "/machine.slice/machine-qemu\\x2d1\\x2ddebian12.scope",
          { [UNIT] = "machine-qemu\\x2d1\\x2ddebian12.scope", [SLICE] = "machine.slice", [MACHINE] = "qemu-1-debian12" } },
        { "/machine.slice/machine-qemu\\x2d1\\x2ddebian12.scope/libvirt/vcpu0",
          { [UNIT] = "machine-qemu\\x2d1\\x2ddebian12.scope", [SLICE] = "machine.slice", [MACHINE] = "qemu-1-debian12" } },
        { "/machine.slice/machine-web.scope/payload/system.slice/nginx.service",
          { [UNIT] = "nginx.service", [SLICE] = "system.slice", [MACHINE] = "web" } },
        { "/machine.slice/systemd-nspawn@my\\x2dbox.service",
          { [UNIT] = "systemd-nspawn@my\\x2dbox.service", [SLICE] = "machine.slice", [MACHINE] = "my-box" } },

        /* Near misses: the key that does not fit gets no label, the others
         * theirs. */
        { "/system.slice/docker-abc123.scope", { [UNIT] = "docker-abc123.scope", [SLICE] = "system.slice" } },
        { "/system.slice/docker-" ID_SHORT ".scope", { [UNIT] = "docker-" ID_SHORT ".scope", [SLICE] = "system.slice" } },
        { "/system.slice/docker-" ID_UPPER ".scope", { [UNIT] = "docker-" ID_UPPER ".scope", [SLICE] = "system.slice" } },
        { "/system.slice/docker-" ID "0.scope", { [UNIT] = "docker-" ID "0.scope", [SLICE] = "system.slice" } },
        { "/docker/" ID_SHORT },
        { "/notdocker/" ID },
        { "/" ID },
        { "/system.slice/" ID, { [SLICE] = "system.slice" } },
        { "/system.slice/cri-containerd-" ID ".scope", { [UNIT] = "cri-containerd-" ID ".scope", [SLICE] = "system.slice" } },
        /* Not a UID: too short, dashes where the systemd driver has
         * underscores, upper case, a static pod's 32-digit hash. */
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/cri-containerd-" ID ".scope",
          { [UNIT] = "cri-containerd-" ID ".scope", [SLICE] = "kubepods-burstable-pod1234_5678.slice",
            [QOS] = "burstable" } },
        { "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID ".slice",
          { [SLICE] = "kubepods-besteffort-pod" UID ".slice", [QOS] = "besteffort" } },
        { "/kubepods.slice/kubepods-pod0A1B2C3D_4E5F_4789_ABCD_EF0123456789.slice",
          { [SLICE] = "kubepods-pod0A1B2C3D_4E5F_4789_ABCD_EF0123456789.slice" } },
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6d1c9e3f0f9b84a6b1d7c2bc3e4a9f21.slice",
          { [SLICE] = "kubepods-burstable-pod6d1c9e3f0f9b84a6b1d7c2bc3e4a9f21.slice", [QOS] = "burstable" } },
        { "/kubepods/burstable/pod" UID_ "/" ID, { [QOS] = "burstable" } },
        { "/kubepods/burstable/pod" UID "x/" ID, { [QOS] = "burstable" } },
        /* A pod slice under the wrong QoS slice, an unknown QoS, a pod slice
         * out of place. */
        { "/kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod" UID_ ".slice",
          { [SLICE] = "kubepods-besteffort-pod" UID_ ".slice", [QOS] = "burstable" } },
        { "/kubepods.slice/kubepods-gold.slice/kubepods-gold-pod" UID_ ".slice",
          { [SLICE] = "kubepods-gold-pod" UID_ ".slice" } },
        { "/kubepods/gold/pod" UID "/" ID },
        { "/kubepods/Burstable/pod" UID },
        { "/kubepods-pod" UID_ ".slice", { [SLICE] = "kubepods-pod" UID_ ".slice" } },
        { "/system.slice/kubepods-pod" UID_ ".slice", { [SLICE] = "kubepods-pod" UID_ ".slice" } },
        { "/other.slice/kubelet-kubepods.slice/kubelet-kubepods-pod" UID_ ".slice",
          { [SLICE] = "kubelet-kubepods-pod" UID_ ".slice" } },
        { "/kubepods/pod" UID "/sub/" ID, { [POD] = UID, [QOS] = "guaranteed" } },
        /* machined's names only under machine.slice, only as unescaped
         * machine names. */
        { "/machine-web.scope", { [UNIT] = "machine-web.scope" } },
        { "/system.slice/machine-web.scope", { [UNIT] = "machine-web.scope", [SLICE] = "system.slice" } },
        { "/machine.slice/machine-a\\x2fb.scope", { [UNIT] = "machine-a\\x2fb.scope", [SLICE] = "machine.slice" } },
        { "/machine.slice/machine-bad\\x2.scope", { [UNIT] = "machine-bad\\x2.scope", [SLICE] = "machine.slice" } },
        { "/machine.slice/machine-bad\\q.scope", { [UNIT] = "machine-bad\\q.scope", [SLICE] = "machine.slice" } },
        { "/machine.slice/machine-.scope", { [UNIT] = "machine-.scope", [SLICE] = "machine.slice" } },
        { "/machine.slice/machine-..scope", { [UNIT] = "machine-..scope", [SLICE] = "machine.slice" } },
        { "/machine.slice/systemd-nspawn@.service", { [SLICE] = "machine.slice" } },
        { "/machine.slice/machine-libpod_pod_" NODE ".slice", { [SLICE] = "machine-libpod_pod_" NODE ".slice" } },
        /* Not unit names: a space, no name, a type that has no cgroup, the
         * wrong case, a template, a slice with an instance, too long. */
        { "/system.slice/foo bar.service", { [SLICE] = "system.slice" } },
        { "/system.slice/.service", { [SLICE] = "system.slice" } },
        { "/system.slice/foo.timer", { [SLICE] = "system.slice" } },
        { "/system.slice/foo.Service", { [SLICE] = "system.slice" } },
        { "/system.slice/foo@.service", { [SLICE] = "system.slice" } },
        { "/system.slice/@foo.service", { [SLICE] = "system.slice" } },
        { "/system.slice/a@b.slice", { [SLICE] = "system.slice" } },
        { "/system.slice/caf\xc3\xa9.service", { [SLICE] = "system.slice" } },
        { "/system.slice/service", { [SLICE] = "system.slice" } },
        { "/system.slice/"
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.service", { [SLICE] = "system.slice" } },
};

static void check_case(const Case *c) {
        CgroupLabels l;

        CHECK(cgroup_labels_parse(c->path, &l) == 0);
        for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++) {
                if (!c->want[k] && !l.value[k])
                        continue;
                if (!c->want[k] || !l.value[k] || strcmp(c->want[k], l.value[k]) != 0) {
                        fprintf(stderr, "%s: %s is \"%s\", expected \"%s\"\n", c->path, cgroup_label_to_string(k),
                                l.value[k] ?: "(none)", c->want[k] ?: "(none)");
                        exit(EXIT_FAILURE);
                }
        }
        cgroup_labels_done(&l);
        for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++)
                CHECK(!l.value[k]);
}

int main(void) {
        CgroupLabels l;
        size_t n = 0;

        /* The keys the JSON document, the bus and the metrics use. */
        CHECK_STREQ(cgroup_label_to_string(CGROUP_LABEL_UNIT), "unit");
        CHECK_STREQ(cgroup_label_to_string(CGROUP_LABEL_SLICE), "slice");
        CHECK_STREQ(cgroup_label_to_string(CGROUP_LABEL_POD_UID), "pod_uid");
        CHECK_STREQ(cgroup_label_to_string(CGROUP_LABEL_QOS_CLASS), "qos_class");
        CHECK_STREQ(cgroup_label_to_string(CGROUP_LABEL_CONTAINER_ID), "container_id");
        CHECK_STREQ(cgroup_label_to_string(CGROUP_LABEL_CONTAINER_RUNTIME), "container_runtime");
        CHECK_STREQ(cgroup_label_to_string(CGROUP_LABEL_MACHINE), "machine");
        CHECK(!cgroup_label_to_string(_CGROUP_LABEL_MAX));
        /* Back from the key, and every key has a heading for people. */
        for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++) {
                CHECK(cgroup_label_from_string(cgroup_label_to_string(k)) == k);
                CHECK(cgroup_label_heading(k) && cgroup_label_heading(k)[0]);
        }
        CHECK_STREQ(cgroup_label_heading(CGROUP_LABEL_POD_UID), "Pod UID");
        CHECK(cgroup_label_from_string("Unit") == _CGROUP_LABEL_INVALID);
        CHECK(cgroup_label_from_string("") == _CGROUP_LABEL_INVALID);
        CHECK(cgroup_label_from_string(NULL) == _CGROUP_LABEL_INVALID);
        CHECK(!cgroup_label_heading(_CGROUP_LABEL_MAX));

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                check_case(&cases[i]);
                for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++)
                        n += !!cases[i].want[k];
        }
        printf("%zu paths, %zu labels\n", ELEMENTSOF(cases), n);

        /* Repeated and trailing slashes are not components. */
        CHECK(cgroup_labels_parse("//system.slice///docker-" ID ".scope/", &l) == 0);
        CHECK_STREQ(l.value[CGROUP_LABEL_CONTAINER_ID], ID);
        CHECK_STREQ(l.value[CGROUP_LABEL_SLICE], "system.slice");
        cgroup_labels_done(&l);
        /* Nothing to go by: nothing. */
        CHECK(cgroup_labels_parse(NULL, &l) == 0);
        for (CgroupLabel k = 0; k < _CGROUP_LABEL_MAX; k++)
                CHECK(!l.value[k]);
        CHECK(cgroup_labels_parse("", &l) == 0);
        CHECK(!l.value[CGROUP_LABEL_UNIT]);
        cgroup_labels_done(&l);
        cgroup_labels_done(&l);         /* twice is harmless */
        return 0;
}
