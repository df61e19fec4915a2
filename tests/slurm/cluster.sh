#!/bin/sh
# A throwaway two-node Slurm cluster on this machine, for Lark's Slurm tests.
#
#   . tests/slurm/cluster.sh
#   lark_cluster_up DIR        # start it (slurmctld + one slurmd per node)
#   srun ... / sbatch ...      # SLURM_CONF is exported
#   lark_cluster_down          # stop everything and remove what was made
#
# Each node is a network namespace joined to a bridge in the root namespace,
# entered with its own host name (n1, n2), its own /dev/shm and its own Slurm
# TmpFS (a tmpfs mounted in the node's private mount namespace), while files
# elsewhere stay shared as on a cluster with a shared home.  slurmctld runs in
# the root namespace on the bridge's address.  The subnet exists only between
# the bridge and the namespaces.  Settings follow DESIGN.md's notes on Slurm
# 22.05 here: auth/none, cred/none, proctrack/linuxproc, task/none and a
# cgroup.conf that names cgroup v1 (slurmd does not detect it under a tmpfs).
#
# lark_cluster_up returns 77 (and says why on stderr) when the machine cannot
# host the cluster: not root, no network namespaces, no Slurm.

lark_cluster_up() {
    LARK_SL_DIR=$1
    LARK_SL_TAG=$$
    n=$((LARK_SL_TAG % 200 + 20))
    LARK_SL_NET=10.213.$n
    LARK_SL_BR=lsb$LARK_SL_TAG
    LARK_SL_NODES="n1 n2"
    for prog in slurmctld slurmd srun sbatch scontrol ip unshare; do
        command -v $prog >/dev/null 2>&1 || { echo "skip: $prog is not installed" >&2; return 77; }
    done
    [ "$(id -u)" = 0 ] || { echo "skip: a test Slurm cluster needs root (network namespaces)" >&2; return 77; }
    if ! ip netns add lsl$LARK_SL_TAG-probe 2>/dev/null; then
        echo "skip: this machine forbids network namespaces (ip netns add failed)" >&2
        return 77
    fi
    ip netns del lsl$LARK_SL_TAG-probe

    mkdir -p "$LARK_SL_DIR/state" "$LARK_SL_DIR/tmpfs" || return 1
    ip link add "$LARK_SL_BR" type bridge || return 1
    ip addr add "$LARK_SL_NET.1/24" dev "$LARK_SL_BR"
    ip link set "$LARK_SL_BR" up
    k=0
    for node in $LARK_SL_NODES; do
        k=$((k + 1))
        ns=lsl$LARK_SL_TAG-$node
        ip netns add "$ns" || return 1
        ip link add "lsv${LARK_SL_TAG}a$k" type veth peer name "lsv${LARK_SL_TAG}b$k" || return 1
        ip link set "lsv${LARK_SL_TAG}a$k" master "$LARK_SL_BR" up
        ip link set "lsv${LARK_SL_TAG}b$k" netns "$ns"
        ip -n "$ns" link set lo up
        ip -n "$ns" link set "lsv${LARK_SL_TAG}b$k" name eth0
        ip -n "$ns" addr add "$LARK_SL_NET.$((10 + k))/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" route add default via "$LARK_SL_NET.1"
        mkdir -p "$LARK_SL_DIR/spool-$node"
    done

    base=$((20000 + (LARK_SL_TAG % 2000) * 4))
    ctl=$(hostname)
    cat >"$LARK_SL_DIR/slurm.conf" <<CONF
ClusterName=lark$LARK_SL_TAG
SlurmctldHost=$ctl($LARK_SL_NET.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SrunPortRange=$((base + 100))-$((base + 400))
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
StateSaveLocation=$LARK_SL_DIR/state
SlurmdSpoolDir=$LARK_SL_DIR/spool-%n
SlurmctldPidFile=$LARK_SL_DIR/slurmctld.pid
SlurmdPidFile=$LARK_SL_DIR/slurmd-%n.pid
SlurmctldLogFile=$LARK_SL_DIR/slurmctld.log
SlurmdLogFile=$LARK_SL_DIR/slurmd-%n.log
TmpFS=$LARK_SL_DIR/tmpfs
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=10
SlurmdTimeout=10
InactiveLimit=0
KillWait=2
MinJobAge=2
NodeName=n1 NodeAddr=$LARK_SL_NET.11 CPUs=2 State=UNKNOWN
NodeName=n2 NodeAddr=$LARK_SL_NET.12 CPUs=2 State=UNKNOWN
PartitionName=lark Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
    cat >"$LARK_SL_DIR/cgroup.conf" <<CONF
CgroupPlugin=cgroup/v1
CgroupMountpoint=/sys/fs/cgroup
CONF
    SLURM_CONF=$LARK_SL_DIR/slurm.conf
    export SLURM_CONF

    slurmctld -f "$SLURM_CONF" -i || return 1
    for node in $LARK_SL_NODES; do
        ip netns exec "lsl$LARK_SL_TAG-$node" unshare -m -u --propagation private sh -c \
            "mount -t tmpfs lark /dev/shm && mount -t tmpfs lark '$LARK_SL_DIR/tmpfs' && hostname $node && exec slurmd -f '$SLURM_CONF' -N $node" ||
            return 1
    done
    # Wait (bounded) until both nodes are idle.
    i=0
    while [ $i -lt 150 ]; do
        idle=$(sinfo -h -N -o '%N %t' 2>/dev/null | grep -c ' idle')
        [ "$idle" -ge 2 ] && return 0
        sleep 0.2
        i=$((i + 1))
    done
    echo "the test Slurm cluster did not come up within 30 s; sinfo says:" >&2
    sinfo -N >&2 2>&1
    tail -n 20 "$LARK_SL_DIR"/*.log >&2
    return 1
}

lark_cluster_down() {
    [ -n "${LARK_SL_TAG:-}" ] || return 0
    for f in "$LARK_SL_DIR"/slurmd-*.pid "$LARK_SL_DIR/slurmctld.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    sleep 0.3
    for f in "$LARK_SL_DIR"/slurmd-*.pid "$LARK_SL_DIR/slurmctld.pid"; do
        [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
    done
    for node in $LARK_SL_NODES; do
        ns=lsl$LARK_SL_TAG-$node
        # Whatever still runs inside the node (slurmstepd, ranks) goes too.
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    ip link del "$LARK_SL_BR" 2>/dev/null
    LARK_SL_TAG=
}
