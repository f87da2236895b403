#include "crypto/spki.h"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include <cstring>

#include "crypto/der.h"
#include "crypto/ossl_handles.h"

namespace anvil::crypto::internal {

Result<SpkiParts> SplitSpki(std::string_view spki_der) {
  std::string_view in = spki_der;
  auto outer = ReadDer(in);
  if (!outer || outer->tag != 0x30 || !in.empty())
    return Error(Code::kBadPublicKey, "not a SubjectPublicKeyInfo");
  std::string_view body = outer->content;
  const std::string_view algorithm_start = body;
  auto algorithm = ReadDer(body);
  if (!algorithm || algorithm->tag != 0x30) return Error(Code::kBadPublicKey, "SPKI without an algorithm");
  std::string_view algorithm_der = algorithm_start.substr(0, algorithm_start.size() - body.size());
  auto bits = ReadDer(body);
  if (!bits || bits->tag != 0x03 || bits->content.empty() || bits->content[0] != '\0' || !body.empty())
    return Error(Code::kBadPublicKey, "SPKI without a whole-octet subjectPublicKey");
  return SpkiParts{algorithm_der, bits->content.substr(1)};
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
