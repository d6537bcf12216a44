#include "appliance/control_handler.h"

#include <string_view>
#include <utility>

namespace vigil::appliance {

net::ReplyHandler control_handler(control::Controller* controller) {
  return [controller](std::string_view line) {
    control::Reply r = controller->execute(line);
    net::Reply reply{std::move(r.text), nullptr};
    if (r.shutdown) reply.after = [controller] { controller->shutdown(); };
    return reply;
  };
}

}  // namespace vigil::appliance
