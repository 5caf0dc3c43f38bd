#!/usr/bin/env bash
# A single-node Slurm cluster on localhost, for running minima's sweeps as job
# arrays on one machine (and for the end-to-end test of --sbatch).
#
#   scripts/slurm-local.sh start    start munged, slurmctld and slurmd (as root)
#   scripts/slurm-local.sh stop     stop the daemons this script started
#   scripts/slurm-local.sh status   show the node and the daemons
#
# Needs Debian's slurm-wlm and munge (apt-get install slurm-wlm munge). start
# is idempotent: a daemon already running (started by this script or not) is
# left alone, and the node is ready when it returns. The pids of the daemons
# it starts are recorded in $MINIMA_SLURM_STATE (default /run/minima-slurm);
# stop kills exactly those. /etc/slurm/slurm.conf is written only when there
# is none (or it is the one this script wrote), with the node's real
# hostname and core count.
set -euo pipefail

state=${MINIMA_SLURM_STATE:-/run/minima-slurm}
conf=/etc/slurm/slurm.conf
marker="# written by minima scripts/slurm-local.sh"

die() { echo "slurm-local: $*" >&2; exit 1; }

# running NAME: whether a process named NAME runs.
running() { pgrep -x "$1" >/dev/null 2>&1; }

# alive PIDFILE NAME: whether the pid recorded in PIDFILE is a live NAME.
alive() {
	[ -s "$1" ] || return 1
	local pid
	pid=$(cat "$1")
	[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$2" ]
}

write_conf() {
	if [ -e "$conf" ] && ! grep -qF "$marker" "$conf"; then
		echo "slurm-local: using the existing $conf"
		return
	fi
	local host cpus
	host=$(hostname)
	cpus=$(nproc)
	mkdir -p /etc/slurm
	cat > "$conf.tmp" <<CONF
$marker
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SwitchType=switch/none
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobCompType=jobcomp/none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	mv "$conf.tmp" "$conf"
}

# launch NAME CMD...: start a daemon in the foreground mode of CMD, detached,
# recording its pid, unless a NAME already runs.
launch() {
	local name=$1
	shift
	if running "$name"; then
		echo "slurm-local: $name already running"
		return
	fi
	setsid "$@" </dev/null >>"/var/log/slurm/$name.out" 2>&1 &
	echo $! > "$state/$name.pid"
	sleep 0.5
	alive "$state/$name.pid" "$name" || die "$name did not start (see /var/log/slurm/$name.out and /var/log/slurm/$name.log)"
	echo "slurm-local: started $name (pid $(cat "$state/$name.pid"))"
}

start() {
	[ "$(id -u)" = 0 ] || die "start needs root"
	command -v slurmctld >/dev/null && command -v munged >/dev/null || die "install slurm-wlm and munge first (apt-get install slurm-wlm munge)"
	mkdir -p "$state" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
	chown munge:munge /run/munge
	write_conf
	launch munged /usr/sbin/munged -F --force
	launch slurmctld /usr/sbin/slurmctld -D
	launch slurmd /usr/sbin/slurmd -D
	# Ready when the node is idle (or already running jobs).
	for _ in $(seq 60); do
		case $(sinfo -h -o %T 2>/dev/null | head -1) in
		idle* | mixed* | allocated*) echo "slurm-local: node ready"; return ;;
		esac
		sleep 0.5
	done
	die "the node did not become idle in 30 s: $(sinfo 2>&1 | tail -1)"
}

stop() {
	local name
	for name in slurmd slurmctld munged; do
		local f="$state/$name.pid"
		if alive "$f" "$name"; then
			kill "$(cat "$f")"
			for _ in $(seq 50); do alive "$f" "$name" || break; sleep 0.1; done
			echo "slurm-local: stopped $name"
		fi
		rm -f "$f"
	done
}

status() {
	local name
	for name in munged slurmctld slurmd; do
		if alive "$state/$name.pid" "$name"; then
			echo "$name: running (pid $(cat "$state/$name.pid"), started by slurm-local)"
		elif running "$name"; then
			echo "$name: running (not started by slurm-local)"
		else
			echo "$name: not running"
		fi
	done
	sinfo 2>&1 || true
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 start|stop|status" ;;
esac
