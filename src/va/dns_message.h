// Internal to anvil_va: a reader for the answer section of a DNS response (RFC 1035 §4.1) and CNAME-chain
// following inside one response. Only what the resolver needs: owner names, A/AAAA/CNAME/TXT/CAA data, rcode.
// Pure functions over bytes; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "va/dns_resolver.h"

namespace anvil::va::internal {

inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypeCname = 5;
inline constexpr uint16_t kDnsTypeTxt = 16;
inline constexpr uint16_t kDnsTypeAaaa = 28;
inline constexpr uint16_t kDnsTypeCaa = 257;
inline constexpr uint16_t kDnsClassIn = 1;

struct DnsRecord {
  std::string owner;  // lowercased, no trailing dot
  uint16_t type = 0;
  // A/AAAA: the address as text; CNAME: the lowercased target name; TXT: the character-strings concatenated
  // (RFC 1035 §3.3.14, as Boulder and Pebble join them); CAA: the RDATA as received, checked to hold a flags
  // octet, a tag length of at least 1 and the tag (ParseCaaRdata reads it); other types: empty.
  std::string data;
};

struct DnsAnswer {
  int rcode = 0;
  std::vector<DnsRecord> answers;  // class IN only
};

// The DNS type's mnemonic ("TXT", "A", ...), for messages.
std::string_view DnsTypeName(uint16_t type);

// Parses a complete DNS message. kDns("malformed DNS response") when it is truncated or its names are
// invalid.
Result<DnsAnswer> ParseDnsAnswer(std::string_view message);

// A CAA record's RDATA (RFC 8659 §4.1): flags octet, tag length, tag, value. The tag is lowercased (tags
// match case-insensitively, §4.1); the value is kept as sent. kDns("malformed DNS response") when the tag
// length is 0 or runs past the RDATA.
Result<CaaRecord> ParseCaaRdata(std::string_view rdata);

struct ChainEnd {
  std::vector<std::string> values;  // data of the records of the wanted type owned by `name`
  std::string name;                 // where the CNAME chain ended (the queried name when there is no CNAME)
  int cnames = 0;                   // CNAME hops taken inside this answer
};

// Follows CNAMEs from `name` (case-insensitively, at most `max_hops`) through `answer` and collects the
// records of `type` owned by the final name. When `values` is empty and `name` differs from the queried name,
// the caller should query the new name (a server that is authoritative only for the alias).
ChainEnd FollowCnames(const DnsAnswer& answer, std::string_view name, uint16_t type, int max_hops);

}  // namespace anvil::va::internal
