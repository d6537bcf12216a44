// UvHandle, the one owner of a libuv handle, on a real loop: its states, when `closed`
// runs, a failed init, and an owner destroyed before its close callback. Each case ends with
// uv_loop_close() == 0, so a handle or a Box left behind fails it (and ASan reports a leak).
#include <doctest/doctest.h>
#include <uv.h>

#include <memory>

#include "common/uv_handle.h"

using vigil::UvHandle;

namespace {

struct Loop {
  uv_loop_t loop{};
  Loop() { REQUIRE(uv_loop_init(&loop) == 0); }
  ~Loop() {
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

}  // namespace

TEST_CASE("UvHandle: unused, open, closing, closed; `closed` runs once, from the loop") {
  Loop l;
  UvHandle h;
  CHECK(h.state() == UvHandle::State::unused);
  int data = 0;
  REQUIRE(h.init_timer(&l.loop, &data).ok());
  CHECK(h.is_open());
  CHECK(h.handle()->data == &data);
  CHECK(h.handle()->type == UV_TIMER);
  int closed = 0;
  h.close([&closed] { ++closed; });
  CHECK(h.state() == UvHandle::State::closing);
  CHECK(h.handle()->data == nullptr);     // no callback of the handle reaches its user again
  CHECK(closed == 0);                     // libuv runs close callbacks from uv_run only
  h.close([&closed] { closed += 100; });  // a second close does nothing
  uv_run(&l.loop, UV_RUN_DEFAULT);
  CHECK(closed == 1);
  CHECK(h.state() == UvHandle::State::closed);
  h.close([&closed] { closed += 100; });
  CHECK(closed == 1);
}

TEST_CASE("UvHandle: closing an unused owner runs `closed` at once") {
  Loop l;
  UvHandle h;
  int closed = 0;
  h.close([&closed] { ++closed; });
  CHECK(closed == 1);
  CHECK(h.state() == UvHandle::State::closed);
}

TEST_CASE("UvHandle: a failed init says which call failed and leaves the owner unused") {
  Loop l;
  UvHandle poll;
  vigil::Status st = poll.init_poll_socket(&l.loop, -1, nullptr);
  CHECK_FALSE(st.ok());
  CHECK(st.message().starts_with("uv_poll_init_socket: E"));
  CHECK(poll.state() == UvHandle::State::unused);
  UvHandle tty;
  st = tty.init_tty(&l.loop, -1, nullptr);
  CHECK(st.message() == "uv_tty_init: EINVAL");
  CHECK(tty.state() == UvHandle::State::unused);
  // The owner is still good for another init.
  REQUIRE(tty.init_timer(&l.loop, nullptr).ok());
  CHECK(tty.is_open());
}

TEST_CASE("UvHandle: an owner destroyed while closing is not told, and nothing leaks") {
  Loop l;
  int closed = 0;
  {
    UvHandle h;
    REQUIRE(h.init_tcp(&l.loop, nullptr).ok());
    h.close([&closed] { ++closed; });
  }  // the Box lives on until the close callback frees it
  {
    UvHandle open;  // the destructor closes an open handle
    REQUIRE(open.init_pipe(&l.loop, nullptr).ok());
  }
  uv_run(&l.loop, UV_RUN_DEFAULT);
  CHECK(closed == 0);
}

TEST_CASE("UvHandle: `closed` may destroy the owner") {
  Loop l;
  auto owner = std::make_unique<UvHandle>();
  REQUIRE(owner->init_timer(&l.loop, nullptr).ok());
  bool closed = false;
  owner->close([&] {
    owner.reset();
    closed = true;
  });
  uv_run(&l.loop, UV_RUN_DEFAULT);
  CHECK(closed);
  CHECK(owner == nullptr);
}

TEST_CASE("uv_error names the action and the error") {
  CHECK(vigil::uv_error("listen 0.0.0.0:2323", UV_EADDRINUSE) == "listen 0.0.0.0:2323: EADDRINUSE");
}
