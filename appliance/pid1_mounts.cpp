// The pseudo file systems an init mounts itself: this kernel does not mount /dev for us.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "appliance/pid1.h"

namespace vigil::appliance::pid1 {
namespace {

struct Mount {
  const char* source;
  const char* target;
  const char* type;
  unsigned long flags;
  const char* data;
};

constexpr Mount kMounts[] = {
    {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr},
    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
    {"tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
    {"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
};

// The kernel opens /dev/console for init only when the image has that node. Without it,
// fds 0-2 are closed, so open the console from devtmpfs once it is mounted.
void ensure_console() {
  if (fcntl(2, F_GETFD) >= 0) return;
  int fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) return;
  for (int i = 0; i < 3; ++i) {
    if (fd != i) dup2(fd, i);
  }
  if (fd > 2) close(fd);
}

}  // namespace

Status mount_filesystems() {
  for (const Mount& m : kMounts) {
    if (mkdir(m.target, 0755) != 0 && errno != EEXIST) {
      return Status::error(std::string("mkdir ") + m.target + ": " + std::strerror(errno));
    }
    if (mount(m.source, m.target, m.type, m.flags, m.data) != 0 && errno != EBUSY) {
      return Status::error(std::string("mount ") + m.type + " on " + m.target + ": " +
                           std::strerror(errno));
    }
    if (std::strcmp(m.target, "/dev") == 0) ensure_console();
  }
  return Status();
}

}  // namespace vigil::appliance::pid1
