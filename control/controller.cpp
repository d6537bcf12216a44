#include "control/controller.h"

#include <algorithm>
#include <set>
#include <utility>

#include "logging/log.h"

namespace vigil::control {
namespace {

using metrics::Element;
using metrics::Kind;

Reply ok(std::string data = {}) { return {data.empty() ? "ok" : "ok: " + data, false}; }
Reply error(std::string_view what) { return {"error: " + std::string(what), false}; }

// Appends ",ENTRY" (or "ENTRY" to an empty list).
void add_entry(std::string* list, std::string_view entry) {
  if (!list->empty()) *list += ',';
  *list += entry;
}

// The named entries of `names`, deduplicated and sorted.
std::set<std::string> unique(const std::vector<std::string>& names) {
  return {names.begin(), names.end()};
}

std::string_view switch_name(bool on) { return on ? "enabled" : "disabled"; }

void act(const Control& cmd, Element* e) {
  switch (cmd.action) {
    case Action::pause:
      e->pause();
      break;
    case Action::resume:
      e->resume();
      break;
    case Action::stop:
      e->stop();
      break;
    case Action::set_period:
      e->set_period(cmd.period);
      break;
    case Action::trigger_now:
      e->trigger_now();
      break;
  }
}

}  // namespace

Controller::Controller(metrics::Registry* elements, std::function<void()> on_shutdown)
    : elements_(elements), on_shutdown_(std::move(on_shutdown)) {}

Reply Controller::execute(std::string_view line) {
  Result<Command> cmd = parse_command(line);
  Reply reply = cmd.ok() ? apply(*cmd) : error(cmd.status().message());
  auto& counter = reply.text.starts_with("ok") ? stats_.commands_ok : stats_.commands_error;
  counter.fetch_add(1, std::memory_order_relaxed);
  return reply;
}

Reply Controller::apply(const Command& cmd) {
  struct Visitor {
    Controller* c;
    Reply operator()(const SetLevels& x) { return c->set_levels(x); }
    Reply operator()(const QueryLevels& x) { return c->query_levels(x); }
    Reply operator()(const SetMetrics& x) { return c->set_metrics(x); }
    Reply operator()(const QueryMetrics& x) { return c->query_metrics(x); }
    Reply operator()(const Shutdown&) { return {"ok", true}; }
    Reply operator()(const Control& x) { return c->control(x); }
    Reply operator()(const Elements& x) { return c->elements(x); }
    Reply operator()(const Help&) { return ok(std::string(help_text())); }
  };
  return std::visit(Visitor{this}, cmd);
}

void Controller::shutdown() {
  if (on_shutdown_) on_shutdown_();
}

Reply Controller::set_levels(const SetLevels& cmd) {
  // logging::apply checks every name before it changes anything.
  Status st = logging::apply(cmd.spec);
  return st.ok() ? ok() : error(st.message());
}

Reply Controller::query_levels(const QueryLevels& cmd) {
  std::vector<logging::Source*> all = logging::sources();  // Sorted by name.
  std::string list;
  if (cmd.scope != QueryScope::named) {
    logging::Level def = logging::default_level();
    list = "*:" + std::string(logging::level_name(def));
    for (logging::Source* s : all) {
      if (cmd.scope == QueryScope::all || s->level() != def) {
        add_entry(&list, s->name() + ":" + std::string(logging::level_name(s->level())));
      }
    }
    return ok(list);
  }
  for (const std::string& name : cmd.names) {
    bool known = std::any_of(all.begin(), all.end(), [&](auto* s) { return s->name() == name; });
    if (!known) return error("unknown source: " + name);
  }
  std::set<std::string> wanted = unique(cmd.names);
  for (logging::Source* s : all) {
    if (wanted.count(s->name())) {
      add_entry(&list, s->name() + ":" + std::string(logging::level_name(s->level())));
    }
  }
  return ok(list);
}

Reply Controller::set_metrics(const SetMetrics& cmd) {
  std::vector<Element*> sources = elements_->sources();
  for (const MetricsItem& item : cmd.items) {
    if (item.target == MetricsItem::Target::all) continue;
    bool is_source = item.target == MetricsItem::Target::source;
    bool known = std::any_of(sources.begin(), sources.end(), [&](Element* e) {
      if (is_source) return e->name() == item.name;
      const auto& keys = e->tag_keys();
      return std::find(keys.begin(), keys.end(), item.name) != keys.end();
    });
    // A tag key no source carries is refused too: it would do nothing, it is most likely a
    // typo, and keeping it would let clients grow the tag set without bound.
    if (!known) return error((is_source ? "unknown source: " : "unknown tag: ") + item.name);
  }
  // `*` items: only the last counts, since each one resets the overrides and the tags.
  const MetricsItem* last_all = nullptr;
  for (const MetricsItem& item : cmd.items) {
    if (item.target == MetricsItem::Target::all) last_all = &item;
  }
  if (last_all != nullptr) elements_->set_all(last_all->enable);
  for (const MetricsItem& item : cmd.items) {
    if (item.target == MetricsItem::Target::tag) elements_->set_tag(item.name, item.enable);
  }
  for (const MetricsItem& item : cmd.items) {
    if (item.target == MetricsItem::Target::source) elements_->set_source(item.name, item.enable);
  }
  return ok();
}

Reply Controller::query_metrics(const QueryMetrics& cmd) {
  std::vector<Element*> sources = elements_->sources();  // Sorted by name.
  std::string list;
  bool all = elements_->all();
  if (cmd.scope != QueryScope::named) {
    list = "*:" + std::string(switch_name(all));
    if (cmd.scope == QueryScope::all) {
      for (const std::string& tag : elements_->enabled_tags())
        add_entry(&list, "tag:" + tag + ":enabled");
    }
    for (Element* e : sources) {
      bool on = elements_->enabled(*e);
      if (cmd.scope == QueryScope::all || on != all) {
        add_entry(&list, e->name() + ":" + std::string(switch_name(on)));
      }
    }
    return ok(list);
  }
  for (const std::string& name : cmd.names) {
    bool known =
        std::any_of(sources.begin(), sources.end(), [&](Element* e) { return e->name() == name; });
    if (!known) return error("unknown source: " + name);
  }
  std::set<std::string> wanted = unique(cmd.names);
  for (Element* e : sources) {
    if (wanted.count(e->name())) {
      add_entry(&list, e->name() + ":" + std::string(switch_name(elements_->enabled(*e))));
    }
  }
  return ok(list);
}

Reply Controller::control(const Control& cmd) {
  std::vector<Element*> matched;
  for (Element* e : elements_->elements()) {
    if (cmd.pattern.matches(*e)) matched.push_back(e);
  }
  if (matched.empty()) return error("no element matches '" + cmd.pattern.text + "'");
  std::vector<Element*> targets;
  std::string unsupported;
  for (Element* e : matched) {
    if (action_applies(cmd.action, e->kind())) {
      targets.push_back(e);
    } else {
      add_entry(&unsupported, e->full_name());
    }
  }
  if (targets.empty()) {
    return error("'" + cmd.action_word + "' not supported by: " + unsupported);
  }
  std::string names;
  for (Element* e : targets) {
    act(cmd, e);
    add_entry(&names, e->full_name());
  }
  return ok(names);
}

Reply Controller::elements(const Elements& cmd) {
  std::string list;
  for (Element* e : elements_->elements()) {
    if (cmd.has_pattern && !cmd.pattern.matches(*e)) continue;
    add_entry(&list, e->full_name() + ":" + std::string(metrics::state_name(e->state())));
  }
  if (cmd.has_pattern && list.empty()) {
    return error("no element matches '" + cmd.pattern.text + "'");
  }
  return {"ok: " + list, false};
}

std::string_view help_text() {
  return "L<level-spec> sets log levels, l[*|names] lists them; M<items> enables or disables "
         "metrics, m[*|names] lists them; control <pattern> <action> (pause, resume, stop, "
         "set-period <duration>, trigger-now); elements [<pattern>]; shutdown; help";
}

}  // namespace vigil::control
