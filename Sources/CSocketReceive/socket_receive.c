// read(2) as recv(2) on the proxy's sockets.
//
// Why: NIO's Socket.read calls read(2) for every descriptor (NIOPosix/System.swift, `sysRead = read`) and offers no
// other call; the proxy cannot reach that code. Per call read(2) costs the VFS layers in front of the socket
// (vfs_read, rw_verify_area, security_file_permission, fdget_pos, sock_read_iter) that recv(2) skips: +68 ns in a
// one-thread process (bench/proxy/readcost.sh), two reads per proxied request (docs/performance.md, issue 14).
//
// How: this file defines `read`, so the link resolves NIO's calls (and every other `read` in the executable) here.
// A descriptor the proxy marked (SocketWriter, on attaching to a connection it found the socket of) is read with
// recv(fd, buffer, count, 0), which for a socket is exactly read(2) (recv(2): "equivalent to read(2)" with no
// flags). Anything else goes to glibc's read unchanged. A stale mark is harmless: a number reused by another
// socket is read the same way, and one reused by a file or pipe fails recv with ENOTSOCK and is read with read(2).
#include "socket_receive.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

// After the includes: glibc's headers define __GLIBC__.
#if defined(__linux__) && defined(__GLIBC__)

// One byte per descriptor below this; higher ones (a proxy past 65,536 open descriptors) keep read(2).
#define MARKED_LIMIT 65536
static _Atomic unsigned char marked[MARKED_LIMIT];

// glibc's read(2) itself, under the name glibc exports beside `read`.
extern ssize_t __read(int fd, void *buffer, size_t count);

void mesh_receive_with_recv(int fd, int on) {
    if (fd >= 0 && fd < MARKED_LIMIT) atomic_store_explicit(&marked[fd], on ? 1 : 0, memory_order_relaxed);
}

ssize_t read(int fd, void *buffer, size_t count) {
    if (fd >= 0 && fd < MARKED_LIMIT && atomic_load_explicit(&marked[fd], memory_order_relaxed)) {
        ssize_t received = recv(fd, buffer, count, 0);
        if (received >= 0 || errno != ENOTSOCK) return received;
    }
    return __read(fd, buffer, count);
}
#else
void mesh_receive_with_recv(int fd, int on) { (void)fd; (void)on; }
#endif
