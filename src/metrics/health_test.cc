#include "metrics/health.h"

#include <gtest/gtest.h>

namespace anvil::metrics {
namespace {

http::Request Get(std::string path, std::string method = "GET") {
  http::Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = std::move(path);
  return r;
}

TEST(MetricsHandlerTest, MetricsServesTheRegistryInTheTextFormat) {
  Registry registry;
  registry.AddCounter("x_total", "X.").With({}).Inc();
  MetricsHandler handler(registry, {});
  http::Response r = handler.Handle(Get("/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.Get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body, "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n");
}

TEST(MetricsHandlerTest, HealthzIsAlwaysOk) {
  Registry registry;
  MetricsHandler handler(registry, {{"store", [] { return Error(Code::kIo, "disk full"); }}});
  http::Response r = handler.Handle(Get("/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
}

TEST(MetricsHandlerTest, ReadyzIsReadyWhenEveryCheckPasses) {
  Registry registry;
  MetricsHandler handler(registry, {{"store", [] { return Status::Ok(); }}, {"ca_key", [] { return Status::Ok(); }}});
  http::Response r = handler.Handle(Get("/readyz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");
}

TEST(MetricsHandlerTest, ReadyzNamesEveryFailingCheckWith503) {
  Registry registry;
  MetricsHandler handler(registry, {{"store", [] { return Error(Code::kIo, "attempt to write a readonly database"); }},
                                    {"ca_key", [] { return Status::Ok(); }},
                                    {"other", [] { return Error(Code::kInternal, "broken"); }}});
  http::Response r = handler.Handle(Get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "store: attempt to write a readonly database\nother: broken\n");
}

TEST(MetricsHandlerTest, OtherPathsAre404AndOtherMethods405) {
  Registry registry;
  MetricsHandler handler(registry, {});
  EXPECT_EQ(handler.Handle(Get("/")).status, 404);
  EXPECT_EQ(handler.Handle(Get("/metrics/x")).status, 404);
  http::Response post = handler.Handle(Get("/metrics", "POST"));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.Get("Allow"), "GET, HEAD");
  EXPECT_EQ(handler.Handle(Get("/readyz", "HEAD")).status, 200);
}

TEST(CachedCheckTest, ChecksAgainOnlyAfterTheTtl) {
  FakeSteadyClock clock;
  int calls = 0;
  Status next = Status::Ok();
  CachedCheck check([&] { ++calls; return next; }, std::chrono::seconds(5), clock);
  EXPECT_TRUE(check().ok());
  next = Error(Code::kInternal, "key unusable");
  clock.Advance(std::chrono::seconds(4));
  EXPECT_TRUE(check().ok());  // cached
  EXPECT_EQ(calls, 1);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(check().message(), "key unusable");
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace anvil::metrics
