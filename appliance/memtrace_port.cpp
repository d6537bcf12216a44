#include "appliance/memtrace_port.h"

namespace vigil {
namespace {

// Constant-initialised, so a provider registered from another library's static
// initialiser is never overwritten by this one's.
const MemtraceProvider* g_provider = nullptr;

}  // namespace

void set_memtrace_provider(const MemtraceProvider* provider) { g_provider = provider; }

const MemtraceProvider* memtrace_provider() { return g_provider; }

}  // namespace vigil
