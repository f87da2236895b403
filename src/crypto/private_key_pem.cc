// PrivateKey's PEM forms (crypto/key.h): unencrypted PKCS #8, SEC1 and PKCS #1 in; encrypted PKCS #8 in and out.
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <climits>
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

// One PEM block as PEM_read_bio_ex gives it with PEM_FLAG_SECURE: name, header and the decoded DER in the
// secure heap (crypto/secure_memory.h; the ordinary heap when it is off), the DER cleansed when freed.
class SecurePemBlock {
 public:
  SecurePemBlock() = default;
  SecurePemBlock(const SecurePemBlock&) = delete;
  SecurePemBlock& operator=(const SecurePemBlock&) = delete;
  ~SecurePemBlock() { Reset(); }

  // The next block of `bio`; false at the end or on a malformed block.
  bool ReadFrom(BIO* bio) {
    Reset();
    return PEM_read_bio_ex(bio, &name_, &header_, &data_, &len_, PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) == 1;
  }
  std::string_view name() const { return name_ == nullptr ? "" : name_; }
  std::string_view header() const { return header_ == nullptr ? "" : header_; }
  const unsigned char* data() const { return data_; }
  long length() const { return len_; }

 private:
  void Reset() {
    if (data_ != nullptr) OPENSSL_secure_clear_free(data_, static_cast<size_t>(len_));
    OPENSSL_secure_free(name_);
    OPENSSL_secure_free(header_);
    name_ = header_ = nullptr;
    data_ = nullptr;
    len_ = 0;
  }
  char* name_ = nullptr;
  char* header_ = nullptr;
  unsigned char* data_ = nullptr;
  long len_ = 0;
};

// An unencrypted key block's DER, decoded in place. OpenSSL's decoders copy the DER they read into buffers of
// their own, freed without cleansing; decoding from data (not from PEM text, which would decode the base64
// into another such buffer) and telling the decoder the structure leaves no copy behind
// (secure_memory_test).
EvpPkeyPtr DecodePlainKey(const SecurePemBlock& block) {
  const bool pkcs8 = block.name() == "PRIVATE KEY";
  const char* type = block.name() == "EC PRIVATE KEY" ? "EC" : block.name() == "RSA PRIVATE KEY" ? "RSA" : nullptr;
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<OSSL_DECODER_CTX, decltype(&OSSL_DECODER_CTX_free)> ctx(
      OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", pkcs8 ? "PrivateKeyInfo" : "type-specific", type,
                                    EVP_PKEY_KEYPAIR, nullptr, nullptr),
      OSSL_DECODER_CTX_free);
  const unsigned char* p = block.data();
  size_t len = static_cast<size_t>(block.length());
  if (!ctx || OSSL_DECODER_from_data(ctx.get(), &p, &len) != 1) return nullptr;
  return EvpPkeyPtr(raw);
}

// An "ENCRYPTED PRIVATE KEY" block (RFC 5958 §3) decrypted with `passphrase`. PKCS8_decrypt cleanses its
// plaintext, and a PKCS8_PRIV_KEY_INFO cleanses its key when freed; EVP_PKCS82PKEY re-encodes it into a
// buffer it cleanses. OpenSSL's own encrypted-PEM decoder leaves the decrypted PKCS #8 in freed memory.
EvpPkeyPtr DecryptKey(const SecurePemBlock& block, std::string_view passphrase) {
  const unsigned char* p = block.data();
  std::unique_ptr<X509_SIG, decltype(&X509_SIG_free)> sig(d2i_X509_SIG(nullptr, &p, block.length()),
                                                          X509_SIG_free);
  if (!sig || passphrase.size() > INT_MAX) return nullptr;
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> info(
      PKCS8_decrypt(sig.get(), passphrase.data(), static_cast<int>(passphrase.size())), PKCS8_PRIV_KEY_INFO_free);
  if (!info) return nullptr;
  return EvpPkeyPtr(EVP_PKCS82PKEY(info.get()));
}

// The private key of the first key block of `pem`; an encrypted PKCS #8 block only with a passphrase.
Result<PrivateKey> ReadPrivateKeyPem(std::string_view pem, const std::string_view* passphrase) {
  BioPtr bio = internal::MemBioFrom(pem);
  if (!bio) return Error(Code::kInvalidArgument, "PEM too large");
  // PEM_read_bio_PrivateKey gives up when another block comes first, as the "EC PARAMETERS" block of
  // `openssl ecparam -genkey` does; so find the key block first, then decode just that one.
  SecurePemBlock block;
  while (block.ReadFrom(bio.get())) {
    const bool encrypted = block.name() == "ENCRYPTED PRIVATE KEY";
    if (encrypted && passphrase == nullptr) {
      return Error(Code::kInvalidArgument, "the private key is encrypted and no passphrase was given");
    }
    if (!encrypted && block.name() != "PRIVATE KEY" && block.name() != "EC PRIVATE KEY" &&
        block.name() != "RSA PRIVATE KEY") {
      continue;
    }
    // Legacy encrypted PEM ("Proc-Type: 4,ENCRYPTED") is refused: only PKCS #8 encryption is read.
    if (!block.header().empty()) {
      return Error(Code::kInvalidArgument,
                   "legacy encrypted PEM (Proc-Type header) is not supported; convert it with openssl pkcs8 -topk8");
    }
    EvpPkeyPtr pkey = encrypted ? DecryptKey(block, *passphrase) : DecodePlainKey(block);
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
