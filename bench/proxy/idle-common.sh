# Shared by the idle-connection memory benches (websocket-idle.sh, h2-idle.sh): waiting for a line, a process's RSS,
# and the measurement itself. Sourced after the script set DIR and PIDS (its cleanup kills PIDS by PID).

# wait_line FILE PREFIX: until a line of FILE starts with PREFIX (60 s at most), else print FILE and exit.
wait_line() {
  for _ in $(seq 1 3000); do grep -q "^$2" "$1" 2>/dev/null && return 0; sleep 0.02; done; echo "no '$2' in $1:"; cat "$1"; exit 1
}

rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$1/status; }

# measure_idle PROXY_PID PORT N WHAT CLIENTS_SCRIPT: the proxy's RSS idle, then with N clients (the script prints
# `open N` once they are connected, then holds them until its stdin closes), and the difference per client.
measure_idle() {
  local pid=$1 port=$2 n=$3 what=$4 clients=$5
  sleep 1
  local before; before=$(rss_kb "$pid")
  echo "# $(date -u +%FT%TZ) $(basename "$PROXY") N=$n load: $(cut -d' ' -f1-3 /proc/loadavg)"
  mkfifo "$DIR/hold"
  /usr/bin/python3 "$clients" "$port" "$n" <"$DIR/hold" >"$DIR/clients.out" 2>&1 & PIDS+=($!)
  exec 3>"$DIR/hold"
  local start; start=$(date +%s%3N)
  wait_line "$DIR/clients.out" open
  local opened=$(( $(date +%s%3N) - start ))
  sleep 2
  local after; after=$(rss_kb "$pid")
  echo "$what open: $(awk '/^open/ {print $2}' "$DIR/clients.out") (in ${opened} ms), proxy fds $(ls /proc/$pid/fd | wc -l)"
  echo "proxy RSS: idle ${before} kB, with them ${after} kB: $(( (after - before) * 1024 / n )) bytes per one"
  exec 3>&-
}
