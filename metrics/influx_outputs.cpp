#include "metrics/influx_outputs.h"

#include <chrono>
#include <cstdint>

#include "metrics/curl_api.h"
#include "metrics/http_output.h"
#include "metrics/output_factory.h"
#include "metrics/output_url.h"
#include "metrics/tcp_output.h"
#include "metrics/udp_output.h"

namespace vigil::metrics {

Result<std::unique_ptr<Output>> make_influx_output(uv_loop_t* loop, const OutputConfig& config) {
  if (Status st = check_output(config); !st.ok()) return st;
  // Jitter differs between processes so that many vigils do not retry in step.
  auto seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::string_view scheme;
  for (const OutputKind& k : output_kind_table()) {
    if (k.kind == config.kind) scheme = k.scheme;
  }
  std::unique_ptr<Output> out;
  if (scheme == "tcp") {
    out = std::make_unique<TcpOutput>(loop, config, seed);
  } else if (scheme == "udp") {
    out = std::make_unique<UdpOutput>(loop, config, seed);
  } else if (scheme == "http") {
    // vigil speaks plain HTTP itself; libcurl is loaded (not linked, metrics/curl_api.h)
    // by the first influx-http output with an https:// url.
    Result<OutputUrl> url = parse_http_url(config.url);
    if (url.ok() && url->scheme == "https") {
      if (Status st = load_curl(); !st.ok()) return st;
    }
    out = std::make_unique<HttpOutput>(loop, config, seed);
  } else {
    return Status::error("not an influx output kind: '" + config.kind + "'");
  }
  return out;
}

void register_influx_outputs() {
  // Every kind with a url is an Influx output; stdout (no url) is built in.
  for (const OutputKind& k : output_kind_table()) {
    if (!k.scheme.empty()) register_output_kind(std::string(k.kind), make_influx_output);
  }
}

}  // namespace vigil::metrics
