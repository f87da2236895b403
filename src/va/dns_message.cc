#include "va/dns_message.h"

#include <arpa/inet.h>

#include <cstdio>

namespace anvil::va::internal {
namespace {

Status Malformed() { return Error(Code::kDns, "malformed DNS response"); }

class Reader {
 public:
  explicit Reader(std::string_view message) : m_(message) {}

  bool U16(size_t& pos, uint16_t& out) const {
    if (pos + 2 > m_.size()) return false;
    out = static_cast<uint16_t>((static_cast<uint8_t>(m_[pos]) << 8) | static_cast<uint8_t>(m_[pos + 1]));
    pos += 2;
    return true;
  }

  // Reads a possibly compressed name (RFC 1035 §4.1.4) at `pos`, advancing `pos` past its in-place bytes.
  // Lowercases ASCII letters; escapes bytes that are not LDH-ish as \DDD so distinct names stay distinct.
  bool Name(size_t& pos, std::string& out) const {
    out.clear();
    size_t cursor = pos;
    bool jumped = false;
    int jumps = 0;
    size_t wire_length = 0;
    while (true) {
      if (cursor >= m_.size()) return false;
      const auto len = static_cast<uint8_t>(m_[cursor]);
      if ((len & 0xC0) == 0xC0) {
        if (cursor + 2 > m_.size() || ++jumps > 64) return false;
        const size_t target = ((len & 0x3F) << 8) | static_cast<uint8_t>(m_[cursor + 1]);
        if (!jumped) pos = cursor + 2;
        jumped = true;
        cursor = target;
        continue;
      }
      if ((len & 0xC0) != 0) return false;  // RFC 6891 §5 extended label types are not used in answers
      if (len == 0) {
        if (!jumped) pos = cursor + 1;
        return true;
      }
      wire_length += len + 1;
      if (wire_length > 255 || cursor + 1 + len > m_.size()) return false;
      if (!out.empty()) out += '.';
      for (size_t i = 0; i < len; ++i) {
        auto c = static_cast<unsigned char>(m_[cursor + 1 + i]);
        if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*') {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
          out += buf;
        }
      }
      cursor += 1 + len;
    }
  }

 private:
  std::string_view m_;
};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view WithoutTrailingDot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

}  // namespace

std::string_view DnsTypeName(uint16_t type) {
  switch (type) {
    case kDnsTypeA:
      return "A";
    case kDnsTypeAaaa:
      return "AAAA";
    case kDnsTypeCname:
      return "CNAME";
    case kDnsTypeTxt:
      return "TXT";
    case kDnsTypeCaa:
      return "CAA";
    default:
      return "?";
  }
}

Result<DnsAnswer> ParseDnsAnswer(std::string_view message) {
  const Reader r(message);
  size_t pos = 0;
  uint16_t id, flags, qdcount, ancount, nscount, arcount;
  if (!r.U16(pos, id) || !r.U16(pos, flags) || !r.U16(pos, qdcount) || !r.U16(pos, ancount) ||
      !r.U16(pos, nscount) || !r.U16(pos, arcount)) {
    return Malformed();
  }
  DnsAnswer answer;
  answer.rcode = flags & 0x0F;
  std::string name;
  for (uint16_t i = 0; i < qdcount; ++i) {
    uint16_t qtype, qclass;
    if (!r.Name(pos, name) || !r.U16(pos, qtype) || !r.U16(pos, qclass)) return Malformed();
  }
  for (uint16_t i = 0; i < ancount; ++i) {
    DnsRecord record;
    uint16_t rclass, ttl_high, ttl_low, rdlength;
    if (!r.Name(pos, record.owner) || !r.U16(pos, record.type) || !r.U16(pos, rclass) ||
        !r.U16(pos, ttl_high) || !r.U16(pos, ttl_low) || !r.U16(pos, rdlength) ||
        pos + rdlength > message.size()) {
      return Malformed();
    }
    const size_t rdata = pos;
    pos += rdlength;
    if (rclass != kDnsClassIn) continue;
    switch (record.type) {
      case kDnsTypeA:
      case kDnsTypeAaaa: {
        const bool v4 = record.type == kDnsTypeA;
        if (rdlength != (v4 ? 4 : 16)) return Malformed();
        char text[INET6_ADDRSTRLEN];
        if (inet_ntop(v4 ? AF_INET : AF_INET6, message.data() + rdata, text, sizeof text) == nullptr) {
          return Malformed();
        }
        record.data = text;
        break;
      }
      case kDnsTypeCname: {
        size_t at = rdata;
        if (!r.Name(at, record.data) || at > pos) return Malformed();
        break;
      }
      case kDnsTypeTxt: {
        size_t at = rdata;
        while (at < pos) {
          const auto len = static_cast<uint8_t>(message[at]);
          if (at + 1 + len > pos) return Malformed();
          record.data.append(message.substr(at + 1, len));
          at += 1 + len;
        }
        break;
      }
      case kDnsTypeCaa: {
        record.data.assign(message.substr(rdata, rdlength));
        if (!ParseCaaRdata(record.data).ok()) return Malformed();
        break;
      }
      default:
        break;
    }
    answer.answers.push_back(std::move(record));
  }
  return answer;
}

Result<CaaRecord> ParseCaaRdata(std::string_view rdata) {
  if (rdata.size() < 2) return Malformed();
  const auto tag_length = static_cast<uint8_t>(rdata[1]);
  if (tag_length == 0 || 2u + tag_length > rdata.size()) return Malformed();
  CaaRecord record;
  record.flags = static_cast<uint8_t>(rdata[0]);
  record.tag.assign(rdata.substr(2, tag_length));
  for (char& c : record.tag) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  record.value.assign(rdata.substr(2 + tag_length));
  return record;
}

ChainEnd FollowCnames(const DnsAnswer& answer, std::string_view name, uint16_t type, int max_hops) {
  ChainEnd end;
  end.name = std::string(WithoutTrailingDot(name));
  for (char& c : end.name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  while (true) {
    const DnsRecord* cname = nullptr;
    for (const DnsRecord& record : answer.answers) {
      if (!EqualsIgnoringCase(record.owner, end.name)) continue;
      if (record.type == type) end.values.push_back(record.data);
      if (record.type == kDnsTypeCname && cname == nullptr) cname = &record;
    }
    // RFC 1034 §3.6.2: a name with a CNAME has no other data; follow it only when nothing was found here.
    if (!end.values.empty() || cname == nullptr || end.cnames >= max_hops) return end;
    end.name = cname->data;
    ++end.cnames;
  }
}

}  // namespace anvil::va::internal
