#include "va/dns_message.h"

#include <gtest/gtest.h>

namespace anvil::va::internal {
namespace {

// Builds DNS messages by hand (RFC 1035 §4.1).
class MessageBuilder {
 public:
  explicit MessageBuilder(int rcode = 0) {
    U16(0x1234);
    U16(static_cast<uint16_t>(0x8180 | rcode));
    U16(1);  // qdcount
    ancount_at_ = bytes_.size();
    U16(0);
    U16(0);
    U16(0);
  }
  MessageBuilder& Question(std::string_view name, uint16_t type) {
    Name(name);
    U16(type);
    U16(kDnsClassIn);
    return *this;
  }
  MessageBuilder& Record(std::string_view owner, uint16_t type, std::string rdata,
                         uint16_t klass = kDnsClassIn) {
    Name(owner);
    U16(type);
    U16(klass);
    U16(0);
    U16(60);
    U16(static_cast<uint16_t>(rdata.size()));
    bytes_ += rdata;
    ++ancount_;
    bytes_[ancount_at_] = static_cast<char>(ancount_ >> 8);
    bytes_[ancount_at_ + 1] = static_cast<char>(ancount_ & 0xFF);
    return *this;
  }
  static std::string EncodedName(std::string_view name) {
    std::string out;
    while (!name.empty()) {
      const size_t dot = name.find('.');
      const std::string_view label = name.substr(0, dot);
      out += static_cast<char>(label.size());
      out += label;
      name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    }
    out += '\0';
    return out;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void U16(uint16_t v) {
    bytes_ += static_cast<char>(v >> 8);
    bytes_ += static_cast<char>(v & 0xFF);
  }
  void Name(std::string_view name) { bytes_ += EncodedName(name); }
  std::string bytes_;
  size_t ancount_at_ = 0;
  uint16_t ancount_ = 0;
};

TEST(VaDnsMessage, ParseReadsTxtAndJoinsCharacterStrings) {
  MessageBuilder m;
  m.Question("_acme-challenge.example.test", kDnsTypeTxt)
      .Record("_acme-challenge.Example.TEST", kDnsTypeTxt,
              std::string("\x03"
                          "abc"
                          "\x02"
                          "de",
                          7));
  auto answer = ParseDnsAnswer(m.bytes());
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->answers.size(), 1u);
  EXPECT_EQ(answer->answers[0].owner, "_acme-challenge.example.test");
  EXPECT_EQ(answer->answers[0].data, "abcde");
}

TEST(VaDnsMessage, ParseReadsAddressesAndCompressedCname) {
  MessageBuilder m;
  m.Question("www.example.test", kDnsTypeA)
      // Pointer to offset 12: the question name.
      .Record("alias.example.test", kDnsTypeCname, std::string("\x03www\xc0\x0c", 6))
      .Record("www.www.example.test", kDnsTypeA, std::string("\x7f\x00\x00\x01", 4))
      .Record("www.www.example.test", kDnsTypeAaaa, std::string(15, '\0') + "\x01");
  auto answer = ParseDnsAnswer(m.bytes());
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->answers.size(), 3u);
  EXPECT_EQ(answer->answers[0].data, "www.www.example.test");
  EXPECT_EQ(answer->answers[1].data, "127.0.0.1");
  EXPECT_EQ(answer->answers[2].data, "::1");
}

TEST(VaDnsMessage, ParseKeepsRcode) {
  MessageBuilder m(3);
  m.Question("nx.example.test", kDnsTypeTxt);
  auto answer = ParseDnsAnswer(m.bytes());
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->rcode, 3);
  EXPECT_TRUE(answer->answers.empty());
}

TEST(VaDnsMessage, ParseRejectsTruncatedAndLoopingMessages) {
  MessageBuilder m;
  m.Question("example.test", kDnsTypeTxt)
      .Record("example.test", kDnsTypeTxt,
              "\x05"
              "abc");
  EXPECT_EQ(ParseDnsAnswer(m.bytes()).status().code(), Code::kDns);  // character-string runs past rdata
  std::string cut = m.bytes().substr(0, m.bytes().size() - 3);
  EXPECT_EQ(ParseDnsAnswer(cut).status().code(), Code::kDns);
  EXPECT_EQ(ParseDnsAnswer("\x12\x34").status().code(), Code::kDns);

  // A name that points at itself.
  std::string looping("\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x10\x00\x01", 18);
  EXPECT_EQ(ParseDnsAnswer(looping).status().code(), Code::kDns);
}

TEST(VaDnsMessage, ParseSkipsOtherClasses) {
  MessageBuilder m;
  m.Question("example.test", kDnsTypeTxt).Record("example.test", kDnsTypeTxt, "\x01x", /*klass=*/3);
  auto answer = ParseDnsAnswer(m.bytes());
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->answers.empty());
}

TEST(VaDnsMessage, FollowCnamesFollowsChainInsideAnswer) {
  DnsAnswer a;
  a.answers = {{"a.test", kDnsTypeCname, "b.test"},
               {"b.test", kDnsTypeCname, "c.test"},
               {"c.test", kDnsTypeTxt, "v1"},
               {"c.test", kDnsTypeTxt, "v2"},
               {"a.test", kDnsTypeTxt, "ignored?"}};
  // a.test has a TXT of its own in this (invalid) answer: RFC 1034 says a CNAME owner has no other data, and
  // we take what is at the name first.
  ChainEnd direct = FollowCnames(a, "A.TEST.", kDnsTypeTxt, 8);
  EXPECT_EQ(direct.values, std::vector<std::string>{"ignored?"});

  a.answers.pop_back();
  ChainEnd end = FollowCnames(a, "a.test", kDnsTypeTxt, 8);
  EXPECT_EQ(end.values, (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(end.name, "c.test");
  EXPECT_EQ(end.cnames, 2);
}

TEST(VaDnsMessage, FollowCnamesReportsDanglingAliasAndStopsAtHopLimit) {
  DnsAnswer a;
  a.answers = {{"a.test", kDnsTypeCname, "b.test"}};
  ChainEnd end = FollowCnames(a, "a.test", kDnsTypeTxt, 8);
  EXPECT_TRUE(end.values.empty());
  EXPECT_EQ(end.name, "b.test");

  DnsAnswer loop;
  loop.answers = {{"a.test", kDnsTypeCname, "b.test"}, {"b.test", kDnsTypeCname, "a.test"}};
  ChainEnd looped = FollowCnames(loop, "a.test", kDnsTypeTxt, 8);
  EXPECT_TRUE(looped.values.empty());
  EXPECT_EQ(looped.cnames, 8);
}

TEST(VaDnsMessage, CaaRecordKeepsRdataAndParses) {
  const std::string rdata = std::string("\x80\x05IsSuEca.anvil.test", 20);
  MessageBuilder m;
  m.Question("example.test", kDnsTypeCaa).Record("example.test", kDnsTypeCaa, rdata);
  auto answer = ParseDnsAnswer(m.bytes());
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->answers.size(), 1u);
  EXPECT_EQ(answer->answers[0].data, rdata);
  auto record = ParseCaaRdata(rdata);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->flags, 0x80);
  EXPECT_EQ(record->tag, "issue");  // lowercased
  EXPECT_EQ(record->value, "ca.anvil.test");
}

TEST(VaDnsMessage, MalformedCaaRdataIsRefused) {
  for (const std::string& rdata : {std::string("\x00", 1), std::string("\x00\x00value", 7),
                                  std::string("\x00\x09issue", 7)}) {
    MessageBuilder m;
    m.Question("example.test", kDnsTypeCaa).Record("example.test", kDnsTypeCaa, rdata);
    auto answer = ParseDnsAnswer(m.bytes());
    EXPECT_EQ(answer.status().code(), Code::kDns);
  }
}

}  // namespace
}  // namespace anvil::va::internal
