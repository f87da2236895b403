#include "crypto/csr.h"

#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>
#include <set>

#include "crypto/internal.h"
#include "crypto/spki.h"
#include "crypto/x509_fields.h"

namespace anvil::crypto {

using internal::Access;
using internal::BioPtr;
using internal::DrainErrors;
using internal::ErrorWithOpenSsl;
using internal::ExtensionStackPtr;
using internal::GeneralNamesPtr;
using internal::X509ExtensionPtr;
using internal::X509ReqPtr;

namespace {

int CountAttributes(X509_REQ* req, int nid) {
  int count = 0;
  for (int i = X509_REQ_get_attr_by_NID(req, nid, -1); i >= 0; i = X509_REQ_get_attr_by_NID(req, nid, i)) {
    ++count;
  }
  return count;
}

// Decodes everything a caller may ask of the request once, so that no accessor can fail later.
// `known_key` is the request's key when the caller built the request (its X509_PUBKEY then holds only DER).
Result<Csr> Decode(X509ReqPtr req, std::string der, std::optional<PublicKey> known_key = std::nullopt) {
  if (!known_key) {
    // d2i_X509_REQ decoded the key already (through OpenSSL 3's decoders, the costly part): share it.
    EVP_PKEY* embedded = X509_REQ_get0_pubkey(req.get());
    if (embedded == nullptr || EVP_PKEY_up_ref(embedded) != 1)
      return ErrorWithOpenSsl(Code::kBadCsr, "CSR public key does not decode");
    std::string spki = internal::I2d(X509_REQ_get_X509_PUBKEY(req.get()), i2d_X509_PUBKEY);
    auto key = Access::WrapPublic(internal::EvpPkeyPtr(embedded), std::move(spki));
    if (!key.ok()) return Error(Code::kBadCsr, "CSR public key: " + key.status().message());
    known_key = std::move(key).value();
  }
  auto impl = std::make_shared<Csr::Impl>(std::move(*known_key));
  impl->common_name = internal::CommonName(X509_REQ_get_subject_name(req.get()));

  // Requested extensions live in one PKCS #9 extensionRequest attribute (RFC 2986 §4.1, RFC 2985 §5.4.2);
  // OpenSSL also reads Microsoft's variant.
  int attributes = CountAttributes(req.get(), NID_ext_req) + CountAttributes(req.get(), NID_ms_ext_req);
  if (attributes > 1) return Error(Code::kBadCsr, "CSR has more than one extensionRequest attribute");
  ExtensionStackPtr exts(X509_REQ_get_extensions(req.get()));
  if (attributes == 1 && !exts) return ErrorWithOpenSsl(Code::kBadCsr, "CSR extensionRequest is malformed");
  DrainErrors();
  std::set<std::string> seen_oids;
  for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    std::string oid = internal::DottedOid(obj);
    if (!seen_oids.insert(oid).second)
      return Error(Code::kBadCsr, "CSR requests extension " + oid + " twice");
    if (OBJ_obj2nid(obj) != NID_subject_alt_name) {
      impl->other_extension_oids.push_back(std::move(oid));
      continue;
    }
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    if (!names) return ErrorWithOpenSsl(Code::kBadCsr, "CSR subjectAltName is malformed");
    internal::SanEntries san = internal::ReadSan(names.get());
    if (san.bad_ip)
      return Error(Code::kBadCsr, "CSR subjectAltName has an iPAddress that is not 4 or 16 bytes");
    impl->dns_names = std::move(san.dns_names);
    impl->ip_addresses = std::move(san.ip_addresses);
    impl->other_san_entries = std::move(san.others);
  }
  impl->req = std::move(req);
  impl->der = std::move(der);
  return Access::MakeCsr(std::move(impl));
}

}  // namespace

Result<Csr> Csr::FromDer(std::string_view der) {
  if (der.empty()) return Error(Code::kBadCsr, "empty CSR");
  const unsigned char* p = internal::Uchar(der);
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) return ErrorWithOpenSsl(Code::kBadCsr, "CSR is not a DER PKCS #10 request");
  if (p != internal::Uchar(der) + der.size()) return Error(Code::kBadCsr, "trailing data after the CSR");
  return Decode(std::move(req), std::string(der));
}

Result<Csr> Csr::FromPem(std::string_view pem) {
  BioPtr bio = internal::MemBioFrom(pem);
  if (!bio) return Error(Code::kBadCsr, "PEM too large");
  X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return ErrorWithOpenSsl(Code::kBadCsr, "no CERTIFICATE REQUEST in PEM");
  std::string der = internal::I2d(req.get(), i2d_X509_REQ);
  if (der.empty()) return ErrorWithOpenSsl(Code::kBadCsr, "cannot encode the CSR");
  return Decode(std::move(req), std::move(der));
}

Result<Csr> Csr::Create(const PrivateKey& key, const std::vector<std::string>& dns_names,
                        const std::vector<std::string>& ip_addresses, const std::string& common_name) {
  X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "X509_REQ_new failed");
  }
  if (!common_name.empty() &&
      X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return ErrorWithOpenSsl(Code::kInvalidArgument, "invalid common name \"" + common_name + "\"");
  }
  ANVIL_RETURN_IF_ERROR(internal::SetPubkeyFromSpki(X509_REQ_get_X509_PUBKEY(req.get()),
                                                     Access::Spki(key.public_key())));
  if (!dns_names.empty() || !ip_addresses.empty()) {
    ANVIL_ASSIGN_OR_RETURN(GeneralNamesPtr names, internal::BuildSan(dns_names, ip_addresses));
    ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
    X509ExtensionPtr san(X509V3_EXT_i2d(NID_subject_alt_name, 0, names.get()));
    if (!exts || !san || sk_X509_EXTENSION_push(exts.get(), san.get()) <= 0) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot build the subjectAltName extension");
    }
    (void)san.release();  // Now owned by exts.
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
      return ErrorWithOpenSsl(Code::kInternal, "X509_REQ_add_extensions failed");
    }
  }
  // md is NULL for Ed25519, which hashes internally.
  if (X509_REQ_sign(req.get(), Access::Pkey(key), internal::EvpMd(DefaultDigestFor(key.public_key()))) <= 0) {
    return ErrorWithOpenSsl(Code::kInternal, "signing the CSR failed");
  }
  std::string der = internal::I2d(req.get(), i2d_X509_REQ);
  if (der.empty()) return ErrorWithOpenSsl(Code::kInternal, "cannot encode the CSR");
  // Decoded like a received request (the same checks and fields), without parsing the DER again.
  return Decode(std::move(req), std::move(der), key.public_key());
}

bool Csr::VerifySignature() const {
  int rc = X509_REQ_verify(impl_->req.get(), Access::Pkey(impl_->public_key));
  DrainErrors();
  return rc == 1;
}

PublicKey Csr::public_key() const { return impl_->public_key; }
std::string Csr::subject_common_name() const { return impl_->common_name; }
std::vector<std::string> Csr::dns_names() const { return impl_->dns_names; }
std::vector<std::string> Csr::ip_addresses() const { return impl_->ip_addresses; }
std::vector<std::string> Csr::other_san_entries() const { return impl_->other_san_entries; }
std::vector<std::string> Csr::other_requested_extension_oids() const { return impl_->other_extension_oids; }
std::string Csr::ToDer() const { return impl_->der; }

std::string Csr::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), impl_->req.get()) != 1) {
    DrainErrors();
    return {};
  }
  return internal::MemBioContents(bio.get());
}

}  // namespace anvil::crypto
