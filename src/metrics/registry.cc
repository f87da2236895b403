#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace anvil::metrics {
namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

bool ValidName(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="x",b="y"} with `extra` (le="...") appended; "" when there is no label at all.
std::string LabelText(const std::vector<std::string>& names, const LabelValues& values,
                      std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  return out + "}";
}

void CheckLabels(const std::vector<std::string>& names, const LabelValues& values) {
  if (names.size() != values.size()) {
    Fail("expected " + std::to_string(names.size()) + " label values, got " + std::to_string(values.size()));
  }
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  if (ec != std::errc()) return "NaN";  // cannot happen with 32 bytes
  return std::string(buffer, end);
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,   0.25,   0.5,   1,    2.5,   5,    10};
  return kBuckets;
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds.size() + 1)) {
  for (size_t i = 0; i <= bounds.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  // A dozen bounds: a linear scan is as fast as a binary search and branch-predicts well.
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

template <typename Metric>
Metric& Family<Metric>::With(const LabelValues& values) {
  CheckLabels(label_names_, values);
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(values, make_()).first;
  return *it->second;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct Registry::Entry {
  std::string name, help, type;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // histograms; never changed once the family exists (children refer to it)
  std::unique_ptr<Family<Counter>> counters;
  std::unique_ptr<Family<Gauge>> gauges;
  std::unique_ptr<Family<Histogram>> histograms;
  std::function<std::vector<GaugeSample>()> collect;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Entry& Registry::Add(std::string name, std::string help, std::vector<std::string> label_names,
                               const char* type) {
  if (!ValidName(name, true)) Fail("invalid metric name \"" + name + "\"");
  std::set<std::string> seen;
  for (const auto& l : label_names) {
    if (!ValidName(l, false) || l.starts_with("__")) Fail(name + ": invalid label name \"" + l + "\"");
    if (std::string_view(type) == "histogram" && l == "le") Fail(name + ": a histogram cannot have a label \"le\"");
    if (!seen.insert(l).second) Fail(name + ": label \"" + l + "\" named twice");
  }
  std::lock_guard lock(mu_);
  for (const Entry& e : entries_) {
    if (e.name == name) Fail("metric \"" + name + "\" added twice");
  }
  Entry& e = entries_.emplace_back();
  e.name = std::move(name);
  e.help = std::move(help);
  e.type = type;
  e.label_names = std::move(label_names);
  return e;
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  Entry& e = Add(std::move(name), std::move(help), label_names, "counter");
  e.counters.reset(new Family<Counter>(std::move(label_names), [] { return std::make_unique<Counter>(); }));
  return *e.counters;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help, std::vector<std::string> label_names) {
  Entry& e = Add(std::move(name), std::move(help), label_names, "gauge");
  e.gauges.reset(new Family<Gauge>(std::move(label_names), [] { return std::make_unique<Gauge>(); }));
  return *e.gauges;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Fail(name + ": bucket bounds must be finite and strictly increasing");
    }
  }
  Entry& e = Add(std::move(name), std::move(help), label_names, "histogram");
  e.bounds = std::move(bounds);
  const std::vector<double>* b = &e.bounds;
  e.histograms.reset(new Family<Histogram>(std::move(label_names), [b] { return std::make_unique<Histogram>(*b); }));
  return *e.histograms;
}

void Registry::AddComputedGauge(std::string name, std::string help, std::vector<std::string> label_names,
                                std::function<std::vector<GaugeSample>()> collect) {
  Entry& e = Add(std::move(name), std::move(help), std::move(label_names), "gauge");
  e.collect = std::move(collect);
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const Entry& e : entries_) {
    std::string samples;
    if (e.counters) {
      std::lock_guard family_lock(e.counters->mu_);
      for (const auto& [values, c] : e.counters->children_) {
        samples += e.name + LabelText(e.label_names, values) + " " + std::to_string(c->Value()) + "\n";
      }
    } else if (e.gauges) {
      std::lock_guard family_lock(e.gauges->mu_);
      for (const auto& [values, g] : e.gauges->children_) {
        samples += e.name + LabelText(e.label_names, values) + " " + FormatValue(g->Value()) + "\n";
      }
    } else if (e.histograms) {
      std::lock_guard family_lock(e.histograms->mu_);
      for (const auto& [values, h] : e.histograms->children_) {
        const Histogram::Snapshot s = h->Read();
        for (size_t i = 0; i < s.cumulative.size(); ++i) {
          const std::string le =
              "le=\"" + (i < e.bounds.size() ? FormatValue(e.bounds[i]) : std::string("+Inf")) + "\"";
          samples += e.name + "_bucket" + LabelText(e.label_names, values, le) + " " +
                     std::to_string(s.cumulative[i]) + "\n";
        }
        samples += e.name + "_sum" + LabelText(e.label_names, values) + " " + FormatValue(s.sum) + "\n";
        samples += e.name + "_count" + LabelText(e.label_names, values) + " " + std::to_string(s.cumulative.back()) +
                   "\n";
      }
    } else if (e.collect) {
      std::vector<GaugeSample> collected = e.collect();
      std::sort(collected.begin(), collected.end(),
                [](const GaugeSample& a, const GaugeSample& b) { return a.labels < b.labels; });
      for (const GaugeSample& g : collected) {
        CheckLabels(e.label_names, g.labels);
        samples += e.name + LabelText(e.label_names, g.labels) + " " + FormatValue(g.value) + "\n";
      }
    }
    if (samples.empty()) continue;
    out += "# HELP " + e.name + " " + EscapeHelp(e.help) + "\n";
    out += "# TYPE " + e.name + " " + e.type + "\n";
    out += samples;
  }
  return out;
}

}  // namespace anvil::metrics
