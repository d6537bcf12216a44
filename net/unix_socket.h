// The file of a listening Unix socket: claiming its path and giving it back.
// Thread: any (blocking system calls on the local file system only; a connect to a Unix
// socket never waits for the peer).
//
//   auto sock = bind_unix_socket("/run/vigil.sock");   // the fd, bound, mode 0600
//   ... uv_pipe_open(pipe, sock->fd); uv_listen(...) ...
//   remove_socket_file(sock->path, sock->file);        // at shutdown
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace vigil::net {

// Which file a process made: compared at removal so that a file another process has put
// at the same path since is left alone.
struct SocketFileId {
  dev_t dev = 0;
  ino_t ino = 0;
};

struct BoundUnixSocket {
  int fd = -1;  // A bound AF_UNIX stream socket, not yet listening. Owned by the caller.
  SocketFileId file;
};

// Binds a new socket at `path` and sets the file's mode to 0600. A socket file already at
// `path` is replaced only when nothing answers a connect to it (left by a process that
// died). Errors name the path and the real cause:
//   "PATH is in use by a running process"
//   "listen unix PATH: file exists and is not a socket"
//   "listen unix PATH: ENOENT (no such file or directory)"
Result<BoundUnixSocket> bind_unix_socket(const std::string& path);

// Unlinks `path` iff it is still the file `made` names. Returns true iff it removed it.
bool remove_socket_file(const std::string& path, const SocketFileId& made);

}  // namespace vigil::net
