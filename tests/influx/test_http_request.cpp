// What the influx-http output puts on the wire: method, target with its precision, auth
// headers and the body, as a plain TCP receiver sees them (vigil's own client: no libcurl).
#include <doctest/doctest.h>

#include "metrics/http_output.h"
#include "tests/influx/output_util.h"
#include "tests/influx/tcp_receiver.h"

using namespace vigil;
using namespace vigil::metrics;
using namespace std::chrono_literals;
using vigil::test::TcpReceiver;

namespace {

constexpr int64_t kT0 = 1700000000000000000;

// Sends two points through an output built from `c` (url filled in) and returns the raw
// request the receiver got.
std::string captured_request(OutputConfig c, const std::string& target) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::string request;
  {
    TcpReceiver rx(&loop);
    c.kind = "influx-http";
    c.url = "http://127.0.0.1:" + std::to_string(rx.port()) + target;
    HttpOutput out(&loop, c);
    out.write(test::numbered_points(0, 2, kT0));
    out.flush();
    CHECK(test::run_until(&loop, [&] {
      return rx.received().find("m,host=h v=1i 1700000000000000001\n") != std::string::npos;
    }));
    request = rx.received();
    CHECK(test::shut_down(&loop, out, 0ms));
    rx.close();
  }
  CHECK(test::close_loop(&loop) == 0);
  return request;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a 1.x write names precision n and sends basic auth") {
  OutputConfig c;
  c.username = "u";
  c.password = "p";
  std::string req = captured_request(c, "/write?db=vigil&rp=week");
  CHECK(req.rfind("POST /write?db=vigil&rp=week&precision=n HTTP/1.1\r\n", 0) == 0);
  CHECK(has(req, "\r\nAuthorization: Basic dTpw\r\n"));  // base64("u:p")
  CHECK(has(req, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
  CHECK(!has(req, "Expect:"));
  CHECK(has(req, "\r\n\r\nm,host=h v=0i 1700000000000000000\nm,host=h v=1i 1700000000000000001\n"));
}

TEST_CASE("a 2.x write names precision ns and sends the token") {
  OutputConfig c;
  c.token = "s3cret";
  std::string req = captured_request(c, "/api/v2/write?org=o&bucket=b");
  CHECK(req.rfind("POST /api/v2/write?org=o&bucket=b&precision=ns HTTP/1.1\r\n", 0) == 0);
  CHECK(has(req, "\r\nAuthorization: Token s3cret\r\n"));
  CHECK(!has(req, "Basic"));
}

TEST_CASE("a url that names its precision is sent unchanged") {
  std::string req = captured_request(OutputConfig{}, "/write?db=d&precision=n");
  CHECK(req.rfind("POST /write?db=d&precision=n HTTP/1.1\r\n", 0) == 0);
  CHECK(!has(req, "Authorization"));
}
