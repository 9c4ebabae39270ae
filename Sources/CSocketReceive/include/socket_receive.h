// NIO reads every socket with read(2); HAProxy reads with recv(2), ~70-120 ns cheaper per call in the kernel (the VFS
// layers in front of the socket). socket_receive.c turns NIO's read(2) on the sockets the proxy marks into recv(2).
#pragma once

// Marks (`on` != 0) or unmarks the descriptor of one of the proxy's TCP connections. Any thread; cheap.
void mesh_receive_with_recv(int fd, int on);
