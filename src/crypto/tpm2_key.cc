// Keys in a TPM through OpenSSL's tpm2 provider (crypto/tpm2_key.h).
//
// Why the key the rest of crypto/ sees is a legacy EC_KEY / RSA with a method of our own, and not the
// provider's EVP_PKEY itself: every signing call in crypto/ (EVP_DigestSignInit, X509_REQ_sign, ...) runs in
// the default library context. For a provider key, OpenSSL 3.0 fetches the signature algorithm there first
// (the default provider's ECDSA), exports the key to it — the tpm2 provider exports the public half and
// succeeds — and the signature then fails with "missing private key". OpenSSL reaches the key's own provider
// only when that export fails, which the tpm2 provider never lets happen; tpm2-openssl's answer is a
// property query ("?provider=tpm2") on every call, which would change every signing path. A key whose
// EC_KEY_METHOD / RSA_METHOD is not OpenSSL's is "foreign": OpenSSL signs it through the legacy path, which
// calls the method — the mechanism libp11's engine keys (crypto/pkcs11_key.cc) use. Our method hands the
// digest to the provider key (EVP_PKEY_sign in the key's own library context, "provider=tpm2"), and the TPM
// signs it (TPM2_Sign). The legacy method APIs are deprecated in OpenSSL 3, so this file, like
// pkcs11_key.cc, is built without deprecation warnings (crypto/CMakeLists.txt).
//
// Each key owns a Tpm2Session (its library context, provider instance and provider key), attached to the
// EC_KEY / RSA as ex_data, shared with any copy OpenSSL makes of it and freed with the last; the session's
// mutex serialises the provider's ESYS context, which tpm2-openssl 1.1.1 does not lock. Thread-safety: as
// the header says; the process-wide state (the two methods, the ex_data indexes, the environment lock) is
// made once under C++ static initialisation.
#include "crypto/tpm2_key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "crypto/internal.h"

namespace anvil::crypto {

using internal::Access;
using internal::BignumPtr;
using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;
using internal::ParamPtr;

namespace {

constexpr std::string_view kScheme = "handle:";
constexpr uint32_t kPersistentFirst = 0x81000000;
constexpr uint32_t kPersistentLast = 0x81FFFFFF;

// One tpm2 provider instance (one TPM connection) and the key loaded through it.
struct Tpm2Session {
  Tpm2Session() = default;
  Tpm2Session(const Tpm2Session&) = delete;
  Tpm2Session& operator=(const Tpm2Session&) = delete;
  ~Tpm2Session() {
    EVP_PKEY_free(key);
    if (provider != nullptr) OSSL_PROVIDER_unload(provider);
    OSSL_LIB_CTX_free(libctx);
  }

  // The TPM's signature of `digest` (already hashed with `digest_name`): DER ECDSA-Sig-Value or the RSA
  // PKCS #1 v1.5 signature. Errors are left in OpenSSL's queue.
  std::optional<std::string> Sign(const char* digest_name, const unsigned char* digest, size_t length) {
    std::lock_guard lock(mu);
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(libctx, key, "provider=tpm2"));
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, const_cast<char*>(digest_name), 0),
        OSSL_PARAM_construct_end()};
    size_t size = 0;
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_params(ctx.get(), params) != 1 ||
        EVP_PKEY_sign(ctx.get(), nullptr, &size, digest, length) != 1) {
      return std::nullopt;
    }
    std::string signature(size, '\0');
    if (EVP_PKEY_sign(ctx.get(), internal::Uchar(signature), &size, digest, length) != 1) return std::nullopt;
    signature.resize(size);
    return signature;
  }

  std::mutex mu;  // one TPM command at a time on this connection
  OSSL_LIB_CTX* libctx = nullptr;
  OSSL_PROVIDER* provider = nullptr;
  EVP_PKEY* key = nullptr;
};

// The ex_data of a TPM key: a shared_ptr, so that a copy OpenSSL makes of the EC_KEY / RSA (EC_KEY_dup copies
// ex_data pointers) shares the session instead of freeing it twice.
using SessionRef = std::shared_ptr<Tpm2Session>;

void FreeSession(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
                 void* /*argp*/) {
  delete static_cast<SessionRef*>(ptr);  // called for every EC_KEY / RSA freed: ptr is null for the others
}

int DupSession(CRYPTO_EX_DATA* /*to*/, const CRYPTO_EX_DATA* /*from*/, void** from_d, int /*idx*/,
               long /*argl*/, void* /*argp*/) {
  if (*from_d != nullptr) *from_d = new SessionRef(*static_cast<SessionRef*>(*from_d));
  return 1;
}

int EcSessionIndex() {
  static const int index = EC_KEY_get_ex_new_index(0, nullptr, nullptr, DupSession, FreeSession);
  return index;
}

int RsaSessionIndex() {
  static const int index = RSA_get_ex_new_index(0, nullptr, nullptr, DupSession, FreeSession);
  return index;
}

Tpm2Session* SessionOf(void* ex_data) {
  return ex_data != nullptr ? static_cast<SessionRef*>(ex_data)->get() : nullptr;
}

// The digest a signature is over, by its length (ECDSA's callbacks are not told which digest it is).
const char* DigestNameForLength(int length) {
  switch (length) {
    case 32:
      return "SHA256";
    case 48:
      return "SHA384";
    case 64:
      return "SHA512";
    default:
      return nullptr;
  }
}

std::optional<std::string> EcSignDer(const unsigned char* digest, int length, EC_KEY* ec) {
  Tpm2Session* session = SessionOf(EC_KEY_get_ex_data(ec, EcSessionIndex()));
  const char* name = DigestNameForLength(length);
  if (session == nullptr || name == nullptr || length < 0) {
    ERR_raise_data(ERR_LIB_EC, ERR_R_INTERNAL_ERROR, "TPM key without its session, or digest of %d bytes",
                   length);
    return std::nullopt;
  }
  return session->Sign(name, digest, static_cast<size_t>(length));
}

// EC_KEY_METHOD sign: the DER signature into `sig` (ECDSA_size(ec) bytes).
int EcSign(int /*type*/, const unsigned char* digest, int length, unsigned char* sig, unsigned int* siglen,
           const BIGNUM* /*kinv*/, const BIGNUM* /*r*/, EC_KEY* ec) {
  std::optional<std::string> der = EcSignDer(digest, length, ec);
  if (!der || der->size() > static_cast<size_t>(ECDSA_size(ec))) return 0;
  std::memcpy(sig, der->data(), der->size());
  *siglen = static_cast<unsigned int>(der->size());
  return 1;
}

// EC_KEY_METHOD sign_sig: the same signature as an ECDSA_SIG.
ECDSA_SIG* EcSignSig(const unsigned char* digest, int length, const BIGNUM* /*kinv*/, const BIGNUM* /*r*/,
                     EC_KEY* ec) {
  std::optional<std::string> der = EcSignDer(digest, length, ec);
  if (!der) return nullptr;
  const unsigned char* p = internal::Uchar(*der);
  return d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der->size()));
}

// RSA_METHOD sign (PKCS #1 v1.5, RSA_sign's contract): `type` is the digest's NID, `m` the digest.
int RsaSign(int type, const unsigned char* m, unsigned int m_len, unsigned char* sigret, unsigned int* siglen,
            const RSA* rsa) {
  Tpm2Session* session = SessionOf(RSA_get_ex_data(rsa, RsaSessionIndex()));
  const char* name = nullptr;
  if (type == NID_sha256) name = "SHA256";
  if (type == NID_sha384) name = "SHA384";
  if (type == NID_sha512) name = "SHA512";
  if (session == nullptr || name == nullptr) {
    ERR_raise_data(ERR_LIB_RSA, ERR_R_INTERNAL_ERROR, "TPM key without its session, or digest NID %d", type);
    return 0;
  }
  std::optional<std::string> signature = session->Sign(name, m, m_len);
  if (!signature || signature->size() > static_cast<size_t>(RSA_size(rsa))) return 0;
  std::memcpy(sigret, signature->data(), signature->size());
  *siglen = static_cast<unsigned int>(signature->size());
  return 1;
}

// The methods, made once and never freed (keys refer to them until they are freed themselves).
const EC_KEY_METHOD* TpmEcMethod() {
  static const EC_KEY_METHOD* const method = [] {
    EC_KEY_METHOD* m = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    if (m == nullptr) return static_cast<EC_KEY_METHOD*>(nullptr);
    int (*sign_setup)(EC_KEY*, BN_CTX*, BIGNUM**, BIGNUM**) = nullptr;
    EC_KEY_METHOD_get_sign(m, nullptr, &sign_setup, nullptr);
    EC_KEY_METHOD_set_sign(m, EcSign, sign_setup, EcSignSig);
    return m;
  }();
  return method;
}

const RSA_METHOD* TpmRsaMethod() {
  static const RSA_METHOD* const method = [] {
    RSA_METHOD* m = RSA_meth_dup(RSA_PKCS1_OpenSSL());
    if (m == nullptr) return static_cast<RSA_METHOD*>(nullptr);
    RSA_meth_set1_name(m, "anvil TPM 2.0 key");
    RSA_meth_set_sign(m, RsaSign);
    return m;
  }();
  return method;
}

// The OpenSSL errors of this thread with their data (the tpm2 provider puts the decoded TPM response code
// there), oldest first; the queue is emptied.
std::string TakeErrors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0')
      out += std::string(" (") + data + ")";
  }
  return out;
}

// Starts the tpm2 provider in a library context of its own, connected to `tcti`. The provider reads
// TPM2OPENSSL_TCTI in its init function, and only there (tpm2_key.h): set for the call, then restored.
Status StartProvider(Tpm2Session& session, std::string_view tcti) {
  static std::mutex env_mu;
  session.libctx = OSSL_LIB_CTX_new();
  if (session.libctx == nullptr)
    return internal::ErrorWithOpenSsl(Code::kInternal, "OSSL_LIB_CTX_new failed");
  std::lock_guard lock(env_mu);
  const char* previous_raw = std::getenv("TPM2OPENSSL_TCTI");
  const std::optional<std::string> previous =
      previous_raw != nullptr ? std::optional<std::string>(previous_raw) : std::nullopt;
  if (tcti.empty()) {
    ::unsetenv("TPM2OPENSSL_TCTI");
  } else {
    ::setenv("TPM2OPENSSL_TCTI", std::string(tcti).c_str(), 1);
  }
  session.provider = OSSL_PROVIDER_load(session.libctx, "tpm2");
  if (previous) {
    ::setenv("TPM2OPENSSL_TCTI", previous->c_str(), 1);
  } else {
    ::unsetenv("TPM2OPENSSL_TCTI");
  }
  if (session.provider == nullptr) {
    const std::string where = tcti.empty() ? "the default TPM" : "TPM \"" + std::string(tcti) + "\"";
    return Status(Code::kUnavailable,
                  "cannot start OpenSSL's tpm2 provider for " + where +
                      " (is tpm2-openssl installed, and does the TPM answer?): " + TakeErrors());
  }
  return Status::Ok();
}

// The provider's key at `uri` (session.key), through OSSL_STORE in the session's library context.
Status LoadProviderKey(Tpm2Session& session, const std::string& uri) {
  OSSL_STORE_CTX* store = OSSL_STORE_open_ex(uri.c_str(), session.libctx, "provider=tpm2", nullptr, nullptr,
                                             nullptr, nullptr, nullptr);
  if (store == nullptr)
    return Status(Code::kUnavailable, "the tpm2 provider cannot open " + uri + ": " + TakeErrors());
  while (session.key == nullptr && OSSL_STORE_eof(store) == 0) {
    OSSL_STORE_INFO* info = OSSL_STORE_load(store);
    if (info == nullptr) break;
    if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY) session.key = OSSL_STORE_INFO_get1_PKEY(info);
    OSSL_STORE_INFO_free(info);
  }
  OSSL_STORE_close(store);
  if (session.key != nullptr) {
    ERR_clear_error();
    return Status::Ok();
  }
  const std::string errors = TakeErrors();
  if (errors.find("tpm:handle(") != std::string::npos) {
    return Status(Code::kNotFound, "no key at TPM " + uri + ": " + errors);
  }
  return Status(Code::kUnavailable, "cannot load the TPM key " + uri + (errors.empty() ? "" : ": " + errors));
}

// A legacy EC_KEY or RSA with the TPM methods, holding the provider key's public half and `session`.
Result<EvpPkeyPtr> ForeignKey(std::unique_ptr<Tpm2Session> session, const std::string& uri) {
  OSSL_PARAM* raw_params = nullptr;
  if (EVP_PKEY_todata(session->key, EVP_PKEY_PUBLIC_KEY, &raw_params) != 1) {
    return internal::ErrorWithOpenSsl(Code::kInvalidArgument, "cannot read the public key of " + uri);
  }
  ParamPtr params(raw_params);
  EvpPkeyPtr pkey(EVP_PKEY_new());
  if (!pkey) return internal::ErrorWithOpenSsl(Code::kInternal, "EVP_PKEY_new failed");

  if (EVP_PKEY_is_a(session->key, "EC")) {
    const OSSL_PARAM* group = OSSL_PARAM_locate_const(params.get(), OSSL_PKEY_PARAM_GROUP_NAME);
    const OSSL_PARAM* point = OSSL_PARAM_locate_const(params.get(), OSSL_PKEY_PARAM_PUB_KEY);
    const char* group_name = nullptr;
    const void* point_data = nullptr;
    size_t point_size = 0;
    if (group == nullptr || point == nullptr || OSSL_PARAM_get_utf8_string_ptr(group, &group_name) != 1 ||
        OSSL_PARAM_get_octet_string_ptr(point, &point_data, &point_size) != 1) {
      return internal::ErrorWithOpenSsl(Code::kInvalidArgument,
                                        "the EC key " + uri + " has no group or point");
    }
    const int nid = OBJ_sn2nid(group_name);
    std::unique_ptr<EC_KEY, internal::Deleter<EC_KEY_free>> ec(EC_KEY_new_by_curve_name(nid));
    if (!ec || EC_KEY_set_method(ec.get(), TpmEcMethod()) != 1 ||
        EC_KEY_oct2key(ec.get(), static_cast<const unsigned char*>(point_data), point_size, nullptr) != 1) {
      return internal::ErrorWithOpenSsl(Code::kInvalidArgument,
                                        "the EC key " + uri + " (" + group_name + ") is not usable");
    }
    EC_KEY_set_ex_data(ec.get(), EcSessionIndex(),
                       new SessionRef(std::move(session)));  // freed with the EC_KEY
    if (EVP_PKEY_assign_EC_KEY(pkey.get(), ec.get()) != 1) {
      return internal::ErrorWithOpenSsl(Code::kInternal, "EVP_PKEY_assign_EC_KEY failed");
    }
    ec.release();  // owned by pkey
    return pkey;
  }
  if (EVP_PKEY_is_a(session->key, "RSA")) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    const OSSL_PARAM* pn = OSSL_PARAM_locate_const(params.get(), OSSL_PKEY_PARAM_RSA_N);
    const OSSL_PARAM* pe = OSSL_PARAM_locate_const(params.get(), OSSL_PKEY_PARAM_RSA_E);
    const bool got =
        pn != nullptr && pe != nullptr && OSSL_PARAM_get_BN(pn, &n) == 1 && OSSL_PARAM_get_BN(pe, &e) == 1;
    BignumPtr bn(n), be(e);
    std::unique_ptr<RSA, internal::Deleter<RSA_free>> rsa(RSA_new());
    if (!got || !rsa || RSA_set_method(rsa.get(), TpmRsaMethod()) != 1 ||
        RSA_set0_key(rsa.get(), bn.get(), be.get(), nullptr) != 1) {
      return internal::ErrorWithOpenSsl(Code::kInvalidArgument, "the RSA key " + uri + " is not usable");
    }
    bn.release();  // owned by rsa
    be.release();
    RSA_set_ex_data(rsa.get(), RsaSessionIndex(), new SessionRef(std::move(session)));  // freed with the RSA
    if (EVP_PKEY_assign_RSA(pkey.get(), rsa.get()) != 1) {
      return internal::ErrorWithOpenSsl(Code::kInternal, "EVP_PKEY_assign_RSA failed");
    }
    rsa.release();
    return pkey;
  }
  return Error(Code::kInvalidArgument, "the TPM key " + uri + " is neither EC nor RSA");
}

}  // namespace

bool IsTpm2HandleUri(std::string_view text) { return text.substr(0, kScheme.size()) == kScheme; }

Status CheckTpm2HandleUri(std::string_view uri) {
  const auto bad = [&](const std::string& why) {
    return Status(Code::kInvalidArgument, "TPM key URI \"" + std::string(uri) + "\": " + why);
  };
  if (!IsTpm2HandleUri(uri)) return bad("must start with handle: (a TPM persistent handle)");
  std::string_view hex = uri.substr(kScheme.size());
  if (hex.find('?') != std::string_view::npos)
    return bad("keys with an authorization value (?pass) are not supported");
  if (hex.substr(0, 2) == "0x" || hex.substr(0, 2) == "0X") hex.remove_prefix(2);
  if (hex.empty() || hex.size() > 8 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
    return bad("the handle must be hexadecimal, e.g. handle:0x81000010");
  }
  const uint32_t handle = static_cast<uint32_t>(std::stoul(std::string(hex), nullptr, 16));
  if (handle < kPersistentFirst || handle > kPersistentLast) {
    return bad("not a persistent handle (0x81000000-0x81ffffff)");
  }
  return Status::Ok();
}

Result<PrivateKey> LoadTpm2Key(std::string_view handle_uri, std::string_view tcti) {
  ANVIL_RETURN_IF_ERROR(CheckTpm2HandleUri(handle_uri));
  if (TpmEcMethod() == nullptr || TpmRsaMethod() == nullptr || EcSessionIndex() < 0 ||
      RsaSessionIndex() < 0) {
    return internal::ErrorWithOpenSsl(Code::kInternal, "cannot set up the TPM key methods");
  }
  const std::string uri(handle_uri);
  internal::DrainErrors();
  auto session = std::make_unique<Tpm2Session>();
  ANVIL_RETURN_IF_ERROR(StartProvider(*session, tcti));
  ANVIL_RETURN_IF_ERROR(LoadProviderKey(*session, uri));
  ANVIL_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, ForeignKey(std::move(session), uri));
  Result<PrivateKey> key = Access::WrapPrivate(std::move(pkey), /*in_token=*/true);
  if (!key.ok()) return Error(key.status().code(), uri + ": " + key.status().message());
  return key;
}

}  // namespace anvil::crypto
