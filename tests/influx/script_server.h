// A scripted HTTP server for the influx-http client's tests: it answers each request with
// the next step of a script, on a thread of its own with blocking sockets, on 127.0.0.1.
// Thread: built and destroyed on the test's thread; requests() may be read from it at any
// time. Every accept and read gives up after 5 s, so a test never hangs.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vigil::test {

struct ScriptStep {
  enum class Action {
    reply,            // Send `reply`, keep the connection.
    reply_and_close,  // Send `reply`, then close.
    close,            // Close without a byte of answer.
    hold,             // Answer nothing; wait for the client to close.
  };
  Action action = Action::reply;
  std::string reply;
};

class ScriptServer {
 public:
  explicit ScriptServer(std::vector<ScriptStep> steps);
  // Waits for the thread: the client must have closed its connection by then (or the
  // 5 s read timeout ends the wait).
  ~ScriptServer();
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  int port() const { return port_; }
  // Every request received so far (head and body), in order.
  std::vector<std::string> requests() const;
  // Connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  void run();
  int accept_one();

  std::vector<ScriptStep> steps_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace vigil::test
