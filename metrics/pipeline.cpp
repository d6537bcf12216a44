#include "metrics/pipeline.h"

#include <algorithm>
#include <set>
#include <utility>

#include "logging/log.h"
#include "metrics/output_factory.h"
#include "metrics/output_kinds.h"
#include "metrics/sources/builtin.h"

namespace vigil::metrics {
namespace {

logging::Source kLog{"metrics.pipeline"};

}  // namespace

Pipeline::Pipeline(uv_loop_t* loop, Registry* registry, Config config)
    : loop_(loop), registry_(registry), config_(std::move(config)) {}

Pipeline::~Pipeline() {
  for (auto& s : sources_) registry_->remove(s.get());
  for (auto& o : outputs_) registry_->remove(o.output.get());
}

void Pipeline::add_source(std::unique_ptr<Source> source) {
  Source* s = source.get();
  sources_.push_back(std::move(source));
  if (started_) {
    registry_->add(s);
    start_source(s);
  }
}

void Pipeline::add_output(std::unique_ptr<Output> output, uint64_t batch_size) {
  outputs_.push_back({std::move(output), batch_size == 0 ? 1 : batch_size});
}

Status Pipeline::start() {
  if (Status st = check_source_config(); !st.ok()) return st;
  if (Status st = build_outputs(); !st.ok()) return st;
  // Before any source polls: if the timer fails, nothing has started.
  flush_timer_ = std::make_unique<Timer>(loop_, [this] { flush(); });
  if (Status st = flush_timer_->start(timer_ms(config_.interval), timer_ms(config_.interval));
      !st.ok()) {
    return Status::error("flush timer: " + st.message());
  }
  build_sources();
  for (auto& o : outputs_) registry_->add(o.output.get());
  for (auto& s : sources_) registry_->add(s.get());
  for (const auto& [name, sc] : config_.sources) {
    if (!sc.enabled) registry_->set_source(name, false);
  }
  for (auto& s : sources_) start_source(s.get());
  started_ = true;
  return Status();
}

Status Pipeline::check_source_config() const {
  for (const auto& [name, sc] : config_.sources) {
    bool known = find_builtin_source(name) != nullptr ||
                 std::any_of(sources_.begin(), sources_.end(),
                             [&](const auto& s) { return s->name() == name; });
    if (!known) {
      std::string expected;
      for (const BuiltinSource& b : builtin_sources()) {
        expected += (expected.empty() ? "" : ", ") + std::string(b.name);
      }
      for (const auto& s : sources_) expected += ", " + s->name();
      return Status::error("sources: unknown source '" + name + "' (expected " + expected + ")");
    }
    if (sc.period < Nanos{0}) {
      return Status::error("sources." + name + ".period: must not be negative");
    }
  }
  return Status();
}

Status Pipeline::build_outputs() {
  std::vector<OutputConfig> configs = config_.outputs;
  if (configs.empty() && outputs_.empty()) {
    OutputConfig stdout_config;
    stdout_config.kind = kStdoutKind;
    configs.push_back(stdout_config);
  }
  std::set<std::string> names;
  std::vector<OutputSlot> built;
  for (size_t i = 0; i < configs.size(); ++i) {
    OutputConfig& c = configs[i];
    if (c.name.empty()) c.name = default_output_name(names);
    names.insert(c.name);
    auto out = make_output(loop_, c);
    if (!out.ok()) {
      return Status::error("outputs[" + std::to_string(i) + "] (" + c.kind +
                           "): " + out.status().message());
    }
    built.push_back({std::move(out.value()), c.batch_size == 0 ? 1 : c.batch_size});
  }
  for (auto& slot : built) outputs_.push_back(std::move(slot));
  return Status();
}

void Pipeline::build_sources() {
  BuiltinOptions options;
  options.cpu_per_core = config_.cpu_per_core;
  for (const BuiltinSource& b : builtin_sources()) {
    std::unique_ptr<Source> s;
    if (b.name == "pipeline") {
      auto p = std::make_unique<PipelineSource>([this] { return outputs(); });
      pipeline_source_ = p.get();
      for (auto& [field, read] : early_counters_) p->add_counter(field, std::move(read));
      early_counters_.clear();
      s = std::move(p);
    } else if (b.make != nullptr) {
      s = b.make(options);
    }
    if (s) sources_.push_back(std::move(s));
  }
}

void Pipeline::start_source(Source* s) {
  auto it = config_.sources.find(s->name());
  if (it != config_.sources.end() && it->second.period > Nanos{0}) s->set_period(it->second.period);
  SourceContext ctx;
  ctx.loop = loop_;
  ctx.registry = registry_;
  ctx.host = config_.hostname;
  ctx.default_period = config_.interval;
  ctx.sink = [this](std::span<const Point> points) { deliver(points); };
  s->start(std::move(ctx));
}

void Pipeline::add_counter(std::string field, std::function<uint64_t()> read) {
  if (pipeline_source_ != nullptr) {
    pipeline_source_->add_counter(std::move(field), std::move(read));
  } else {
    early_counters_.emplace_back(std::move(field), std::move(read));
  }
}

void Pipeline::deliver(std::span<const Point> points) {
  if (shutting_down_) return;
  for (auto& slot : outputs_) {
    Output& o = *slot.output;
    if (o.state() == State::stopped) continue;
    o.write(points);
    if (o.stats().queued >= slot.batch_size) o.flush();
  }
}

void Pipeline::flush() {
  for (auto& slot : outputs_) slot.output->flush();
}

void Pipeline::shutdown(Nanos deadline, std::function<void()> done) {
  if (done) done_.push_back(std::move(done));
  if (shut_down_) {
    output_done();
    return;
  }
  if (shutting_down_) return;
  shutting_down_ = true;
  VIGIL_LOG(kLog, info, "shutting down: flushing %zu output(s) for up to %lld ms", outputs_.size(),
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline).count()));
  for (auto& s : sources_) s->stop();
  for (auto& s : sources_) s->close();
  flush_timer_.reset();
  outputs_pending_ = outputs_.size() + 1;  // One extra, released below, so that outputs
                                           // finishing synchronously cannot end early.
  for (auto& slot : outputs_) slot.output->shutdown(deadline, [this] { output_done(); });
  output_done();
}

void Pipeline::output_done() {
  if (outputs_pending_ > 0) --outputs_pending_;
  if (outputs_pending_ > 0) return;
  shut_down_ = true;
  auto callbacks = std::move(done_);
  done_.clear();
  for (auto& cb : callbacks) cb();
}

std::vector<const Output*> Pipeline::outputs() const {
  std::vector<const Output*> out;
  for (const auto& slot : outputs_) out.push_back(slot.output.get());
  return out;
}

std::vector<Source*> Pipeline::sources() const {
  std::vector<Source*> out;
  for (const auto& s : sources_) out.push_back(s.get());
  return out;
}

}  // namespace vigil::metrics
