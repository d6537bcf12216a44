// control_rtt: exchanges per second on vigil's TCP control port, against a bare libuv
// server that answers "ok" in the same run.
//
//   build/bench/control_rtt [SECONDS_PER_ROUND [ROUNDS]]   (default 1 s, 7 rounds)
//
// Each server runs on its own loop thread in this process. One client thread does, in a
// loop: connect, send "m\n", half-close (so vigil answers at once instead of after its
// 200 ms pause), read until EOF, close. Rounds alternate between the two servers; the
// medians and their ratio are printed.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "appliance/control_handler.h"
#include "control/controller.h"
#include "metrics/registry.h"
#include "net/control_server.h"
#include "stats.h"

namespace {

using vigil::bench::median;

using Clock = std::chrono::steady_clock;

// The baseline: read until EOF, write "ok\n", close. No framing, no parsing.
struct BareConn {
  uv_tcp_t tcp;
  uv_write_t write;
  char buf[4096];
};

void bare_close(uv_handle_t* h) { delete static_cast<BareConn*>(h->data); }

void bare_on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* c = static_cast<BareConn*>(s->data);
  if (nread >= 0) return;
  if (nread != UV_EOF) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), bare_close);
    return;
  }
  static char ok[] = "ok\n";
  uv_buf_t b = uv_buf_init(ok, 3);
  uv_write(&c->write, s, &b, 1, [](uv_write_t* w, int) {
    uv_close(reinterpret_cast<uv_handle_t*>(w->handle), bare_close);
  });
}

void bare_on_connection(uv_stream_t* server, int status) {
  if (status != 0) return;
  auto* c = new BareConn;
  uv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), bare_close);
    return;
  }
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->tcp),
      [](uv_handle_t* h, size_t, uv_buf_t* b) {
        auto* conn = static_cast<BareConn*>(h->data);
        *b = uv_buf_init(conn->buf, sizeof conn->buf);
      },
      bare_on_read);
}

// A server on its own loop thread. `setup` binds it on the loop and returns the port.
class ServerThread {
 public:
  template <class Setup, class Teardown>
  ServerThread(Setup setup, Teardown teardown) {
    std::promise<int> port;
    std::future<int> port_future = port.get_future();
    thread_ = std::thread([this, setup, teardown, &port] {
      uv_loop_t loop;
      uv_loop_init(&loop);
      stop_.data = &teardown_;
      teardown_ = [&, teardown] { teardown(&loop); };
      uv_async_init(&loop, &stop_, [](uv_async_t* a) {
        (*static_cast<std::function<void()>*>(a->data))();
        uv_close(reinterpret_cast<uv_handle_t*>(a), nullptr);
      });
      port.set_value(setup(&loop));
      uv_run(&loop, UV_RUN_DEFAULT);
      if (uv_loop_close(&loop) != 0) std::fprintf(stderr, "loop not closed\n");
    });
    port_ = port_future.get();
  }
  ~ServerThread() {
    uv_async_send(&stop_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::thread thread_;
  uv_async_t stop_;
  std::function<void()> teardown_;
  int port_ = 0;
};

// One exchange; returns false on any failure.
bool exchange_once(int port, std::string* reply) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
            send(fd, "m\n", 2, MSG_NOSIGNAL) == 2 && shutdown(fd, SHUT_WR) == 0;
  reply->clear();
  char buf[256];
  ssize_t n;
  while (ok && (n = recv(fd, buf, sizeof buf, 0)) > 0) reply->append(buf, static_cast<size_t>(n));
  close(fd);
  return ok && !reply->empty();
}

double exchanges_per_second(int port, double seconds, const char* expected) {
  std::string reply;
  long count = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  while (Clock::now() < end) {
    if (!exchange_once(port, &reply) || reply != expected) {
      std::fprintf(stderr, "bad exchange on port %d: '%s'\n", port, reply.c_str());
      std::exit(1);
    }
    ++count;
  }
  return static_cast<double>(count) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 7;

  vigil::metrics::Registry registry;
  vigil::control::Controller controller(&registry, {});
  std::unique_ptr<vigil::net::ControlServer> server;
  ServerThread vigil_server(
      [&](uv_loop_t* loop) {
        vigil::net::ServerOptions options;
        server = std::make_unique<vigil::net::ControlServer>(
            loop, vigil::appliance::control_handler(&controller), options);
        if (!server->listen_tcp("127.0.0.1:0").ok()) std::exit(1);
        return server->tcp_port();
      },
      [&](uv_loop_t*) { server.reset(); });

  uv_tcp_t bare;
  ServerThread bare_server(
      [&](uv_loop_t* loop) {
        uv_tcp_init(loop, &bare);
        sockaddr_in a;
        uv_ip4_addr("127.0.0.1", 0, &a);
        uv_tcp_bind(&bare, reinterpret_cast<sockaddr*>(&a), 0);
        if (uv_listen(reinterpret_cast<uv_stream_t*>(&bare), 128, bare_on_connection) != 0) {
          std::exit(1);
        }
        sockaddr_storage s;
        int len = sizeof s;
        uv_tcp_getsockname(&bare, reinterpret_cast<sockaddr*>(&s), &len);
        return static_cast<int>(ntohs(reinterpret_cast<sockaddr_in*>(&s)->sin_port));
      },
      [&](uv_loop_t*) { uv_close(reinterpret_cast<uv_handle_t*>(&bare), nullptr); });

  std::vector<double> vigil_rates, bare_rates;
  for (int r = 0; r < rounds; ++r) {
    // Alternate which server goes first, so drift in machine load hits both alike.
    bool vigil_first = r % 2 == 0;
    for (int i = 0; i < 2; ++i) {
      if ((i == 0) == vigil_first) {
        vigil_rates.push_back(
            exchanges_per_second(vigil_server.port(), seconds, "ok: *:enabled\n"));
      } else {
        bare_rates.push_back(exchanges_per_second(bare_server.port(), seconds, "ok\n"));
      }
    }
    std::printf("round %d: vigil %.0f/s, bare %.0f/s\n", r + 1, vigil_rates.back(),
                bare_rates.back());
  }
  double v = median(vigil_rates), b = median(bare_rates);
  std::printf(
      "control_rtt: vigil %.0f exchanges/s, bare libuv %.0f exchanges/s, ratio %.2f "
      "(median of %d rounds of %.1f s)\n",
      v, b, v / b, rounds, seconds);
  return 0;
}
