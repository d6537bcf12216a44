#include "net_test_util.h"

#include <sys/socket.h>
#include <unistd.h>

#include "appliance/control_handler.h"
#include "tests/support/loop.h"

namespace vigil::test {

Pipeline::Pipeline()
    : cpu(std::make_unique<FakeElement>(metrics::Kind::source, "proc", "cpu")),
      memory(std::make_unique<FakeElement>(metrics::Kind::source, "proc", "memory")),
      net(std::make_unique<FakeElement>(metrics::Kind::source, "proc", "net",
                                        std::vector<std::string>{"ifname"})),
      net2(std::make_unique<FakeElement>(metrics::Kind::source, "other", "net")),
      output(std::make_unique<FakeElement>(metrics::Kind::output, "influx", "main")),
      transform(std::make_unique<FakeElement>(metrics::Kind::transform, "calc", "sum")) {
  for (FakeElement* e :
       {cpu.get(), memory.get(), net.get(), net2.get(), output.get(), transform.get()}) {
    registry.add(e);
  }
}

Pipeline::~Pipeline() {
  for (FakeElement* e :
       {cpu.get(), memory.get(), net.get(), net2.get(), output.get(), transform.get()}) {
    registry.remove(e);
  }
}

std::string talk(int port, std::string_view data, bool half_close) {
  int fd = connect_tcp(port);
  if (fd < 0) return "<connect failed>";
  send_all(fd, data);
  if (half_close) shutdown(fd, SHUT_WR);
  std::string reply = read_all(fd);
  close(fd);
  return reply;
}

ServerFixture::ServerFixture(net::ServerOptions options, net::ReplyHandler handler)
    : controller(&pipeline.registry, [this] { ++shutdowns; }) {
  uv_loop_init(&loop);
  if (!handler) handler = appliance::control_handler(&controller);
  server = std::make_unique<net::ControlServer>(&loop, std::move(handler), std::move(options));
}

ServerFixture::~ServerFixture() {
  if (!finished) finish();
}

void ServerFixture::run_client(const std::function<void()>& client) { run_while(&loop, client); }

int ServerFixture::finish() {
  finished = true;
  server.reset();
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop);
}

}  // namespace vigil::test
