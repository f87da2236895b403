#include "crypto/x509_fields.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <utility>

#include "crypto/der.h"

namespace anvil::crypto::internal {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), so the conversion
// does not depend on the process time zone as mktime would.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// RFC 5280 §4.2.1.12 key purposes, by the names config/ and the CA profiles use.
constexpr std::pair<const char*, int> kExtKeyUsageNames[] = {{"serverAuth", NID_server_auth},
                                                             {"clientAuth", NID_client_auth},
                                                             {"codeSigning", NID_code_sign},
                                                             {"emailProtection", NID_email_protect},
                                                             {"OCSPSigning", NID_OCSP_sign}};

}  // namespace

Result<GeneralNamePtr> MakeGeneralName(int type, std::string_view bytes) {
  ASN1_STRING* value = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
  if (value == nullptr || ASN1_STRING_set(value, bytes.data(), static_cast<int>(bytes.size())) != 1) {
    ASN1_STRING_free(value);
    return ErrorWithOpenSsl(Code::kInternal, "cannot build a subjectAltName entry");
  }
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) {
    ASN1_STRING_free(value);
    return ErrorWithOpenSsl(Code::kInternal, "cannot build a subjectAltName entry");
  }
  GENERAL_NAME_set0_value(name.get(), type, value);
  return name;
}

Result<GeneralNamePtr> UriName(const std::string& url) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return Error(Code::kInvalidArgument, "URL is not ASCII: \"" + url + "\"");
  }
  return MakeGeneralName(GEN_URI, url);
}

Result<DistPointNamePtr> FullNameUri(const std::string& url) {
  ANVIL_ASSIGN_OR_RETURN(GeneralNamePtr uri, UriName(url));
  GeneralNamesPtr names(GENERAL_NAMES_new());
  DistPointNamePtr dpn(DIST_POINT_NAME_new());
  if (!names || !dpn || sk_GENERAL_NAME_push(names.get(), uri.get()) <= 0) {
    return ErrorWithOpenSsl(Code::kInternal, "cannot build a distribution point name");
  }
  (void)uri.release();  // Now owned by names.
  dpn->type = 0;        // fullName
  dpn->name.fullname = names.release();
  return dpn;
}

int ExtKeyUsageNid(std::string_view name) {
  for (const auto& [known, nid] : kExtKeyUsageNames) {
    if (name == known) return nid;
  }
  return NID_undef;
}

const char* ExtKeyUsageName(int nid) {
  for (const auto& [name, known] : kExtKeyUsageNames) {
    if (nid == known) return name;
  }
  return nullptr;
}

std::optional<DigestAlg> SignatureDigestOfNids(int md_nid, int pkey_nid) {
  switch (md_nid) {
    case NID_sha256:
      return DigestAlg::kSha256;
    case NID_sha384:
      return DigestAlg::kSha384;
    case NID_sha512:
      return DigestAlg::kSha512;
    case NID_undef:
      if (pkey_nid == NID_ED25519) return DigestAlg::kNone;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

SignatureAlgorithm SignatureAlgorithmFor(const PublicKey& issuer_key) {
  const DigestAlg digest = DefaultDigestFor(issuer_key);
  switch (issuer_key.algorithm()) {
    case KeyAlgorithm::kEc:
      switch (*issuer_key.curve()) {
        case Curve::kP256:
          return {digest, NID_ecdsa_with_SHA256, V_ASN1_UNDEF};
        case Curve::kP384:
          return {digest, NID_ecdsa_with_SHA384, V_ASN1_UNDEF};
        case Curve::kP521:
          return {digest, NID_ecdsa_with_SHA512, V_ASN1_UNDEF};
      }
      break;
    case KeyAlgorithm::kRsa:
      return {digest, NID_sha256WithRSAEncryption, V_ASN1_NULL};
    case KeyAlgorithm::kEd25519:
      break;
  }
  return {digest, NID_ED25519, V_ASN1_UNDEF};
}

std::string SignatureAlgorithmDer(const SignatureAlgorithm& alg) {
  X509AlgorPtr algor(X509_ALGOR_new());
  if (!algor || X509_ALGOR_set0(algor.get(), OBJ_nid2obj(alg.nid), alg.param_type, nullptr) != 1) {
    DrainErrors();
    return {};
  }
  return I2d(algor.get(), i2d_X509_ALGOR);
}

Result<std::string> IpTextToBytes(std::string_view text) {
  std::string s(text);
  // inet_pton reads a C string: an embedded NUL would silently cut the text short.
  if (s.find('\0') != std::string::npos) return Error(Code::kInvalidArgument, "invalid IP address");
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET, s.c_str(), buf.data()) == 1)
    return std::string(reinterpret_cast<char*>(buf.data()), 4);
  if (inet_pton(AF_INET6, s.c_str(), buf.data()) == 1) {
    return std::string(reinterpret_cast<char*>(buf.data()), 16);
  }
  return Error(Code::kInvalidArgument, "invalid IP address \"" + s + "\"");
}

std::optional<std::string> IpBytesToText(std::string_view bytes) {
  // glibc's inet_ntop follows RFC 5952 §4: lowercase, longest (first) run of two or more zero groups
  // compressed, no leading zeros.
  std::array<char, INET6_ADDRSTRLEN> buf{};
  int family = bytes.size() == 4 ? AF_INET : bytes.size() == 16 ? AF_INET6 : -1;
  if (family < 0 || inet_ntop(family, bytes.data(), buf.data(), buf.size()) == nullptr) return std::nullopt;
  return std::string(buf.data());
}

namespace {

// The DER OBJECT IDENTIFIER (tag included) of a dotted-decimal OID; nullopt when OpenSSL cannot read it.
std::optional<std::string> OidDer(const std::string& dotted) {
  Asn1ObjectPtr obj = ObjectFromDottedOid(dotted);
  if (!obj) return std::nullopt;
  std::string der = I2d(obj.get(), i2d_ASN1_OBJECT);
  if (der.empty()) return std::nullopt;
  return der;
}

// otherName [0] EXPLICIT value for a device name: PermanentIdentifier ::= SEQUENCE { identifierValue
// UTF8String OPTIONAL, assigner OBJECT IDENTIFIER OPTIONAL } (RFC 4043 §2); HardwareModuleName ::= SEQUENCE
// { hwType OBJECT IDENTIFIER, hwSerialNum OCTET STRING } (RFC 4108 §5).
Result<GeneralNamePtr> DeviceGeneralName(const DeviceName& name) {
  const bool permanent = name.kind == DeviceName::Kind::kPermanentIdentifier;
  if (name.value.empty()) return Error(Code::kInvalidArgument, "a device name needs a value");
  std::string oid_der;
  if (!name.oid.empty() || !permanent) {
    auto der = OidDer(name.oid);
    if (!der) return Error(Code::kInvalidArgument, "invalid OID \"" + name.oid + "\" in a device name");
    oid_der = *der;
  }
  const std::string sequence =
      permanent ? DerTlv(0x30, DerTlv(0x0C, name.value) + oid_der) : DerTlv(0x30, oid_der + DerTlv(0x04, name.value));
  ASN1_STRING* seq = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
  ASN1_TYPE* value = ASN1_TYPE_new();
  Asn1ObjectPtr type_id = ObjectFromDottedOid(permanent ? kPermanentIdentifierOid : kHardwareModuleNameOid);
  GeneralNamePtr general(GENERAL_NAME_new());
  if (!seq || !value || !type_id || !general ||
      ASN1_STRING_set(seq, sequence.data(), static_cast<int>(sequence.size())) != 1) {
    ASN1_STRING_free(seq);
    ASN1_TYPE_free(value);
    return ErrorWithOpenSsl(Code::kInternal, "cannot build a device name");
  }
  ASN1_TYPE_set(value, V_ASN1_SEQUENCE, seq);  // `value` owns `seq` now
  if (GENERAL_NAME_set0_othername(general.get(), type_id.get(), value) != 1) {
    ASN1_TYPE_free(value);
    return ErrorWithOpenSsl(Code::kInternal, "cannot build a device name");
  }
  (void)type_id.release();
  return general;
}

// Reads a device otherName's value (the SEQUENCE above); nullopt when it does not decode or a
// PermanentIdentifier has no identifierValue.
std::optional<DeviceName> ReadDeviceName(bool permanent, const ASN1_TYPE* value) {
  if (value == nullptr || value->type != V_ASN1_SEQUENCE) return std::nullopt;
  std::string_view der(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value->value.sequence)),
                       static_cast<size_t>(ASN1_STRING_length(value->value.sequence)));
  auto content = ReadDerOf(der, 0x30);
  if (!content || !der.empty()) return std::nullopt;
  DeviceName name;
  name.kind = permanent ? DeviceName::Kind::kPermanentIdentifier : DeviceName::Kind::kHardwareModule;
  if (permanent) {
    auto id_value = ReadDerOf(*content, 0x0C);
    if (!id_value) return std::nullopt;  // the draft: identifierValue MUST be present
    name.value = std::string(*id_value);
    if (!content->empty()) {
      auto oid = ReadDerOf(*content, 0x06);
      auto text = oid ? OidContentToText(*oid) : std::nullopt;
      if (!text) return std::nullopt;
      name.oid = *text;
    }
  } else {
    auto oid = ReadDerOf(*content, 0x06);
    auto text = oid ? OidContentToText(*oid) : std::nullopt;
    auto serial = text ? ReadDerOf(*content, 0x04) : std::nullopt;
    if (!serial) return std::nullopt;
    name.oid = *text;
    name.value = std::string(*serial);
  }
  if (!content->empty()) return std::nullopt;
  return name;
}

}  // namespace

std::optional<std::string> OidContentToText(std::string_view content) {
  if (content.empty()) return std::nullopt;
  const std::string der = DerTlv(0x06, content);
  const unsigned char* p = Uchar(der);
  Asn1ObjectPtr obj(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(der.size())));
  if (!obj || p != Uchar(der) + der.size()) {
    DrainErrors();
    return std::nullopt;
  }
  std::string text = DottedOid(obj.get());
  if (text.empty()) return std::nullopt;
  return text;
}

Result<GeneralNamesPtr> BuildSan(const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses,
                                 const std::vector<DeviceName>& device_names) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return ErrorWithOpenSsl(Code::kInternal, "GENERAL_NAMES_new failed");
  auto push = [&](GeneralNamePtr name) -> Status {
    if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot add a subjectAltName entry");
    }
    (void)name.release();  // Now owned by the stack.
    return Status::Ok();
  };
  for (const auto& dns : dns_names) {
    // dNSName is an IA5String (RFC 5280 §4.2.1.6); IDNs go in as A-labels.
    bool ascii = !dns.empty();
    for (unsigned char c : dns) ascii = ascii && c > 0x20 && c < 0x7f;
    if (!ascii) return Error(Code::kInvalidArgument, "invalid DNS name \"" + dns + "\"");
    ANVIL_ASSIGN_OR_RETURN(GeneralNamePtr name, MakeGeneralName(GEN_DNS, dns));
    ANVIL_RETURN_IF_ERROR(push(std::move(name)));
  }
  for (const auto& ip : ip_addresses) {
    ANVIL_ASSIGN_OR_RETURN(std::string bytes, IpTextToBytes(ip));
    ANVIL_ASSIGN_OR_RETURN(GeneralNamePtr name, MakeGeneralName(GEN_IPADD, bytes));
    ANVIL_RETURN_IF_ERROR(push(std::move(name)));
  }
  for (const auto& device : device_names) {
    ANVIL_ASSIGN_OR_RETURN(GeneralNamePtr name, DeviceGeneralName(device));
    ANVIL_RETURN_IF_ERROR(push(std::move(name)));
  }
  return names;
}

SanEntries ReadSan(const GENERAL_NAMES* names) {
  SanEntries out;
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    switch (name->type) {
      case GEN_DNS:
        out.dns_names.push_back(Asn1Bytes(name->d.dNSName));
        break;
      case GEN_IPADD:
        if (auto text = IpBytesToText(Asn1Bytes(name->d.iPAddress))) {
          out.ip_addresses.push_back(*std::move(text));
        } else {
          out.bad_ip = true;
        }
        break;
      case GEN_EMAIL:
        out.others.push_back("email:" + Asn1Bytes(name->d.rfc822Name));
        break;
      case GEN_URI:
        out.others.push_back("uri:" + Asn1Bytes(name->d.uniformResourceIdentifier));
        break;
      case GEN_OTHERNAME: {
        const std::string type = DottedOid(name->d.otherName->type_id);
        const bool permanent = type == kPermanentIdentifierOid;
        if (permanent || type == kHardwareModuleNameOid) {
          if (auto device = ReadDeviceName(permanent, name->d.otherName->value)) {
            out.device_names.push_back(*std::move(device));
          } else {
            out.bad_device_name = true;
          }
        } else {
          out.others.push_back("otherName");
        }
        break;
      }
      case GEN_DIRNAME:
        out.others.push_back("dirName");
        break;
      case GEN_RID:
        out.others.push_back("registeredID");
        break;
      case GEN_X400:
        out.others.push_back("x400Address");
        break;
      case GEN_EDIPARTY:
        out.others.push_back("ediPartyName");
        break;
      default:
        out.others.push_back("unknown");
        break;
    }
  }
  return out;
}

std::string CommonName(const X509_NAME* name) {
  if (name == nullptr) return {};
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) {
    DrainErrors();
    return {};
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string NameToRfc2253(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    DrainErrors();
    return {};
  }
  return MemBioContents(bio.get());
}

TimePoint Asn1TimeToTimePoint(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    DrainErrors();
    return TimePoint{};
  }
  int64_t days = DaysFromCivil(int64_t{tm.tm_year} + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                               static_cast<unsigned>(tm.tm_mday));
  int64_t secs = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  return FromUnixSeconds(secs);
}

std::optional<std::string_view> FirstElementOfSequence(std::string_view der) {
  // Reads one definite-length TLV header at `pos`; returns {header length, content length}.
  auto read_header = [&](size_t pos) -> std::optional<std::pair<size_t, size_t>> {
    if (pos + 2 > der.size()) return std::nullopt;
    auto len_byte = static_cast<unsigned char>(der[pos + 1]);
    if (len_byte < 0x80) return std::make_pair(size_t{2}, size_t{len_byte});
    size_t n = len_byte & 0x7f;
    if (n == 0 || n > 4 || pos + 2 + n > der.size()) return std::nullopt;  // Indefinite or absurd.
    size_t len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<unsigned char>(der[pos + 2 + i]);
    return std::make_pair(2 + n, len);
  };
  if (der.empty() || static_cast<unsigned char>(der[0]) != 0x30) return std::nullopt;
  auto outer = read_header(0);
  if (!outer || outer->first + outer->second > der.size()) return std::nullopt;
  auto inner = read_header(outer->first);
  if (!inner || inner->first + inner->second > outer->second) return std::nullopt;
  return der.substr(outer->first, inner->first + inner->second);
}

}  // namespace anvil::crypto::internal
