#!/usr/bin/env bash
# A real single-host SLURM 22.05 test cluster with accounting, for asba's tests and CI.
#
#   scripts/slurm-cluster.sh start    install missing Debian packages, start munge, MariaDB, slurmdbd,
#                                     slurmctld and six slurmd "nodes"; idempotent (a running daemon is kept)
#   scripts/slurm-cluster.sh stop     stop only the daemons this script started (by recorded pid)
#   scripts/slurm-cluster.sh status   one line; exit 0 when the cluster answers, 1 otherwise
#   scripts/slurm-cluster.sh purge    stop, then remove the packages start installed and the config, state and
#                                     data directories it created (recorded in ASBA_SLURM_STATE); root only
#
# Environment:
#   SLURM_RESET=1             start from an empty accounting DB and empty job state (job ids restart at 1)
#   SLURM_MEM_ENFORCE=auto    auto | cgroup | linuxproc  (auto: cgroup v1 when writable, else OverMemoryKill)
#   ASBA_SLURM_STATE=DIR      where pids of started daemons are recorded (default /var/lib/asba-slurm-cluster)
#
# Layout (see /work/shared/slurm/REPORT.md for every pitfall this handles):
#   c1 c2 (cpu, default) | hm1 (highmem) | g1 (gpu, 8 fake a100) | aws1 aws2 (cpu-aws, Feature=cloud,aws,ec2)
#   accounts research (default) and physics (child); QOS normal, high (Priority=100), long (MaxWall 7 days).
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TEMPLATES="$HERE/slurm"
ETC=/etc/slurm
STATE="${ASBA_SLURM_STATE:-/var/lib/asba-slurm-cluster}"
PIDS="$STATE/pids"
FAKEGPU_DIR=/var/spool/slurmd/fakegpu
NODES=(c1 c2 hm1 g1 aws1 aws2)
CLUSTER=localcluster
DBPASS=slurmdbpass
PACKAGES=(munge mariadb-server slurm-wlm slurmctld slurmd slurm-client slurmdbd slurm-wlm-mysql-plugin
          slurm-wlm-basic-plugins)
DAEMON_ORDER=(munged mariadbd slurmdbd slurmctld)  # slurmd.<node> records come after slurmctld

log() { printf 'slurm-cluster: %s\n' "$*" >&2; }
die() { printf 'slurm-cluster: error: %s\n' "$*" >&2; exit 1; }
trap 'printf "slurm-cluster: error: line %s failed: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

# ---------------------------------------------------------------- process helpers (zombie-aware)

# pid_runs PID NAME: true when PID is a live (not zombie) process whose command name is NAME.
pid_runs() {
  local pid="$1" name="$2" info
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  info=$(awk '/^Name:/{n=$2} /^State:/{s=$2} END{print n, s}' "/proc/$pid/status" 2>/dev/null) || return 1
  [[ "$info" == "$name "* && "$info" != *" Z" && "$info" != *" X" ]]
}

pid_from_file() { [[ -r "$1" ]] && tr -dc '0-9' <"$1" || true; }

# running_from_pidfile PIDFILE NAME: print the pid when the pid file names a live NAME process.
running_from_pidfile() {
  local pid
  pid=$(pid_from_file "$1")
  pid_runs "$pid" "$2" && echo "$pid"
}

record() { mkdir -p "$PIDS"; echo "$2" >"$PIDS/$1.pid"; }

# launched RECORD PIDFILE NAME: wait until the daemon's own pid file names a live NAME, then record that pid.
launched() {
  wait_for 15 "$3 pid file" running_from_pidfile "$2" "$3"
  record "$1" "$(pid_from_file "$2")"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local limit="$1" what="$2" i
  shift 2
  for ((i = 0; i < limit * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$what did not become ready within ${limit}s (logs: /var/log/slurm, /var/log/mysql)"
}

# ---------------------------------------------------------------- installation and files

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local before_pkgs
  before_pkgs=$(installed_packages)
  apt-get update -q >/dev/null || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >/dev/null || die "apt-get install failed"
  # remember every package this install added (with its dependencies), so that purge removes only those
  mkdir -p "$STATE"
  comm -13 <(printf '%s\n' "$before_pkgs") <(installed_packages) >>"$STATE/installed-packages"
  for p in /etc/slurm /etc/munge /var/lib/mysql /var/log/mysql /var/log/slurm /var/spool/slurmctld \
           /var/spool/slurmd /run/munge /run/mysqld /run/slurm; do
    grep -qxF "$p" "$STATE/created-paths" 2>/dev/null || echo "$p" >>"$STATE/created-paths"
  done
}

installed_packages() {  # sorted names of the installed Debian packages
  dpkg-query -W -f='${Status} ${Package}\n' 2>/dev/null | awk '$3 == "installed" {print $4}' | sort -u
}

make_dirs() {
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o mysql -g mysql -m 0755 /run/mysqld /var/log/mysql
  install -d -o slurm -g slurm -m 0755 /run/slurm /var/log/slurm /var/spool/slurmctld
  install -d -m 0755 "$ETC" /var/spool/slurmd "$FAKEGPU_DIR" "$PIDS"
  local i
  for i in 0 1 2 3 4 5 6 7; do ln -sfn /dev/null "$FAKEGPU_DIR/nvidia$i"; done
  if [[ ! -s /etc/munge/munge.key ]]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    mungekey --create --keyfile=/etc/munge/munge.key >/dev/null
    chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  fi
}

memory_mode() {
  local mode="${SLURM_MEM_ENFORCE:-auto}" c
  if [[ "$mode" == auto ]]; then
    mode=cgroup
    for c in memory freezer cpuset; do [[ -w "/sys/fs/cgroup/$c" ]] || mode=linuxproc; done
  fi
  [[ "$mode" == cgroup || "$mode" == linuxproc ]] || die "SLURM_MEM_ENFORCE must be auto, cgroup or linuxproc"
  echo "$mode"
}

render() {  # render TEMPLATE DEST MODE OWNER: fill @HOST@ and friends from the environment of this function
  sed -e "s|@HOST@|$HOST|g" -e "s|@PROCTRACK@|$PROCTRACK|g" -e "s|@TASKPLUGIN@|$TASKPLUGIN|g" \
      -e "s|@JOBACCTPARAMS@|$JOBACCTPARAMS|g" -e "s|@DBPASS@|$DBPASS|g" -e "s|@FAKEGPU_DIR@|$FAKEGPU_DIR|g" \
      "$TEMPLATES/$1" >"$2.tmp"
  chmod "$3" "$2.tmp" && chown "$4" "$2.tmp" && mv "$2.tmp" "$2"
}

write_config() {
  HOST=$(hostname -s)  # slurmctld accepts only its own short hostname, so regenerate on every start
  MODE=$(memory_mode)
  if [[ "$MODE" == cgroup ]]; then
    PROCTRACK=proctrack/cgroup TASKPLUGIN=task/cgroup,task/affinity JOBACCTPARAMS=""
    render cgroup.conf.in "$ETC/cgroup.conf" 0644 root:root
  else
    PROCTRACK=proctrack/linuxproc TASKPLUGIN=task/affinity JOBACCTPARAMS="JobAcctGatherParams=OverMemoryKill"
    rm -f "$ETC/cgroup.conf"
  fi
  local before
  before=$(config_digest)
  render slurm.conf.in "$ETC/slurm.conf" 0644 root:root
  render gres.conf.in "$ETC/gres.conf" 0644 root:root
  render slurmdbd.conf.in "$ETC/slurmdbd.conf" 0600 slurm:slurm
  CONFIG_CHANGED=0
  [[ "$before" == "$(config_digest)" ]] || CONFIG_CHANGED=1
}

# config_digest: one checksum over the config files that exist (a fresh /etc/slurm has none, and cgroup.conf
# is absent in the linuxproc mode: an absent file must not fail the pipeline under pipefail).
config_digest() {
  local f
  for f in "$ETC/slurm.conf" "$ETC/gres.conf" "$ETC/cgroup.conf"; do
    if [[ -r "$f" ]]; then printf '%s\n' "$f"; cat "$f"; else printf '%s absent\n' "$f"; fi
  done | md5sum
}

# ---------------------------------------------------------------- daemons, in start order

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  munge_works && return 0
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged 9>&-
  wait_for 10 munged munge_works
  launched munged /run/munge/munged.pid munged
}

db_works() { mariadb -uroot -e 'SELECT 1' >/dev/null 2>&1; }

start_mariadb() {
  if ! db_works; then
    [[ -d /var/lib/mysql/mysql ]] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
    rm -f /run/mysqld/mysqld.sock /run/mysqld/mysqld.pid
    # mariadbd does not daemonize itself: detach it into its own session
    setsid /usr/sbin/mariadbd --user=mysql --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock \
      --pid-file=/run/mysqld/mysqld.pid --bind-address=127.0.0.1 --log-error=/var/log/mysql/error.log \
      --innodb-buffer-pool-size=1G --innodb-lock-wait-timeout=900 --innodb-log-file-size=64M \
      </dev/null >/dev/null 2>&1 9>&- &
    wait_for 30 mariadbd db_works
    launched mariadbd /run/mysqld/mysqld.pid mariadbd
  fi
  [[ "${SLURM_RESET:-0}" == 1 ]] && mariadb -uroot -e "DROP DATABASE IF EXISTS slurm_acct_db"
  mariadb -uroot -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DBPASS';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
}

dbd_works() { sacctmgr -n show cluster >/dev/null 2>&1; }

start_slurmdbd() {
  running_from_pidfile /run/slurm/slurmdbd.pid slurmdbd >/dev/null && dbd_works && return 0
  rm -f /run/slurm/slurmdbd.pid
  SLURM_CONF="$ETC/slurm.conf" slurmdbd 9>&-
  wait_for 30 slurmdbd dbd_works
  launched slurmdbd /run/slurm/slurmdbd.pid slurmdbd
}

sacctmgr_has() {  # sacctmgr_has qos|account NAME
  local field=name
  [[ "$1" == account ]] && field=account
  [[ -n "$(sacctmgr -n -P show "$1" "$2" format="$field" 2>/dev/null)" ]]
}

setup_accounting() {
  local clusters  # read in full first: grep -q closing the pipe early would fail sacctmgr under pipefail
  clusters=$(sacctmgr -n -P show cluster format=cluster)
  grep -qx "$CLUSTER" <<<"$clusters" || sacctmgr -i add cluster "$CLUSTER" >/dev/null
  sacctmgr_has qos high || sacctmgr -i add qos high priority=100 >/dev/null
  sacctmgr_has qos long || sacctmgr -i add qos long maxwall=7-00:00:00 >/dev/null
  sacctmgr_has account research || sacctmgr -i add account research cluster="$CLUSTER" >/dev/null
  sacctmgr_has account physics || sacctmgr -i add account physics parent=research cluster="$CLUSTER" >/dev/null
  if [[ -z "$(sacctmgr -n -P show assoc user=root account=physics format=user)" ]]; then
    sacctmgr -i add user root account=research,physics defaultaccount=research >/dev/null
    sacctmgr -i modify user root set qos=normal,high,long defaultqos=normal >/dev/null
  fi
}

ctld_works() { scontrol ping 2>/dev/null | grep -q 'is UP'; }

start_slurmctld() {
  if running_from_pidfile /run/slurm/slurmctld.pid slurmctld >/dev/null; then
    if [[ "$CONFIG_CHANGED" == 1 ]]; then scontrol reconfigure >/dev/null 2>&1 || true; fi
    return 0
  fi
  rm -f /run/slurm/slurmctld.pid
  slurmctld 9>&-
  wait_for 30 slurmctld ctld_works
  launched slurmctld /run/slurm/slurmctld.pid slurmctld
}

start_slurmd_nodes() {
  local node
  for node in "${NODES[@]}"; do
    running_from_pidfile "/run/slurm/slurmd.$node.pid" slurmd >/dev/null && continue
    install -d -m 0755 "/var/spool/slurmd/$node"
    rm -f "/run/slurm/slurmd.$node.pid"
    slurmd -N "$node" 9>&-
    launched "slurmd.$node" "/run/slurm/slurmd.$node.pid" slurmd
  done
}

nodes_ready() {  # every node idle, mixed or allocated; nothing down, drained or unknown
  local states
  states=$(sinfo -h -N -o '%N %T' 2>/dev/null | sort -u) || return 1
  [[ $(grep -cE ' (idle|mixed|allocated|completing)$' <<<"$states") -eq ${#NODES[@]} ]]
}

resume_stuck_nodes() {  # a node drained by an earlier bad config (e.g. fewer fake GPUs) needs a resume
  local node state
  while read -r node state; do
    case "$state" in
      drain* | down* | *drain) scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true ;;
    esac
  done < <(sinfo -h -N -o '%N %T' 2>/dev/null | sort -u)
}

wait_nodes() {
  local i
  for ((i = 0; i < 50; i++)); do nodes_ready && return 0; sleep 0.2; done
  resume_stuck_nodes
  wait_for 20 "the six nodes" nodes_ready
}

# ---------------------------------------------------------------- commands

reset_state() {
  stop_cluster
  local d
  local pid
  for d in slurmctld slurmdbd; do
    for pid in $(pgrep -x "$d" || true); do  # a zombie left by a stopped daemon does not count
      pid_runs "$pid" "$d" && die "SLURM_RESET=1 but a $d this script did not start runs (pid $pid); stop it first"
    done
  done
  rm -rf /var/spool/slurmctld/* /var/spool/slurmd/{c1,c2,hm1,g1,aws1,aws2}
}

start_cluster() {
  [[ $(id -u) == 0 ]] || die "must run as root (it starts system daemons)"
  mkdir -p "$STATE"
  exec 9>"$STATE/lock"  # daemons are started with 9>&- so that they do not inherit the lock
  flock -w 600 9 || die "another slurm-cluster.sh is running (lock $STATE/lock)"
  install_packages
  [[ "${SLURM_RESET:-0}" == 1 ]] && reset_state
  make_dirs
  write_config
  start_munge
  start_mariadb
  start_slurmdbd
  setup_accounting
  start_slurmctld
  start_slurmd_nodes
  wait_nodes
  status_cluster || die "the cluster started but is not fully usable (logs: /var/log/slurm)"
}

stop_one() {  # stop_one RECORD NAME: SIGTERM, wait (a zombie counts as stopped), then SIGKILL
  local rec="$PIDS/$1.pid" name="$2" pid i
  pid=$(pid_from_file "$rec")
  if pid_runs "$pid" "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 75; i++)); do pid_runs "$pid" "$name" || break; sleep 0.2; done
    if pid_runs "$pid" "$name"; then
      log "$name ($pid) ignored SIGTERM for 15 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$rec"
}

stop_cluster() {
  [[ -d "$PIDS" ]] || return 0
  local node i
  for node in "${NODES[@]}"; do [[ -e "$PIDS/slurmd.$node.pid" ]] && stop_one "slurmd.$node" slurmd; done
  for ((i = ${#DAEMON_ORDER[@]} - 1; i >= 0; i--)); do
    [[ -e "$PIDS/${DAEMON_ORDER[i]}.pid" ]] && stop_one "${DAEMON_ORDER[i]}" "${DAEMON_ORDER[i]}"
  done
  return 0
}

status_cluster() {
  if ! command -v scontrol >/dev/null; then echo "slurm test cluster: DOWN (SLURM not installed)"; return 1; fi
  if ! ctld_works; then echo "slurm test cluster: DOWN (no controller answers scontrol ping)"; return 1; fi
  local up total mode acct=down
  total=$(sinfo -h -N -o '%N' | sort -u | wc -l)
  up=$(sinfo -h -N -o '%N %T' | sort -u | grep -cE ' (idle|mixed|allocated|completing)$' || true)
  dbd_works && acct=up
  mode=$(scontrol show config 2>/dev/null | awk '/^ProctrackType/{print $3}')
  echo "slurm test cluster: UP (controller up, $up/$total nodes usable, accounting $acct, $mode," \
       "partitions: $(sinfo -h -o '%P' | paste -sd' '))"
  [[ "$up" -eq "$total" && "$acct" == up ]]
}

# purge: remove what start installed or created, and nothing else (root only). Packages come from the list
# recorded at install time; a machine where the packages were already there before start keeps them.
purge_cluster() {
  [[ $(id -u) == 0 ]] || die "must run as root"
  stop_cluster
  local pid d
  for d in slurmd slurmctld slurmdbd mariadbd munged; do
    for pid in $(pgrep -x "$d" || true); do
      pid_runs "$pid" "$d" && die "a $d this script did not start runs (pid $pid); stop it first"
    done
  done
  if [[ -s "$STATE/installed-packages" ]]; then
    mapfile -t pkgs < <(sort -u "$STATE/installed-packages" | comm -12 - <(installed_packages))
    if ((${#pkgs[@]})); then
      log "purging ${#pkgs[@]} packages that start installed"
      DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${pkgs[@]}" >/dev/null || die "apt-get purge failed"
    fi
    if [[ -s "$STATE/created-paths" ]]; then
      while read -r d; do
        case "$d" in /etc/slurm | /etc/munge | /var/lib/mysql | /var/log/mysql | /var/log/slurm | \
          /var/spool/slurmctld | /var/spool/slurmd | /run/munge | /run/mysqld | /run/slurm) rm -rf -- "$d" ;;
        esac
      done <"$STATE/created-paths"
    fi
  else
    log "no install recorded in $STATE: packages and their data are left as they are"
  fi
  rm -rf -- "$STATE"
  echo "slurm test cluster: purged (what start installed or created)"
}

main() {
  case "${1:-}" in
    start) start_cluster ;;
    stop) [[ $(id -u) == 0 ]] || die "must run as root"; stop_cluster; echo "slurm test cluster: stopped (daemons this script started)" ;;
    status) status_cluster || exit 1 ;;
    purge) purge_cluster ;;
    *) echo "usage: $0 start|stop|status|purge   (SLURM_RESET=1 start: empty accounting DB and job state)" >&2; exit 2 ;;
  esac
}

# sourcing the script (tests) defines the functions without running a command
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
