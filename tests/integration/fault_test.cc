// Faults (issue 13): the real anvil-ca binary, as a child process on loopback with a temporary data
// directory, killed at each crash point of base/crash_point.h under concurrent issuance, then restarted;
// afterwards the store is audited with SQLite directly. Built and run only with ANVIL_TEST_HOOKS (the debug
// and asan-ubsan presets). Names resolve through pebble-challtestsrv; http-01 is answered by the agent's
// standalone solver.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/acme_client.h"
#include "http/client.h"
#include "agent/sleeper.h"
#include "agent/solvers/http01.h"
#include "base/file.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/key.h"
#include "support/challtestsrv.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace anvil {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadLog(const std::string& path) {
  auto text = ReadFile(path);
  return text.ok() ? *text : std::string();
}

// What a stuck child is doing: its command line (the test's own while it has not exec'd) and each thread's
// state and kernel wait channel.
std::string ProcessState(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::string cmdline = ReadLog(proc + "/cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  std::string out = "process " + std::to_string(pid) + ": " + cmdline + "\n";
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(proc + "/task", ec)) {
    const std::string stat = ReadLog(task.path().string() + "/stat");  // "TID (NAME) STATE ..."
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 3 > stat.size()) continue;
    out += "  thread " + task.path().filename().string() + " " + stat.substr(open, close + 3 - open) + " wchan " +
           ReadLog(task.path().string() + "/wchan") + "\n";
  }
  return out;
}

// anvil-ca serve as a child process; stdout and stderr are appended to `log`. Killed (SIGKILL) and reaped by
// the destructor if still running.
class AnvilCa {
 public:
  // `wrapper` (e.g. setpriv and its options) runs anvil-ca when given.
  static Result<std::unique_ptr<AnvilCa>> Start(const std::string& config, const std::string& log,
                                                const std::vector<std::string>& env,
                                                const std::vector<std::string>& wrapper = {}) {
    std::unique_ptr<AnvilCa> ca(new AnvilCa());
    ca->log_ = log;
    std::vector<std::string> args = wrapper;
    for (const char* a : {ANVIL_CA_BINARY, "serve", "--config"}) args.push_back(a);
    args.push_back(config);
    std::vector<std::string> environment = {"ANVIL_CRASH_AT"};  // unarmed unless `env` arms it
    environment.insert(environment.end(), env.begin(), env.end());
    ANVIL_ASSIGN_OR_RETURN(pid_t pid, anvil::testing::SpawnChild(args, log, environment));
    ca->pid_ = pid;
    return ca;
  }

  ~AnvilCa() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }

  // The wait status once the process has ended, polled for up to `limit`; kTimeout if it is still running.
  Result<int> WaitForExit(std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Error(Code::kTimeout, "anvil-ca still running after " + std::to_string(limit.count()) + " s");
  }

  // SIGTERM (graceful shutdown) and the exit status.
  Result<int> Terminate() {
    ::kill(pid_, SIGTERM);
    return WaitForExit(std::chrono::seconds(30));
  }

  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
    pid_ = -1;
    exit_status_ = status;
    return false;
  }

  const std::string& log() const { return log_; }

 private:
  AnvilCa() = default;
  pid_t pid_ = -1;
  int exit_status_ = 0;
  std::string log_;
};

// The store, read with SQLite itself (not through anvil's storage code) and read-only.
class Db {
 public:
  explicit Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~Db() { sqlite3_close_v2(db_); }

  // Every row of `sql`, each column as text (BLOBs as their bytes).
  std::vector<std::vector<std::string>> Rows(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return rows;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const void* data = sqlite3_column_blob(stmt, i);
        row.emplace_back(data ? static_cast<const char*>(data) : "",
                         static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return rows;
  }

  int64_t Count(const std::string& sql) {
    auto rows = Rows(sql);
    return rows.empty() ? -1 : std::stoll(rows[0][0]);
  }

 private:
  sqlite3* db_ = nullptr;
};

// One issuance a client wants, and how it ended.
struct Job {
  std::string name;
  std::vector<std::string> order_urls;  // every order placed for it (a new one after an invalid one)
  std::string certificate_der;          // the certificate it ended with
  std::string serial;
  int failures = 0;  // requests that failed (the crash, or the server not yet back)
};

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dns = anvil::testing::ChallTestSrv::Start();
    ASSERT_TRUE(dns.ok()) << dns.status().ToString();
    dns_ = std::move(*dns);
    auto http01 = agent::Http01StandaloneSolver::Start("127.0.0.1", 0);
    ASSERT_TRUE(http01.ok()) << http01.status().ToString();
    http01_ = std::move(*http01);
    auto port = anvil::testing::FreePort();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    config_ = dir_.path() + "/anvil-ca.toml";
    WriteConfig("");
  }

  void TearDown() override {
    if (HasFailure() && ca_ != nullptr) std::cerr << "----- " << ca_->log() << " (last 4000 bytes)\n" << LogTail();
  }

  std::string LogTail() const {
    if (ca_ == nullptr) return "";
    const std::string text = ReadLog(ca_->log());
    return text.substr(text.size() > 4000 ? text.size() - 4000 : 0) + "\n";
  }

  void WriteConfig(const std::string& extra) {
    std::ostringstream toml;
    toml << "data_dir = \"" << dir_.path() << "/data\"\n"
         << "[server]\nlisten = [\"127.0.0.1:" << port_ << "\"]\nexternal_url = \"https://localhost:" << port_
         << "\"\n"
         << "[validation]\nhttp_port = " << http01_->port() << "\ndns_resolver = \"" << dns_->dns_server()
         << "\"\ntimeout = \"10s\"\n"
         << "[publication]\nlisten = []\n"  // CRLs only to the data directory
         << extra;
    ASSERT_TRUE(WriteFileAtomic(config_, toml.str(), 0600).ok());
  }

  std::string DataDir() const { return dir_.path() + "/data"; }
  std::string DbPath() const { return DataDir() + "/anvil.db"; }
  std::string Directory() const { return "https://localhost:" + std::to_string(port_) + "/directory"; }

  // Starts anvil-ca and waits until its directory answers.
  void StartCa(const std::vector<std::string>& env = {}) {
    auto ca = AnvilCa::Start(config_, dir_.path() + "/anvil-ca.log", env);
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_ = std::move(*ca);
    Status up = WaitForDirectory(std::chrono::seconds(60));
    ASSERT_TRUE(up.ok()) << "anvil-ca did not start: " << up.ToString() << "\n"
                         << ProcessState(ca_->pid()) << "root.pem "
                         << (std::filesystem::exists(DataDir() + "/ca/root.pem") ? "exists" : "is missing")
                         << "\n----- its log (last 4000 bytes)\n"
                         << LogTail();
  }

  // Polls the directory until it answers 200, for up to `limit`.
  Status WaitForDirectory(std::chrono::seconds limit) {
    auto http = http::NewCurlClient(
        {DataDir() + "/ca/root.pem", std::chrono::seconds(5), std::chrono::seconds(10)});
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (ca_ != nullptr && !ca_->Running()) return Error(Code::kUnavailable, "anvil-ca exited");
      if (http.ok() || (http = http::NewCurlClient({DataDir() + "/ca/root.pem"})).ok()) {
        auto r = (*http)->Send("GET", Directory(), {}, "");
        if (r.ok() && r->status == 200) return Status::Ok();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Error(Code::kTimeout, "the directory did not answer");
  }

  testing::TempDir dir_;
  std::string config_;
  uint16_t port_ = 0;
  std::unique_ptr<anvil::testing::ChallTestSrv> dns_;
  std::unique_ptr<agent::Http01StandaloneSolver> http01_;
  std::mutex http01_mu_;  // Present may be called by one thread at a time
  std::unique_ptr<AnvilCa> ca_;
};

// One ACME client with its own account, on its own thread.
class Client {
 public:
  Client(FaultTest* test, const std::string& root_pem, const std::string& directory,
         agent::Http01StandaloneSolver& http01, std::mutex& http01_mu)
      : http01_(http01), http01_mu_(http01_mu) {
    http_ = std::move(
        http::NewCurlClient({root_pem, std::chrono::seconds(5), std::chrono::seconds(30)}).value());
    agent::AcmeClientOptions options;
    options.directory_url = directory;
    options.poll_initial_delay = std::chrono::milliseconds(20);
    options.poll_max_delay = std::chrono::milliseconds(200);
    options.max_retry_after = std::chrono::seconds(1);
    options.poll_timeout = std::chrono::seconds(30);
    options.log = [this](const std::string& line) {
      if (log_lines_ != nullptr) log_lines_->push_back(line);
    };
    acme_ = std::make_unique<agent::AcmeClient>(*http_, clock_, sleeper_, options);
    (void)test;
  }

  agent::AcmeClient& acme() { return *acme_; }

  // Collects the client's request lines ("POST URL -> STATUS") into `lines` until called with nullptr.
  void SetLog(std::vector<std::string>* lines) { log_lines_ = lines; }

  // Answers the http-01 challenge of every authorization of `order`.
  Status SolveAll(const agent::Order& order) {
    for (const auto& url : order.authorizations) ANVIL_RETURN_IF_ERROR(Solve(url));
    return Status::Ok();
  }

  Status Register() {
    acme_->SetAccountKey(*crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
    return acme_->NewAccount({{}, true, false, "", ""}).status();
  }

  // Drives `job` to one certificate, surviving failed requests: after each it waits for the server (up to
  // `wait`) and carries on from the order's state as the server now tells it. A valid order gives the
  // certificate; an invalid one is replaced by a new order, as a client would.
  Status Run(Job& job, const std::function<Status()>& wait_for_server) {
    std::optional<std::string> order_url;
    Status last = Status::Ok();
    for (int step = 0; step < 60; ++step) {
      auto done = Step(job, order_url);
      if (done.ok() && *done) return Status::Ok();
      if (!done.ok()) {
        last = done.status();
        ++job.failures;
        ANVIL_RETURN_IF_ERROR(wait_for_server());
      }
    }
    return Error(Code::kTimeout,
                 job.name + " did not end with a certificate; last error: " + last.ToString());
  }

 private:
  // One step of the flow; true once the job has its certificate.
  Result<bool> Step(Job& job, std::optional<std::string>& order_url) {
    if (!order_url) {
      ANVIL_ASSIGN_OR_RETURN(agent::Order created,
                             acme_->NewOrder({{{acme::IdentifierType::kDns, job.name}}, "", ""}));
      order_url = created.url;
      job.order_urls.push_back(created.url);
    }
    ANVIL_ASSIGN_OR_RETURN(agent::Order order, acme_->FetchOrder(*order_url));
    switch (order.status) {
      case acme::OrderStatus::kPending:
        ANVIL_RETURN_IF_ERROR(SolveAll(order));
        return false;
      case acme::OrderStatus::kReady: {
        auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
        ANVIL_ASSIGN_OR_RETURN(crypto::Csr csr, crypto::Csr::Create(*key, {job.name}, {}));
        ANVIL_RETURN_IF_ERROR(acme_->Finalize(order, csr.ToDer()).status());
        return false;
      }
      case acme::OrderStatus::kProcessing:
        ANVIL_RETURN_IF_ERROR(acme_->PollOrder(*order_url).status());
        return false;
      case acme::OrderStatus::kValid: {
        ANVIL_ASSIGN_OR_RETURN(std::string pem, acme_->DownloadCertificatePem(order.certificate));
        ANVIL_ASSIGN_OR_RETURN(auto chain, crypto::Certificate::ChainFromPem(pem));
        if (chain.empty()) return Error(Code::kInternal, "empty chain");
        job.certificate_der = chain[0].ToDer();
        job.serial = chain[0].serial_hex();
        return true;
      }
      default:  // invalid: a new order
        order_url.reset();
        return false;
    }
  }

  Status Solve(const std::string& url) {
    ANVIL_ASSIGN_OR_RETURN(agent::Authorization authz, acme_->FetchAuthorization(url));
    if (authz.status == acme::AuthorizationStatus::kValid) return Status::Ok();
    if (authz.status != acme::AuthorizationStatus::kPending) return Status::Ok();  // the order turns invalid
    const agent::Challenge* challenge = authz.FindChallenge("http-01");
    if (challenge == nullptr) return Error(Code::kInternal, "no http-01 challenge");
    if (challenge->status == acme::ChallengeStatus::kPending) {
      {
        std::lock_guard lock(http01_mu_);
        ANVIL_RETURN_IF_ERROR(
            http01_.Present({authz.identifier, false, challenge->token,
                             acme::KeyAuthorization(challenge->token, acme_->Thumbprint())}));
      }
      ANVIL_RETURN_IF_ERROR(acme_->RespondToChallenge(challenge->url).status());
    }
    return acme_->PollAuthorization(url).status();
  }

  SystemClock clock_;
  agent::RealSleeper sleeper_;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<agent::AcmeClient> acme_;
  agent::Http01StandaloneSolver& http01_;
  std::mutex& http01_mu_;
  std::vector<std::string>* log_lines_ = nullptr;
};

std::string OrderIdOf(const std::string& url) { return url.substr(url.rfind('/') + 1); }

// ---- Crash points ----

class CrashRecoveryTest : public FaultTest, public ::testing::WithParamInterface<const char*> {};

// Four clients, three certificates each; anvil-ca dies at the third time it reaches the crash point (so other
// issuances are in flight), is restarted unarmed on the same data directory, and every client carries on.
TEST_P(CrashRecoveryTest, ACrashLosesNothingAndIssuesNothingTwice) {
  constexpr int kClients = 4;
  constexpr int kJobsPerClient = 3;
  const std::string point = GetParam();
  ASSERT_NO_FATAL_FAILURE(StartCa({"ANVIL_CRASH_AT=" + point + ":3"}));
  const std::string root = DataDir() + "/ca/root.pem";

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(this, root, Directory(), *http01_, http01_mu_));
    ASSERT_TRUE(clients.back()->Register().ok());
  }

  // The main thread restarts anvil-ca once it has died; the clients wait for it meanwhile.
  std::mutex mu;
  std::condition_variable restarted_cv;
  bool restarted = false;
  auto wait_for_server = [&]() -> Status {
    std::unique_lock lock(mu);
    if (!restarted_cv.wait_for(lock, std::chrono::seconds(60), [&] { return restarted; })) {
      return Error(Code::kTimeout, "anvil-ca was not restarted");
    }
    return Status::Ok();
  };

  std::vector<std::vector<Job>> jobs(kClients);
  std::vector<Status> results(kClients, Status::Ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    for (int j = 0; j < kJobsPerClient; ++j) {
      jobs[i].push_back({"c" + std::to_string(i) + "-" + std::to_string(j) + ".crash.test", {}, "", "", 0});
    }
    threads.emplace_back([&, i] {
      for (auto& job : jobs[i]) {
        Status s = clients[i]->Run(job, wait_for_server);
        if (!s.ok()) {
          results[i] = s;
          return;
        }
      }
    });
  }

  auto died = ca_->WaitForExit(std::chrono::seconds(90));
  ASSERT_TRUE(died.ok()) << "anvil-ca never reached " << point << ": " << died.status().ToString();
  EXPECT_TRUE(WIFSIGNALED(*died) && WTERMSIG(*died) == SIGKILL) << "wait status " << *died;
  EXPECT_NE(ReadLog(ca_->log()).find("crash point " + point + " reached"), std::string::npos);
  StartCa();  // unarmed, same data directory and port
  const bool came_back = !HasFatalFailure();
  {
    std::lock_guard lock(mu);
    restarted = true;
  }
  restarted_cv.notify_all();
  for (auto& t : threads) t.join();
  ASSERT_TRUE(came_back);
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.ToString();

  // The crash was felt: some client's request failed and was retried.
  int failures = 0;
  for (const auto& list : jobs) {
    for (const auto& job : list) failures += job.failures;
  }
  EXPECT_GT(failures, 0);

  // Every certificate a client holds is revocable through ACME.
  std::set<std::string> serials;
  for (int i = 0; i < kClients; ++i) {
    for (const auto& job : jobs[i]) {
      EXPECT_TRUE(serials.insert(job.serial).second) << "serial " << job.serial << " given out twice";
      auto cert = crypto::Certificate::FromDer(job.certificate_der);
      ASSERT_TRUE(cert.ok());
      EXPECT_TRUE(clients[i]->acme().Revoke(*cert, 0).ok()) << job.name;
    }
  }
  auto stopped = ca_->Terminate();
  ASSERT_TRUE(stopped.ok());
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0);

  Db db(DbPath());
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM orders WHERE status = 'processing'"), 0) << "an order is stuck";
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM certificates WHERE state = 'pending'"), 0);
  // No order has two certificate records, issued or not (the CA records one serial per finalize).
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM (SELECT order_id FROM certificates GROUP BY order_id "
                     "HAVING COUNT(*) > 1)"),
            0);
  // An issued certificate belongs to a valid order that names it, and the reverse.
  EXPECT_EQ(
      db.Count("SELECT COUNT(*) FROM certificates c JOIN orders o ON o.id = c.order_id "
               "WHERE c.state = 'issued' AND (o.status <> 'valid' OR o.certificate_serial <> c.serial)"),
      0);
  EXPECT_EQ(
      db.Count("SELECT COUNT(*) FROM orders o WHERE o.status = 'valid' AND NOT EXISTS "
               "(SELECT 1 FROM certificates c WHERE c.serial = o.certificate_serial AND c.state = 'issued' "
               "AND c.order_id = o.id)"),
      0);
  // Abandoned records (what may have been signed before the crash) keep their TBS, their order is invalid,
  // and the audit trail says so.
  for (const auto& row : db.Rows("SELECT c.serial, length(c.tbs_der), o.status FROM certificates c "
                                 "JOIN orders o ON o.id = c.order_id WHERE c.state = 'abandoned'")) {
    EXPECT_GT(std::stoll(row[1]), 0) << row[0];
    EXPECT_EQ(row[2], "invalid") << row[0];
    EXPECT_EQ(db.Count("SELECT COUNT(*) FROM audit_log WHERE kind = 'certificate.abandoned' AND subject = '" +
                       row[0] + "'"),
              1);
  }
  if (point != "issuance.after_store") {
    // The issuance that crashed had its serial reserved and never completed.
    EXPECT_GE(db.Count("SELECT COUNT(*) FROM certificates WHERE state = 'abandoned'"), 1);
  }
  // Every certificate a client holds is in the store, issued, identical, revoked, audited once; and the store
  // issued nothing else.
  for (const auto& list : jobs) {
    for (const auto& job : list) {
      auto rows =
          db.Rows("SELECT state, der, order_id, revoked_at IS NOT NULL FROM certificates WHERE serial = '" +
                  job.serial + "'");
      ASSERT_EQ(rows.size(), 1u) << job.serial;
      EXPECT_EQ(rows[0][0], "issued");
      EXPECT_TRUE(rows[0][1] == job.certificate_der) << job.serial;
      EXPECT_EQ(rows[0][2], OrderIdOf(job.order_urls.back()));
      EXPECT_EQ(rows[0][3], "1") << job.serial << " not revoked";
      EXPECT_EQ(db.Count("SELECT COUNT(*) FROM audit_log WHERE kind = 'certificate.issued' AND subject = '" +
                         job.serial + "'"),
                1);
      // Each job's orders: the last one valid with its certificate, any earlier one invalid and
      // certificate-less.
      for (size_t k = 0; k + 1 < job.order_urls.size(); ++k) {
        EXPECT_EQ(db.Count("SELECT COUNT(*) FROM orders WHERE status = 'invalid' AND id = '" +
                           OrderIdOf(job.order_urls[k]) + "'"),
                  1);
        EXPECT_EQ(db.Count("SELECT COUNT(*) FROM certificates WHERE state = 'issued' AND order_id = '" +
                           OrderIdOf(job.order_urls[k]) + "'"),
                  0);
      }
    }
  }
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM certificates WHERE state = 'issued'"),
            static_cast<int64_t>(serials.size()));
  int replaced = 0;
  for (const auto& list : jobs) {
    for (const auto& job : list) replaced += static_cast<int>(job.order_urls.size()) - 1;
  }
  std::cout << "crash at " << point << ": " << failures << " failed requests retried, " << replaced
            << " orders replaced after the crash, "
            << db.Count("SELECT COUNT(*) FROM certificates WHERE state = 'abandoned'")
            << " records abandoned, " << serials.size() << " certificates issued and revoked\n";
}

INSTANTIATE_TEST_SUITE_P(EachCrashPoint, CrashRecoveryTest,
                         ::testing::Values("issuance.after_reserve", "issuance.after_sign",
                                           "issuance.before_valid", "issuance.after_store"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string name = std::string(p.param).substr(9);  // after "issuance."
                           for (auto& c : name) {
                             if (c == '.') c = '_';
                           }
                           return name;
                         });

// ---- Storage faults ----

// strace attached to every thread of a running process, injecting `inject` (strace's -e inject syntax) into
// `syscalls`; detached (SIGTERM to strace, which then lets the process go on untouched) by Detach or the
// destructor.
class Strace {
 public:
  static Result<std::unique_ptr<Strace>> Attach(pid_t target, const std::string& syscalls,
                                                const std::string& inject, const std::string& log) {
    std::unique_ptr<Strace> s(new Strace());
    std::vector<std::string> args = {"/usr/bin/strace",
                                     "-f",
                                     "-qq",
                                     "-o",
                                     "/dev/null",
                                     "-p",
                                     std::to_string(target),
                                     "-e",
                                     "trace=" + syscalls,
                                     "-e",
                                     "inject=" + inject};
    ANVIL_ASSIGN_OR_RETURN(s->pid_, anvil::testing::SpawnChild(args, log));
    // Attached once every thread of the target has strace as its tracer.
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      if (AllTraced(target)) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Error(Code::kTimeout, "strace did not attach to every thread of " + std::to_string(target));
  }

  ~Strace() { Detach(); }

  void Detach() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  Strace() = default;

  static bool AllTraced(pid_t target) {
    std::error_code ec;
    int threads = 0;
    for (const auto& task :
         std::filesystem::directory_iterator("/proc/" + std::to_string(target) + "/task", ec)) {
      std::ifstream status(task.path() / "status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("TracerPid:", 0) == 0 && std::stoi(line.substr(10)) == 0) return false;
      }
      ++threads;
    }
    return threads > 0;
  }

  pid_t pid_ = -1;
};

struct Injection {
  const char* name;
  const char* syscalls;
  const char* inject;
};

void PrintTo(const Injection& injection, std::ostream* os) { *os << injection.inject; }

class StorageFaultTest : public FaultTest, public ::testing::WithParamInterface<Injection> {};

// While every WAL write (or its fsync) fails, each writing request is answered serverInternal with status 500
// and leaves nothing behind: no account, no order, the finalized order still ready and no certificate record.
// Once the fault is gone the same requests succeed.
TEST_P(StorageFaultTest, AWriteErrorIsServerInternalLeavesNothingHalfMadeAndTheNextRequestSucceeds) {
  ASSERT_NO_FATAL_FAILURE(StartCa());
  const std::string root = DataDir() + "/ca/root.pem";
  auto make_client = [&] {
    auto c = std::make_unique<Client>(this, root, Directory(), *http01_, http01_mu_);
    return c;
  };
  auto client = make_client();
  ASSERT_TRUE(client->Register().ok());
  auto ready = client->acme().NewOrder({{{acme::IdentifierType::kDns, "ready.fault.test"}}, "", ""});
  ASSERT_TRUE(ready.ok()) << ready.status().ToString();
  // Solve without finalizing: run the flow only while the order is pending.
  for (int i = 0; i < 10; ++i) {
    auto o = client->acme().FetchOrder(ready->url);
    ASSERT_TRUE(o.ok());
    if (o->status == acme::OrderStatus::kReady) break;
    ASSERT_TRUE(client->SolveAll(*o).ok());
  }
  auto fresh_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto csr = crypto::Csr::Create(fresh_key, {"ready.fault.test"}, {});
  ASSERT_TRUE(csr.ok());
  auto newcomer = make_client();
  newcomer->acme().SetAccountKey(*crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));

  Db before(DbPath());
  const int64_t accounts = before.Count("SELECT COUNT(*) FROM accounts");
  const int64_t orders = before.Count("SELECT COUNT(*) FROM orders");
  const int64_t audit = before.Count("SELECT COUNT(*) FROM audit_log");
  ASSERT_EQ(before.Count("SELECT COUNT(*) FROM certificates"), 0);

  {
    auto strace =
        Strace::Attach(ca_->pid(), GetParam().syscalls, GetParam().inject, dir_.path() + "/strace.log");
    ASSERT_TRUE(strace.ok()) << strace.status().ToString();
    std::vector<std::string> log;
    client->SetLog(&log);
    newcomer->SetLog(&log);
    auto order = client->acme().NewOrder({{{acme::IdentifierType::kDns, "new.fault.test"}}, "", ""});
    ASSERT_FALSE(order.ok());
    EXPECT_EQ(order.status().code(), Code::kServerInternal) << order.status().ToString();
    auto account = newcomer->acme().NewAccount({{}, true, false, "", ""});
    ASSERT_FALSE(account.ok());
    EXPECT_EQ(account.status().code(), Code::kServerInternal) << account.status().ToString();
    auto o = client->acme().FetchOrder(ready->url);
    ASSERT_TRUE(o.ok());  // reads still work
    auto finalized = client->acme().Finalize(*o, csr->ToDer());
    ASSERT_FALSE(finalized.ok());
    EXPECT_EQ(finalized.status().code(), Code::kServerInternal) << finalized.status().ToString();
    // Each refused request was one 500 (a problem document: its type gave kServerInternal above).
    int five_hundreds = 0;
    for (const auto& line : log) five_hundreds += line.ends_with(" -> 500");
    EXPECT_EQ(five_hundreds, 3) << ::testing::PrintToString(log);
    client->SetLog(nullptr);
    newcomer->SetLog(nullptr);
    (*strace)->Detach();
  }

  {
    Db during(DbPath());
    EXPECT_EQ(during.Count("SELECT COUNT(*) FROM accounts"), accounts);
    EXPECT_EQ(during.Count("SELECT COUNT(*) FROM orders"), orders);
    EXPECT_EQ(during.Count("SELECT COUNT(*) FROM audit_log"), audit);
    EXPECT_EQ(during.Count("SELECT COUNT(*) FROM certificates"), 0);
    EXPECT_EQ(during.Count("SELECT COUNT(*) FROM orders WHERE status = 'processing'"), 0);
  }

  // The fault is gone: the same requests succeed, and the order left ready is finalized.
  EXPECT_TRUE(client->acme().NewOrder({{{acme::IdentifierType::kDns, "new.fault.test"}}, "", ""}).ok());
  EXPECT_TRUE(newcomer->acme().NewAccount({{}, true, false, "", ""}).ok());
  auto o = client->acme().FetchOrder(ready->url);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->status, acme::OrderStatus::kReady);
  auto valid = client->acme().Finalize(*o, csr->ToDer());
  ASSERT_TRUE(valid.ok()) << valid.status().ToString();
  EXPECT_EQ(valid->status, acme::OrderStatus::kValid);
}

INSTANTIATE_TEST_SUITE_P(
    Injections, StorageFaultTest,
    ::testing::Values(Injection{"fsync_eio", "fdatasync,fsync", "fdatasync,fsync:error=EIO"},
                      Injection{"pwrite_enospc", "pwrite64", "pwrite64:error=ENOSPC"}),
    [](const ::testing::TestParamInfo<Injection>& p) { return std::string(p.param.name); });

// The fault begins after the finalize gate has committed (strace fails the committer thread's second
// fdatasync and every later one): the certificate is signed but neither FinishIssuance nor the abandon can be
// stored, so the order is left processing. Once the fault is gone, the client's next read of the order finds
// it resolved — invalid with serverInternal, its record abandoned — without a restart, and a new order
// issues.
TEST_F(FaultTest, AnIssuanceCutOffByAWriteErrorIsResolvedOnTheNextReadOnceTheFaultIsGone) {
  ASSERT_NO_FATAL_FAILURE(StartCa());
  Client client(this, DataDir() + "/ca/root.pem", Directory(), *http01_, http01_mu_);
  ASSERT_TRUE(client.Register().ok());
  auto order = client.acme().NewOrder({{{acme::IdentifierType::kDns, "cut.fault.test"}}, "", ""});
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  ASSERT_TRUE(client.SolveAll(*order).ok());
  auto ready = client.acme().FetchOrder(order->url);
  ASSERT_TRUE(ready.ok());
  ASSERT_EQ(ready->status, acme::OrderStatus::kReady);
  auto key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto csr = crypto::Csr::Create(key, {"cut.fault.test"}, {});
  ASSERT_TRUE(csr.ok());
  {
    auto strace =
        Strace::Attach(ca_->pid(), "fdatasync", "fdatasync:error=EIO:when=2+", dir_.path() + "/strace.log");
    ASSERT_TRUE(strace.ok()) << strace.status().ToString();
    auto finalized = client.acme().Finalize(*ready, csr->ToDer());
    ASSERT_FALSE(finalized.ok());
    EXPECT_EQ(finalized.status().code(), Code::kServerInternal) << finalized.status().ToString();
    (*strace)->Detach();
  }
  {
    Db db(DbPath());
    ASSERT_EQ(db.Count("SELECT COUNT(*) FROM orders WHERE status = 'processing'"), 1)
        << "the gate did not commit";
    ASSERT_EQ(db.Count("SELECT COUNT(*) FROM certificates WHERE state = 'pending'"), 1);
  }
  auto after = client.acme().FetchOrder(order->url);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->status, acme::OrderStatus::kInvalid) << after->raw.dump();
  ASSERT_TRUE(after->error.has_value());
  EXPECT_EQ(after->error->code(), Code::kServerInternal);
  {
    Db db(DbPath());
    EXPECT_EQ(db.Count("SELECT COUNT(*) FROM orders WHERE status = 'processing'"), 0);
    EXPECT_EQ(db.Count("SELECT COUNT(*) FROM certificates WHERE state = 'abandoned' AND length(tbs_der) > 0"),
              1);
    EXPECT_EQ(db.Count("SELECT COUNT(*) FROM certificates WHERE state <> 'abandoned'"), 0);
  }
  Job job{"cut.fault.test", {}, "", "", 0};
  ASSERT_TRUE(client.Run(job, [] { return Error(Code::kUnavailable, "no failure expected"); }).ok());
  EXPECT_EQ(job.order_urls.size(), 1u);
  EXPECT_FALSE(job.serial.empty());
}

// ---- Start-up over a bad database ----

// Runs anvil-ca serve to its end (it must not start) and returns the wait status.
int RunToExit(const std::string& config, const std::string& log,
              const std::vector<std::string>& wrapper = {}) {
  auto ca = AnvilCa::Start(config, log, {}, wrapper);
  EXPECT_TRUE(ca.ok());
  auto status = (*ca)->WaitForExit(std::chrono::seconds(60));
  EXPECT_TRUE(status.ok()) << "anvil-ca started over a bad database";
  return status.ok() ? *status : 0;
}

// A database that cannot be opened or is damaged stops anvil-ca with exit code 1 and a message naming the
// file; the file is left exactly as it was, never replaced by a new database.
TEST_F(FaultTest, ABadDatabaseStopsAnvilCaNamingItAndIsNeverReplaced) {
  ASSERT_NO_FATAL_FAILURE(StartCa());  // a real database (and the CA's files), then a clean stop
  ASSERT_TRUE(ca_->Terminate().ok());
  ca_.reset();
  auto good = ReadFile(DbPath());
  ASSERT_TRUE(good.ok());
  ASSERT_FALSE(std::filesystem::exists(DbPath() + "-wal"));
  std::string garbage(good->size(), '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919 + 13) % 256);

  struct Case {
    const char* name;
    std::string contents;  // written as the database; "<dir>" = a directory in its place
    const char* says;
  };
  const std::vector<Case> cases = {
      {"a directory in its place", "<dir>", "Is a directory"},
      {"garbage bytes", garbage, "not an SQLite database"},
      {"truncated to half", good->substr(0, good->size() / 2), "truncated"},
      {"truncated to nothing", "", "empty"},
      {"its header overwritten", std::string(100, 'x') + good->substr(100), "not an SQLite database"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::filesystem::remove_all(DbPath());
    std::filesystem::remove(DbPath() + "-wal");
    std::filesystem::remove(DbPath() + "-shm");
    if (c.contents == "<dir>") {
      ASSERT_TRUE(std::filesystem::create_directory(DbPath()));
    } else {
      ASSERT_TRUE(WriteFileAtomic(DbPath(), c.contents, 0600).ok());
    }
    const std::string log = dir_.path() + "/bad-db.log";
    std::filesystem::remove(log);
    int status = RunToExit(config_, log);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "wait status " << status;
    std::string said = ReadLog(log);
    EXPECT_NE(said.find("anvil-ca: "), std::string::npos) << said;
    EXPECT_NE(said.find(": storage: "), std::string::npos) << said;
    EXPECT_NE(said.find(DbPath()), std::string::npos) << said;
    EXPECT_NE(said.find(c.says), std::string::npos) << said;
    if (c.contents == "<dir>") {
      EXPECT_TRUE(std::filesystem::is_directory(DbPath()));
    } else {
      auto after = ReadFile(DbPath());
      ASSERT_TRUE(after.ok());
      EXPECT_TRUE(*after == c.contents) << "the file was changed";
    }
    EXPECT_FALSE(std::filesystem::exists(DbPath() + "-wal"));
  }
  {
    SCOPED_TRACE("no permission to open it");
    ASSERT_TRUE(WriteFileAtomic(DbPath(), *good, 0600).ok());
    std::vector<std::string> wrapper;
    if (::geteuid() == 0) {
      // Root opens any file, so anvil-ca runs as nobody, owning its data directory but not the database.
      wrapper = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
      ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
      ASSERT_EQ(::chmod(config_.c_str(), 0644), 0);
      for (const auto& entry : std::filesystem::recursive_directory_iterator(DataDir())) {
        ASSERT_EQ(::chown(entry.path().c_str(), 65534, 65534), 0);
      }
      ASSERT_EQ(::chown(DataDir().c_str(), 65534, 65534), 0);
      ASSERT_EQ(::chown(DbPath().c_str(), 0, 0), 0);
    } else {
      ASSERT_EQ(::chmod(DbPath().c_str(), 0), 0);
    }
    const std::string log = dir_.path() + "/no-permission.log";
    int status = RunToExit(config_, log, wrapper);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "wait status " << status;
    std::string said = ReadLog(log);
    EXPECT_NE(said.find(DbPath()), std::string::npos) << said;
    EXPECT_NE(said.find("Permission denied"), std::string::npos) << said;
    if (::geteuid() == 0) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(DataDir())) {
        ASSERT_EQ(::chown(entry.path().c_str(), 0, 0), 0);
      }
      ASSERT_EQ(::chown(DataDir().c_str(), 0, 0), 0);
    }
    ASSERT_EQ(::chmod(DbPath().c_str(), 0600), 0);
    EXPECT_TRUE(*ReadFile(DbPath()) == *good) << "the file was changed";
    EXPECT_FALSE(std::filesystem::exists(DbPath() + "-wal"));
  }
  // The good database still starts.
  ASSERT_TRUE(WriteFileAtomic(DbPath(), *good, 0600).ok());
  std::filesystem::remove_all(DbPath() + "-wal");
  ASSERT_NO_FATAL_FAILURE(StartCa());
}

// ---- Clock jumps ----

// anvil-ca restarted under libfaketime three days ahead, past the (shortened) lifetimes of its orders and
// authorizations: the ready order is invalid and cannot be finalized (403 orderNotReady, RFC 8555 §7.4), a
// challenge of the expired pending authorization cannot be answered (409), and nothing is issued.
TEST_F(FaultTest, AfterAClockJumpExpiredOrdersAndAuthorizationsAreNotUsable) {
  constexpr char kFaketime[] = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  if (!std::filesystem::exists(kFaketime)) GTEST_SKIP() << kFaketime << " missing (scripts/install-deps)";
  // libfaketime's start-up and jemalloc's deadlock (jemalloc's initialization asks the time under its lock,
  // and libfaketime's first call to dlsym allocates), so this runs where anvil-ca keeps the C library's (or a
  // sanitizer's) allocator: the asan-ubsan preset of `make test`.
  if (ANVIL_CA_JEMALLOC) GTEST_SKIP() << "anvil-ca links jemalloc, which deadlocks under libfaketime";
  WriteConfig(
      "[acme]\norder_lifetime = \"1d\"\npending_authorization_lifetime = \"1d\"\n"
      "authorization_lifetime = \"2d\"\n");
  ASSERT_NO_FATAL_FAILURE(StartCa());
  const std::string root = DataDir() + "/ca/root.pem";
  Client client(this, root, Directory(), *http01_, http01_mu_);
  ASSERT_TRUE(client.Register().ok());
  auto ready = client.acme().NewOrder({{{acme::IdentifierType::kDns, "ready.clock.test"}}, "", ""});
  ASSERT_TRUE(ready.ok());
  ASSERT_TRUE(client.SolveAll(*ready).ok());
  auto pending = client.acme().NewOrder({{{acme::IdentifierType::kDns, "pending.clock.test"}}, "", ""});
  ASSERT_TRUE(pending.ok());
  auto authz = client.acme().FetchAuthorization(pending->authorizations.at(0));
  ASSERT_TRUE(authz.ok());
  const agent::Challenge* challenge = authz->FindChallenge("http-01");
  ASSERT_NE(challenge, nullptr);
  auto before = client.acme().FetchOrder(ready->url);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->status, acme::OrderStatus::kReady);

  ASSERT_TRUE(ca_->Terminate().ok());
  std::string asan = std::getenv("ASAN_OPTIONS") != nullptr ? std::getenv("ASAN_OPTIONS") : "";
  // libfaketime is preloaded ahead of the ASan runtime; ASan allows that when told.
  ASSERT_NO_FATAL_FAILURE(
      StartCa({std::string("LD_PRELOAD=") + kFaketime, "FAKETIME=+3d", "FAKETIME_DONT_FAKE_MONOTONIC=1",
               "ASAN_OPTIONS=" + asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0"}));

  auto order = client.acme().FetchOrder(ready->url);
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(order->status, acme::OrderStatus::kInvalid) << order->raw.dump();
  auto key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto finalized =
      client.acme().Finalize(*before, crypto::Csr::Create(key, {"ready.clock.test"}, {})->ToDer());
  ASSERT_FALSE(finalized.ok());
  EXPECT_EQ(finalized.status().code(), Code::kOrderNotReady) << finalized.status().ToString();

  auto answered = client.acme().RespondToChallenge(challenge->url);
  ASSERT_FALSE(answered.ok());
  EXPECT_EQ(answered.status().code(), Code::kMalformed) << answered.status().ToString();
  EXPECT_NE(answered.status().message().find("expired"), std::string::npos) << answered.status().ToString();
  auto expired = client.acme().FetchAuthorization(pending->authorizations.at(0));
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired->status, acme::AuthorizationStatus::kExpired);
  auto pending_now = client.acme().FetchOrder(pending->url);
  ASSERT_TRUE(pending_now.ok());
  EXPECT_EQ(pending_now->status, acme::OrderStatus::kInvalid);

  ASSERT_TRUE(ca_->Terminate().ok());
  Db db(DbPath());
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM certificates"), 0);
  // The restarted process did run three days ahead: the orders' expiry passed by its clock.
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM orders WHERE status = 'invalid'"), 2);
}

}  // namespace
}  // namespace anvil
