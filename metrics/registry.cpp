#include "metrics/registry.h"

#include <algorithm>

namespace vigil::metrics {

void Registry::add(Element* e) { elements_.push_back(e); }

void Registry::remove(Element* e) {
  std::erase(elements_, e);
  overrides_.erase(e);
}

std::vector<Element*> Registry::elements() const {
  std::vector<Element*> out = elements_;
  std::stable_sort(out.begin(), out.end(), [](const Element* a, const Element* b) {
    return a->full_name() < b->full_name();
  });
  return out;
}

std::vector<Element*> Registry::sources() const {
  std::vector<Element*> out;
  for (Element* e : elements_) {
    if (e->kind() == Kind::source) out.push_back(e);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Element* a, const Element* b) { return a->name() < b->name(); });
  return out;
}

bool Registry::enabled(const Element& source) const {
  if (source.state() != State::running) return false;
  if (auto it = overrides_.find(&source); it != overrides_.end()) return it->second;
  if (all_) return true;
  return std::any_of(source.tag_keys().begin(), source.tag_keys().end(),
                     [&](const std::string& k) { return tags_.count(k) > 0; });
}

void Registry::set_all(bool on) {
  all_ = on;
  if (!on) tags_.clear();
  overrides_.clear();
}

void Registry::set_tag(const std::string& key, bool on) {
  if (on) {
    tags_.insert(key);
  } else {
    tags_.erase(key);
  }
  for (Element* e : elements_) {
    const auto& keys = e->tag_keys();
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) overrides_.erase(e);
  }
}

void Registry::set_source(const std::string& name, bool on) {
  for (Element* e : elements_) {
    if (e->kind() == Kind::source && e->name() == name) overrides_[e] = on;
  }
}

}  // namespace vigil::metrics
