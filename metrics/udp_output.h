// The `influx-udp` output: line protocol in datagrams, for the UDP listeners of InfluxDB 1.x
// and Telegraf.
// Thread: loop only.
//
// A batch is split at line boundaries into datagrams of at most `max_payload` bytes (a
// receiver drops a whole datagram for one bad line, and a datagram over the path MTU may
// never arrive). A line longer than max_payload can never be sent: it is dropped and
// counted at write(). Datagrams go one after another; a datagram counts as sent when the
// kernel took it (UDP has no acknowledgement). A send error keeps the rest of the batch
// for a retry with backoff, and the host is looked up again.
// Lifetime and states as QueuedOutput.
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/uv_handle.h"
#include "metrics/queued_output.h"
#include "metrics/resolver.h"

namespace vigil::metrics {

// Splits `lines` into groups whose byte sizes add up to at most `max_payload` each; returns
// the number of lines of each group, in order. REQUIRES: every line fits in max_payload.
std::vector<size_t> split_datagrams(std::span<const std::string> lines, size_t max_payload);

class UdpOutput final : public QueuedOutput {
 public:
  // REQUIRES: config.url passed parse_socket_url("udp", ...).
  UdpOutput(uv_loop_t* loop, const OutputConfig& config, uint64_t seed = 1);
  ~UdpOutput() override;

 protected:
  void send_batch(std::span<const std::string> lines) override;
  void close_transport(std::function<void()> closed) override;
  bool can_carry(std::string_view line) const override;

 private:
  void send_next();
  void finish(int status);
  void maybe_closed();
  static void on_send(uv_udp_send_t* req, int status) noexcept;

  size_t max_payload_;
  std::unique_ptr<Resolver> resolver_;
  UvHandle udp_;
  std::string init_error_;  // Why the socket could not be made, or empty.
  sockaddr_storage addr_{};
  bool resolved_ = false;
  // The batch being sent: its lines, how they group into datagrams, and progress.
  std::span<const std::string> lines_;
  std::vector<size_t> groups_;
  size_t next_group_ = 0;
  size_t next_line_ = 0;
  std::function<void()> closed_;
  bool handle_closed_ = false;
};

}  // namespace vigil::metrics
