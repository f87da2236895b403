#include "jose/algorithm.h"

#include <array>

namespace anvil::jose {
namespace {

struct AlgorithmInfo {
  Algorithm alg;
  std::string_view name;
  crypto::DigestAlg digest;
};

constexpr std::array<AlgorithmInfo, 8> kAlgorithms = {{
    {Algorithm::kEs256, "ES256", crypto::DigestAlg::kSha256},
    {Algorithm::kEs384, "ES384", crypto::DigestAlg::kSha384},
    {Algorithm::kEs512, "ES512", crypto::DigestAlg::kSha512},
    {Algorithm::kRs256, "RS256", crypto::DigestAlg::kSha256},
    {Algorithm::kEdDsa, "EdDSA", crypto::DigestAlg::kNone},
    {Algorithm::kHs256, "HS256", crypto::DigestAlg::kSha256},
    {Algorithm::kHs384, "HS384", crypto::DigestAlg::kSha384},
    {Algorithm::kHs512, "HS512", crypto::DigestAlg::kSha512},
}};

const AlgorithmInfo& InfoFor(Algorithm a) {
  for (const auto& info : kAlgorithms) {
    if (info.alg == a) return info;
  }
  return kAlgorithms[0];  // Unreachable: every enumerator is in the table.
}

}  // namespace

std::string_view AlgorithmName(Algorithm a) { return InfoFor(a).name; }

std::optional<Algorithm> ParseAlgorithm(std::string_view name) {
  for (const auto& info : kAlgorithms) {
    if (info.name == name) return info.alg;
  }
  return std::nullopt;
}

Algorithm DefaultAlgorithm(const crypto::PublicKey& key) {
  switch (key.algorithm()) {
    case crypto::KeyAlgorithm::kEc:
      switch (*key.curve()) {
        case crypto::Curve::kP256:
          return Algorithm::kEs256;
        case crypto::Curve::kP384:
          return Algorithm::kEs384;
        case crypto::Curve::kP521:
          return Algorithm::kEs512;
      }
      break;
    case crypto::KeyAlgorithm::kRsa:
      return Algorithm::kRs256;
    case crypto::KeyAlgorithm::kEd25519:
      return Algorithm::kEdDsa;
  }
  return Algorithm::kEs256;
}

bool IsMacAlgorithm(Algorithm a) {
  return a == Algorithm::kHs256 || a == Algorithm::kHs384 || a == Algorithm::kHs512;
}

crypto::DigestAlg DigestFor(Algorithm a) { return InfoFor(a).digest; }

bool KeySupports(const crypto::PublicKey& key, Algorithm a) {
  // RFC 7518 §3.4 binds each ES* algorithm to one curve; accepting ES256 with a P-384 key would let a
  // signature be checked under a hash the signer did not choose.
  return !IsMacAlgorithm(a) && DefaultAlgorithm(key) == a;
}

std::string_view SupportedSignatureAlgorithms() { return "ES256, ES384, ES512, RS256, EdDSA"; }

}  // namespace anvil::jose
