// Device names in subjectAltName (PermanentIdentifier, HardwareModuleName: draft-ietf-acme-device-attest-09
// §3.2, §4.2), raw extensions, and chain verification against several anchors — checked against the openssl
// command-line tool, which reads what crypto/ wrote and writes what crypto/ must read.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/openssl_cli_test_util.h"

namespace anvil::crypto {
namespace {

using cli_testing::CliTempDir;
using cli_testing::RunCommand;
using std::chrono::hours;

TimePoint Now() { return FromUnixSeconds(ToUnixSeconds(std::chrono::system_clock::now())); }

PrivateKey Key() { return PrivateKey::Generate(KeyType::kEcP256).value(); }

const DeviceName kSerial{DeviceName::Kind::kPermanentIdentifier, "ABCdef-123", ""};
const DeviceName kSerialWithAssigner{DeviceName::Kind::kPermanentIdentifier, "C02X", "1.2.840.113635.100"};
const DeviceName kModule{DeviceName::Kind::kHardwareModule, std::string("SN\x01\xff", 4), "2.23.133.1.2"};

Certificate SelfSigned(const PrivateKey& key, CertificateTemplate t) {
  if (t.serial.empty()) t.serial = "\x01";
  if (t.not_before == TimePoint{}) t.not_before = Now() - hours(1);
  if (t.not_after == TimePoint{}) t.not_after = Now() + hours(24);
  auto cert = IssueCertificate(t, key.public_key(), nullptr, key);
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  return *cert;
}

TEST(DeviceNames, CertificateRoundTripsEachFormOctetForOctet) {
  PrivateKey key = Key();
  Certificate cert = SelfSigned(key, {.device_names = {kSerial, kSerialWithAssigner, kModule}});
  EXPECT_EQ(cert.device_names(), (std::vector<DeviceName>{kSerial, kSerialWithAssigner, kModule}));
  EXPECT_TRUE(cert.dns_names().empty());
  // OpenSSL's own reader sees the otherNames with their types (OpenSSL 3.0 prints no values; the CSR test
  // below has OpenSSL write the values crypto/ reads).
  CliTempDir dir("device_names");
  dir.Write("c.pem", cert.ToPem());
  auto text = RunCommand("openssl x509 -noout -ext subjectAltName -in " + dir.path() + "/c.pem");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("othername: Permanent Identifier::"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("othername: 1.3.6.1.5.5.7.8.4::"), std::string::npos) << text.output;
}

TEST(DeviceNames, CsrRoundTripsAndOtherOtherNamesStayOthers) {
  PrivateKey key = Key();
  auto csr = Csr::Create(key, {}, {}, "", {kSerialWithAssigner, kModule});
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  EXPECT_EQ(csr->device_names(), (std::vector<DeviceName>{kSerialWithAssigner, kModule}));
  EXPECT_TRUE(csr->other_san_entries().empty());
  auto parsed = Csr::FromDer(csr->ToDer());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->device_names(), csr->device_names());
  EXPECT_TRUE(parsed->VerifySignature());

  // A CSR written by `openssl req` with a PermanentIdentifier and an unrelated otherName (a UPN).
  CliTempDir dir("device_csr");
  dir.Write("k.pem", key.ToPem());
  dir.Write("req.cnf",
            "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=device\n[ext]\nsubjectAltName=@san\n[san]\n"
            "otherName.1=1.3.6.1.5.5.7.8.3;SEQUENCE:pi\notherName.2=1.3.6.1.4.1.311.20.2.3;UTF8:u@example\n"
            "otherName.3=1.3.6.1.5.5.7.8.4;SEQUENCE:hm\n"
            "[pi]\nidentifierValue=UTF8:SERIAL-42\nassigner=OID:1.2.3.4\n"
            "[hm]\nhwType=OID:2.23.133.1.2\nhwSerialNum=FORMAT:HEX,OCTETSTRING:00ff41\n");
  auto made = RunCommand("openssl req -new -key " + dir.path() + "/k.pem -config " + dir.path() +
                         "/req.cnf -reqexts ext -outform DER -out " + dir.path() + "/r.der");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto theirs = Csr::FromDer(dir.Read("r.der"));
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  EXPECT_EQ(theirs->device_names(),
            (std::vector<DeviceName>{{DeviceName::Kind::kPermanentIdentifier, "SERIAL-42", "1.2.3.4"},
                                     {DeviceName::Kind::kHardwareModule, std::string("\x00\xff\x41", 3),
                                      "2.23.133.1.2"}}));
  EXPECT_EQ(theirs->other_san_entries(), std::vector<std::string>{"otherName"});
}

TEST(DeviceNames, APermanentIdentifierWithoutItsValueIsBadCsr) {
  // RFC 4043 makes identifierValue optional; the draft requires it.
  PrivateKey key = Key();
  CliTempDir dir("device_csr_bad");
  dir.Write("k.pem", key.ToPem());
  dir.Write("req.cnf",
            "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=device\n[ext]\nsubjectAltName=@san\n[san]\n"
            "otherName.1=1.3.6.1.5.5.7.8.3;SEQUENCE:pi\n[pi]\nassigner=OID:1.2.3.4\n");
  auto made = RunCommand("openssl req -new -key " + dir.path() + "/k.pem -config " + dir.path() +
                         "/req.cnf -reqexts ext -outform DER -out " + dir.path() + "/r.der");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto csr = Csr::FromDer(dir.Read("r.der"));
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.status().code(), Code::kBadCsr);
}

TEST(DeviceNames, BadDeviceNamesAreRefusedWhenBuilding) {
  PrivateKey key = Key();
  EXPECT_EQ(Csr::Create(key, {}, {}, "", {{DeviceName::Kind::kHardwareModule, "x", ""}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Csr::Create(key, {}, {}, "", {{DeviceName::Kind::kPermanentIdentifier, "", ""}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Csr::Create(key, {}, {}, "", {{DeviceName::Kind::kPermanentIdentifier, "x", "1.x"}}).status().code(),
            Code::kInvalidArgument);
}

TEST(Extensions, RawExtensionsRoundTripWithTheirCriticality) {
  PrivateKey key = Key();
  Certificate cert = SelfSigned(
      key, {.extra_extensions = {{"1.2.840.113635.100.8.11.1", std::string("\x04\x02\xab\xcd", 4), false},
                                 {"1.3.6.1.4.1.41482.3.7", std::string("\x02\x01\x07", 3), true}}});
  auto nonce = cert.extension("1.2.840.113635.100.8.11.1");
  ASSERT_TRUE(nonce.ok());
  ASSERT_TRUE(nonce->has_value());
  EXPECT_EQ((*nonce)->value, std::string("\x04\x02\xab\xcd", 4));
  EXPECT_FALSE((*nonce)->critical);
  EXPECT_TRUE(cert.extension("1.3.6.1.4.1.41482.3.7").value()->critical);
  EXPECT_FALSE(cert.extension("1.2.3.4").value().has_value());
  EXPECT_EQ(cert.extension("not-an-oid").status().code(), Code::kInvalidArgument);
  // A second extension with an OID the certificate has already is refused.
  CertificateTemplate twice{.serial = "\x01", .not_before = Now(), .not_after = Now() + hours(1),
                            .extra_extensions = {{"1.2.3.4", "\x05\x00", false}, {"1.2.3.4", "\x05\x00", false}}};
  EXPECT_EQ(IssueCertificate(twice, key.public_key(), nullptr, key).status().code(), Code::kInvalidArgument);
}

TEST(Extensions, SubjectAndVersion) {
  PrivateKey key = Key();
  Certificate empty = SelfSigned(key, {.device_names = {kSerial}});
  EXPECT_EQ(empty.subject_der(), std::string("\x30\x00", 2));
  EXPECT_EQ(empty.version(), 3);
  // An empty subject makes the SAN critical (RFC 5280 §4.2.1.6).
  EXPECT_TRUE(empty.extension("2.5.29.17").value()->critical);
  Certificate named = SelfSigned(key, {.subject = {.common_name = "x"}});
  EXPECT_NE(named.subject_der(), std::string("\x30\x00", 2));
}

TEST(VerifyChainToAny, AnyOfTheAnchorsWillDo) {
  PrivateKey root_a = Key(), root_b = Key(), leaf_key = Key();
  Certificate a = SelfSigned(root_a, {.serial = "\x0a", .subject = {.common_name = "A"}, .is_ca = true,
                                      .key_cert_sign = true});
  Certificate b = SelfSigned(root_b, {.serial = "\x0b", .subject = {.common_name = "B"}, .is_ca = true,
                                      .key_cert_sign = true});
  auto leaf = IssueCertificate({.serial = "\x0c", .subject = {.common_name = "leaf"}, .not_before = Now() - hours(1),
                                .not_after = Now() + hours(2)},
                               leaf_key.public_key(), &b, root_b);
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(VerifyChainToAny(*leaf, {}, {a, b}, Now()).ok());
  EXPECT_EQ(VerifyChainToAny(*leaf, {}, {a}, Now()).code(), Code::kMalformed);
  EXPECT_EQ(VerifyChainToAny(*leaf, {}, {}, Now()).code(), Code::kMalformed);
}

}  // namespace
}  // namespace anvil::crypto
