#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, bound to 127.0.0.1, for the tests.
#   bash scripts/slurm-cluster.sh start DIR   # install (Debian packages) if needed, start, wait
#   bash scripts/slurm-cluster.sh stop DIR    # stop every daemon this script started
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf. No accounting daemon: the
# Snakemake profile polls with squeue, and finished jobs are recorded in DIR/jobcomp.log.
set -euo pipefail
cmd=${1:?start|stop}
dir=$(mkdir -p "${2:?state directory}" && cd "$2" && pwd)
conf="$dir/slurm.conf"
# munged runs as the munge user, which may not traverse DIR (e.g. a private temp folder)
munge_dir="/run/ganrepro-munge-$(printf %s "$dir" | md5sum | cut -c1-12)"

stop() {
  # the default config path, linked at start so that job steps (srun) inside jobs find it
  if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$conf" ]; then rm -f /etc/slurm/slurm.conf; fi
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"; do
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"
    fi
  done
}

if [ "$cmd" = stop ]; then stop; rm -rf "$munge_dir"; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "SLURM is not installed and this is not root" >&2; exit 1; }
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemAvailable/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
mkdir -p "$dir/state" "$dir/spool" "$munge_dir"
cat > "$conf" <<CONF
ClusterName=ganrepro
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$munge_dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
KillWait=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=long Nodes=ALL MaxTime=INFINITE State=UP
CONF

stop  # leftovers of an earlier start in the same directory
mkdir -p /etc/slurm
if [ -e /etc/slurm/slurm.conf ] && [ ! -L /etc/slurm/slurm.conf ]; then
  echo "/etc/slurm/slurm.conf exists and is not ours: refusing to replace it" >&2
  exit 1
fi
ln -sfn "$conf" /etc/slurm/slurm.conf
chown munge:munge "$munge_dir"
chmod 755 "$munge_dir"
runuser -u munge -- /usr/sbin/munged --socket="$munge_dir/munge.socket" \
  --pid-file="$munge_dir/munged.pid" --log-file="$munge_dir/munged.log" \
  --seed-file="$munge_dir/munged.seed" --force
cp "$munge_dir/munged.pid" "$dir/munged.pid"
SLURM_CONF="$conf" /usr/sbin/slurmctld -f "$conf"
SLURM_CONF="$conf" /usr/sbin/slurmd -f "$conf"
for _ in $(seq 60); do  # bounded: 30 s
  if SLURM_CONF="$conf" sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed)'; then
    echo "SLURM is up: SLURM_CONF=$conf"
    exit 0
  fi
  sleep 0.5
done
echo "SLURM did not come up within 30 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
stop
exit 1
