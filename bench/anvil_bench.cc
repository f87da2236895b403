// anvil-bench: an ACME load generator (issue 4). Drives complete issuances against any ACME directory URL and
// reports throughput, latency per issuance and per ACME request type, errors by problem type, and the CPU
// both the server (from /proc/PID/stat) and anvil-bench itself (getrusage) spent per issuance.
//
// W workers, each with its own account, AcmeClient and curl handle, repeat: newOrder (N fresh names under a
// per-run random label, resolved to 127.0.0.1 by the DNS server the caller runs) → fetch authorizations →
// answer http-01 from ONE shared standalone solver on 127.0.0.1:--http-port → poll (unless the challenge
// response already says valid) → finalize with a fresh key and CSR → poll (unless finalize said valid) →
// download. Polls start at a short fixed delay and double up to a cap; a server's
// Retry-After while polling is ignored (stripped by the timing wrapper), so latency measures the server and
// not our sleeps.
//
// --serialize-neworder keeps newOrder from overlapping authorization reads (fetches and each poll read, never
// the sleeps between polls) across workers: Pebble 2.4.0 deadlocks otherwise (a lock-ordering bug). anvil-ca
// never needs it.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/acme_client.h"
#include "http/client.h"
#include "agent/sleeper.h"
#include "agent/solvers/http01.h"
#include "base/status.h"
#include "base/time.h"
#include "beast_http_client.h"
#include "crypto/csr.h"
#include "crypto/key.h"
#include "fiber_loop.h"

namespace anvil::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::chrono::milliseconds kPollInitialDelay{20};
constexpr std::chrono::milliseconds kPollMaxDelay{200};

struct Options {
  std::string directory;
  std::string ca_bundle;
  int workers = 1;
  double duration_s = 10;
  int count = 0;  // > 0: count mode instead of duration.
  double warmup_s = 0;
  int names = 1;
  std::string key_type = "ec256";
  int http_port = 5002;
  bool serialize_new_order = false;
  int server_pid = 0;
  bool json = false;
  std::string http_client = "beast";  // or "curl": the agent's own client
  int timeout_s = 60;                 // beast client: each connect, handshake, send and receive
};

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Latency samples of one kind (ms), merged across workers at the end.
struct Samples {
  std::vector<double> ms;
  json Summary() {
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) {
      if (ms.empty()) return 0.0;
      size_t i = static_cast<size_t>(p * static_cast<double>(ms.size() - 1) + 0.5);
      return ms[std::min(i, ms.size() - 1)];
    };
    return json{{"count", ms.size()},
                {"p50", pct(0.50)},
                {"p95", pct(0.95)},
                {"p99", pct(0.99)},
                {"max", ms.empty() ? 0.0 : ms.back()}};
  }
};

struct WorkerStats {
  Samples issuance;
  std::map<std::string, Samples> requests;  // ACME request type → latency
  std::map<std::string, int> errors;        // problem type (or Anvil code name) → count
  std::string first_error;
};

// Shared between workers; all fields are atomics or guarded.
struct Run {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
  std::atomic<int> tickets{0};
  std::atomic<SteadyClock::rep> measure_end{
      SteadyClock::time_point::max().time_since_epoch().count()};  // duration mode
  FiberMutex new_order_mu;                                         // --serialize-neworder
  std::mutex solver_mu;  // Solver::Present/CleanUp: one thread at a time (solver.h).
};

// Times every request of one worker by the ACME request type the worker is performing, and strips Retry-After
// from poll responses (see the file comment). One per worker, so `kind_` needs no lock.
class TimingHttpClient final : public http::Client {
 public:
  TimingHttpClient(std::unique_ptr<http::Client> inner, const Run& run, WorkerStats& stats)
      : inner_(std::move(inner)), run_(run), stats_(stats) {}

  void set_kind(std::string kind) { kind_ = std::move(kind); }

  Result<http::ClientResponse> Send(std::string_view method, const std::string& url,
                                   const http::Headers& headers, std::string_view body) override {
    std::string kind = method == "HEAD" ? "newNonce" : method == "GET" ? "directory" : kind_;
    bool measured = run_.measuring.load(std::memory_order_relaxed);
    auto t0 = SteadyClock::now();
    Result<http::ClientResponse> r = inner_->Send(method, url, headers, body);
    if (measured) stats_.requests[kind].ms.push_back(Ms(SteadyClock::now() - t0));
    if (r.ok() && (kind == "pollAuthz" || kind == "pollOrder")) r->headers.Remove("Retry-After");
    return r;
  }

 private:
  std::unique_ptr<http::Client> inner_;
  const Run& run_;
  WorkerStats& stats_;
  std::string kind_ = "other";
};

// The problem type of a failure, for the error table.
std::string ErrorKind(const Status& s) { return std::string(CodeName(s.code())); }

class Worker {
 public:
  Worker(int index, const Options& options, std::string label, Run& run,
         agent::Http01StandaloneSolver& solver)
      : index_(index), options_(options), label_(std::move(label)), run_(run), solver_(solver) {}

  // Creates the HTTP client and the account. Not measured.
  Status Setup(crypto::KeyType key_type) {
    key_type_ = key_type;
    std::unique_ptr<http::Client> client;
    if (options_.http_client == "curl") {
      http::CurlClientOptions http_options;
      http_options.ca_bundle = options_.ca_bundle;
      http_options.user_agent = "anvil-bench/0.1";
      ANVIL_ASSIGN_OR_RETURN(client, http::NewCurlClient(http_options));
    } else {
      BeastHttpClientOptions http_options;
      http_options.ca_bundle = options_.ca_bundle;
      http_options.timeout = std::chrono::seconds(options_.timeout_s);
      ANVIL_ASSIGN_OR_RETURN(client, NewBeastHttpClient(http_options));
    }
    http_ = std::make_unique<TimingHttpClient>(std::move(client), run_, stats_);
    agent::AcmeClientOptions client_options;
    client_options.directory_url = options_.directory;
    client_options.poll_initial_delay = kPollInitialDelay;
    client_options.poll_max_delay = kPollMaxDelay;
    client_options.poll_timeout = std::chrono::seconds(60);
    client_ = std::make_unique<agent::AcmeClient>(*http_, clock_, sleeper_, client_options);
    ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey account_key,
                           crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
    client_->SetAccountKey(std::move(account_key));
    http_->set_kind("newAccount");
    agent::NewAccountRequest request;
    request.terms_of_service_agreed = true;
    ANVIL_ASSIGN_OR_RETURN(agent::Account account, client_->NewAccount(request));
    (void)account;
    return Status::Ok();
  }

  void Loop() {
    for (int i = 0; !run_.stop.load(); ++i) {
      bool measured = run_.measuring.load();
      if (measured && options_.count > 0 && run_.tickets.fetch_add(1) >= options_.count) break;
      auto t0 = SteadyClock::now();
      Status s = IssueOne(i);
      auto t1 = SteadyClock::now();
      if (!measured) continue;
      bool late = t1.time_since_epoch().count() > run_.measure_end.load();
      if (options_.count == 0 && (!run_.measuring.load() || late)) continue;
      if (s.ok()) {
        stats_.issuance.ms.push_back(Ms(t1 - t0));
      } else {
        ++stats_.errors[ErrorKind(s)];
        if (stats_.first_error.empty()) stats_.first_error = s.message();
      }
    }
  }

  WorkerStats& stats() { return stats_; }

 private:
  Status IssueOne(int i) {
    std::vector<std::string> names;
    agent::NewOrderRequest request;
    for (int k = 0; k < options_.names; ++k) {
      names.push_back("n" + std::to_string(k) + ".w" + std::to_string(index_) + "-i" + std::to_string(i) +
                      "." + label_ + ".bench.test");
      request.identifiers.push_back(acme::Identifier{acme::IdentifierType::kDns, names.back()});
    }
    std::optional<std::unique_lock<FiberMutex>> lock;
    auto serialize = [&] {
      if (options_.serialize_new_order) lock.emplace(run_.new_order_mu);
    };

    http_->set_kind("newOrder");
    serialize();
    Result<agent::Order> order = client_->NewOrder(request);
    lock.reset();
    if (!order.ok()) return order.status();

    std::vector<agent::ChallengeTask> tasks;
    std::vector<std::string> pending;
    for (const std::string& url : order->authorizations) {
      http_->set_kind("authz");
      serialize();
      Result<agent::Authorization> authz = client_->FetchAuthorization(url);
      lock.reset();
      if (!authz.ok()) return authz.status();
      if (authz->status == acme::AuthorizationStatus::kValid) continue;
      const agent::Challenge* challenge = authz->FindChallenge("http-01");
      if (challenge == nullptr) return Error(Code::kInternal, "no http-01 challenge in " + url);
      agent::ChallengeTask task{authz->identifier, authz->wildcard, challenge->token,
                                challenge->token + "." + client_->Thumbprint()};
      {
        std::lock_guard<std::mutex> g(run_.solver_mu);
        ANVIL_RETURN_IF_ERROR(solver_.Present(task));
      }
      tasks.push_back(task);
      http_->set_kind("challenge");
      Result<agent::Challenge> responded = client_->RespondToChallenge(challenge->url);
      if (!responded.ok()) return responded.status();
      // A valid challenge makes its authorization valid (RFC 8555 §7.1.6): anvil-ca answers with the outcome
      // of a quick validation, Pebble always with "processing".
      if (responded->status != acme::ChallengeStatus::kValid) pending.push_back(url);
    }
    Status result = Status::Ok();
    for (const std::string& url : pending) {
      Result<agent::Authorization> authz = PollAuthorization(url, serialize, lock);
      if (!authz.ok()) {
        result = authz.status();
        break;
      }
      if (authz->status != acme::AuthorizationStatus::kValid) {
        result = authz->FirstError().value_or(Error(Code::kInternal, "authorization " + url + " not valid"));
        break;
      }
    }
    {
      std::lock_guard<std::mutex> g(run_.solver_mu);
      for (const agent::ChallengeTask& task : tasks) (void)solver_.CleanUp(task);
    }
    ANVIL_RETURN_IF_ERROR(result);

    ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(key_type_));
    ANVIL_ASSIGN_OR_RETURN(crypto::Csr csr, crypto::Csr::Create(key, names, {}));
    http_->set_kind("finalize");
    ANVIL_ASSIGN_OR_RETURN(agent::Order finalized, client_->Finalize(*order, csr.ToDer()));
    if (finalized.status != acme::OrderStatus::kValid) {
      http_->set_kind("pollOrder");
      ANVIL_ASSIGN_OR_RETURN(finalized, client_->PollOrder(order->url));
    }
    if (finalized.status != acme::OrderStatus::kValid) {
      return finalized.error.value_or(
          Error(Code::kInternal, "order " + order->url + " did not become valid"));
    }
    http_->set_kind("certificate");
    // Not parsed (parsing was about a fifth of anvil-bench's CPU); issuance correctness is tested elsewhere.
    ANVIL_ASSIGN_OR_RETURN(std::string chain, client_->DownloadCertificatePem(finalized.certificate));
    return Status::Ok();
  }

  // AcmeClient::PollAuthorization, but with the --serialize-neworder lock held only around each read, never
  // across the sleeps between them (same delays: kPollInitialDelay doubling to kPollMaxDelay).
  template <typename Serialize>
  Result<agent::Authorization> PollAuthorization(const std::string& url, Serialize& serialize,
                                                 std::optional<std::unique_lock<FiberMutex>>& lock) {
    std::chrono::milliseconds delay = kPollInitialDelay;
    auto deadline = SteadyClock::now() + std::chrono::seconds(60);
    for (;;) {
      http_->set_kind("pollAuthz");
      serialize();
      Result<agent::Authorization> authz = client_->FetchAuthorization(url);
      lock.reset();
      if (!authz.ok() || authz->status != acme::AuthorizationStatus::kPending) return authz;
      if (SteadyClock::now() + delay > deadline)
        return Error(Code::kTimeout, "authorization " + url + " pending");
      sleeper_.Sleep(delay);
      delay = std::min(delay * 2, kPollMaxDelay);
    }
  }

  int index_;
  const Options& options_;
  std::string label_;
  Run& run_;
  agent::Http01StandaloneSolver& solver_;
  crypto::KeyType key_type_ = crypto::KeyType::kEcP256;
  WorkerStats stats_;
  SystemClock clock_;
  FiberSleeper sleeper_;  // a timer on the FiberLoop for fiber workers
  std::unique_ptr<TimingHttpClient> http_;
  std::unique_ptr<agent::AcmeClient> client_;
};

// utime + stime of `pid` in seconds (/proc/PID/stat fields 14 and 15), or nullopt.
std::optional<double> ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  size_t paren = line.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(paren + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int n = 3; fields >> field; ++n) {  // The first field after ")" is field 3 (state).
    if (n == 14) utime = std::stoull(field);
    if (n == 15) {
      stime = std::stoull(field);
      return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return std::nullopt;
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

std::string RandomLabel() {
  std::random_device rd;
  std::uniform_int_distribution<uint32_t> dist;
  char buf[16];
  std::snprintf(buf, sizeof buf, "r%08x", dist(rd));
  return buf;
}

int Main(int argc, char** argv) {
  Options o;
  CLI::App app{"anvil-bench: complete ACME issuances against a directory URL, measured"};
  app.add_option("--directory", o.directory, "ACME directory URL")->required();
  app.add_option("--ca-bundle", o.ca_bundle, "PEM file trusted for the server's HTTPS");
  app.add_option("--workers", o.workers, "concurrent workers, one account each")->check(CLI::Range(1, 4096));
  auto* duration = app.add_option("--duration", o.duration_s, "measured seconds (default 10)");
  app.add_option("--count", o.count, "measure exactly this many issuances instead")
      ->check(CLI::PositiveNumber)
      ->excludes(duration);
  app.add_option("--warmup", o.warmup_s, "seconds of load before measuring");
  app.add_option("--names", o.names, "names per order")->check(CLI::Range(1, 100));
  app.add_option("--key-type", o.key_type, "certificate key type (ec256, ec384, rsa2048, ...)");
  app.add_option("--http-port", o.http_port, "port of the shared http-01 responder on 127.0.0.1");
  app.add_flag("--serialize-neworder", o.serialize_new_order,
               "keep newOrder from overlapping authorization reads (Pebble 2.4.0 deadlocks otherwise)");
  app.add_option("--server-pid", o.server_pid, "server process whose CPU time is measured");
  app.add_flag("--json", o.json, "print the result as JSON");
  app.add_option(
         "--http-client", o.http_client,
         "beast (default: Beast, one kept-alive TLS connection per worker, workers as fibers on one thread "
         "per core) or curl (the agent's, one thread per worker)")
      ->check(CLI::IsMember({"beast", "curl"}));
  app.add_option("--timeout", o.timeout_s, "beast client: seconds for each connect, handshake, send, receive")
      ->check(CLI::Range(1, 3600));
  CLI11_PARSE(app, argc, argv);

  Result<crypto::KeyType> key_type = crypto::ParseKeyType(o.key_type);
  if (!key_type.ok()) {
    std::cerr << "anvil-bench: " << key_type.status().message() << "\n";
    return 2;
  }
  Result<std::unique_ptr<agent::Http01StandaloneSolver>> solver =
      agent::Http01StandaloneSolver::Start("127.0.0.1", static_cast<uint16_t>(o.http_port));
  if (!solver.ok()) {
    std::cerr << "anvil-bench: http-01 responder: " << solver.status().message() << "\n";
    return 1;
  }

  Run run;
  std::string label = RandomLabel();
  std::unique_ptr<FiberLoop> loop;  // before the workers: their connections belong to its io_context
  std::vector<std::unique_ptr<Worker>> workers;
  for (int w = 0; w < o.workers; ++w) workers.push_back(std::make_unique<Worker>(w, o, label, run, **solver));
  std::vector<Status> setup(static_cast<size_t>(o.workers));
  std::latch ready(o.workers);
  std::latch go(1);
  SteadyClock::time_point measure_end = SteadyClock::time_point::max();
  std::vector<std::thread> threads;
  auto set_up = [&](int w) {
    setup[static_cast<size_t>(w)] = workers[static_cast<size_t>(w)]->Setup(*key_type);
  };
  auto work = [&](int w) {
    if (setup[static_cast<size_t>(w)].ok()) workers[static_cast<size_t>(w)]->Loop();
  };
  if (o.http_client == "beast") {
    // Workers as fibers on one thread per core, but no more threads than workers (a lone worker's wake-ups
    // would hop between threads): set up, then (on `go`) loop, from one driver thread (fiber_loop.h).
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    loop = std::make_unique<FiberLoop>(std::min(cores, o.workers));
    std::vector<std::function<void()>> setups, loops;
    for (int w = 0; w < o.workers; ++w) {
      setups.push_back([&, w] { set_up(w); });
      loops.push_back([&, w] { work(w); });
    }
    loop->RunAll(setups);
    ready.count_down(o.workers);
    threads.emplace_back([&, loops] {
      go.wait();
      loop->RunAll(loops);
    });
  } else {  // the agent's curl client blocks its thread: one thread per worker
    for (int w = 0; w < o.workers; ++w) {
      threads.emplace_back([&, w] {
        set_up(w);
        ready.count_down();
        go.wait();
        work(w);
      });
    }
  }
  ready.wait();
  for (const Status& s : setup) {
    if (!s.ok()) {
      run.stop = true;
      go.count_down();
      for (auto& t : threads) t.join();
      std::cerr << "anvil-bench: account setup failed: " << s.message() << "\n";
      return 1;
    }
  }
  go.count_down();
  if (o.warmup_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));

  std::optional<double> server_cpu0 = o.server_pid > 0 ? ProcessCpuSeconds(o.server_pid) : std::nullopt;
  double self_cpu0 = SelfCpuSeconds();
  auto t0 = SteadyClock::now();
  if (o.count == 0) {
    measure_end =
        t0 + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(o.duration_s));
    run.measure_end = measure_end.time_since_epoch().count();
  }
  run.measuring = true;
  if (o.count == 0) {
    std::this_thread::sleep_until(measure_end);
    run.measuring = false;
    run.stop = true;
  }
  auto end_snapshot = [&] {
    return std::make_pair(o.server_pid > 0 ? ProcessCpuSeconds(o.server_pid) : std::nullopt,
                          SelfCpuSeconds());
  };
  std::pair<std::optional<double>, double> cpu1;
  SteadyClock::time_point t1;
  if (o.count == 0) {
    cpu1 = end_snapshot();
    t1 = SteadyClock::now();
    for (auto& t : threads) t.join();
  } else {
    for (auto& t : threads) t.join();
    cpu1 = end_snapshot();
    t1 = SteadyClock::now();
  }

  // Merge.
  WorkerStats all;
  for (auto& w : workers) {
    WorkerStats& s = w->stats();
    all.issuance.ms.insert(all.issuance.ms.end(), s.issuance.ms.begin(), s.issuance.ms.end());
    for (auto& [k, v] : s.requests)
      all.requests[k].ms.insert(all.requests[k].ms.end(), v.ms.begin(), v.ms.end());
    for (auto& [k, n] : s.errors) all.errors[k] += n;
    if (all.first_error.empty()) all.first_error = s.first_error;
  }
  double seconds = std::chrono::duration<double>(t1 - t0).count();
  size_t issued = all.issuance.ms.size();
  int errors = 0;
  for (auto& [k, n] : all.errors) errors += n;
  double self_cpu = cpu1.second - self_cpu0;
  double per = issued > 0 ? 1000.0 / static_cast<double>(issued) : 0.0;
  json result{{"directory", o.directory},
              {"workers", o.workers},
              {"names", o.names},
              {"key_type", o.key_type},
              {"serialize_neworder", o.serialize_new_order},
              {"poll_initial_delay_ms", kPollInitialDelay.count()},
              {"poll_max_delay_ms", kPollMaxDelay.count()},
              {"seconds", seconds},
              {"issuances", issued},
              {"errors", errors},
              {"errors_by_type", all.errors},
              {"issuances_per_s", seconds > 0 ? static_cast<double>(issued) / seconds : 0.0},
              {"latency_ms", all.issuance.Summary()},
              {"bench_cpu_s", self_cpu},
              {"bench_cpu_ms_per_issuance", self_cpu * per},
              {"bench_cpu_cores", seconds > 0 ? self_cpu / seconds : 0.0}};
  if (!all.first_error.empty()) result["first_error"] = all.first_error;
  json requests = json::object();
  for (auto& [k, v] : all.requests) requests[k] = v.Summary();
  result["requests_ms"] = requests;
  if (server_cpu0 && cpu1.first) {
    double server_cpu = *cpu1.first - *server_cpu0;
    result["server_cpu_s"] = server_cpu;
    result["server_cpu_ms_per_issuance"] = server_cpu * per;
  }
  bool saturated = seconds > 0 && self_cpu / seconds > 0.8;
  result["bench_saturated"] = saturated;
  if (saturated) {
    std::cerr << "anvil-bench: WARNING: anvil-bench used " << self_cpu / seconds
              << " cores (> 0.8): the load generator may be the bottleneck\n";
  }

  if (o.json) {
    std::cout << result.dump(2) << "\n";
  } else {
    std::printf("%s, %d workers, %d name(s)/order, %s keys%s\n", o.directory.c_str(), o.workers, o.names,
                o.key_type.c_str(), o.serialize_new_order ? ", newOrder serialized" : "");
    std::printf(
        "polls: %lld ms initial delay, doubling to %lld ms; server Retry-After ignored while polling\n",
        static_cast<long long>(kPollInitialDelay.count()), static_cast<long long>(kPollMaxDelay.count()));
    std::printf("%zu issuances, %d errors in %.2f s: %.1f issuances/s\n", issued, errors, seconds,
                result["issuances_per_s"].get<double>());
    auto line = [](const std::string& name, const json& s) {
      std::printf("  %-12s n=%-7zu p50 %8.2f  p95 %8.2f  p99 %8.2f  max %8.2f ms\n", name.c_str(),
                  s["count"].get<size_t>(), s["p50"].get<double>(), s["p95"].get<double>(),
                  s["p99"].get<double>(), s["max"].get<double>());
    };
    line("issuance", result["latency_ms"]);
    for (auto& item : requests.items()) line(item.key(), item.value());
    for (auto& [k, n] : all.errors) std::printf("  error %s: %d\n", k.c_str(), n);
    if (!all.first_error.empty()) std::printf("  first error: %s\n", all.first_error.c_str());
    if (result.contains("server_cpu_s")) {
      std::printf("server CPU: %.2f s, %.3f ms per issuance\n", result["server_cpu_s"].get<double>(),
                  result["server_cpu_ms_per_issuance"].get<double>());
    }
    std::printf("anvil-bench CPU: %.2f s (%.2f cores), %.3f ms per issuance\n", self_cpu,
                result["bench_cpu_cores"].get<double>(), self_cpu * per);
  }
  return errors == 0 || issued > 0 ? 0 : 1;
}

}  // namespace
}  // namespace anvil::bench

int main(int argc, char** argv) { return anvil::bench::Main(argc, argv); }
