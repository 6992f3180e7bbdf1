#!/usr/bin/env bash
# A one-node Slurm on localhost, for trying tools/slurm_train.sh and
# tools/slurm_test.sh for real (tests/test_tools/test_slurm.py).
#
#   bash tools/misc/slurm_local.sh install   # Debian's slurm-wlm and munge
#   bash tools/misc/slurm_local.sh start     # munged, slurmctld, slurmd
#   bash tools/misc/slurm_local.sh stop
#
# `start` writes /etc/slurm/slurm.conf only when there is none (a node
# "localhost" with 4 CPUs, so that two 2-task jobs run at once on a 2-core
# machine, and a partition "debug"); it never replaces one it did not write.
set -euo pipefail
CONF=/etc/slurm/slurm.conf
MARK="# written by mmext tools/misc/slurm_local.sh"

install() {
    if command -v srun > /dev/null && command -v munged > /dev/null; then
        echo "[slurm] slurm-wlm and munge are installed"
        return
    fi
    echo "[slurm] installing slurm-wlm and munge from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge \
        > /dev/null
}

write_conf() {
    if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
        echo "[slurm] keeping the existing $CONF (not written by mmext)"
        return
    fi
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
    cat > "$CONF" << CONF_END
$MARK
ClusterName=mmext
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=localhost CPUs=4 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF_END
}

start() {
    write_conf
    if [ ! -f /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2> /dev/null
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 0400 /etc/munge/munge.key
    pgrep -x munged > /dev/null || runuser -u munge -- munged
    pgrep -x slurmctld > /dev/null || slurmctld
    pgrep -x slurmd > /dev/null || slurmd
    for _ in $(seq 30); do
        if sinfo -h -o '%t' 2> /dev/null | grep -qE '^(idle|mix|alloc)'; then
            echo "[slurm] localhost is up: $(sinfo -h -o '%P %t %c')"
            return
        fi
        scontrol update nodename=localhost state=resume 2> /dev/null || true
        sleep 1
    done
    echo "[slurm] the node did not come up; see /var/log/slurm/" >&2
    exit 1
}

stop() {
    pkill -x slurmd || true
    pkill -x slurmctld || true
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
