#include "metrics/element.h"

#include <utility>

namespace vigil::metrics {

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::source:
      return "source";
    case Kind::transform:
      return "transform";
    case Kind::output:
      return "output";
  }
  return "?";
}

std::string_view state_name(State state) {
  switch (state) {
    case State::running:
      return "running";
    case State::paused:
      return "paused";
    case State::stopped:
      return "stopped";
  }
  return "?";
}

Element::Element(Kind kind, std::string plugin, std::string name, std::vector<std::string> tag_keys)
    : kind_(kind),
      plugin_(std::move(plugin)),
      name_(std::move(name)),
      tag_keys_(std::move(tag_keys)) {}

std::string Element::full_name() const {
  return std::string(kind_name(kind_)) + "/" + plugin_ + "/" + name_;
}

void Element::pause() {
  if (state_ != State::running) return;
  state_ = State::paused;
  on_pause();
}

void Element::resume() {
  if (state_ != State::paused) return;
  state_ = State::running;
  on_resume();
}

void Element::stop() {
  if (state_ == State::stopped) return;
  state_ = State::stopped;
  on_stop();
}

}  // namespace vigil::metrics
