// PrivateKey's PEM forms (crypto/key.h): unencrypted PKCS #8, SEC1 and PKCS #1 in; encrypted PKCS #8 in and out.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <climits>
#include <cstring>
#include <memory>

#include "crypto/internal.h"
#include "crypto/key.h"

namespace anvil::crypto {

using internal::Access;
using internal::BioPtr;
using internal::DrainErrors;
using internal::ErrorWithOpenSsl;
using internal::EvpPkeyPtr;

namespace {

struct OpenSslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};

int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

// Hands OpenSSL the passphrase `u` points to (a std::string_view); refuses when it does not fit.
int GivenPassphrase(char* buf, int size, int /*rwflag*/, void* u) {
  const std::string_view* passphrase = static_cast<const std::string_view*>(u);
  if (passphrase == nullptr || passphrase->size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, passphrase->data(), passphrase->size());
  return static_cast<int>(passphrase->size());
}

// The private key of the first key block of `pem`; an encrypted PKCS #8 block only with a passphrase.
Result<PrivateKey> ReadPrivateKeyPem(std::string_view pem, const std::string_view* passphrase) {
  BioPtr bio = internal::MemBioFrom(pem);
  if (!bio) return Error(Code::kInvalidArgument, "PEM too large");
  // PEM_read_bio_PrivateKey gives up when another block comes first, as the "EC PARAMETERS" block of
  // `openssl ecparam -genkey` does; so find the key block first, then decode just that one.
  while (true) {
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* data_raw = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name_raw, &header_raw, &data_raw, &len) != 1) break;
    std::unique_ptr<char, OpenSslFree> name(name_raw), header(header_raw);
    std::unique_ptr<unsigned char, OpenSslFree> data(data_raw);
    std::string_view block(name.get());
    const bool encrypted = block == "ENCRYPTED PRIVATE KEY";
    if (encrypted && passphrase == nullptr) {
      return Error(Code::kInvalidArgument, "the private key is encrypted and no passphrase was given");
    }
    if (!encrypted && block != "PRIVATE KEY" && block != "EC PRIVATE KEY" && block != "RSA PRIVATE KEY") continue;
    BioPtr one(BIO_new(BIO_s_mem()));
    if (!one || PEM_write_bio(one.get(), name.get(), header.get(), data.get(), len) <= 0) break;
    OPENSSL_cleanse(data.get(), static_cast<size_t>(len));
    // Legacy encrypted keys ("Proc-Type: 4,ENCRYPTED") are refused by NoPassphrase instead of OpenSSL
    // prompting on the terminal.
    EvpPkeyPtr pkey(encrypted ? PEM_read_bio_PrivateKey(one.get(), nullptr, GivenPassphrase,
                                                        const_cast<std::string_view*>(passphrase))
                              : PEM_read_bio_PrivateKey(one.get(), nullptr, NoPassphrase, nullptr));
    if (!pkey) {
      if (encrypted) return ErrorWithOpenSsl(Code::kInvalidArgument, "wrong passphrase, or a damaged encrypted key");
      break;
    }
    DrainErrors();
    return Access::WrapPrivate(std::move(pkey));
  }
  return ErrorWithOpenSsl(Code::kInvalidArgument, "no private key in PEM");
}

}  // namespace

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) { return ReadPrivateKeyPem(pem, nullptr); }

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem, std::string_view passphrase) {
  return ReadPrivateKeyPem(pem, &passphrase);
}

Result<std::string> PrivateKey::ToEncryptedPem(std::string_view passphrase) const {
  if (impl_->in_token) {
    return Error(Code::kInvalidArgument, "the private key is in a PKCS #11 token and cannot be exported");
  }
  if (passphrase.empty() || passphrase.size() > INT_MAX) {
    return Error(Code::kInvalidArgument, "an encrypted key needs a non-empty passphrase");
  }
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> info(
      EVP_PKEY2PKCS8(impl_->pkey.get()), PKCS8_PRIV_KEY_INFO_free);
  if (!info) return ErrorWithOpenSsl(Code::kInternal, "PKCS #8 encoding failed");
  // PBES2 (RFC 8018 §6.2): AES-256-CBC under a PBKDF2-HMAC-SHA256 key with a random salt.
  std::unique_ptr<X509_SIG, decltype(&X509_SIG_free)> encrypted(
      PKCS8_encrypt(-1, EVP_aes_256_cbc(), passphrase.data(), static_cast<int>(passphrase.size()), nullptr, 0,
                    kPbkdf2Iterations, info.get()),
      X509_SIG_free);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!encrypted || !bio || PEM_write_bio_PKCS8(bio.get(), encrypted.get()) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "encrypting the private key failed");
  }
  return internal::MemBioContents(bio.get());
}

std::string PrivateKey::ToPem() const {
  if (impl_->in_token) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  // PEM_write_bio_PrivateKey writes PKCS #8 ("PRIVATE KEY"), unencrypted without a cipher.
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    DrainErrors();
    return {};
  }
  return internal::MemBioContents(bio.get());
}

void Cleanse(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace anvil::crypto
