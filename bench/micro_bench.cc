// Google Benchmark micro-benchmarks of anvil-ca's per-request CPU work, one operation at a time: JWS
// verification (the server's authentication of every POST) and signing (the client's), CSR parsing and
// verification (finalize), the CA's certificate signing step, key generation, SPKI and certificate parsing,
// replay nonces, and a fiber's switch pair. docs/performance.md ("Micro-benchmarks") has the figures and the
// command.
//
// All material is generated at set-up (real keys, real signatures, real CSRs and certificates); set-up checks
// that the measured operation succeeds on it and skips the benchmark with an error otherwise, so a broken
// path cannot measure nothing. Generated keys are cached across runs of one benchmark (the library calls each
// benchmark function several times while it picks an iteration count, and RSA key generation is slow).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/fiber.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/key.h"
#include "crypto/weak_keys.h"
#include "crypto/random.h"
#include "jose/algorithm.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "metrics/registry.h"
#include "wfe/nonce_service.h"

namespace anvil {
namespace {

using crypto::KeyType;

// One key per type for the whole process; nullptr if generation failed.
const crypto::PrivateKey* CachedKey(KeyType type) {
  static std::mutex mu;
  static std::map<KeyType, crypto::PrivateKey> keys;
  std::lock_guard lock(mu);
  auto it = keys.find(type);
  if (it == keys.end()) {
    auto key = crypto::PrivateKey::Generate(type);
    if (!key.ok()) return nullptr;
    it = keys.emplace(type, std::move(key).value()).first;
  }
  return &it->second;
}

// A newOrder request as an ACME client sends it (RFC 8555 §7.4): kid, a nonce from a real NonceService, url.
nlohmann::json NewOrderHeader() {
  static SystemClock clock;
  static wfe::NonceService nonces(clock, std::chrono::hours(1));
  return {{"kid", "https://localhost:14000/acme/acct/3c5bd9a2e0f14f7e"},
          {"nonce", nonces.Issue()},
          {"url", "https://localhost:14000/acme/new-order"}};
}

constexpr std::string_view kNewOrderPayload =
    R"({"identifiers":[{"type":"dns","value":"www.example.com"},{"type":"dns","value":"example.com"}],)"
    R"("notAfter":"2027-02-20T00:00:00Z"})";

// ---- JWS: the server's verification of a request, the client's signature ----

struct SignedRequest {
  const crypto::PrivateKey* key = nullptr;
  jose::Algorithm alg{};
  std::string body;      // The flattened JWS JSON, as POSTed.
  std::string jwk_json;  // The account key as the server stores it (storage::Account::jwk_json).
};

Status SetUpFailed(std::string what) { return Error(Code::kInternal, std::move(what)); }

// Signs one newOrder request and checks that the server's path accepts it and refuses it tampered.
Result<SignedRequest> MakeSignedRequest(KeyType type) {
  SignedRequest out;
  out.key = CachedKey(type);
  if (out.key == nullptr) return SetUpFailed("key generation failed");
  out.alg = jose::DefaultAlgorithm(out.key->public_key());  // ES256 for P-256, RS256 for RSA, ...
  auto body = jose::Sign(*out.key, out.alg, NewOrderHeader(), kNewOrderPayload);
  if (!body.ok()) return SetUpFailed("Sign: " + body.status().ToString());
  out.body = *body;
  out.jwk_json = jose::Jwk::FromPublicKey(out.key->public_key()).ToJson().dump();
  auto parsed = jose::ParseFlattened(out.body);
  if (!parsed.ok()) return SetUpFailed("ParseFlattened: " + parsed.status().ToString());
  if (parsed->payload != kNewOrderPayload) return SetUpFailed("the payload does not round-trip");
  auto jwk = jose::Jwk::FromJson(nlohmann::json::parse(out.jwk_json, nullptr, false));
  if (!jwk.ok()) return SetUpFailed("Jwk::FromJson: " + jwk.status().ToString());
  if (Status s = jose::Verify(*parsed, jwk->key()); !s.ok()) return SetUpFailed("Verify: " + s.ToString());
  // A tampered signature must fail, or Verify measures nothing.
  jose::ParsedJws tampered = *parsed;
  tampered.signature[tampered.signature.size() / 2] ^= 1;
  if (jose::Verify(tampered, jwk->key()).ok()) return SetUpFailed("Verify accepts a tampered signature");
  return out;
}

// ParseFlattened + Verify with an already-decoded account key.
void BM_JwsVerify(benchmark::State& state, KeyType type) {
  auto set_up = MakeSignedRequest(type);
  if (!set_up.ok()) return state.SkipWithError(set_up.status().ToString().c_str());
  const SignedRequest& req = *set_up;
  const crypto::PublicKey key = req.key->public_key();
  for (auto _ : state) {
    auto parsed = jose::ParseFlattened(req.body);
    Status verified = parsed.ok() ? jose::Verify(*parsed, key) : parsed.status();
    if (!verified.ok()) {
      state.SkipWithError("verification failed");
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}

// The same, plus decoding the stored account JWK (JSON text → Jwk) per request, as the WFE did before
// jose::JwkCache (68f53a3); the difference to BM_JwsVerify is what a cache hit saves.
void BM_JwsVerifyWithJwkParse(benchmark::State& state, KeyType type) {
  auto set_up = MakeSignedRequest(type);
  if (!set_up.ok()) return state.SkipWithError(set_up.status().ToString().c_str());
  const SignedRequest& req = *set_up;
  for (auto _ : state) {
    auto parsed = jose::ParseFlattened(req.body);
    auto jwk = jose::Jwk::FromJson(nlohmann::json::parse(req.jwk_json, nullptr, false));
    Status verified = !parsed.ok() ? parsed.status()
                      : !jwk.ok()  ? jwk.status()
                                   : jose::Verify(*parsed, jwk->key());
    if (!verified.ok()) {
      state.SkipWithError("verification failed");
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}

// The client's side: one newOrder request signed (header and payload are built once).
void BM_JwsSign(benchmark::State& state, KeyType type) {
  auto set_up = MakeSignedRequest(type);
  if (!set_up.ok()) return state.SkipWithError(set_up.status().ToString().c_str());
  const SignedRequest& req = *set_up;
  const nlohmann::json header = NewOrderHeader();
  for (auto _ : state) {
    auto body = jose::Sign(*req.key, req.alg, header, kNewOrderPayload);
    if (!body.ok()) {
      state.SkipWithError("Sign failed");
      break;
    }
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations());
}

#define ANVIL_JWS_BENCHMARKS(fn)                   \
  BENCHMARK_CAPTURE(fn, ES256, KeyType::kEcP256);  \
  BENCHMARK_CAPTURE(fn, ES384, KeyType::kEcP384);  \
  BENCHMARK_CAPTURE(fn, ES512, KeyType::kEcP521);  \
  BENCHMARK_CAPTURE(fn, RS256, KeyType::kRsa2048); \
  BENCHMARK_CAPTURE(fn, EdDSA, KeyType::kEd25519)

ANVIL_JWS_BENCHMARKS(BM_JwsVerify);
ANVIL_JWS_BENCHMARKS(BM_JwsVerifyWithJwkParse);
ANVIL_JWS_BENCHMARKS(BM_JwsSign);

// ---- CSR (finalize) ----

std::vector<std::string> Names(int64_t n) {
  std::vector<std::string> names;
  for (int64_t i = 0; i < n; ++i) names.push_back("host" + std::to_string(i) + ".example.com");
  return names;
}

// A fresh P-256 CSR for `n` DNS names, as DER, checked to parse back, verify, and fail verification tampered.
Result<std::string> MakeCsrDer(int64_t n) {
  const crypto::PrivateKey* key = CachedKey(KeyType::kEcP256);
  if (key == nullptr) return SetUpFailed("key generation failed");
  auto csr = crypto::Csr::Create(*key, Names(n), {});
  if (!csr.ok()) return SetUpFailed("Csr::Create: " + csr.status().ToString());
  std::string der = csr->ToDer();
  auto parsed = crypto::Csr::FromDer(der);
  if (!parsed.ok() || !parsed->VerifySignature() || parsed->dns_names() != Names(n)) {
    return SetUpFailed("the CSR does not parse back or its signature does not verify");
  }
  std::string tampered = der;
  tampered[tampered.size() - 2] ^= 1;  // In the signature's last bytes.
  auto bad = crypto::Csr::FromDer(tampered);
  if (bad.ok() && bad->VerifySignature()) return SetUpFailed("a tampered CSR verifies");
  return der;
}

// Csr::FromDer alone.
void BM_CsrParse(benchmark::State& state) {
  auto set_up = MakeCsrDer(state.range(0));
  if (!set_up.ok()) return state.SkipWithError(set_up.status().ToString().c_str());
  const std::string& der = *set_up;
  for (auto _ : state) {
    auto csr = crypto::Csr::FromDer(der);
    if (!csr.ok()) {
      state.SkipWithError("Csr::FromDer failed");
      break;
    }
    benchmark::DoNotOptimize(csr);
  }
}
BENCHMARK(BM_CsrParse)->ArgName("names")->Arg(1)->Arg(10);

// What finalize does with the CSR before policy: Csr::FromDer + VerifySignature (proof of possession).
void BM_CsrParseVerify(benchmark::State& state) {
  auto set_up = MakeCsrDer(state.range(0));
  if (!set_up.ok()) return state.SkipWithError(set_up.status().ToString().c_str());
  const std::string& der = *set_up;
  for (auto _ : state) {
    auto csr = crypto::Csr::FromDer(der);
    if (!csr.ok() || !csr->VerifySignature()) {
      state.SkipWithError("CSR parse or verification failed");
      break;
    }
    benchmark::DoNotOptimize(csr);
  }
}
BENCHMARK(BM_CsrParseVerify)->ArgName("names")->Arg(1)->Arg(10);

// The client's side: Csr::Create with a P-256 key, then the DER it sends.
void BM_CsrCreate(benchmark::State& state) {
  auto set_up = MakeCsrDer(state.range(0));  // Checks that Create makes a CSR that parses and verifies.
  if (!set_up.ok()) return state.SkipWithError(set_up.status().ToString().c_str());
  const crypto::PrivateKey& key = *CachedKey(KeyType::kEcP256);
  const std::vector<std::string> names = Names(state.range(0));
  for (auto _ : state) {
    auto csr = crypto::Csr::Create(key, names, {});
    if (!csr.ok()) {
      state.SkipWithError("Csr::Create failed");
      break;
    }
    std::string der = csr->ToDer();
    benchmark::DoNotOptimize(der);
  }
}
BENCHMARK(BM_CsrCreate)->ArgName("names")->Arg(1)->Arg(10);

// ---- Certificates ----

// A P-256 CA certificate and key, standing in for the intermediate of ca::CaMaterial.
struct Issuer {
  const crypto::PrivateKey* key;
  crypto::Certificate certificate;
};

std::string RandomSerial() {
  std::string serial = crypto::RandomBytes(16);
  serial[0] = char((serial[0] & 0x7f) | 0x01);  // Positive and 16 octets, as the CA's serials.
  return serial;
}

Result<Issuer> MakeIssuer() {
  const crypto::PrivateKey* key = CachedKey(KeyType::kEcP256);
  if (key == nullptr) return SetUpFailed("key generation failed");
  TimePoint now = std::chrono::system_clock::now();
  crypto::CertificateTemplate t;
  t.serial = RandomSerial();
  t.subject.common_name = "Anvil bench intermediate";
  t.not_before = now - std::chrono::hours(1);
  t.not_after = now + std::chrono::hours(24 * 3650);
  t.is_ca = true;
  t.path_length = 0;
  t.digital_signature = true;
  t.key_cert_sign = true;
  t.crl_sign = true;
  auto cert = crypto::IssueCertificate(t, key->public_key(), nullptr, *key);
  if (!cert.ok()) return SetUpFailed("IssueCertificate (issuer): " + cert.status().ToString());
  return Issuer{key, *cert};
}

// The end-entity template ca::CertificateAuthority::BuildTemplate makes for the names of a parsed CSR.
crypto::CertificateTemplate LeafTemplate(const crypto::Csr& csr, const crypto::Certificate& issuer) {
  crypto::CertificateTemplate t;
  TimePoint now = std::chrono::system_clock::now();
  t.not_before = now - std::chrono::hours(1);
  t.not_after = std::min(t.not_before + std::chrono::hours(24 * 90), issuer.not_after());
  t.dns_names = csr.dns_names();
  if (!t.dns_names.empty() && t.dns_names.front().size() <= 64) t.subject.common_name = t.dns_names.front();
  t.digital_signature = true;
  t.ext_key_usages = {"serverAuth"};
  t.ca_issuers_url = "http://localhost:14000/ca/intermediate.crt";
  return t;
}

// The CA's issuance work without its two storage writes (ca::CertificateAuthority::Issue): fresh serial,
// PreparedCertificate::Create against the issuer certificate, tbs_der() (persisted before signing), SignToDer
// with the P-256 issuer key (the DER persisted after; the signature checked, the DER not parsed again). The CSR is parsed once at set-up (BM_CsrParseVerify).
void BM_CertificateSign(benchmark::State& state) {
  auto issuer_set_up = MakeIssuer();
  if (!issuer_set_up.ok()) return state.SkipWithError(issuer_set_up.status().ToString().c_str());
  const Issuer& issuer = *issuer_set_up;
  auto csr_der = MakeCsrDer(state.range(0));
  if (!csr_der.ok()) return state.SkipWithError(csr_der.status().ToString().c_str());
  const crypto::Csr csr = *crypto::Csr::FromDer(*csr_der);
  const crypto::PublicKey subject_key = csr.public_key();
  crypto::CertificateTemplate tmpl = LeafTemplate(csr, issuer.certificate);
  tmpl.serial = RandomSerial();
  auto check = crypto::IssueCertificate(tmpl, subject_key, &issuer.certificate, *issuer.key);
  if (!check.ok()) return state.SkipWithError(("IssueCertificate: " + check.status().ToString()).c_str());
  if (!check->IsSignedBy(issuer.key->public_key()) || check->dns_names() != csr.dns_names() ||
      !(check->public_key() == subject_key)) {
    return state.SkipWithError("the issued certificate is not what was asked for");
  }
  for (auto _ : state) {
    tmpl.serial = RandomSerial();
    auto prepared = crypto::PreparedCertificate::Create(tmpl, subject_key, &issuer.certificate,
                                                        issuer.certificate.public_key());
    if (!prepared.ok()) {
      state.SkipWithError("PreparedCertificate::Create failed");
      break;
    }
    auto tbs = prepared->tbs_der();
    auto der = std::move(*prepared).SignToDer(*issuer.key);  // as CA::Issue: signed and checked, not re-parsed
    if (!tbs.ok() || !der.ok()) {
      state.SkipWithError("signing failed");
      break;
    }
    benchmark::DoNotOptimize(tbs);
    benchmark::DoNotOptimize(der);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CertificateSign)->ArgName("names")->Arg(1);

// Certificate::FromDer of a leaf issued as above (1 name).
void BM_CertificateFromDer(benchmark::State& state) {
  auto issuer_set_up = MakeIssuer();
  if (!issuer_set_up.ok()) return state.SkipWithError(issuer_set_up.status().ToString().c_str());
  const Issuer& issuer = *issuer_set_up;
  auto csr_der = MakeCsrDer(1);
  if (!csr_der.ok()) return state.SkipWithError(csr_der.status().ToString().c_str());
  const crypto::Csr csr = *crypto::Csr::FromDer(*csr_der);
  crypto::CertificateTemplate tmpl = LeafTemplate(csr, issuer.certificate);
  tmpl.serial = RandomSerial();
  auto leaf = crypto::IssueCertificate(tmpl, csr.public_key(), &issuer.certificate, *issuer.key);
  if (!leaf.ok()) return state.SkipWithError(("IssueCertificate: " + leaf.status().ToString()).c_str());
  const std::string der = leaf->ToDer();
  auto back = crypto::Certificate::FromDer(der);
  if (!back.ok() || back->ToDer() != der) return state.SkipWithError("the leaf does not parse back");
  for (auto _ : state) {
    auto cert = crypto::Certificate::FromDer(der);
    if (!cert.ok()) {
      state.SkipWithError("Certificate::FromDer failed");
      break;
    }
    benchmark::DoNotOptimize(cert);
  }
}
BENCHMARK(BM_CertificateFromDer);

// ---- Keys ----

// PublicKey::FromDer of a SubjectPublicKeyInfo.
void BM_PublicKeyFromDer(benchmark::State& state, KeyType type) {
  const crypto::PrivateKey* key = CachedKey(type);
  if (key == nullptr) return state.SkipWithError("key generation failed");
  const std::string spki = key->public_key().ToDer();
  auto back = crypto::PublicKey::FromDer(spki);
  if (!back.ok() || !(*back == key->public_key())) return state.SkipWithError("the SPKI does not parse back");
  for (auto _ : state) {
    auto pub = crypto::PublicKey::FromDer(spki);
    if (!pub.ok()) {
      state.SkipWithError("PublicKey::FromDer failed");
      break;
    }
    benchmark::DoNotOptimize(pub);
  }
}
BENCHMARK_CAPTURE(BM_PublicKeyFromDer, ec256, KeyType::kEcP256);
BENCHMARK_CAPTURE(BM_PublicKeyFromDer, rsa2048, KeyType::kRsa2048);

// The weak-key checks a CSR's or a new account's key goes through (crypto/weak_keys.h): for RSA, mostly the
// 100 rounds of Fermat's method.
void BM_CheckKeyStrength(benchmark::State& state, KeyType type) {
  const crypto::PrivateKey* key = CachedKey(type);
  if (key == nullptr) return state.SkipWithError("key generation failed");
  const crypto::PublicKey pub = key->public_key();
  for (auto _ : state) {
    Status s = crypto::CheckKeyStrength(pub);
    if (!s.ok()) {
      state.SkipWithError("a generated key was refused");
      break;
    }
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK_CAPTURE(BM_CheckKeyStrength, ec256, KeyType::kEcP256);
BENCHMARK_CAPTURE(BM_CheckKeyStrength, rsa2048, KeyType::kRsa2048);

// A fresh key from the CSPRNG (the client's certificate key per order; the server never generates keys per
// request).
void BM_KeyGenerate(benchmark::State& state, KeyType type) {
  for (auto _ : state) {
    auto key = crypto::PrivateKey::Generate(type);
    if (!key.ok()) {
      state.SkipWithError("PrivateKey::Generate failed");
      break;
    }
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK_CAPTURE(BM_KeyGenerate, ec256, KeyType::kEcP256);
BENCHMARK_CAPTURE(BM_KeyGenerate, ec384, KeyType::kEcP384);
// RSA key generation takes tens to hundreds of milliseconds, with a wide spread (prime search).
BENCHMARK_CAPTURE(BM_KeyGenerate, rsa2048, KeyType::kRsa2048)->Iterations(20)->Unit(benchmark::kMillisecond);

// ---- Replay nonces ----

// One nonce issued (every response) and redeemed (every POST), on one NonceService shared by all threads.
void BM_NonceIssueRedeem(benchmark::State& state) {
  static SystemClock clock;
  static wfe::NonceService nonces(clock, std::chrono::seconds(3600));
  if (state.thread_index() == 0) {
    std::string probe = nonces.Issue();
    bool once = nonces.Redeem(probe) && !nonces.Redeem(probe);
    if (!once) state.SkipWithError("a nonce is not redeemed exactly once");
  }
  for (auto _ : state) {
    std::string nonce = nonces.Issue();
    if (!nonces.Redeem(nonce)) {
      state.SkipWithError("a fresh nonce was refused");
      break;
    }
    benchmark::DoNotOptimize(nonce);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NonceIssueRedeem)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

// ---- Fibers ----

// One switch pair, what a store write costs a handler besides the wait itself: Resume() switches to a fiber
// whose Await() is woken at once, and the Await() switches back (its schedule callback only counts).
void BM_FiberResumeAwait(benchmark::State& state) {
  bool stop = false;
  int64_t scheduled = 0;
  fiber::Fiber f(
      [&] {
        while (!stop) fiber::Await([](fiber::Wake wake) { wake(); });
      },
      [&] { ++scheduled; });
  for (auto _ : state) {
    if (f.Resume()) {
      state.SkipWithError("the fiber finished early");
      break;
    }
  }
  stop = true;
  while (!f.Resume()) {
  }
  if (scheduled != state.iterations()) state.SkipWithError("not one wake per switch pair");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FiberResumeAwait);

// What the metrics listener adds to one ACME request (apps/anvil-ca/server_metrics.cc, docs/metrics.md): two
// steady-clock reads around the handler, the (endpoint, status) counter found through an atomic pointer and
// incremented, and one histogram observation. With ->Threads(2), two network threads updating the same
// counter and histogram (the worst case: every request of the same kind and status).
void BM_MetricsPerRequest(benchmark::State& state) {
  static metrics::Registry registry;
  static metrics::Counter& counter =
      registry.AddCounter("bench_requests_total", "x", {"endpoint", "code"}).With({"new-order", "201"});
  static metrics::Histogram& latency =
      registry.AddHistogram("bench_duration_seconds", "x", {"endpoint"}, metrics::LatencyBuckets()).With({"new-order"});
  static std::atomic<metrics::Counter*> slot{&counter};
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    benchmark::ClobberMemory();
    const auto elapsed = std::chrono::steady_clock::now() - started;
    slot.load(std::memory_order_acquire)->Inc();
    latency.Observe(std::chrono::duration<double>(elapsed).count());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsPerRequest)->Threads(1)->Threads(2);

}  // namespace
}  // namespace anvil

BENCHMARK_MAIN();
