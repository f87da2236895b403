#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace anvil::metrics {
namespace {

TEST(RegistryTest, RendersCountersWithHelpTypeAndSortedLabels) {
  Registry r;
  auto& requests = r.AddCounter("anvil_http_requests_total", "Requests answered.", {"endpoint", "code"});
  requests.With({"new-order", "201"}).Inc();
  requests.With({"directory", "200"}).Inc(3);
  requests.With({"new-order", "201"}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP anvil_http_requests_total Requests answered.\n"
            "# TYPE anvil_http_requests_total counter\n"
            "anvil_http_requests_total{endpoint=\"directory\",code=\"200\"} 3\n"
            "anvil_http_requests_total{endpoint=\"new-order\",code=\"201\"} 2\n");
}

TEST(RegistryTest, RendersAHistogramWithCumulativeBucketsSumAndCount) {
  Registry r;
  auto& latency = r.AddHistogram("op_duration_seconds", "How long.", {"op"}, {0.1, 0.5, 1});
  Histogram& h = latency.With({"a"});
  h.Observe(0.05);
  h.Observe(0.1);  // on a bound: counted in that bucket (le is "less or equal")
  h.Observe(0.75);
  h.Observe(2.5);
  EXPECT_EQ(r.Render(),
            "# HELP op_duration_seconds How long.\n"
            "# TYPE op_duration_seconds histogram\n"
            "op_duration_seconds_bucket{op=\"a\",le=\"0.1\"} 2\n"
            "op_duration_seconds_bucket{op=\"a\",le=\"0.5\"} 2\n"
            "op_duration_seconds_bucket{op=\"a\",le=\"1\"} 3\n"
            "op_duration_seconds_bucket{op=\"a\",le=\"+Inf\"} 4\n"
            "op_duration_seconds_sum{op=\"a\"} 3.4\n"
            "op_duration_seconds_count{op=\"a\"} 4\n");
}

TEST(RegistryTest, AnUnlabelledHistogramHasOnlyLeOnItsBuckets) {
  Registry r;
  r.AddHistogram("commit_seconds", "Commits.", {}, {1}).With({}).Observe(0.5);
  EXPECT_EQ(r.Render(),
            "# HELP commit_seconds Commits.\n"
            "# TYPE commit_seconds histogram\n"
            "commit_seconds_bucket{le=\"1\"} 1\n"
            "commit_seconds_bucket{le=\"+Inf\"} 1\n"
            "commit_seconds_sum 0.5\n"
            "commit_seconds_count 1\n");
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  Registry r;
  r.AddGauge("g", "back\\slash\nnewline \"quotes\" stay", {"v"}).With({"a\"b\\c\nd"}).Set(1.5);
  EXPECT_EQ(r.Render(),
            "# HELP g back\\\\slash\\nnewline \"quotes\" stay\n"
            "# TYPE g gauge\n"
            "g{v=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

TEST(RegistryTest, LeavesOutFamiliesWithoutSamplesAndKeepsTheOrderAdded) {
  Registry r;
  r.AddCounter("b_total", "B.", {"x"});  // no child yet
  r.AddGauge("z", "Z.").With({}).Set(-2);
  r.AddCounter("a_total", "A.").With({});
  EXPECT_EQ(r.Render(),
            "# HELP z Z.\n"
            "# TYPE z gauge\n"
            "z -2\n"
            "# HELP a_total A.\n"
            "# TYPE a_total counter\n"
            "a_total 0\n");
}

TEST(RegistryTest, ComputedGaugesAreCollectedAtEachRenderAndSorted) {
  Registry r;
  double age = 10;
  r.AddComputedGauge("crl_age_seconds", "Age.", {"issuer"}, [&age] {
    return std::vector<GaugeSample>{{{"b"}, age}, {{"a"}, 1}};
  });
  EXPECT_EQ(r.Render(),
            "# HELP crl_age_seconds Age.\n"
            "# TYPE crl_age_seconds gauge\n"
            "crl_age_seconds{issuer=\"a\"} 1\n"
            "crl_age_seconds{issuer=\"b\"} 10\n");
  age = 70;
  EXPECT_NE(r.Render().find("crl_age_seconds{issuer=\"b\"} 70\n"), std::string::npos);
}

TEST(RegistryTest, AComputedGaugeWithNoSamplesIsLeftOut) {
  Registry r;
  r.AddComputedGauge("none", "None.", {}, [] { return std::vector<GaugeSample>{}; });
  EXPECT_EQ(r.Render(), "");
}

TEST(RegistryTest, FormatsValuesShortestAndSpecialValuesAsPrometheusSpellsThem) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(RegistryTest, WithReturnsTheSameChildForTheSameLabels) {
  Registry r;
  auto& f = r.AddCounter("c_total", "C.", {"k"});
  EXPECT_EQ(&f.With({"x"}), &f.With({"x"}));
  EXPECT_NE(&f.With({"x"}), &f.With({"y"}));
}

TEST(RegistryTest, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  Counter& c = r.AddCounter("c_total", "C.").With({});
  Histogram& h = r.AddHistogram("h", "H.", {}, {1}).With({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        h.Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 40000u);
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.cumulative.back(), 40000u);
  EXPECT_DOUBLE_EQ(s.sum, 20000);
}

TEST(RegistryDeathTest, RefusesBadNamesAndMismatchedLabels) {
  Registry r;
  EXPECT_DEATH(r.AddCounter("1bad", "x"), "invalid metric name");
  EXPECT_DEATH(r.AddCounter("ok_total", "x", {"__reserved"}), "invalid label name");
  EXPECT_DEATH(r.AddHistogram("h", "x", {"le"}, {1}), "cannot have a label \"le\"");
  EXPECT_DEATH(r.AddHistogram("h", "x", {}, {2, 1}), "strictly increasing");
  auto& f = r.AddCounter("two_total", "x", {"a", "b"});
  EXPECT_DEATH(f.With({"only-one"}), "expected 2 label values, got 1");
  EXPECT_DEATH(r.AddGauge("two_total", "x"), "added twice");
}

}  // namespace
}  // namespace anvil::metrics
