// Fuzzes the VA's DNS message reader (va/dns_message.h: header, questions, answers with compressed names,
// A/AAAA/CNAME/TXT data), which reads every response a resolver (or whoever spoofs one) sends for dns-01 and
// CAA-less lookups, and the CNAME-chain following over what it parsed.
//
// Invariants: a refusal is kDns; owners and CNAME targets are lowercase and at most 255 octets of wire name
// (so at most 4 times that as escaped text); FollowCnames ends within its hop bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "va/dns_message.h"

namespace {

namespace internal = anvil::va::internal;

bool Lowercase(const std::string& s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
  auto answer = internal::ParseDnsAnswer(message);
  if (!answer.ok()) {
    FUZZ_CHECK(answer.status().code() == anvil::Code::kDns, answer.status().ToString());
    return 0;
  }
  FUZZ_CHECK(answer->rcode >= 0 && answer->rcode <= 15, std::to_string(answer->rcode));
  for (const auto& record : answer->answers) {
    FUZZ_CHECK(Lowercase(record.owner) && record.owner.size() <= 4 * 255, record.owner);
    if (record.type == internal::kDnsTypeCname) FUZZ_CHECK(Lowercase(record.data), record.data);
    (void)internal::DnsTypeName(record.type);
  }
  const std::string first = answer->answers.empty() ? "example.com" : answer->answers.front().owner;
  for (uint16_t type : {internal::kDnsTypeTxt, internal::kDnsTypeA, internal::kDnsTypeAaaa}) {
    for (int max_hops : {0, 1, 16}) {
      internal::ChainEnd end = internal::FollowCnames(*answer, first, type, max_hops);
      FUZZ_CHECK(end.cnames >= 0 && end.cnames <= max_hops, std::to_string(end.cnames));
    }
  }
  return 0;
}
