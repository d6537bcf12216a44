// Pipeline elements (Alumet's model) and mirage-style metrics sources.
// Thread: loop only.
//
// Every source, transform and output is an Element with a full name
// "<kind>/<plugin>/<element>" and a state. A source's element name is also its mirage
// `M`/`m` name, and its tag keys decide the `Mtag:KEY:...` switches.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/duration.h"

namespace vigil::metrics {

enum class Kind { source, transform, output };
enum class State { running, paused, stopped };

// "source", "transform", "output".
std::string_view kind_name(Kind kind);
// "running", "paused", "stopped".
std::string_view state_name(State state);

class Element {
 public:
  Element(Kind kind, std::string plugin, std::string name, std::vector<std::string> tag_keys = {});
  virtual ~Element() = default;
  Element(const Element&) = delete;
  Element& operator=(const Element&) = delete;

  Kind kind() const { return kind_; }
  const std::string& plugin() const { return plugin_; }
  const std::string& name() const { return name_; }
  // "source/proc/memory".
  std::string full_name() const;
  const std::vector<std::string>& tag_keys() const { return tag_keys_; }
  State state() const { return state_; }

  // Control actions. Each changes state() and calls the matching hook; pause and resume do
  // nothing on a stopped element. The hooks are where subclasses act.
  void pause();
  void resume();
  void stop();
  virtual void set_period(Nanos) {}
  virtual void trigger_now() {}

 protected:
  virtual void on_pause() {}
  virtual void on_resume() {}
  virtual void on_stop() {}

 private:
  Kind kind_;
  std::string plugin_;
  std::string name_;
  std::vector<std::string> tag_keys_;
  State state_ = State::running;
};

}  // namespace vigil::metrics
