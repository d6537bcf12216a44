// The registry of pipeline elements, and the mirage-style enable switches of sources.
// Thread: loop only.
//
// A source is enabled when it is running (not paused or stopped through `control`) and
// its per-source override says enabled, or, with no override, the `all` flag is on or one
// of its tag keys is in the enabled-tag set (docs/control-protocol.md §4).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "metrics/element.h"

namespace vigil::metrics {

class Registry {
 public:
  // Adds `e`. "*e" must stay alive until remove(e) is called.
  void add(Element* e);
  void remove(Element* e);

  // Every element, sorted by full name (registration order among equal names).
  std::vector<Element*> elements() const;
  // The sources, sorted by element name (registration order among equal names).
  std::vector<Element*> sources() const;

  // True iff the source may be polled and its points pushed.
  bool enabled(const Element& source) const;

  // The mirage switches. Callers check names first; these apply without checking.
  bool all() const { return all_; }
  // Sets `all`, clears every override, and empties the tag set when turning it off.
  void set_all(bool on);
  // Adds or removes a tag key, clearing the overrides of the sources that carry it.
  void set_tag(const std::string& key, bool on);
  // Overrides every source named `name`.
  void set_source(const std::string& name, bool on);
  const std::set<std::string>& enabled_tags() const { return tags_; }

 private:
  std::vector<Element*> elements_;  // In registration order.
  bool all_ = true;
  std::set<std::string> tags_;
  std::map<const Element*, bool> overrides_;
};

}  // namespace vigil::metrics
