#include "crypto/key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <climits>
#include <cstring>

#include <string.h>

#include "crypto/der.h"
#include "crypto/internal.h"
#include "crypto/spki.h"

namespace anvil::crypto {

using internal::Access;
using internal::BignumPtr;
using internal::BioPtr;
using internal::DrainErrors;
using internal::EcdsaSigPtr;
using internal::ErrorWithOpenSsl;
using internal::EvpMdCtxPtr;
using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;
using internal::ParamBldPtr;
using internal::ParamPtr;
using internal::Uchar;

namespace {

using namespace std::string_view_literals;

struct CurveInfo {
  Curve curve;
  std::string_view jose_name;
  const char* ossl_group;  // OpenSSL's short name, as OSSL_PKEY_PARAM_GROUP_NAME reports it.
  int nid;
  size_t coordinate_length;
  int bits;
  std::string_view oid_der;  // the namedCurve OBJECT IDENTIFIER, DER (RFC 5480 §2.1.1.1)
};

constexpr std::array<CurveInfo, 3> kCurves = {{
    {Curve::kP256, "P-256", "prime256v1", NID_X9_62_prime256v1, 32, 256,
     "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"sv},  // 1.2.840.10045.3.1.7
    {Curve::kP384, "P-384", "secp384r1", NID_secp384r1, 48, 384, "\x06\x05\x2b\x81\x04\x00\x22"sv},  // 1.3.132.0.34
    {Curve::kP521, "P-521", "secp521r1", NID_secp521r1, 66, 521, "\x06\x05\x2b\x81\x04\x00\x23"sv},  // 1.3.132.0.35
}};

// AlgorithmIdentifier contents, DER: id-ecPublicKey (RFC 5480 §2.1.1; the curve OID follows), rsaEncryption
// with NULL parameters (RFC 3279 §2.3.1), id-Ed25519 without parameters (RFC 8410 §3).
constexpr std::string_view kIdEcPublicKey = "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01"sv;  // 1.2.840.10045.2.1
constexpr std::string_view kRsaEncryption =
    "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00"sv;  // 1.2.840.113549.1.1.1, NULL
constexpr std::string_view kIdEd25519 = "\x06\x03\x2b\x65\x70"sv;  // 1.3.101.112

const CurveInfo& InfoFor(Curve c) {
  for (const auto& info : kCurves) {
    if (info.curve == c) return info;
  }
  return kCurves[0];  // Unreachable: every enumerator is in the table.
}

struct KeyTypeInfo {
  KeyType type;
  std::string_view name;
};

constexpr std::array<KeyTypeInfo, 7> kKeyTypes = {{
    {KeyType::kEcP256, "ec256"},
    {KeyType::kEcP384, "ec384"},
    {KeyType::kEcP521, "ec521"},
    {KeyType::kRsa2048, "rsa2048"},
    {KeyType::kRsa3072, "rsa3072"},
    {KeyType::kRsa4096, "rsa4096"},
    {KeyType::kEd25519, "ed25519"},
}};

// The curve of an EC key from its group name; nullopt for explicit parameters or other curves.
std::optional<Curve> CurveOf(EVP_PKEY* pkey) {
  std::array<char, 64> name{};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(), &len) != 1) {
    DrainErrors();
    return std::nullopt;
  }
  int nid = OBJ_txt2nid(name.data());
  if (nid == NID_undef) nid = EC_curve_nist2nid(name.data());
  for (const auto& info : kCurves) {
    if (info.nid == nid) return info.curve;
  }
  return std::nullopt;
}

std::string_view StripLeadingZeros(std::string_view s) {
  while (!s.empty() && s.front() == '\0') s.remove_prefix(1);
  return s;
}

BignumPtr BignumFrom(std::string_view bytes) {
  return BignumPtr(BN_bin2bn(Uchar(bytes), static_cast<int>(bytes.size()), nullptr));
}

// EVP_PKEY_fromdata of public parameters; nullptr (OpenSSL's reason in its error queue) when refused.
EvpPkeyPtr PublicFromData(const char* type, OSSL_PARAM* params) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  return EvpPkeyPtr(raw);
}

// Validates the digest/key pairing: EdDSA hashes internally (kNone only); the others need a digest.
bool DigestFits(KeyAlgorithm alg, DigestAlg digest) {
  return (alg == KeyAlgorithm::kEd25519) == (digest == DigestAlg::kNone);
}

KeyAlgorithm AlgorithmOf(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
      return KeyAlgorithm::kEc;
    case EVP_PKEY_RSA:
      return KeyAlgorithm::kRsa;
    default:
      return KeyAlgorithm::kEd25519;
  }
}

bool IsSupportedType(EVP_PKEY* pkey) {
  int id = EVP_PKEY_get_base_id(pkey);
  return id == EVP_PKEY_EC || id == EVP_PKEY_RSA || id == EVP_PKEY_ED25519;
}

// The SubjectPublicKeyInfo DER of a supported key, built from its parameters (i2d_PUBKEY would run an
// OpenSSL 3 encoder set-up, about 0.06 ms; key_test checks the two agree byte for byte).
Result<std::string> BuildSpki(EVP_PKEY* pkey, KeyAlgorithm algorithm, std::optional<Curve> curve) {
  using internal::DerTlv;
  std::string algorithm_id;
  std::string bits;
  switch (algorithm) {
    case KeyAlgorithm::kEc: {
      size_t len = 0;
      if (!curve || EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len) != 1) {
        return ErrorWithOpenSsl(Code::kBadPublicKey, "cannot read the EC point");
      }
      bits.resize(len);
      if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, Uchar(bits), len, &len) != 1) {
        return ErrorWithOpenSsl(Code::kBadPublicKey, "cannot read the EC point");
      }
      bits.resize(len);
      algorithm_id = DerTlv(0x30, std::string(kIdEcPublicKey) + std::string(InfoFor(*curve).oid_der));
      break;
    }
    case KeyAlgorithm::kRsa: {
      BIGNUM* n = nullptr;
      BIGNUM* e = nullptr;
      bool ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
                EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1;
      BignumPtr bn(n), be(e);
      if (!ok) return ErrorWithOpenSsl(Code::kBadPublicKey, "cannot read the RSA components");
      auto magnitude = [](const BIGNUM* b) {
        std::string out(static_cast<size_t>(BN_num_bytes(b)), '\0');
        BN_bn2bin(b, Uchar(out));
        return out;
      };
      // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1)
      bits = DerTlv(0x30, internal::DerUnsignedInteger(magnitude(bn.get())) +
                              internal::DerUnsignedInteger(magnitude(be.get())));
      algorithm_id = DerTlv(0x30, kRsaEncryption);
      break;
    }
    case KeyAlgorithm::kEd25519: {
      bits.resize(32);
      size_t len = bits.size();
      if (EVP_PKEY_get_raw_public_key(pkey, Uchar(bits), &len) != 1 || len != 32) {
        return ErrorWithOpenSsl(Code::kBadPublicKey, "cannot read the Ed25519 key");
      }
      algorithm_id = DerTlv(0x30, kIdEd25519);
      break;
    }
  }
  return DerTlv(0x30, algorithm_id + DerTlv(0x03, std::string(1, '\0') + bits));
}

int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

// Zeroes the stack below the caller's frame, where the signing it just returned from left temporaries
// derived from the private key (OpenSSL's Montgomery multiplication keeps its operands in stack buffers):
// a thread's stack stays in its mapping, dumpable, after the call. 8 KiB is deeper than any signing's
// frames measured (secure_memory_test) and far less than a fiber's stack (base/fiber.h).
[[gnu::noinline]] void WipeStackBelow() {
  volatile unsigned char area[8192];
  explicit_bzero(const_cast<unsigned char*>(area), sizeof area);
}

}  // namespace

Result<PublicKey> internal::Access::WrapPublic(EvpPkeyPtr pkey, std::string spki_der) {
  if (!pkey || !IsSupportedType(pkey.get())) {
    return Error(Code::kBadPublicKey,
                 "unsupported public key type (want EC P-256/P-384/P-521, RSA or Ed25519)");
  }
  auto impl = std::make_shared<PublicKey::Impl>();
  impl->algorithm = AlgorithmOf(pkey.get());
  if (impl->algorithm == KeyAlgorithm::kEc) {
    impl->curve = CurveOf(pkey.get());
    if (!impl->curve) return Error(Code::kBadPublicKey, "unsupported EC curve (want P-256, P-384 or P-521)");
    // Every import path ends here, so this one check keeps off-curve points (invalid-curve attacks) out.
    // The quick check (on the curve, not infinity) suffices: the NIST prime curves have cofactor 1.
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!ctx || EVP_PKEY_public_check_quick(ctx.get()) != 1) {
      return ErrorWithOpenSsl(Code::kBadPublicKey, "EC point is not on the curve");
    }
  }
  if (spki_der.empty()) {
    ANVIL_ASSIGN_OR_RETURN(spki_der, BuildSpki(pkey.get(), impl->algorithm, impl->curve));
  }
  impl->spki_der = std::move(spki_der);
  impl->pkey = std::move(pkey);
  return PublicKey(std::move(impl));
}

Result<PrivateKey> internal::Access::WrapPrivate(EvpPkeyPtr pkey, bool in_token) {
  if (!pkey || !IsSupportedType(pkey.get())) {
    return Error(Code::kInvalidArgument,
                 "unsupported private key type (want EC P-256/P-384/P-521, RSA or Ed25519)");
  }
  // The public half is copied into its own object through its parameters (no encoder or decoder), so a
  // PublicKey never carries private material.
  OSSL_PARAM* raw_params = nullptr;
  if (EVP_PKEY_todata(pkey.get(), EVP_PKEY_PUBLIC_KEY, &raw_params) != 1)
    return ErrorWithOpenSsl(Code::kInvalidArgument, "cannot export the public key");
  ParamPtr params(raw_params);
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, EVP_PKEY_get0_type_name(pkey.get()), nullptr));
  EVP_PKEY* raw_public = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw_public, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return ErrorWithOpenSsl(Code::kInvalidArgument, "cannot import the public key");
  }
  auto pub = WrapPublic(EvpPkeyPtr(raw_public));
  if (!pub.ok()) return Error(Code::kInvalidArgument, "private key: " + pub.status().message());
  auto impl =
      std::make_shared<PrivateKey::Impl>(PrivateKey::Impl{std::move(pkey), std::move(pub).value(), in_token});
  return PrivateKey(std::move(impl));
}

Result<KeyType> ParseKeyType(std::string_view s) {
  for (const auto& info : kKeyTypes) {
    if (info.name == s) return info.type;
  }
  return Error(Code::kInvalidArgument,
               "unknown key type \"" + std::string(s) +
                   "\" (want ec256, ec384, ec521, rsa2048, rsa3072, rsa4096 or ed25519)");
}

std::string_view KeyTypeName(KeyType t) {
  for (const auto& info : kKeyTypes) {
    if (info.type == t) return info.name;
  }
  return "unknown";
}

std::string_view CurveName(Curve c) { return InfoFor(c).jose_name; }
size_t CurveCoordinateLength(Curve c) { return InfoFor(c).coordinate_length; }

Result<EvpPkeyPtr> internal::EcPublicFromPoint(const char* ossl_group, std::string_view point) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(ossl_group), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<char*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end()};
  EvpPkeyPtr pkey = PublicFromData("EC", params);
  if (!pkey) return ErrorWithOpenSsl(Code::kBadPublicKey, "invalid EC public key");
  return pkey;
}

Result<EvpPkeyPtr> internal::RsaPublicFromComponents(std::string_view n, std::string_view e) {
  BignumPtr bn_n = BignumFrom(n), bn_e = BignumFrom(e);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "OSSL_PARAM_BLD failed");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return ErrorWithOpenSsl(Code::kInternal, "OSSL_PARAM_BLD failed");
  EvpPkeyPtr pkey = PublicFromData("RSA", params.get());
  if (!pkey) return ErrorWithOpenSsl(Code::kBadPublicKey, "invalid RSA public key");
  return pkey;
}

// --- PublicKey ---

Result<PublicKey> PublicKey::FromDer(std::string_view spki_der) {
  if (spki_der.empty()) return Error(Code::kBadPublicKey, "empty SubjectPublicKeyInfo");
  if (EvpPkeyPtr common = internal::ImportCommonSpki(spki_der)) {
    return Access::WrapPublic(std::move(common), std::string(spki_der));
  }
  const unsigned char* p = Uchar(spki_der);
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!pkey) return ErrorWithOpenSsl(Code::kBadPublicKey, "invalid SubjectPublicKeyInfo");
  if (p != Uchar(spki_der) + spki_der.size()) {
    return Error(Code::kBadPublicKey, "trailing data after SubjectPublicKeyInfo");
  }
  return Access::WrapPublic(std::move(pkey));
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  BioPtr bio = internal::MemBioFrom(pem);
  if (!bio) return Error(Code::kBadPublicKey, "PEM too large");
  EvpPkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!pkey) return ErrorWithOpenSsl(Code::kBadPublicKey, "no PUBLIC KEY in PEM");
  return Access::WrapPublic(std::move(pkey));
}

Result<PublicKey> PublicKey::FromEcPoint(Curve curve, std::string_view x, std::string_view y) {
  const CurveInfo& info = InfoFor(curve);
  const size_t len = info.coordinate_length;
  if (x.size() > len || y.size() > len) {
    return Error(Code::kBadPublicKey, "EC coordinate longer than " + std::to_string(len) + " bytes");
  }
  // SEC 1 §2.3.3 uncompressed point: 0x04 || X || Y, each padded to the field length.
  std::string point(1 + 2 * len, '\0');
  point[0] = 0x04;
  point.replace(1 + len - x.size(), x.size(), x);
  point.replace(1 + 2 * len - y.size(), y.size(), y);
  Result<EvpPkeyPtr> pkey = internal::EcPublicFromPoint(info.ossl_group, point);
  if (!pkey.ok() && pkey.status().code() != Code::kBadPublicKey) return pkey.status();
  Result<PublicKey> key =
      pkey.ok() ? Access::WrapPublic(std::move(pkey).value()) : Result<PublicKey>(pkey.status());
  if (!key.ok())
    return Error(Code::kBadPublicKey, "EC point is not on the curve " + std::string(info.jose_name));
  return key;
}

Result<PublicKey> PublicKey::FromRsa(std::string_view n, std::string_view e) {
  n = StripLeadingZeros(n);
  e = StripLeadingZeros(e);
  if (n.empty() || (static_cast<unsigned char>(n.back()) & 1) == 0) {
    return Error(Code::kBadPublicKey, "RSA modulus must be odd and non-zero");
  }
  if (n.size() > 16384 / 8) return Error(Code::kBadPublicKey, "RSA modulus too large");
  if (e.empty() || e.size() > 8 || (static_cast<unsigned char>(e.back()) & 1) == 0 ||
      (e.size() == 1 && static_cast<unsigned char>(e[0]) < 3)) {
    return Error(Code::kBadPublicKey, "RSA public exponent must be odd, at least 3 and at most 64 bits");
  }
  ANVIL_ASSIGN_OR_RETURN(EvpPkeyPtr pkey, internal::RsaPublicFromComponents(n, e));
  return Access::WrapPublic(std::move(pkey));
}

Result<PublicKey> PublicKey::FromEd25519(std::string_view raw32) {
  if (raw32.size() != 32) return Error(Code::kBadPublicKey, "Ed25519 public key must be 32 bytes");
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Uchar(raw32), raw32.size()));
  if (!pkey) return ErrorWithOpenSsl(Code::kBadPublicKey, "invalid Ed25519 public key");
  return Access::WrapPublic(std::move(pkey));
}

KeyAlgorithm PublicKey::algorithm() const { return impl_->algorithm; }
std::optional<Curve> PublicKey::curve() const { return impl_->curve; }

int PublicKey::bits() const {
  switch (impl_->algorithm) {
    case KeyAlgorithm::kEc:
      return InfoFor(*impl_->curve).bits;
    case KeyAlgorithm::kRsa:
      return EVP_PKEY_get_bits(impl_->pkey.get());
    case KeyAlgorithm::kEd25519:
      break;
  }
  return 256;
}

std::string PublicKey::ToDer() const { return impl_->spki_der; }

std::string PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) {
    DrainErrors();
    return {};
  }
  return internal::MemBioContents(bio.get());
}

Result<PublicKey::EcPoint> PublicKey::ec_point() const {
  if (impl_->algorithm != KeyAlgorithm::kEc) return Error(Code::kInvalidArgument, "not an EC key");
  const size_t len = InfoFor(*impl_->curve).coordinate_length;
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  bool ok = EVP_PKEY_get_bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
            EVP_PKEY_get_bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
  BignumPtr bx(x), by(y);
  EcPoint point{*impl_->curve, std::string(len, '\0'), std::string(len, '\0')};
  if (!ok ||
      BN_bn2binpad(bx.get(), reinterpret_cast<unsigned char*>(point.x.data()), static_cast<int>(len)) < 0 ||
      BN_bn2binpad(by.get(), reinterpret_cast<unsigned char*>(point.y.data()), static_cast<int>(len)) < 0) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot read the EC point");
  }
  return point;
}

Result<PublicKey::RsaComponents> PublicKey::rsa_components() const {
  if (impl_->algorithm != KeyAlgorithm::kRsa) return Error(Code::kInvalidArgument, "not an RSA key");
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  bool ok = EVP_PKEY_get_bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
            EVP_PKEY_get_bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e) == 1;
  BignumPtr bn(n), be(e);
  if (!ok) return ErrorWithOpenSsl(Code::kInternal, "cannot read the RSA components");
  auto to_bytes = [](const BIGNUM* b) {
    std::string out(static_cast<size_t>(BN_num_bytes(b)), '\0');
    BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
    return out;
  };
  return RsaComponents{to_bytes(bn.get()), to_bytes(be.get())};
}

Result<std::string> PublicKey::ed25519_raw() const {
  if (impl_->algorithm != KeyAlgorithm::kEd25519) return Error(Code::kInvalidArgument, "not an Ed25519 key");
  std::string out(32, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(impl_->pkey.get(), reinterpret_cast<unsigned char*>(out.data()), &len) !=
          1 ||
      len != 32) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot read the Ed25519 key");
  }
  return out;
}

bool PublicKey::Verify(DigestAlg digest, std::string_view data, std::string_view signature) const {
  if (!DigestFits(impl_->algorithm, digest)) return false;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, internal::EvpMd(digest), nullptr, impl_->pkey.get()) != 1) {
    DrainErrors();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), Uchar(signature), signature.size(), Uchar(data), data.size());
  // A mismatch leaves an error on the queue; it is an answer here, not a fault.
  DrainErrors();
  return rc == 1;
}

bool PublicKey::VerifyRsaPss(DigestAlg digest, std::string_view data, std::string_view signature) const {
  if (impl_->algorithm != KeyAlgorithm::kRsa || digest == DigestAlg::kNone) return false;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx ||
      EVP_DigestVerifyInit(ctx.get(), &pctx, internal::EvpMd(digest), nullptr, impl_->pkey.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, internal::EvpMd(digest)) != 1 ||
      // The salt length is read from the signature: TPMs use the digest's length, older ones the largest.
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1) {
    DrainErrors();
    return false;
  }
  int rc = EVP_DigestVerify(ctx.get(), Uchar(signature), signature.size(), Uchar(data), data.size());
  DrainErrors();
  return rc == 1;
}

bool PublicKey::operator==(const PublicKey& other) const {
  if (impl_ == other.impl_ || impl_->spki_der == other.impl_->spki_der) return true;
  int rc = EVP_PKEY_eq(impl_->pkey.get(), other.impl_->pkey.get());
  DrainErrors();  // Comparing keys of different types queues an error.
  return rc == 1;
}

// --- PrivateKey ---

Result<PrivateKey> PrivateKey::Generate(KeyType type) {
  EVP_PKEY* raw = nullptr;
  switch (type) {
    case KeyType::kEcP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kEcP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyType::kEcP521:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case KeyType::kRsa2048:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case KeyType::kRsa3072:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072));
      break;
    case KeyType::kRsa4096:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(4096));
      break;
    case KeyType::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (raw == nullptr) return ErrorWithOpenSsl(Code::kInternal, "key generation failed");
  return Access::WrapPrivate(EvpPkeyPtr(raw));
}

PublicKey PrivateKey::public_key() const { return impl_->public_key; }

Result<std::string> PrivateKey::Sign(DigestAlg digest, std::string_view data) const {
  if (!DigestFits(impl_->public_key.algorithm(), digest)) {
    return Error(Code::kInvalidArgument,
                 "digest " + std::string(DigestAlgName(digest)) + " does not fit the key");
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, internal::EvpMd(digest), nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, Uchar(data), data.size()) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, Uchar(data),
                     data.size()) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "signing failed");
  }
  sig.resize(len);
  WipeStackBelow();
  return sig;
}

// --- Signature formats ---

Result<std::string> EcdsaDerToRaw(std::string_view der, Curve curve) {
  if (der.empty()) return Error(Code::kMalformed, "empty ECDSA signature");
  const unsigned char* p = Uchar(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != Uchar(der) + der.size()) {
    DrainErrors();
    return Error(Code::kMalformed, "invalid DER ECDSA signature");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  const size_t len = CurveCoordinateLength(curve);
  std::string raw(2 * len, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_is_negative(r) || BN_is_negative(s) || BN_bn2binpad(r, out, static_cast<int>(len)) < 0 ||
      BN_bn2binpad(s, out + len, static_cast<int>(len)) < 0) {
    DrainErrors();
    return Error(Code::kMalformed, "ECDSA signature does not fit the curve " + std::string(CurveName(curve)));
  }
  return raw;
}

Result<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 64 && raw.size() != 96 && raw.size() != 132) {
    return Error(Code::kMalformed,
                 "ECDSA signature must be 64, 96 or 132 bytes (r||s), got " + std::to_string(raw.size()));
  }
  const size_t half = raw.size() / 2;
  BignumPtr r = BignumFrom(raw.substr(0, half)), s = BignumFrom(raw.substr(half));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot build the ECDSA signature");
  }
  (void)r.release();  // Now owned by sig.
  (void)s.release();
  std::string der = internal::I2d(sig.get(), i2d_ECDSA_SIG);
  if (der.empty()) return ErrorWithOpenSsl(Code::kInternal, "cannot encode the ECDSA signature");
  return der;
}

DigestAlg DefaultDigestFor(const PublicKey& key) {
  switch (key.algorithm()) {
    case KeyAlgorithm::kEc:
      switch (*key.curve()) {
        case Curve::kP256:
          return DigestAlg::kSha256;
        case Curve::kP384:
          return DigestAlg::kSha384;
        case Curve::kP521:
          return DigestAlg::kSha512;
      }
      break;
    case KeyAlgorithm::kRsa:
      return DigestAlg::kSha256;
    case KeyAlgorithm::kEd25519:
      return DigestAlg::kNone;
  }
  return DigestAlg::kSha256;
}

}  // namespace anvil::crypto
