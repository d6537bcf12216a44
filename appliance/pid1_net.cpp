#include "appliance/pid1_net.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::appliance {
namespace {

constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

std::string errno_text(int err) { return std::strerror(err); }

// One request in a fixed buffer: the header, a fixed body (ifinfomsg, ifaddrmsg or rtmsg),
// then attributes, each padded to 4 bytes as netlink(7) requires. The macros of
// <linux/netlink.h> are not used because they cast in the C way.
class Message {
 public:
  Message(uint16_t type, uint16_t flags) {
    hdr()->nlmsg_type = type;
    hdr()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    hdr()->nlmsg_len = static_cast<uint32_t>(align4(sizeof(nlmsghdr)));
  }

  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf_); }
  size_t size() const { return reinterpret_cast<const nlmsghdr*>(buf_)->nlmsg_len; }

  template <class T>
  T* body() {
    T* p = reinterpret_cast<T*>(buf_ + size());
    hdr()->nlmsg_len = static_cast<uint32_t>(size() + align4(sizeof(T)));
    return p;
  }

  void attr(uint16_t type, const void* data, size_t n) {
    auto* a = reinterpret_cast<rtattr*>(buf_ + size());
    a->rta_type = type;
    a->rta_len = static_cast<uint16_t>(align4(sizeof(rtattr)) + n);
    std::memcpy(buf_ + size() + align4(sizeof(rtattr)), data, n);
    hdr()->nlmsg_len = static_cast<uint32_t>(size() + align4(a->rta_len));
  }

 private:
  // Large enough for the biggest request here (a route: header, rtmsg, two attributes).
  alignas(nlmsghdr) unsigned char buf_[256]{};
};

// Reads an RTM_NEWLINK answer: the index, the flags and the IFLA_IFNAME attribute.
Link parse_link(const nlmsghdr* h, unsigned short* type) {
  const auto* base = reinterpret_cast<const unsigned char*>(h);
  size_t off = align4(sizeof(nlmsghdr));
  const auto* ifi = reinterpret_cast<const ifinfomsg*>(base + off);
  Link link;
  link.index = ifi->ifi_index;
  link.lower_up = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
  *type = ifi->ifi_type;
  off += align4(sizeof(ifinfomsg));
  while (off + sizeof(rtattr) <= h->nlmsg_len) {
    const auto* a = reinterpret_cast<const rtattr*>(base + off);
    if (a->rta_len < sizeof(rtattr) || off + a->rta_len > h->nlmsg_len) break;
    if (a->rta_type == IFLA_IFNAME) {
      const char* name = reinterpret_cast<const char*>(base + off + align4(sizeof(rtattr)));
      link.name.assign(name, strnlen(name, a->rta_len - align4(sizeof(rtattr))));
    }
    off += align4(a->rta_len);
  }
  return link;
}

}  // namespace

Rtnl::~Rtnl() {
  if (fd_ >= 0) close(fd_);
}

Status Rtnl::open() {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) return Status::error("rtnetlink socket: " + errno_text(errno));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    return Status::error("rtnetlink bind: " + errno_text(errno));
  }
  return Status();
}

Status Rtnl::transact(void* msg, size_t len, const std::string& what,
                      const std::function<void(const Link&)>& on_link) {
  auto* req = static_cast<nlmsghdr*>(msg);
  req->nlmsg_seq = ++seq_;
  bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
  if (send(fd_, msg, len, 0) != static_cast<ssize_t>(len)) {
    return Status::error(what + ": send: " + errno_text(errno));
  }
  // Link dumps carry statistics: about 1.5 KB per link.
  alignas(nlmsghdr) static unsigned char buf[32768];
  for (;;) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::error(what + ": recv: " + errno_text(n < 0 ? errno : EPIPE));
    size_t off = 0;
    while (off + sizeof(nlmsghdr) <= static_cast<size_t>(n)) {
      const auto* h = reinterpret_cast<const nlmsghdr*>(buf + off);
      if (h->nlmsg_len < sizeof(nlmsghdr) || off + h->nlmsg_len > static_cast<size_t>(n)) break;
      off += align4(h->nlmsg_len);
      if (h->nlmsg_seq != seq_) continue;
      if (h->nlmsg_type == NLMSG_DONE) return Status();
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = reinterpret_cast<const nlmsgerr*>(
            reinterpret_cast<const unsigned char*>(h) + align4(sizeof(nlmsghdr)));
        if (e->error == 0) return Status();
        return Status::error(what + ": " + errno_text(-e->error));
      }
      if (h->nlmsg_type == RTM_NEWLINK && on_link) {
        unsigned short type = 0;
        Link link = parse_link(h, &type);
        if (!dump || type == ARPHRD_ETHER) on_link(link);
      }
    }
  }
}

Result<Link> Rtnl::find_link(const std::string& name) {
  Message m(RTM_GETLINK, NLM_F_DUMP);
  m.body<ifinfomsg>()->ifi_family = AF_UNSPEC;
  Link found;
  Status st = transact(m.hdr(), m.size(), "RTM_GETLINK dump", [&](const Link& l) {
    bool wanted = name.empty() ? (found.index == 0 || l.index < found.index) : l.name == name;
    if (wanted) found = l;
  });
  if (!st.ok()) return st;
  if (found.index == 0) {
    return Status::error(name.empty() ? std::string("no Ethernet interface found")
                                      : "no Ethernet interface named " + name);
  }
  return found;
}

Result<Link> Rtnl::get_link(int index) {
  Message m(RTM_GETLINK, 0);
  auto* ifi = m.body<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  Link found;
  Status st = transact(m.hdr(), m.size(), "RTM_GETLINK " + std::to_string(index),
                       [&](const Link& l) { found = l; });
  if (!st.ok()) return st;
  if (found.index != index)
    return Status::error("RTM_GETLINK " + std::to_string(index) + ": no answer");
  return found;
}

Status Rtnl::set_up(const Link& link, bool up) {
  Message m(RTM_NEWLINK, 0);
  auto* ifi = m.body<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = link.index;
  ifi->ifi_flags = up ? IFF_UP : 0;
  ifi->ifi_change = IFF_UP;
  return transact(m.hdr(), m.size(), std::string("set ") + link.name + (up ? " up" : " down"));
}

Status Rtnl::add_ipv4(const Link& link, const Ipv4Prefix& addr) {
  Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = m.body<ifaddrmsg>();
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = static_cast<unsigned char>(addr.prefix);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<unsigned>(link.index);
  m.attr(IFA_LOCAL, &addr.addr, sizeof addr.addr);
  m.attr(IFA_ADDRESS, &addr.addr, sizeof addr.addr);
  if (addr.prefix < 31) {
    in_addr brd{htonl(ntohl(addr.addr.s_addr) | (~uint32_t{0} >> addr.prefix))};
    m.attr(IFA_BROADCAST, &brd, sizeof brd);
  }
  return transact(m.hdr(), m.size(),
                  "add address " + format_ipv4(addr.addr) + "/" + std::to_string(addr.prefix) +
                      " to " + link.name);
}

Status Rtnl::add_default_route(const Link& link, in_addr gateway) {
  Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  auto* rt = m.body<rtmsg>();
  rt->rtm_family = AF_INET;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  m.attr(RTA_GATEWAY, &gateway, sizeof gateway);
  uint32_t oif = static_cast<uint32_t>(link.index);
  m.attr(RTA_OIF, &oif, sizeof oif);
  return transact(m.hdr(), m.size(),
                  "add default route via " + format_ipv4(gateway) + " on " + link.name);
}

}  // namespace vigil::appliance
