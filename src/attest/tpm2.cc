// TPM 2.0 structure parsing and marshalling (tpm2.h). Pure functions; thread-safe.
#include "attest/tpm2.h"

#include <cstdio>

#include "crypto/digest.h"

namespace anvil::attest {
namespace {

// Maximum sizes of the TPM2B_* buffers (Part 2 §10.4, §11.2.4.5, §11.2.5.1), with the largest algorithms a
// TPM may implement: SHA-512 digests, 4096-bit RSA, P-521.
constexpr size_t kMaxDigest = 64;          // TPM2B_DIGEST
constexpr size_t kMaxHa = 2 + kMaxDigest;  // TPM2B_NAME, TPM2B_DATA (sizeof(TPMT_HA))
constexpr size_t kMaxRsaBytes = 512;       // TPM2B_PUBLIC_KEY_RSA
constexpr size_t kMaxEccBytes = 66;        // TPM2B_ECC_PARAMETER

std::string Hex16(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

bool IsHash(uint16_t alg) {
  return alg == kTpmAlgSha1 || alg == kTpmAlgSha256 || alg == kTpmAlgSha384 || alg == kTpmAlgSha512;
}

// A big-endian cursor over one structure; errors name the structure and the field.
class Reader {
 public:
  Reader(std::string_view in, std::string_view structure) : in_(in), structure_(structure) {}

  Status Fail(std::string_view what) const {
    return Error(Code::kMalformed, std::string(structure_) + ": " + std::string(what));
  }

  Result<uint64_t> Uint(size_t len, std::string_view field) {
    if (in_.size() - pos_ < len) return Fail(std::string(field) + " truncated");
    uint64_t v = 0;
    for (size_t i = 0; i < len; ++i) v = (v << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += len;
    return v;
  }
  Result<uint16_t> U16(std::string_view field) {
    ANVIL_ASSIGN_OR_RETURN(const uint64_t v, Uint(2, field));
    return static_cast<uint16_t>(v);
  }
  Result<uint32_t> U32(std::string_view field) {
    ANVIL_ASSIGN_OR_RETURN(const uint64_t v, Uint(4, field));
    return static_cast<uint32_t>(v);
  }
  // TPM2B_*: a 16-bit size, then that many octets, at most `max`.
  Result<std::string> Sized(std::string_view field, size_t max) {
    ANVIL_ASSIGN_OR_RETURN(const uint16_t size, U16(field));
    if (size > max) return Fail(std::string(field) + " larger than " + std::to_string(max) + " octets");
    if (in_.size() - pos_ < size) return Fail(std::string(field) + " truncated");
    std::string out(in_.substr(pos_, size));
    pos_ += size;
    return out;
  }
  std::string_view Rest() {
    std::string_view rest = in_.substr(pos_);
    pos_ = in_.size();
    return rest;
  }
  Status End() const {
    if (pos_ != in_.size()) return Fail("trailing bytes");
    return Status::Ok();
  }

 private:
  std::string_view in_;
  std::string_view structure_;
  size_t pos_ = 0;
};

class Writer {
 public:
  void Uint(uint64_t v, size_t len) {
    for (size_t i = len; i-- > 0;) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void U8(uint8_t v) { Uint(v, 1); }
  void U16(uint16_t v) { Uint(v, 2); }
  void U32(uint32_t v) { Uint(v, 4); }
  void U64(uint64_t v) { Uint(v, 8); }
  void Sized(std::string_view b) {
    U16(static_cast<uint16_t>(b.size()));
    out_ += b;
  }
  void Raw(std::string_view b) { out_ += b; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

Result<TpmSymDef> ReadSymDef(Reader& r) {
  TpmSymDef sym;
  ANVIL_ASSIGN_OR_RETURN(sym.algorithm, r.U16("symmetric.algorithm"));
  if (sym.algorithm == kTpmAlgNull) return sym;
  if (sym.algorithm != kTpmAlgAes && sym.algorithm != kTpmAlgSm4 && sym.algorithm != kTpmAlgCamellia) {
    return r.Fail("symmetric.algorithm " + Hex16(sym.algorithm) + " is not a block cipher");
  }
  ANVIL_ASSIGN_OR_RETURN(sym.key_bits, r.U16("symmetric.keyBits"));
  ANVIL_ASSIGN_OR_RETURN(sym.mode, r.U16("symmetric.mode"));
  return sym;
}

void WriteSymDef(Writer& w, const TpmSymDef& sym) {
  w.U16(sym.algorithm);
  if (sym.algorithm == kTpmAlgNull) return;
  w.U16(sym.key_bits);
  w.U16(sym.mode);
}

// Which details a scheme selector carries (TPMU_ASYM_SCHEME, TPMU_KDF_SCHEME).
enum class Details { kNone, kHash, kHashAndCount, kInvalid };

Details RsaSchemeDetails(uint16_t s) {
  switch (s) {
    case kTpmAlgNull:
    case kTpmAlgRsaes:
      return Details::kNone;
    case kTpmAlgRsassa:
    case kTpmAlgRsapss:
    case kTpmAlgOaep:
      return Details::kHash;
    default:
      return Details::kInvalid;
  }
}

Details EccSchemeDetails(uint16_t s) {
  switch (s) {
    case kTpmAlgNull:
      return Details::kNone;
    case kTpmAlgEcdsa:
    case kTpmAlgEcdh:
    case kTpmAlgSm2:
    case kTpmAlgEcschnorr:
    case kTpmAlgEcmqv:
      return Details::kHash;
    case kTpmAlgEcdaa:
      return Details::kHashAndCount;
    default:
      return Details::kInvalid;
  }
}

Details KdfDetails(uint16_t s) {
  switch (s) {
    case kTpmAlgNull:
      return Details::kNone;
    case kTpmAlgMgf1:
    case kTpmAlgKdf1Sp800_56a:
    case kTpmAlgKdf2:
    case kTpmAlgKdf1Sp800_108:
      return Details::kHash;
    default:
      return Details::kInvalid;
  }
}

Result<TpmScheme> ReadScheme(Reader& r, std::string_view field, Details (*details)(uint16_t)) {
  TpmScheme s;
  ANVIL_ASSIGN_OR_RETURN(s.scheme, r.U16(field));
  const Details d = details(s.scheme);
  if (d == Details::kInvalid) return r.Fail(std::string(field) + " " + Hex16(s.scheme) + " is not supported");
  if (d == Details::kNone) return s;
  ANVIL_ASSIGN_OR_RETURN(s.hash_alg, r.U16(std::string(field) + ".hashAlg"));
  if (!IsHash(s.hash_alg))
    return r.Fail(std::string(field) + ".hashAlg " + Hex16(s.hash_alg) + " is not a hash");
  if (d == Details::kHashAndCount) {
    ANVIL_ASSIGN_OR_RETURN(s.count, r.U16(std::string(field) + ".count"));
  }
  return s;
}

void WriteScheme(Writer& w, const TpmScheme& s, Details (*details)(uint16_t)) {
  w.U16(s.scheme);
  const Details d = details(s.scheme);
  if (d == Details::kHash || d == Details::kHashAndCount) w.U16(s.hash_alg);
  if (d == Details::kHashAndCount) w.U16(s.count);
}

// DER INTEGER of an unsigned big-endian magnitude.
std::string DerUnsigned(std::string_view magnitude) {
  size_t i = 0;
  while (i + 1 < magnitude.size() && magnitude[i] == 0) ++i;
  std::string v(magnitude.substr(i));
  if (v.empty()) v.assign(1, '\0');
  if (static_cast<uint8_t>(v[0]) & 0x80) v.insert(v.begin(), '\0');
  return std::string(1, '\x02') + static_cast<char>(v.size()) + v;  // ≤ 67 octets: short form
}

}  // namespace

Result<TpmtPublic> ParseTpmtPublic(std::string_view bytes) {
  Reader r(bytes, "TPMT_PUBLIC");
  TpmtPublic p;
  ANVIL_ASSIGN_OR_RETURN(p.type, r.U16("type"));
  if (p.type != kTpmAlgRsa && p.type != kTpmAlgEcc)
    return r.Fail("type " + Hex16(p.type) + " is not RSA or ECC");
  ANVIL_ASSIGN_OR_RETURN(p.name_alg, r.U16("nameAlg"));
  if (!IsHash(p.name_alg)) return r.Fail("nameAlg " + Hex16(p.name_alg) + " is not a hash");
  ANVIL_ASSIGN_OR_RETURN(p.object_attributes, r.U32("objectAttributes"));
  ANVIL_ASSIGN_OR_RETURN(p.auth_policy, r.Sized("authPolicy", kMaxDigest));
  ANVIL_ASSIGN_OR_RETURN(p.symmetric, ReadSymDef(r));
  if (p.type == kTpmAlgRsa) {
    ANVIL_ASSIGN_OR_RETURN(p.scheme, ReadScheme(r, "scheme", RsaSchemeDetails));
    ANVIL_ASSIGN_OR_RETURN(p.rsa.key_bits, r.U16("keyBits"));
    ANVIL_ASSIGN_OR_RETURN(p.rsa.exponent, r.U32("exponent"));
    ANVIL_ASSIGN_OR_RETURN(p.rsa.n, r.Sized("unique.rsa", kMaxRsaBytes));
  } else {
    ANVIL_ASSIGN_OR_RETURN(p.scheme, ReadScheme(r, "scheme", EccSchemeDetails));
    ANVIL_ASSIGN_OR_RETURN(p.ecc.curve_id, r.U16("curveID"));
    ANVIL_ASSIGN_OR_RETURN(p.ecc.kdf, ReadScheme(r, "kdf", KdfDetails));
    ANVIL_ASSIGN_OR_RETURN(p.ecc.x, r.Sized("unique.ecc.x", kMaxEccBytes));
    ANVIL_ASSIGN_OR_RETURN(p.ecc.y, r.Sized("unique.ecc.y", kMaxEccBytes));
  }
  ANVIL_RETURN_IF_ERROR(r.End());
  p.raw = std::string(bytes);
  return p;
}

std::string MarshalTpmtPublic(const TpmtPublic& p) {
  Writer w;
  w.U16(p.type);
  w.U16(p.name_alg);
  w.U32(p.object_attributes);
  w.Sized(p.auth_policy);
  WriteSymDef(w, p.symmetric);
  if (p.type == kTpmAlgEcc) {
    WriteScheme(w, p.scheme, EccSchemeDetails);
    w.U16(p.ecc.curve_id);
    WriteScheme(w, p.ecc.kdf, KdfDetails);
    w.Sized(p.ecc.x);
    w.Sized(p.ecc.y);
  } else {
    WriteScheme(w, p.scheme, RsaSchemeDetails);
    w.U16(p.rsa.key_bits);
    w.U32(p.rsa.exponent);
    w.Sized(p.rsa.n);
  }
  return w.Take();
}

Result<TpmsAttest> ParseTpmsAttest(std::string_view bytes) {
  Reader r(bytes, "TPMS_ATTEST");
  TpmsAttest a;
  ANVIL_ASSIGN_OR_RETURN(a.magic, r.U32("magic"));
  ANVIL_ASSIGN_OR_RETURN(a.type, r.U16("type"));
  ANVIL_ASSIGN_OR_RETURN(a.qualified_signer, r.Sized("qualifiedSigner", kMaxHa));
  ANVIL_ASSIGN_OR_RETURN(a.extra_data, r.Sized("extraData", kMaxHa));
  ANVIL_ASSIGN_OR_RETURN(a.clock_info.clock, r.Uint(8, "clockInfo.clock"));
  ANVIL_ASSIGN_OR_RETURN(a.clock_info.reset_count, r.U32("clockInfo.resetCount"));
  ANVIL_ASSIGN_OR_RETURN(a.clock_info.restart_count, r.U32("clockInfo.restartCount"));
  ANVIL_ASSIGN_OR_RETURN(const uint64_t safe, r.Uint(1, "clockInfo.safe"));
  if (safe > 1) return r.Fail("clockInfo.safe is not YES or NO");
  a.clock_info.safe = safe == 1;
  ANVIL_ASSIGN_OR_RETURN(a.firmware_version, r.Uint(8, "firmwareVersion"));
  if (a.type == kTpmStAttestCertify) {
    ANVIL_ASSIGN_OR_RETURN(a.certified_name, r.Sized("attested.certify.name", kMaxHa));
    ANVIL_ASSIGN_OR_RETURN(a.certified_qualified_name, r.Sized("attested.certify.qualifiedName", kMaxHa));
    ANVIL_RETURN_IF_ERROR(r.End());
  } else {
    a.attested = std::string(r.Rest());
  }
  a.raw = std::string(bytes);
  return a;
}

std::string MarshalTpmsAttest(const TpmsAttest& a) {
  Writer w;
  w.U32(a.magic);
  w.U16(a.type);
  w.Sized(a.qualified_signer);
  w.Sized(a.extra_data);
  w.U64(a.clock_info.clock);
  w.U32(a.clock_info.reset_count);
  w.U32(a.clock_info.restart_count);
  w.U8(a.clock_info.safe ? 1 : 0);
  w.U64(a.firmware_version);
  if (a.type == kTpmStAttestCertify) {
    w.Sized(a.certified_name);
    w.Sized(a.certified_qualified_name);
  } else {
    w.Raw(a.attested);
  }
  return w.Take();
}

Result<TpmtSignature> ParseTpmtSignature(std::string_view bytes) {
  Reader r(bytes, "TPMT_SIGNATURE");
  TpmtSignature s;
  ANVIL_ASSIGN_OR_RETURN(s.sig_alg, r.U16("sigAlg"));
  if (s.sig_alg != kTpmAlgRsassa && s.sig_alg != kTpmAlgRsapss && s.sig_alg != kTpmAlgEcdsa) {
    return r.Fail("sigAlg " + Hex16(s.sig_alg) + " is not RSASSA, RSAPSS or ECDSA");
  }
  ANVIL_ASSIGN_OR_RETURN(s.hash_alg, r.U16("hash"));
  if (!IsHash(s.hash_alg)) return r.Fail("hash " + Hex16(s.hash_alg) + " is not a hash");
  if (s.sig_alg == kTpmAlgEcdsa) {
    ANVIL_ASSIGN_OR_RETURN(s.ecc_r, r.Sized("signatureR", kMaxEccBytes));
    ANVIL_ASSIGN_OR_RETURN(s.ecc_s, r.Sized("signatureS", kMaxEccBytes));
  } else {
    ANVIL_ASSIGN_OR_RETURN(s.rsa_sig, r.Sized("sig", kMaxRsaBytes));
  }
  ANVIL_RETURN_IF_ERROR(r.End());
  s.raw = std::string(bytes);
  return s;
}

std::string MarshalTpmtSignature(const TpmtSignature& s) {
  Writer w;
  w.U16(s.sig_alg);
  w.U16(s.hash_alg);
  if (s.sig_alg == kTpmAlgEcdsa) {
    w.Sized(s.ecc_r);
    w.Sized(s.ecc_s);
  } else {
    w.Sized(s.rsa_sig);
  }
  return w.Take();
}

Result<crypto::DigestAlg> TpmDigest(uint16_t hash_alg) {
  switch (hash_alg) {
    case kTpmAlgSha256:
      return crypto::DigestAlg::kSha256;
    case kTpmAlgSha384:
      return crypto::DigestAlg::kSha384;
    case kTpmAlgSha512:
      return crypto::DigestAlg::kSha512;
    case kTpmAlgSha1:
      return Error(Code::kMalformed, "TPM hash SHA-1 is not accepted");
    default:
      return Error(Code::kMalformed, "TPM hash " + Hex16(hash_alg) + " is not supported");
  }
}

Result<std::string> TpmName(const TpmtPublic& pub) {
  auto digest = TpmDigest(pub.name_alg);
  if (!digest.ok()) return Error(Code::kMalformed, "TPMT_PUBLIC nameAlg: " + digest.status().message());
  const std::string body = pub.raw.empty() ? MarshalTpmtPublic(pub) : pub.raw;
  std::string name;
  name.push_back(static_cast<char>(pub.name_alg >> 8));
  name.push_back(static_cast<char>(pub.name_alg & 0xFF));
  return name + crypto::Digest(*digest, body);
}

Result<crypto::PublicKey> TpmPublicKey(const TpmtPublic& pub) {
  if (pub.type == kTpmAlgRsa) {
    if (pub.rsa.n.size() * 8 != pub.rsa.key_bits) {
      return Error(Code::kMalformed, "TPMT_PUBLIC: unique.rsa is " + std::to_string(pub.rsa.n.size() * 8) +
                                         " bits, keyBits says " + std::to_string(pub.rsa.key_bits));
    }
    const uint32_t e = pub.rsa.exponent == 0 ? 65537 : pub.rsa.exponent;
    std::string exponent;
    for (int i = 3; i >= 0; --i) exponent.push_back(static_cast<char>((e >> (8 * i)) & 0xFF));
    return crypto::PublicKey::FromRsa(pub.rsa.n, exponent);
  }
  if (pub.type == kTpmAlgEcc) {
    crypto::Curve curve;
    switch (pub.ecc.curve_id) {
      case kTpmEccNistP256:
        curve = crypto::Curve::kP256;
        break;
      case kTpmEccNistP384:
        curve = crypto::Curve::kP384;
        break;
      case kTpmEccNistP521:
        curve = crypto::Curve::kP521;
        break;
      default:
        return Error(Code::kMalformed,
                     "TPMT_PUBLIC: curveID " + Hex16(pub.ecc.curve_id) + " is not supported");
    }
    return crypto::PublicKey::FromEcPoint(curve, pub.ecc.x, pub.ecc.y);
  }
  return Error(Code::kMalformed, "TPMT_PUBLIC: type " + Hex16(pub.type) + " is not RSA or ECC");
}

std::string RawSignature(const TpmtSignature& sig) {
  if (sig.sig_alg != kTpmAlgEcdsa) return sig.rsa_sig;
  const std::string body = DerUnsigned(sig.ecc_r) + DerUnsigned(sig.ecc_s);
  std::string len;
  if (body.size() >= 0x80) len.push_back('\x81');
  len.push_back(static_cast<char>(body.size()));
  return "\x30" + len + body;
}

}  // namespace anvil::attest
