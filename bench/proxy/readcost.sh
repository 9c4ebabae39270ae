#!/usr/bin/env bash
# readcost.sh - what the kernel charges for the receive system call the proxy makes, beside the one HAProxy makes:
# read(2) (NIO's Socket.read) against recvfrom(2) (HAProxy's recv), in a process of one thread (HAProxy, nbthread 1)
# and of several (mesh-proxy: the event loop, main and Swift's concurrency threads; a file table shared by several
# threads makes every system call on a descriptor take and drop a reference to its file). A C loop over one
# loopback TCP connection: send 41 bytes, the call being measured reads them, the answer comes back and is read with
# recv (so the ACK rides on data, as in the proxy). CPU time of the thread per iteration (4 system calls, 2 loopback
# deliveries), the minimum and median of ROUNDS runs, interleaved. Loopback only; needs cc.
#
# Usage: bench/proxy/readcost.sh      env: ROUNDS=7 ITERATIONS=200000
set -u -o pipefail
ROUNDS=${ROUNDS:-7}; ITERATIONS=${ITERATIONS:-200000}
command -v cc >/dev/null || { echo "need cc"; exit 1; }
DIR=$(mktemp -d /tmp/readcost.XXXXXX); trap 'rm -rf "$DIR"' EXIT
cat >"$DIR/readcost.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static void *idle(void *unused) { (void)unused; for (;;) pause(); return 0; }
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  int useRead = strcmp(argv[1], "read") == 0, threads = atoi(argv[2]); long n = atol(argv[3]);
  if (threads > 1) { pthread_t t; pthread_create(&t, 0, idle, 0); }
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); socklen_t al = sizeof a;
  if (bind(l, (void *)&a, sizeof a) || listen(l, 1) || getsockname(l, (void *)&a, &al)) { perror("listen"); return 1; }
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (void *)&a, sizeof a)) { perror("connect"); return 1; }
  int s = accept(l, 0, 0);
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char message[41], buffer[2048]; memset(message, 'x', sizeof message);
  double start = cpu();
  for (long i = 0; i < n; i++) {
    send(c, message, sizeof message, MSG_NOSIGNAL);
    ssize_t got = useRead ? read(s, buffer, sizeof buffer) : recvfrom(s, buffer, sizeof buffer, 0, 0, 0);
    if (got != sizeof message) { fprintf(stderr, "short read %zd\n", got); return 1; }
    send(s, message, sizeof message, MSG_NOSIGNAL);
    recv(c, buffer, sizeof buffer, 0);
  }
  printf("%.1f\n", (cpu() - start) / n * 1e9);
  return 0;
}
C
cc -O2 -o "$DIR/readcost" "$DIR/readcost.c" -lpthread || exit 1
echo "# $(date -u +%FT%TZ) rounds=$ROUNDS iterations=$ITERATIONS load: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq 1 "$ROUNDS"); do
  for call in recvfrom read; do
    for threads in 1 2; do echo "$call $threads $("$DIR/readcost" $call $threads "$ITERATIONS")"; done
  done
done >"$DIR/rows"
echo "ns of CPU per iteration (send, the call, send, recv), min and median of $ROUNDS (load now: $(cut -d' ' -f1-3 /proc/loadavg)):"
for call in recvfrom read; do
  for threads in 1 2; do
    awk -v c=$call -v t=$threads '$1 == c && $2 == t {print $3}' "$DIR/rows" | sort -n |
      awk -v c=$call -v t=$threads '{v[NR]=$1} END{printf "%-9s threads %d   min %7.1f   median %7.1f\n", c, t, v[1], (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
  done
done
