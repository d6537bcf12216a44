#include "net/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>

namespace vigil::net {
namespace {

// "listen unix PATH: ENOENT (no such file or directory)" for the errno `err`.
Status errno_error(const std::string& path, int err) {
  int uv = uv_translate_sys_error(err);
  return Status::error("listen unix " + path + ": " + uv_err_name(uv) + " (" + uv_strerror(uv) +
                       ")");
}

bool fill_address(const std::string& path, sockaddr_un* addr) {
  if (path.empty() || path.size() >= sizeof addr->sun_path) return false;
  *addr = sockaddr_un{};
  addr->sun_family = AF_UNIX;
  std::memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

// Whether a process accepts connections on the socket file at `addr`: 0 when none does
// (ECONNREFUSED: a file left by a process that died), -1 when one does (a full backlog,
// EAGAIN, counts too), else the errno that kept us from telling (EACCES, ...).
int probe(const sockaddr_un& addr) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return errno;
  int rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = rc == 0 ? 0 : errno;
  close(fd);
  if (rc == 0 || err == EAGAIN || err == EINPROGRESS) return -1;
  return err == ECONNREFUSED || err == ENOENT ? 0 : err;
}

// Clears the way for a bind at `path`: nothing there, or a dead socket file (removed).
Status clear_path(const std::string& path, const sockaddr_un& addr) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? Status() : errno_error(path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::error("listen unix " + path + ": file exists and is not a socket");
  }
  int state = probe(addr);
  if (state < 0) return Status::error(path + " is in use by a running process");
  if (state > 0) return errno_error(path, state);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error(path, errno);
  return Status();
}

}  // namespace

Result<BoundUnixSocket> bind_unix_socket(const std::string& path) {
  sockaddr_un addr;
  if (!fill_address(path, &addr)) {
    return Status::error("listen unix " + path + ": path empty or too long");
  }
  if (Status st = clear_path(path, addr); !st.ok()) return st;
  BoundUnixSocket out;
  out.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (out.fd < 0) return errno_error(path, errno);
  struct stat st;
  bool bound = bind(out.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  // Before listen(), so no client can connect while the mode is still wider.
  if (bound && chmod(path.c_str(), 0600) == 0 && lstat(path.c_str(), &st) == 0) {
    out.file = SocketFileId{st.st_dev, st.st_ino};
    return out;
  }
  int err = errno;
  close(out.fd);
  if (bound) unlink(path.c_str());
  return errno_error(path, err);
}

bool remove_socket_file(const std::string& path, const SocketFileId& made) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return false;
  if (st.st_dev != made.dev || st.st_ino != made.ino) return false;
  return unlink(path.c_str()) == 0;
}

}  // namespace vigil::net
