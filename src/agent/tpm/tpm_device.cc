// TpmDevice over the TSS ESAPI (agent/tpm/tpm_device.h). Every TSS output is owned by a unique_ptr freed
// with Esys_Free, every transient object by a TransientObject that flushes it, so no error path leaves an
// object in a TPM without a resource manager. Thread-compatible, as the header says: no state outside a
// TpmDevice.
#include "agent/tpm/tpm_device.h"

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include "crypto/key.h"

namespace anvil::agent::tpm {

struct TpmDevice::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    // Esys_Finalize leaves a TCTI it was given alone; the loader's context is finalized after it.
    if (esys != nullptr) Esys_Finalize(&esys);
    if (tcti != nullptr) Tss2_TctiLdr_Finalize(&tcti);
  }
  TSS2_TCTI_CONTEXT* tcti = nullptr;
  ESYS_CONTEXT* esys = nullptr;
};

namespace {

struct EsysFree {
  void operator()(void* p) const { Esys_Free(p); }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFree>;

std::string Hex32(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", value);
  return buf;
}

// The TPM's error number without the handle, session or parameter number of a format-one code
// (TPM 2.0 Part 2, §6.6.3), and without the TSS layer.
TSS2_RC BaseCode(TSS2_RC rc) {
  if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER) return rc;
  return (rc & TPM2_RC_FMT1) != 0 ? (rc & (TPM2_RC_FMT1 | 0x3f)) : rc;
}

// "WHAT: <Tss2_RC_Decode text> (0x...)", with a code for what went wrong: the TCTI (no TPM there) is
// kUnavailable, a handle that holds nothing kNotFound, a refused authorization (an owner hierarchy or key
// with an auth value, which this code never gives) kUnauthorized, anything else kInternal.
Status TssError(const std::string& what, TSS2_RC rc) {
  Code code = Code::kInternal;
  std::string hint;
  if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TCTI_RC_LAYER) code = Code::kUnavailable;
  const TSS2_RC base = BaseCode(rc);
  if (base == TPM2_RC_HANDLE) code = Code::kNotFound;
  if (base == TPM2_RC_BAD_AUTH || base == TPM2_RC_AUTH_FAIL) {
    code = Code::kUnauthorized;
    hint = "; the object or hierarchy has an authorization value, and anvil uses only empty ones";
  }
  return Status(code, what + ": " + Tss2_RC_Decode(rc) + " (" + Hex32(rc) + ")" + hint);
}

// A transient object of the TPM, flushed when this goes away.
class TransientObject {
 public:
  explicit TransientObject(ESYS_CONTEXT* esys) : esys_(esys) {}
  TransientObject(const TransientObject&) = delete;
  TransientObject& operator=(const TransientObject&) = delete;
  ~TransientObject() {
    if (handle_ != ESYS_TR_NONE) Esys_FlushContext(esys_, handle_);
  }
  ESYS_TR* out() { return &handle_; }
  ESYS_TR get() const { return handle_; }

 private:
  ESYS_CONTEXT* esys_;
  ESYS_TR handle_ = ESYS_TR_NONE;
};

// ESAPI's record of a persistent object (Esys_TR_FromTPMPublic), closed (not flushed: the object stays in the
// TPM) when this goes away.
class PersistentObject {
 public:
  explicit PersistentObject(ESYS_CONTEXT* esys) : esys_(esys) {}
  PersistentObject(const PersistentObject&) = delete;
  PersistentObject& operator=(const PersistentObject&) = delete;
  ~PersistentObject() {
    if (handle_ != ESYS_TR_NONE) Esys_TR_Close(esys_, &handle_);
  }
  Status Open(uint32_t tpm_handle) {
    TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, tpm_handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &handle_);
    if (rc != TSS2_RC_SUCCESS) {
      handle_ = ESYS_TR_NONE;
      return TssError("no object at TPM handle " + Hex32(tpm_handle), rc);
    }
    return Status::Ok();
  }
  ESYS_TR* out() { return &handle_; }
  ESYS_TR get() const { return handle_; }

 private:
  ESYS_CONTEXT* esys_;
  ESYS_TR handle_ = ESYS_TR_NONE;
};

Result<std::string> MarshalPublic(const TPMT_PUBLIC& pub) {
  std::string out(sizeof(TPMT_PUBLIC), '\0');
  size_t offset = 0;
  TSS2_RC rc = Tss2_MU_TPMT_PUBLIC_Marshal(&pub, reinterpret_cast<uint8_t*>(out.data()), out.size(), &offset);
  if (rc != TSS2_RC_SUCCESS) return TssError("marshalling TPMT_PUBLIC", rc);
  out.resize(offset);
  return out;
}

Result<std::string> MarshalSignature(const TPMT_SIGNATURE& sig) {
  std::string out(sizeof(TPMT_SIGNATURE), '\0');
  size_t offset = 0;
  TSS2_RC rc =
      Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, reinterpret_cast<uint8_t*>(out.data()), out.size(), &offset);
  if (rc != TSS2_RC_SUCCESS) return TssError("marshalling TPMT_SIGNATURE", rc);
  out.resize(offset);
  return out;
}

// The TCG SRK template, ECC P-256 (TCG TPM v2.0 Provisioning Guidance §7.5.1): a restricted decryption key
// (a storage parent), AES-128-CFB for its children's protection, noDA.
TPM2B_PUBLIC SrkTemplate() {
  TPM2B_PUBLIC in{};
  TPMT_PUBLIC& p = in.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                       TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED |
                       TPMA_OBJECT_DECRYPT;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  p.parameters.eccDetail.symmetric.keyBits.aes = 128;
  p.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  return in;
}

constexpr uint32_t kSigningKeyAttributes =
    kAttrFixedTpm | kAttrFixedParent | kAttrSensitiveDataOrigin | kAttrUserWithAuth | kAttrSign;

// The signing key's template: unrestricted, sign only, scheme NULL (the signer picks the scheme per
// signature).
TPM2B_PUBLIC SigningKeyTemplate(KeyAlg alg) {
  TPM2B_PUBLIC in{};
  TPMT_PUBLIC& p = in.publicArea;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = kSigningKeyAttributes;
  if (alg == KeyAlg::kEccP256) {
    p.type = TPM2_ALG_ECC;
    p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
    p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  } else {
    p.type = TPM2_ALG_RSA;
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    p.parameters.rsaDetail.keyBits = 2048;
    p.parameters.rsaDetail.exponent = 0;  // 65537
  }
  return in;
}

// Why an existing object at a handle is not the signing key EnsureSigningKey would have made; "" if it is.
std::string Mismatch(const TPMT_PUBLIC& p, KeyAlg alg) {
  const uint32_t attrs = p.objectAttributes;
  if ((attrs & kAttrRestricted) != 0) return "a restricted key (an attestation or storage key)";
  if ((attrs & kAttrDecrypt) != 0) return "a key that can decrypt";
  if ((attrs & kSigningKeyAttributes) != kSigningKeyAttributes) {
    return "a key without fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth and sign";
  }
  if (alg == KeyAlg::kEccP256 &&
      (p.type != TPM2_ALG_ECC || p.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256)) {
    return "not an ECC P-256 key";
  }
  if (alg == KeyAlg::kRsa2048 && (p.type != TPM2_ALG_RSA || p.parameters.rsaDetail.keyBits != 2048)) {
    return "not an RSA-2048 key";
  }
  return "";
}

// The COSE algorithm (RFC 9053 §2.1, RFC 8812 §2) of a TPM signature; 0 if it has none we use.
int CoseAlgorithm(TPMI_ALG_SIG_SCHEME sig_alg, TPMI_ALG_HASH hash) {
  struct Entry {
    TPMI_ALG_SIG_SCHEME sig;
    TPMI_ALG_HASH hash;
    int cose;
  };
  static constexpr Entry kTable[] = {
      {TPM2_ALG_ECDSA, TPM2_ALG_SHA256, -7},    {TPM2_ALG_ECDSA, TPM2_ALG_SHA384, -35},
      {TPM2_ALG_ECDSA, TPM2_ALG_SHA512, -36},   {TPM2_ALG_RSASSA, TPM2_ALG_SHA256, -257},
      {TPM2_ALG_RSASSA, TPM2_ALG_SHA384, -258}, {TPM2_ALG_RSASSA, TPM2_ALG_SHA512, -259},
      {TPM2_ALG_RSAPSS, TPM2_ALG_SHA256, -37},  {TPM2_ALG_RSAPSS, TPM2_ALG_SHA384, -38},
      {TPM2_ALG_RSAPSS, TPM2_ALG_SHA512, -39},
  };
  for (const Entry& e : kTable) {
    if (e.sig == sig_alg && e.hash == hash) return e.cose;
  }
  return 0;
}

// Byte length of a coordinate of the AK's curve, 0 for curves key.h does not know.
size_t CoordinateLength(TPMI_ECC_CURVE curve) {
  switch (curve) {
    case TPM2_ECC_NIST_P256:
      return 32;
    case TPM2_ECC_NIST_P384:
      return 48;
    case TPM2_ECC_NIST_P521:
      return 66;
    default:
      return 0;
  }
}

// `value` left-padded with zeros to `length` bytes; nullopt if it is longer.
std::optional<std::string> LeftPad(const TPM2B_ECC_PARAMETER& value, size_t length) {
  if (value.size > length) return std::nullopt;
  std::string out(length - value.size, '\0');
  out.append(reinterpret_cast<const char*>(value.buffer), value.size);
  return out;
}

Result<std::string> RawSignature(const TPMT_SIGNATURE& sig, const TPMT_PUBLIC& ak) {
  switch (sig.sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS:
      return std::string(reinterpret_cast<const char*>(sig.signature.rsassa.sig.buffer),
                         sig.signature.rsassa.sig.size);
    case TPM2_ALG_ECDSA: {
      const size_t length = ak.type == TPM2_ALG_ECC ? CoordinateLength(ak.parameters.eccDetail.curveID) : 0;
      if (length == 0)
        return Error(Code::kInvalidArgument, "the AK's ECDSA signature is on an unsupported curve");
      std::optional<std::string> r = LeftPad(sig.signature.ecdsa.signatureR, length);
      std::optional<std::string> s = LeftPad(sig.signature.ecdsa.signatureS, length);
      if (!r || !s) return Error(Code::kInternal, "the TPM's ECDSA signature does not fit the AK's curve");
      return crypto::EcdsaRawToDer(*r + *s);
    }
    default:
      return Error(Code::kInvalidArgument, "the AK signs with TPM algorithm " + Hex32(sig.sigAlg) +
                                               " (want RSASSA, RSAPSS or ECDSA)");
  }
}

Status CheckPersistent(uint32_t handle) {
  if (handle < kPersistentFirst || handle > kPersistentLast) {
    return Status(Code::kInvalidArgument, "TPM handle " + Hex32(handle) +
                                              " is not an owner persistent handle (0x81000000-0x817fffff)");
  }
  return Status::Ok();
}

}  // namespace

TpmDevice::TpmDevice(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TpmDevice::TpmDevice(TpmDevice&&) noexcept = default;
TpmDevice& TpmDevice::operator=(TpmDevice&&) noexcept = default;
TpmDevice::~TpmDevice() = default;

Result<TpmDevice> TpmDevice::Open(const std::string& tcti) {
  auto impl = std::make_unique<Impl>();
  const std::string name = tcti.empty() ? "the default TPM" : "TPM \"" + tcti + "\"";
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.empty() ? nullptr : tcti.c_str(), &impl->tcti);
  if (rc != TSS2_RC_SUCCESS) {
    impl->tcti = nullptr;
    Status s = TssError("cannot connect to " + name, rc);
    return Status(Code::kUnavailable, s.message());
  }
  rc = Esys_Initialize(&impl->esys, impl->tcti, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    impl->esys = nullptr;
    Status s = TssError("cannot initialise ESAPI for " + name, rc);
    return Status(Code::kUnavailable, s.message());
  }
  // A TPM the platform (or the kernel) started answers TPM_RC_INITIALIZE: the usual case.
  rc = Esys_Startup(impl->esys, TPM2_SU_CLEAR);
  if (rc != TSS2_RC_SUCCESS && BaseCode(rc) != TPM2_RC_INITIALIZE) {
    Status s = TssError("TPM2_Startup on " + name, rc);
    return Status(s.code() == Code::kInternal ? Code::kUnavailable : s.code(), s.message());
  }
  return TpmDevice(std::move(impl));
}

Result<std::string> TpmDevice::ReadPublic(uint32_t handle) {
  PersistentObject object(impl_->esys);
  ANVIL_RETURN_IF_ERROR(object.Open(handle));
  TPM2B_PUBLIC* raw = nullptr;
  TSS2_RC rc = Esys_ReadPublic(impl_->esys, object.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw,
                               nullptr, nullptr);
  EsysPtr<TPM2B_PUBLIC> pub(raw);
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_ReadPublic of " + Hex32(handle), rc);
  return MarshalPublic(pub->publicArea);
}

Result<std::string> TpmDevice::EnsureSigningKey(uint32_t persistent_handle, KeyAlg alg) {
  ANVIL_RETURN_IF_ERROR(CheckPersistent(persistent_handle));
  ESYS_CONTEXT* esys = impl_->esys;

  // Whether the handle holds an object, asked without an error: TPM2_ReadPublic of an empty handle fails, and
  // the TSS logs every failure on stderr.
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw_capability = nullptr;
  TSS2_RC rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
                                  persistent_handle, 1, &more, &raw_capability);
  EsysPtr<TPMS_CAPABILITY_DATA> capability(raw_capability);
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_GetCapability(handles)", rc);
  const TPML_HANDLE& handles = capability->data.handles;
  const bool present = handles.count > 0 && handles.handle[0] == persistent_handle;

  if (!present) {
    TPM2B_SENSITIVE_CREATE no_auth{};
    TPM2B_DATA outside_info{};
    TPML_PCR_SELECTION no_pcrs{};
    TPM2B_PUBLIC srk_template = SrkTemplate();
    TransientObject primary(esys);
    rc = Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &no_auth,
                            &srk_template, &outside_info, &no_pcrs, primary.out(), nullptr, nullptr, nullptr,
                            nullptr);
    if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_CreatePrimary (owner hierarchy, SRK template)", rc);

    TPM2B_PUBLIC key_template = SigningKeyTemplate(alg);
    TPM2B_PRIVATE* raw_private = nullptr;
    TPM2B_PUBLIC* raw_public = nullptr;
    rc = Esys_Create(esys, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &no_auth,
                     &key_template, &outside_info, &no_pcrs, &raw_private, &raw_public, nullptr, nullptr,
                     nullptr);
    EsysPtr<TPM2B_PRIVATE> key_private(raw_private);
    EsysPtr<TPM2B_PUBLIC> key_public(raw_public);
    if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_Create (signing key)", rc);

    TransientObject key(esys);
    rc = Esys_Load(esys, primary.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, key_private.get(),
                   key_public.get(), key.out());
    if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_Load (signing key)", rc);

    PersistentObject persisted(esys);
    rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, key.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                           persistent_handle, persisted.out());
    // TPM_RC_NV_DEFINED: another process persisted a key there since the look-up; it is checked below.
    if (rc != TSS2_RC_SUCCESS && BaseCode(rc) != TPM2_RC_NV_DEFINED) {
      return TssError("TPM2_EvictControl to " + Hex32(persistent_handle), rc);
    }
  }

  PersistentObject object(esys);
  ANVIL_RETURN_IF_ERROR(object.Open(persistent_handle));
  TPM2B_PUBLIC* raw = nullptr;
  rc = Esys_ReadPublic(esys, object.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw, nullptr, nullptr);
  EsysPtr<TPM2B_PUBLIC> pub(raw);
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_ReadPublic of " + Hex32(persistent_handle), rc);
  if (std::string why = Mismatch(pub->publicArea, alg); !why.empty()) {
    return Error(Code::kConflict, "TPM handle " + Hex32(persistent_handle) + " holds " + why +
                                      ", not the signing key asked for");
  }
  return MarshalPublic(pub->publicArea);
}

Result<Certification> TpmDevice::Certify(uint32_t key_handle, uint32_t ak_handle,
                                         std::string_view qualifying_data) {
  TPM2B_DATA qualifying{};
  if (qualifying_data.size() > sizeof(TPMU_HA)) {
    return Error(Code::kInvalidArgument, "qualifying data of " + std::to_string(qualifying_data.size()) +
                                             " bytes (at most " + std::to_string(sizeof(TPMU_HA)) + ")");
  }
  qualifying.size = static_cast<uint16_t>(qualifying_data.size());
  std::memcpy(qualifying.buffer, qualifying_data.data(), qualifying_data.size());

  ESYS_CONTEXT* esys = impl_->esys;
  PersistentObject key(esys), ak(esys);
  ANVIL_RETURN_IF_ERROR(key.Open(key_handle));
  ANVIL_RETURN_IF_ERROR(ak.Open(ak_handle));

  TPM2B_PUBLIC* raw_ak_public = nullptr;
  TSS2_RC rc = Esys_ReadPublic(esys, ak.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw_ak_public,
                               nullptr, nullptr);
  EsysPtr<TPM2B_PUBLIC> ak_public(raw_ak_public);
  if (rc != TSS2_RC_SUCCESS) return TssError("TPM2_ReadPublic of the AK " + Hex32(ak_handle), rc);

  TPMT_SIG_SCHEME ak_scheme{};
  ak_scheme.scheme = TPM2_ALG_NULL;  // the AK's own scheme (a restricted key has one)
  TPM2B_ATTEST* raw_attest = nullptr;
  TPMT_SIGNATURE* raw_signature = nullptr;
  rc = Esys_Certify(esys, key.get(), ak.get(), ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE, &qualifying,
                    &ak_scheme, &raw_attest, &raw_signature);
  EsysPtr<TPM2B_ATTEST> attest(raw_attest);
  EsysPtr<TPMT_SIGNATURE> signature(raw_signature);
  if (rc != TSS2_RC_SUCCESS) {
    return TssError("TPM2_Certify of " + Hex32(key_handle) + " by the AK " + Hex32(ak_handle), rc);
  }

  Certification out;
  out.certify_info.assign(reinterpret_cast<const char*>(attest->attestationData), attest->size);
  ANVIL_ASSIGN_OR_RETURN(out.signature_tpmt, MarshalSignature(*signature));
  ANVIL_ASSIGN_OR_RETURN(out.signature_raw, RawSignature(*signature, ak_public->publicArea));
  out.cose_alg = CoseAlgorithm(signature->sigAlg, signature->signature.any.hashAlg);
  if (out.cose_alg == 0) {
    return Error(Code::kInvalidArgument, "the AK " + Hex32(ak_handle) + " signs with TPM scheme " +
                                             Hex32(signature->sigAlg) + " and hash " +
                                             Hex32(signature->signature.any.hashAlg) +
                                             ", which has no COSE algorithm (want SHA-256/384/512)");
  }
  return out;
}

}  // namespace anvil::agent::tpm
