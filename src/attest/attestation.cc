// VerifyAttestation's dispatch on "fmt" and the helpers the format verifiers share (attestation.h,
// formats.h). Pure functions; thread-safe.
#include "attest/attestation.h"

#include <algorithm>
#include <optional>

#include "attest/der.h"
#include "attest/formats.h"

namespace anvil::attest {
namespace internal {

namespace {

constexpr size_t kMaxX5c = 10;

std::string NotA(std::string_view what, const Status& s) {
  // CborValue's "<what>: expected a byte string" → "attStmt.sig is not a byte string".
  const std::string& m = s.message();
  const size_t at = m.find(": expected ");
  if (at == std::string::npos) return std::string(what) + ": " + m;
  return std::string(what) + " is not " + m.substr(at + 11);
}

Status Missing(std::string_view fmt, std::string_view key) {
  return Bad(fmt, "attStmt." + std::string(key) + " is missing");
}

// A directory string's octets (UTF8String, PrintableString, IA5String); nullopt for other types.
std::optional<std::string> StringValue(const DerTlv& tlv) {
  if (tlv.cls == kDerUniversal && !tlv.constructed &&
      (tlv.tag == kDerUtf8String || tlv.tag == kDerPrintableString || tlv.tag == kDerIa5String)) {
    return std::string(tlv.content);
  }
  return std::nullopt;
}

Status ParseDirectoryName(std::string_view content, SubjectAltName& out) {
  DerReader outer(content);
  ANVIL_ASSIGN_OR_RETURN(DerTlv name, outer.Expect(kDerUniversal, true, kDerSequence));
  ANVIL_RETURN_IF_ERROR(outer.ExpectEnd("directoryName"));
  DerReader rdns(name.content);
  while (!rdns.empty()) {
    ANVIL_ASSIGN_OR_RETURN(DerTlv rdn, rdns.Expect(kDerUniversal, true, kDerSet));
    DerReader avas(rdn.content);
    if (avas.empty()) return Error(Code::kMalformed, "directoryName has an empty RelativeDistinguishedName");
    while (!avas.empty()) {
      ANVIL_ASSIGN_OR_RETURN(DerTlv ava, avas.Expect(kDerUniversal, true, kDerSequence));
      DerReader fields(ava.content);
      ANVIL_ASSIGN_OR_RETURN(DerTlv type, fields.Next());
      ANVIL_ASSIGN_OR_RETURN(std::string oid, DerOid(type));
      ANVIL_ASSIGN_OR_RETURN(DerTlv value, fields.Next());
      ANVIL_RETURN_IF_ERROR(fields.ExpectEnd("AttributeTypeAndValue"));
      auto text = StringValue(value);
      if (text) out.directory_attributes.emplace_back(std::move(oid), *std::move(text));
    }
  }
  return Status::Ok();
}

Status ParseOtherName(std::string_view content, SubjectAltName& out) {
  DerReader fields(content);
  ANVIL_ASSIGN_OR_RETURN(DerTlv type, fields.Next());
  ANVIL_ASSIGN_OR_RETURN(std::string type_id, DerOid(type));
  ANVIL_ASSIGN_OR_RETURN(DerTlv explicit_value, fields.Expect(kDerContext, true, 0));
  ANVIL_RETURN_IF_ERROR(fields.ExpectEnd("otherName"));
  const bool permanent = type_id == crypto::kPermanentIdentifierOid;
  if (!permanent && type_id != crypto::kHardwareModuleNameOid) return Status::Ok();  // another otherName
  const std::string what = permanent ? "PermanentIdentifier" : "HardwareModuleName";
  DerReader value_reader(explicit_value.content);
  ANVIL_ASSIGN_OR_RETURN(DerTlv seq, value_reader.Expect(kDerUniversal, true, kDerSequence));
  ANVIL_RETURN_IF_ERROR(value_reader.ExpectEnd(what));
  DerReader r(seq.content);
  crypto::DeviceName name;
  if (permanent) {
    // RFC 4043 §2: identifierValue UTF8String OPTIONAL, assigner OBJECT IDENTIFIER OPTIONAL.
    name.kind = crypto::DeviceName::Kind::kPermanentIdentifier;
    std::optional<std::string> value;
    if (r.NextIs(kDerUniversal, false, kDerUtf8String)) value = std::string(r.Next()->content);
    if (!r.empty()) {
      ANVIL_ASSIGN_OR_RETURN(DerTlv assigner, r.Next());
      ANVIL_ASSIGN_OR_RETURN(name.oid, DerOid(assigner));
    }
    ANVIL_RETURN_IF_ERROR(r.ExpectEnd(what));
    if (!value) return Status::Ok();  // names no identifierValue: no identity to compare (draft §3.2)
    name.value = *std::move(value);
  } else {
    // RFC 4108 §5: hwType OBJECT IDENTIFIER, hwSerialNum OCTET STRING.
    name.kind = crypto::DeviceName::Kind::kHardwareModule;
    ANVIL_ASSIGN_OR_RETURN(DerTlv hw_type, r.Next());
    ANVIL_ASSIGN_OR_RETURN(name.oid, DerOid(hw_type));
    ANVIL_ASSIGN_OR_RETURN(DerTlv serial, r.Expect(kDerUniversal, false, kDerOctetString));
    name.value = std::string(serial.content);
    ANVIL_RETURN_IF_ERROR(r.ExpectEnd(what));
  }
  out.devices.push_back(std::move(name));
  return Status::Ok();
}

}  // namespace

Status Bad(std::string_view fmt, std::string_view detail) {
  return Error(Code::kBadAttestationStatement, std::string(fmt) + ": " + std::string(detail));
}

Result<std::string> StmtBytes(std::string_view fmt, const CborValue& stmt, std::string_view key) {
  const CborValue* v = stmt.Find(key);
  if (v == nullptr) return Missing(fmt, key);
  auto bytes = v->AsBytes("attStmt." + std::string(key));
  if (!bytes.ok()) return Bad(fmt, NotA("attStmt." + std::string(key), bytes.status()));
  return bytes;
}

Result<std::string> StmtText(std::string_view fmt, const CborValue& stmt, std::string_view key) {
  const CborValue* v = stmt.Find(key);
  if (v == nullptr) return Missing(fmt, key);
  auto text = v->AsText("attStmt." + std::string(key));
  if (!text.ok()) return Bad(fmt, NotA("attStmt." + std::string(key), text.status()));
  return text;
}

Result<int64_t> StmtInt(std::string_view fmt, const CborValue& stmt, std::string_view key) {
  const CborValue* v = stmt.Find(key);
  if (v == nullptr) return Missing(fmt, key);
  auto n = v->AsInt("attStmt." + std::string(key));
  if (!n.ok()) return Bad(fmt, NotA("attStmt." + std::string(key), n.status()));
  return n;
}

Result<std::vector<crypto::Certificate>> StmtX5c(std::string_view fmt, const CborValue& stmt) {
  const CborValue* v = stmt.Find("x5c");
  if (v == nullptr) return Missing(fmt, "x5c");
  auto items = v->AsArray("attStmt.x5c");
  if (!items.ok()) return Bad(fmt, NotA("attStmt.x5c", items.status()));
  if ((*items)->empty()) return Bad(fmt, "attStmt.x5c is empty");
  if ((*items)->size() > kMaxX5c) return Bad(fmt, "attStmt.x5c has more than 10 certificates");
  std::vector<crypto::Certificate> certs;
  for (size_t i = 0; i < (*items)->size(); ++i) {
    const std::string what = "attStmt.x5c[" + std::to_string(i) + "]";
    auto der = (**items)[i].AsBytes(what);
    if (!der.ok()) return Bad(fmt, NotA(what, der.status()));
    auto cert = crypto::Certificate::FromDer(*der);
    if (!cert.ok()) return Bad(fmt, what + " is not a certificate: " + cert.status().message());
    certs.push_back(*std::move(cert));
  }
  return certs;
}

std::string CoseName(int64_t alg) {
  switch (alg) {
    case kCoseEs256:
      return "ES256";
    case kCoseEdDsa:
      return "EdDSA";
    case kCosePs256:
      return "PS256";
    case kCoseRs256:
      return "RS256";
    default:
      return std::to_string(alg);
  }
}

Result<crypto::DigestAlg> CoseDigestForKey(std::string_view fmt, int64_t alg,
                                           const std::vector<int64_t>& allowed, const crypto::PublicKey& key,
                                           std::string_view key_name) {
  if (std::find(allowed.begin(), allowed.end(), alg) == allowed.end()) {
    std::string names;
    for (int64_t a : allowed) names += (names.empty() ? "" : ", ") + CoseName(a);
    return Bad(fmt, "attStmt.alg " + std::to_string(alg) + " is not one of " + names);
  }
  bool fits = false;
  crypto::DigestAlg digest = crypto::DigestAlg::kSha256;
  switch (alg) {
    case kCoseEs256:
      fits = key.curve() == crypto::Curve::kP256;
      break;
    case kCoseRs256:
    case kCosePs256:
      fits = key.algorithm() == crypto::KeyAlgorithm::kRsa;
      break;
    case kCoseEdDsa:
      fits = key.algorithm() == crypto::KeyAlgorithm::kEd25519;
      digest = crypto::DigestAlg::kNone;
      break;
    default:
      break;
  }
  if (!fits) return Bad(fmt, "attStmt.alg " + CoseName(alg) + " does not fit " + std::string(key_name));
  return digest;
}

const crypto::Certificate* FindAnchor(const crypto::Certificate& last,
                                      const std::vector<crypto::Certificate>& roots) {
  const std::string der = last.ToDer();
  for (const auto& root : roots) {
    if (root.ToDer() == der) return &root;
  }
  for (const auto& root : roots) {
    if (last.issuer() == root.subject() && last.IsSignedBy(root.public_key())) return &root;
  }
  return nullptr;
}

Result<std::vector<std::string>> VerifyX5cChain(std::string_view fmt,
                                                const std::vector<crypto::Certificate>& x5c,
                                                const std::vector<crypto::Certificate>& roots, TimePoint now,
                                                std::string_view what) {
  if (roots.empty()) return Bad(fmt, "format not enabled");
  // WebAuthn §8.3.1 / §8.4.1: x5c is the attestation certificate followed by its chain, each certificate
  // issued by the next.
  for (size_t i = 0; i + 1 < x5c.size(); ++i) {
    if (!x5c[i].IsSignedBy(x5c[i + 1].public_key())) {
      return Bad(fmt, "attStmt.x5c is not a chain: certificate " + std::to_string(i) + " is not issued by " +
                          std::to_string(i + 1));
    }
  }
  const std::vector<crypto::Certificate> intermediates(x5c.begin() + 1, x5c.end());
  Status chained = crypto::VerifyChainToAny(x5c.front(), intermediates, roots, now);
  if (!chained.ok())
    return Bad(fmt, std::string(what) + " does not chain to a trusted root: " + chained.message());
  std::vector<std::string> hashes;
  for (const auto& cert : x5c) hashes.push_back(CertificateSha256(cert));
  const crypto::Certificate* anchor = FindAnchor(x5c.back(), roots);
  if (anchor != nullptr && anchor->ToDer() != x5c.back().ToDer())
    hashes.push_back(CertificateSha256(*anchor));
  return hashes;
}

Result<std::optional<crypto::CertificateExtension>> FindExtension(std::string_view fmt,
                                                                  const crypto::Certificate& cert,
                                                                  std::string_view oid) {
  auto ext = cert.extension(oid);
  if (!ext.ok()) return Bad(fmt, "extension " + std::string(oid) + ": " + ext.status().message());
  return ext;
}

Result<crypto::CertificateExtension> RequireExtension(std::string_view fmt, const crypto::Certificate& cert,
                                                      std::string_view oid, std::string_view what) {
  ANVIL_ASSIGN_OR_RETURN(auto ext, FindExtension(fmt, cert, oid));
  if (!ext) return Bad(fmt, std::string(what) + " (" + std::string(oid) + ") is missing");
  return *std::move(ext);
}

Result<SubjectAltName> ParseSubjectAltName(std::string_view general_names_der) {
  DerReader outer(general_names_der);
  ANVIL_ASSIGN_OR_RETURN(DerTlv seq, outer.Expect(kDerUniversal, true, kDerSequence));
  ANVIL_RETURN_IF_ERROR(outer.ExpectEnd("GeneralNames"));
  DerReader names(seq.content);
  if (names.empty()) return Error(Code::kMalformed, "subjectAltName is empty");
  SubjectAltName out;
  while (!names.empty()) {
    ANVIL_ASSIGN_OR_RETURN(DerTlv name, names.Next());
    // GeneralName (RFC 5280 §4.2.1.6): [0], [3], [4], [5] are constructed, the others primitive.
    const bool constructed = name.tag == 0 || name.tag == 3 || name.tag == 4 || name.tag == 5;
    if (name.cls != kDerContext || name.tag > 8 || name.constructed != constructed) {
      return Error(Code::kMalformed, "subjectAltName entry is not a GeneralName");
    }
    if (name.tag == 0) {
      ANVIL_RETURN_IF_ERROR(ParseOtherName(name.content, out));
    } else if (name.tag == 4) {
      ANVIL_RETURN_IF_ERROR(ParseDirectoryName(name.content, out));
    }
  }
  return out;
}

Result<acme::Identifier> DeviceIdentifier(std::string_view fmt, const crypto::DeviceName& name,
                                          std::string_view what) {
  if (name.value.empty() || !IsUtf8(name.value) || name.value.find('/') != std::string::npos) {
    return Bad(fmt, std::string(what) + " " + Shown(name.value) +
                        " is not a usable device identifier (not UTF-8, empty, or containing \"/\")");
  }
  if (name.kind == crypto::DeviceName::Kind::kHardwareModule) {
    return acme::Identifier{acme::IdentifierType::kHardwareModule, name.value + "/" + name.oid};
  }
  return acme::Identifier{acme::IdentifierType::kPermanentIdentifier,
                          name.oid.empty() ? name.value : name.value + "/" + name.oid};
}

std::string Shown(std::string_view bytes) {
  const bool printable = IsUtf8(bytes) && std::none_of(bytes.begin(), bytes.end(), [](char c) {
                           return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                         });
  if (!printable) return "hex:" + crypto::HexEncode(bytes.substr(0, 32)) + (bytes.size() > 32 ? "..." : "");
  if (bytes.size() <= 64) return std::string(bytes);
  size_t cut = 64;
  while (cut > 0 && (static_cast<unsigned char>(bytes[cut]) & 0xC0) == 0x80) --cut;  // a character boundary
  return std::string(bytes.substr(0, cut)) + "...";
}

Status CheckIdentity(std::string_view fmt, const acme::Identifier& wanted,
                     const std::vector<acme::Identifier>& named) {
  if (named.empty()) return Bad(fmt, "the attestation names no device identity");
  if (std::find(named.begin(), named.end(), wanted) != named.end()) return Status::Ok();
  std::string list;
  for (const auto& id : named) list += (list.empty() ? "" : ", ") + acme::IdentifierText(id);
  return Bad(fmt,
             "the attested device identities (" + list + ") do not include " + acme::IdentifierText(wanted));
}

std::string CertificateSha256(const crypto::Certificate& cert) {
  return crypto::HexEncode(cert.fingerprint_sha256());
}

}  // namespace internal

namespace {

Result<Evidence> Dispatch(const std::string& fmt, const CborValue& stmt, const AttestationInput& input,
                          const TrustAnchors& anchors) {
  struct Format {
    std::string_view name;
    const std::vector<crypto::Certificate>& roots;
    Result<Evidence> (*verify)(const CborValue&, const AttestationInput&, const TrustAnchors&);
  };
  const Format formats[] = {{"tpm", anchors.tpm, internal::VerifyTpm},
                            {"apple", anchors.apple, internal::VerifyApple},
                            {"android-key", anchors.android, internal::VerifyAndroidKey},
                            {"step", anchors.yubikey, internal::VerifyStep}};
  for (const Format& f : formats) {
    if (f.name != fmt) continue;
    if (f.roots.empty()) return internal::Bad(fmt, "format not enabled");
    return f.verify(stmt, input, anchors);
  }
  return Error(Code::kBadAttestationStatement,
               "attObj.fmt \"" + internal::Shown(fmt) +
                   "\" is not a supported attestation format (tpm, apple, android-key, step)");
}

}  // namespace

Result<Evidence> VerifyAttestation(const AttestationInput& input, const TrustAnchors& anchors) {
  auto bad = [](std::string detail) { return Error(Code::kBadAttestationStatement, std::move(detail)); };
  auto decoded = DecodeCbor(input.att_obj);
  if (!decoded.ok()) return bad("attObj is not valid CBOR: " + decoded.status().message());
  if (decoded->kind() != CborValue::Kind::kMap) return bad("attObj is not a CBOR map");
  const CborValue* fmt_value = decoded->Find("fmt");
  if (fmt_value == nullptr) return bad("attObj.fmt is missing");
  auto fmt = fmt_value->AsText("attObj.fmt");
  if (!fmt.ok()) return bad("attObj.fmt is not a text string");
  const CborValue* stmt = decoded->Find("attStmt");
  if (stmt == nullptr) return bad("attObj.attStmt is missing");
  if (stmt->kind() != CborValue::Kind::kMap) return bad("attObj.attStmt is not a map");

  Result<Evidence> evidence = Dispatch(*fmt, *stmt, input, anchors);
  if (!evidence.ok()) return evidence.status();
  evidence->format = *fmt;
  ANVIL_RETURN_IF_ERROR(internal::CheckIdentity(*fmt, input.identifier, evidence->identifiers));
  return evidence;
}

}  // namespace anvil::attest
