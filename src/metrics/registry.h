// Metrics for Prometheus (docs/metrics.md): counters, gauges and histograms with fixed buckets, grouped in
// families that share a name, a help text and label names, kept in a Registry that renders them in the text
// exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// The hot path is lock-free: Counter::Inc, Gauge::Set and Histogram::Observe are relaxed atomic operations on
// the child's own fields (a request adds one to a counter, one to a histogram bucket and its duration to the
// histogram's sum). Finding a child by its label values (Family::With) takes the family's mutex, so code on a
// hot path looks a child up once and keeps the reference: children live as long as the registry and never
// move. Relaxed order is enough: each value is a monotonic tally read only by the renderer, which needs no
// consistency between two values (a scrape may see a histogram's bucket before its sum moved; the next one
// sees both).
//
// Names are checked when a family is added (metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* not starting with "__", no label "le" on a histogram); a bad name, or label values
// not matching the family's label names, is a programming error and aborts with a message.
//
// Thread-safety: everything is thread-safe. The Registry must outlive the references it hands out; families
// are added at start-up (adding while Render runs is safe too).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace anvil::metrics {

// A child's label values, in the order of its family's label names.
using LabelValues = std::vector<std::string>;

// A value that only goes up (resets only with the process).
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value set to the current state of something.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (Prometheus' cumulative `le` buckets are summed at rendering, so an
// observation increments one bucket), with their sum.
class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, strictly increasing, finite; +Inf is implicit. Must outlive this.
  explicit Histogram(const std::vector<double>& bounds);
  // Counts `v` in the first bucket whose bound is >= v (+Inf if none).
  void Observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (which is the count)
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Buckets for request and commit latencies in seconds: 1 ms to 10 s.
const std::vector<double>& LatencyBuckets();

// One metric family: the children, one per combination of label values, made on first use.
template <typename Metric>
class Family {
 public:
  // The child with these label values (as many as the family has label names), made at the first call.
  Metric& With(const LabelValues& values);

 private:
  friend class Registry;
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<Metric>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<Metric>()> make_;
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<Metric>> children_;  // guarded by mu_; sorted for rendering
};

// One sample of a gauge computed at scrape time.
struct GaugeSample {
  LabelValues labels;
  double value = 0;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each adds a family; its name must be new. `help` is one line of text.
  Family<Counter>& AddCounter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                                  std::vector<double> bounds);
  // A gauge family whose samples `collect` returns at each Render, on the rendering thread (it must be
  // thread-safe and quick: it runs inside a scrape). A sample's labels must match `label_names`.
  void AddComputedGauge(std::string name, std::string help, std::vector<std::string> label_names,
                        std::function<std::vector<GaugeSample>()> collect);

  // Every family in the order added, in the text exposition format 0.0.4: "# HELP" and "# TYPE" lines, then
  // the samples sorted by label values (a histogram's as NAME_bucket{le=...} with +Inf last, NAME_sum,
  // NAME_count). A family without samples is left out. Label values are escaped (\\, \", \n), help text too
  // (\\, \n).
  std::string Render() const;

 private:
  struct Entry;
  Entry& Add(std::string name, std::string help, std::vector<std::string> label_names, const char* type);

  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // guarded by mu_; a deque, so the families' addresses never change
};

// The Content-Type of Registry::Render's text.
inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Helpers of the renderer, exposed for tests.
std::string EscapeLabelValue(std::string_view value);
std::string FormatValue(double v);  // shortest text that reads back as v; +Inf, -Inf, NaN

}  // namespace anvil::metrics

namespace anvil::metrics {
extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;
}  // namespace anvil::metrics
