// The signing component as the registration authority sees it (the `anvil_ca_api` interface target; the RA
// links nothing else of the CA). An issuance follows the cycle of Let's Encrypt's CA, so that a crash at any
// point loses no signed certificate and never signs twice for one request (docs/issuance.md):
//   1. the CA picks a 128-bit CSPRNG serial and builds the to-be-signed certificate;
//   2. IssuanceLog::Record makes serial + TBS durable — a serial already taken (kConflict) is retried with a
//      fresh serial, any other error ends the issuance with nothing signed;
//   3. the CA signs;
//   4. IssuanceLog::Complete makes the signed certificate durable; only then does Issue return it.
// If signing or Complete fails, the CA calls IssuanceLog::Abandon: the record stays, as what might have been
// signed, and is never handed out.
//
// The CA knows nothing of accounts or ACME resources: the caller's IssuanceLog binds the records to whatever
// asked for the certificate (the RA's is ra/OrderIssuance).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/key.h"

namespace anvil::ca {

// What a certificate says besides its names and key; the RA picks one per request (its profiles).
struct CertificateProfile {
  std::string name;                           // recorded with the certificate
  std::chrono::seconds validity{90 * 86400};  // notAfter - notBefore, unless the request asks less
  std::chrono::seconds backdate{60};          // notBefore = now - backdate (clock skew)
  std::vector<std::string> ext_key_usages{"serverAuth"};  // crypto's names: serverAuth, clientAuth, ...
  bool crl = true;   // the certificate names the CA's CRL distribution point, if it has one
  bool ocsp = true;  // the certificate names the CA's OCSP responder, if it has one
};

// One end-entity certificate to sign. The caller has checked everything (policy, CSR, validity bounds).
struct IssuanceRequest {
  crypto::PublicKey subject_key;
  std::vector<acme::Identifier> identifiers;  // dns and ip, in SAN extension sequence
  CertificateProfile profile;
  std::optional<TimePoint> not_before;  // as requested, or the profile's
  std::optional<TimePoint> not_after;
};

// What the CA is about to sign, recorded before it signs.
struct PendingCertificate {
  std::string serial;  // lowercase hex without leading zeros, as crypto::Certificate::serial_hex()
  std::string tbs_der;
  std::string issuer_chain_pem;    // served after the leaf
  std::vector<std::string> names;  // the identifiers' values
  std::string profile;             // CertificateProfile::name
  std::string authority_key_id;    // raw bytes, for RFC 9773 certificate IDs
  TimePoint not_before;
  TimePoint not_after;
};

// Where the CA records an issuance; implemented by the caller, one object per issuance. Not called
// concurrently for one issuance.
class IssuanceLog {
 public:
  virtual ~IssuanceLog() = default;
  // Before signing. OK: `pending` is durable and the CA may sign. kConflict: the serial is taken (the CA
  // retries with a new one). Any other error ends the issuance and is what Issue returns.
  virtual Status Record(const PendingCertificate& pending) = 0;
  // After signing: `der` is durable under `serial`. An error makes the CA abandon the certificate.
  virtual Status Complete(const std::string& serial, const std::string& der) = 0;
  // The recorded certificate `serial` will never be handed out: signing or Complete failed with `why`.
  virtual Status Abandon(const std::string& serial, const Status& why) = 0;
};

struct IssuedCertificate {
  std::string der;     // the certificate, as recorded by IssuanceLog::Complete
  std::string serial;  // PendingCertificate::serial
};

class CertificateIssuer {
 public:
  virtual ~CertificateIssuer() = default;
  // Signs `request`, recording through `log` as above. Errors: Record's (a serial conflict is retried a few
  // times first); kServerInternal when signing failed, or Complete's error (then the certificate is
  // abandoned; if Abandon fails too, its message is appended).
  virtual Result<IssuedCertificate> Issue(const IssuanceRequest& request, IssuanceLog& log) = 0;
};

}  // namespace anvil::ca
