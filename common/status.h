// Status and Result: how fallible pure code reports bad input.
// Thread: any (plain values).
//
// A Status is OK or carries a message that says what was wrong and what was expected.
// Result<T> is a T or a failed Status. Neither throws; bad input is an ordinary result.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace vigil {

class Status {
 public:
  // An OK status.
  Status() = default;

  static Status error(std::string message) { return Status(std::move(message)); }

  // Returns true iff the status indicates success.
  bool ok() const { return !failed_; }
  // The error text; empty when ok().
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : message_(std::move(message)), failed_(true) {}

  std::string message_;
  bool failed_ = false;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design.
  // REQUIRES: !status.ok()
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design.
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return v_.index() == 0; }
  // REQUIRES: ok()
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  // The failure; an OK status when ok().
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vigil
