// Google Benchmark micro-benchmarks of revocation publishing (docs/revocation.md), in-process: the OCSP
// responder answering from its cache (what a flood of RFC 5019 queries costs), answering a request with a
// nonce (a signature each), and signing a CRL of N entries with the CA's key. The HTTP listener in front of
// them is measured separately. Real CA material and real requests are made at set-up, which checks that the
// measured operation succeeds.
#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "crypto/crl.h"
#include "crypto/ocsp.h"
#include "crypto/random.h"
#include "publish/ocsp_responder.h"

namespace anvil {
namespace {

// One issued certificate record per serial; GetCertificate is all the responder reads.
class Records final : public storage::CertificateStore {
 public:
  std::map<std::string, storage::CertificateRecord> records;
  Result<storage::CertificateRecord> GetCertificate(const std::string& serial) override {
    auto it = records.find(serial);
    if (it == records.end()) return Error(Code::kNotFound, "no certificate");
    return it->second;
  }
  Result<std::vector<storage::CertificateRecord>> ListCertificatesForOrder(const std::string&) override {
    return Error(Code::kInternal, "not used");
  }
  Status RevokeCertificate(const std::string&, int, TimePoint, const storage::AuditEvent&) override {
    return Error(Code::kInternal, "not used");
  }
};

struct Fixture {
  Fixture() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "anvil-revocation-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    dir = tmpl;
    auto material = ca::LoadOrCreateCa(dir, ca::CaOptions{}, clock);
    if (!material.ok()) return;
    ca = std::make_unique<ca::CertificateAuthority>(*material, clock, "");
    storage::CertificateRecord& r = records.records["1a2b"];
    r.serial = "1a2b";
    r.state = storage::CertificateState::kIssued;
    r.authority_key_id = ca->OcspIssuer().subject_key_id();
    responder = std::make_unique<publish::OcspResponder>(publish::OcspResponderOptions{}, records, *ca, clock);
    if (!responder->Start().ok()) responder.reset();
  }
  std::string Request(std::optional<std::string> nonce) const {
    crypto::OcspRequest request;
    request.ids.push_back(crypto::CertIdFor(ca->OcspIssuer(), std::string("\x1a\x2b", 2)));
    request.nonce = std::move(nonce);
    auto der = crypto::BuildOcspRequest(request);
    return der.ok() ? *der : "";
  }

  ~Fixture() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }

  std::string dir;
  SystemClock clock;
  Records records;
  std::unique_ptr<ca::CertificateAuthority> ca;
  std::unique_ptr<publish::OcspResponder> responder;
};

Fixture& Shared() {
  static Fixture fixture;  // destroyed at exit, removing its directory
  return fixture;
}

bool Good(const std::string& der) {
  auto r = crypto::OcspResponse::FromDer(der);
  return r.ok() && r->status() == crypto::OcspResponseStatus::kSuccessful && r->responses().size() == 1 &&
         r->responses()[0].status == crypto::OcspCertStatus::kGood;
}

void BM_OcspRespondCached(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.responder) return state.SkipWithError("no responder");
  const std::string request = f.Request(std::nullopt);
  if (!Good(f.responder->Respond(request))) return state.SkipWithError("the response is not good");
  for (auto _ : state) benchmark::DoNotOptimize(f.responder->Respond(request));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OcspRespondCached)->Threads(1)->Threads(2)->UseRealTime();

void BM_OcspRespondWithNonce(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.responder) return state.SkipWithError("no responder");
  const std::string request = f.Request(crypto::RandomBytes(16));
  if (!Good(f.responder->Respond(request))) return state.SkipWithError("the response is not good");
  for (auto _ : state) benchmark::DoNotOptimize(f.responder->Respond(request));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OcspRespondWithNonce);

// A CRL of N entries signed by the intermediate (P-256), from a template already in memory; reports the
// process's peak RSS after the run (Linux ru_maxrss, KiB).
void BM_CrlSign(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.ca) return state.SkipWithError("no CA");
  crypto::CrlTemplate tmpl;
  tmpl.this_update = f.clock.Now();
  tmpl.next_update = tmpl.this_update + std::chrono::hours(24);
  tmpl.crl_number = std::string(1, '\x01');
  tmpl.distribution_point_url = "http://localhost:14080/crl/x.crl";
  for (int64_t i = 0; i < state.range(0); ++i) {
    std::string serial = crypto::RandomBytes(16);
    serial[0] = static_cast<char>((serial[0] & 0x7f) | 1);
    tmpl.entries.push_back({std::move(serial), tmpl.this_update, static_cast<int>(i % 2) * 4});
  }
  auto first = f.ca->SignCrl(tmpl);
  if (!first.ok()) return state.SkipWithError(first.status().ToString().c_str());
  for (auto _ : state) {
    auto der = f.ca->SignCrl(tmpl);
    benchmark::DoNotOptimize(der);
  }
  state.counters["crl_bytes"] = static_cast<double>(first->size());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_CrlSign)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace anvil

BENCHMARK_MAIN();
