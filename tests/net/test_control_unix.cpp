// The Unix control socket in line mode (spec §1.2), over a real socket file.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "net_test_util.h"

using vigil::test::connect_unix;
using vigil::test::read_all;
using vigil::test::read_line;
using vigil::test::send_all;
using vigil::test::ServerFixture;

namespace {

// A fresh directory under /tmp, removed with its socket file at the end of the test.
struct TempDir {
  TempDir() {
    char templ[] = "/tmp/vigil-net-XXXXXX";
    path = mkdtemp(templ);
  }
  ~TempDir() {
    unlink(socket().c_str());
    rmdir(path.c_str());
  }
  std::string socket() const { return path + "/control.sock"; }
  std::string path;
};

// A Unix stream socket bound to `path` (which makes the socket file), not listening yet.
int bound_socket(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

bool exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("the unix socket answers each line and stays open after errors and blank lines") {
  TempDir dir;
  ServerFixture f;
  REQUIRE(f.server->listen_unix(dir.socket()).ok());
  std::string r1, r2, r3, r4, r5, rest;
  f.run_client([&] {
    int fd = connect_unix(dir.socket());
    send_all(fd, "L*:info\n");
    r1 = read_line(fd);
    send_all(fd, "mnosuch\n");
    r2 = read_line(fd);
    send_all(fd, "\n   \r\nMoff\n");
    r3 = read_line(fd);
    send_all(fd, "m\r\nmmemo");
    r4 = read_line(fd);
    send_all(fd, "ry\nhelp\n");
    r5 = read_line(fd);
    send_all(fd, "elements tra");  // No LF: answered at EOF.
    shutdown(fd, SHUT_WR);
    rest = read_all(fd);
    close(fd);
  });
  CHECK(r1 == "ok\n");
  CHECK(r2 == "error: unknown source: nosuch\n");
  CHECK(r3 == "ok\n");
  CHECK(r4 == "ok: *:disabled\n");
  CHECK(r5 == "ok: memory:disabled\n");
  CHECK(rest.starts_with("ok: L<level-spec>"));
  CHECK(rest.ends_with("\nok: transform/calc/sum:running\n"));
  CHECK(f.finish() == 0);
}

TEST_CASE("the socket file has mode 0600 and is removed when the server closes") {
  TempDir dir;
  ServerFixture f;
  REQUIRE(f.server->listen_unix(dir.socket()).ok());
  struct stat st;
  REQUIRE(stat(dir.socket().c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
  f.server->close();
  CHECK_FALSE(exists(dir.socket()));
  CHECK(f.finish() == 0);
}

TEST_CASE("a stale socket file is replaced, and any other file is an error") {
  TempDir dir;
  // A socket file whose server is gone.
  close(bound_socket(dir.socket()));
  REQUIRE(exists(dir.socket()));

  ServerFixture f;
  REQUIRE(f.server->listen_unix(dir.socket()).ok());
  std::string reply;
  f.run_client([&] {
    int c = connect_unix(dir.socket());
    send_all(c, "m\n");
    reply = read_line(c);
    close(c);
  });
  CHECK(reply == "ok: *:enabled\n");
  CHECK(f.finish() == 0);

  std::string file = dir.path + "/plain";
  std::FILE* fp = std::fopen(file.c_str(), "w");
  REQUIRE(fp != nullptr);
  std::fclose(fp);
  ServerFixture g;
  CHECK(g.server->listen_unix(file).message() ==
        "listen unix " + file + ": file exists and is not a socket");
  CHECK(exists(file));
  unlink(file.c_str());
  CHECK(g.finish() == 0);
}

TEST_CASE("a line over 4096 bytes on the unix socket gets the error and the connection closes") {
  TempDir dir;
  ServerFixture f;
  REQUIRE(f.server->listen_unix(dir.socket()).ok());
  std::string ok4096, rest;
  f.run_client([&] {
    int fd = connect_unix(dir.socket());
    send_all(fd, "l" + std::string(4095, 'y') + "\r\n");
    ok4096 = read_line(fd);
    send_all(fd, "Moff\n" + std::string(5000, 'z') + "\nMon\n");
    rest = read_all(fd);
    close(fd);
  });
  CHECK(ok4096 == "error: unknown source: " + std::string(4095, 'y') + "\n");
  CHECK(rest == "ok\nerror: command too long (limit 4096 bytes)\n");
  CHECK(f.pipeline.registry.all() == false);  // Moff ran; Mon after the long line did not.
  CHECK(f.finish() == 0);
}

TEST_CASE("a socket file that a process answers on is not replaced") {
  TempDir dir;
  int fd = bound_socket(dir.socket());
  REQUIRE(listen(fd, 4) == 0);
  struct stat before, after;
  REQUIRE(lstat(dir.socket().c_str(), &before) == 0);
  ServerFixture f;
  CHECK(f.server->listen_unix(dir.socket()).message() ==
        dir.socket() + " is in use by a running process");
  REQUIRE(lstat(dir.socket().c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);  // The listener's file is still there.
  close(fd);
  CHECK(f.finish() == 0);
}

TEST_CASE("a socket path in a missing directory reports ENOENT and the path") {
  ServerFixture f;
  CHECK(f.server->listen_unix("/nonexistent-vigil-dir/v.sock").message() ==
        "listen unix /nonexistent-vigil-dir/v.sock: ENOENT (no such file or directory)");
  CHECK(f.finish() == 0);
}
