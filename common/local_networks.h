// The networks a listener allows by default when its port serves data that should not
// leave the site: loopback and the private ranges.
// Thread: any.
#pragma once

#include <vector>

#include "common/address.h"

namespace vigil {

// 127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, fe80::/10.
std::vector<Cidr> local_networks();
// The same as written in the config, for docs and --help.
inline constexpr const char* kLocalNetworksText =
    "127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, fe80::/10";

}  // namespace vigil
