#include "crypto/spki.h"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <cstring>

#include "crypto/der.h"
#include "crypto/internal.h"
#include "crypto/ossl_handles.h"

namespace anvil::crypto::internal {

Result<SpkiParts> SplitSpki(std::string_view spki_der) {
  std::string_view in = spki_der;
  auto outer = ReadDerOf(in, 0x30);
  if (!outer || !in.empty()) return Error(Code::kBadPublicKey, "not a SubjectPublicKeyInfo");
  std::string_view body = *outer;
  std::string_view algorithm_der;
  if (!ReadDerOf(body, 0x30, &algorithm_der)) return Error(Code::kBadPublicKey, "SPKI without an algorithm");
  auto bits = ReadDer(body);
  if (!bits || bits->tag != 0x03 || bits->content.empty() || bits->content[0] != '\0' || !body.empty())
    return Error(Code::kBadPublicKey, "SPKI without a whole-octet subjectPublicKey");
  return SpkiParts{algorithm_der, bits->content.substr(1)};
}

namespace {

using namespace std::string_view_literals;

// AlgorithmIdentifier DER of the accepted key types (RFC 5480 §2.1.1, RFC 8017 §A.1, RFC 8410 §3).
constexpr std::string_view kEcP256 =
    "\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"sv;
constexpr std::string_view kEcP384 =
    "\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04\x00\x22"sv;
constexpr std::string_view kEcP521 =
    "\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04\x00\x23"sv;
constexpr std::string_view kRsa = "\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00"sv;
constexpr std::string_view kEd25519 = "\x30\x05\x06\x03\x2b\x65\x70"sv;

EvpPkeyPtr ImportEc(const char* group, std::string_view point) {
  Result<EvpPkeyPtr> pkey = EcPublicFromPoint(group, point);
  return pkey.ok() ? std::move(pkey).value() : nullptr;
}

// A positive DER INTEGER's magnitude, without its sign octet; nullopt for a negative or empty one.
std::optional<std::string_view> PositiveInteger(std::string_view& in) {
  auto element = ReadDer(in);
  if (!element || element->tag != 0x02 || element->content.empty() ||
      (static_cast<unsigned char>(element->content[0]) & 0x80) != 0) {
    return std::nullopt;
  }
  std::string_view magnitude = element->content;
  if (magnitude.size() > 1 && magnitude[0] == '\0') magnitude.remove_prefix(1);
  return magnitude;
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1).
EvpPkeyPtr ImportRsa(std::string_view key_bits) {
  auto sequence = ReadDer(key_bits);
  if (!sequence || sequence->tag != 0x30 || !key_bits.empty()) return nullptr;
  std::string_view body = sequence->content;
  auto n = PositiveInteger(body);
  auto e = PositiveInteger(body);
  if (!n || !e || !body.empty()) return nullptr;
  if (n->size() > 16384 / 8) return nullptr;
  Result<EvpPkeyPtr> pkey = RsaPublicFromComponents(*n, *e);
  return pkey.ok() ? std::move(pkey).value() : nullptr;
}

}  // namespace

EvpPkeyPtr ImportCommonSpki(std::string_view spki_der) {
  auto parts = SplitSpki(spki_der);
  if (!parts.ok()) return nullptr;
  const std::string_view algorithm = parts->algorithm_der, bits = parts->key_bits;
  EvpPkeyPtr pkey;
  if (algorithm == kEcP256) {
    pkey = ImportEc(SN_X9_62_prime256v1, bits);
  } else if (algorithm == kEcP384) {
    pkey = ImportEc(SN_secp384r1, bits);
  } else if (algorithm == kEcP521) {
    pkey = ImportEc(SN_secp521r1, bits);
  } else if (algorithm == kRsa) {
    pkey = ImportRsa(bits);
  } else if (algorithm == kEd25519 && bits.size() == 32) {
    pkey.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Uchar(bits), bits.size()));
  }
  if (!pkey) ERR_clear_error();
  return pkey;
}

Status SetPubkeyFromSpki(X509_PUBKEY* dst, std::string_view spki_der) {
  ANVIL_ASSIGN_OR_RETURN(SpkiParts parts, SplitSpki(spki_der));
  const unsigned char* p = Uchar(parts.algorithm_der);
  X509AlgorPtr algorithm(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(parts.algorithm_der.size())));
  if (!algorithm) return ErrorWithOpenSsl(Code::kBadPublicKey, "SPKI algorithm does not decode");
  const ASN1_OBJECT* oid = nullptr;
  int parameter_type = V_ASN1_UNDEF;
  const void* parameter = nullptr;
  X509_ALGOR_get0(&oid, &parameter_type, &parameter, algorithm.get());
  // X509_PUBKEY_set0_param takes ownership of the object, the parameter and the bits: hand it copies.
  Asn1ObjectPtr oid_copy(OBJ_dup(oid));
  void* parameter_copy = nullptr;
  if (parameter_type == V_ASN1_OBJECT) {
    parameter_copy = OBJ_dup(static_cast<const ASN1_OBJECT*>(parameter));
  } else if (parameter_type != V_ASN1_UNDEF && parameter_type != V_ASN1_NULL && parameter != nullptr) {
    parameter_copy = ASN1_STRING_dup(static_cast<const ASN1_STRING*>(parameter));
  }
  bool parameter_missing =
      parameter_copy == nullptr && parameter_type != V_ASN1_UNDEF && parameter_type != V_ASN1_NULL;
  auto* bits = static_cast<unsigned char*>(OPENSSL_malloc(parts.key_bits.size() + 1));
  auto free_copies = [&] {
    if (parameter_type == V_ASN1_OBJECT) {
      ASN1_OBJECT_free(static_cast<ASN1_OBJECT*>(parameter_copy));
    } else {
      ASN1_STRING_free(static_cast<ASN1_STRING*>(parameter_copy));
    }
    OPENSSL_free(bits);
  };
  if (!oid_copy || parameter_missing || bits == nullptr) {
    free_copies();
    return ErrorWithOpenSsl(Code::kInternal, "cannot copy the SPKI");
  }
  std::memcpy(bits, parts.key_bits.data(), parts.key_bits.size());
  // set0 fails only when it cannot allocate the parameter's ASN1_TYPE, and then it has taken nothing.
  if (X509_PUBKEY_set0_param(dst, oid_copy.get(), parameter_type, parameter_copy, bits,
                             static_cast<int>(parts.key_bits.size())) != 1) {
    free_copies();
    return ErrorWithOpenSsl(Code::kInternal, "X509_PUBKEY_set0_param failed");
  }
  (void)oid_copy.release();  // Now owned by dst.
  return Status::Ok();
}

}  // namespace anvil::crypto::internal
