// The glue between the control transport (net/) and the commands (control/): the reply
// handler vigil gives its ControlServer.
// Thread: loop only. Lifetime: "*controller" must outlive the handler and every call.
#pragma once

#include "control/controller.h"
#include "net/reply.h"

namespace vigil::appliance {

// Answers each line with the controller's reply; for `shutdown`, the reply's `after`
// calls the controller's shutdown() once the `ok` is written.
net::ReplyHandler control_handler(control::Controller* controller);

}  // namespace vigil::appliance
