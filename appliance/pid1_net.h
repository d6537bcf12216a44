// Network set-up for PID 1 mode over a raw rtnetlink socket: there is no iproute2 in the
// image, and the kernel has no ip= autoconfiguration.
// Thread: main thread only; every call blocks until the kernel answers.
#pragma once

#include <netinet/in.h>

#include <functional>
#include <string>

#include "appliance/cmdline.h"
#include "common/status.h"

namespace vigil::appliance {

struct Link {
  int index = 0;
  std::string name;
  bool lower_up = false;  // IFF_LOWER_UP: the driver reports carrier.
};

// One NETLINK_ROUTE socket. Each request carries NLM_F_ACK and waits for the kernel's
// answer, so an error names the request that failed ("RTM_NEWADDR 10.0.2.15/24 on eth0:
// File exists"). Not copyable; the destructor closes the socket.
class Rtnl {
 public:
  Rtnl() = default;
  ~Rtnl();
  Rtnl(const Rtnl&) = delete;
  Rtnl& operator=(const Rtnl&) = delete;

  Status open();

  // The link named `name`, or when `name` is empty the Ethernet link with the lowest
  // index. Error when there is none (yet).
  Result<Link> find_link(const std::string& name);
  // Re-reads one link's state.
  Result<Link> get_link(int index);
  // Sets or clears IFF_UP.
  Status set_up(const Link& link, bool up);
  Status add_ipv4(const Link& link, const Ipv4Prefix& addr);
  // Adds 0.0.0.0/0 via `gateway` in the main table.
  Status add_default_route(const Link& link, in_addr gateway);

 private:
  // Sends one request and reads until its ACK (or, with `dump`, until NLMSG_DONE), calling
  // `on_link` for each RTM_NEWLINK answer. `what` names the request in errors.
  Status transact(void* msg, size_t len, const std::string& what,
                  const std::function<void(const Link&)>& on_link = {});

  int fd_ = -1;
  unsigned seq_ = 0;
};

}  // namespace vigil::appliance
