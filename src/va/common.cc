#include "va/common.h"

#include <arpa/inet.h>

#include <cstdio>

#include "va/network_validator.h"

namespace anvil::va {
namespace internal {

bool IsIpv6Address(std::string_view text) {
  in6_addr v6;
  return inet_pton(AF_INET6, std::string(text).c_str(), &v6) == 1;
}

bool IsIpAddress(std::string_view text) {
  in_addr v4;
  return inet_pton(AF_INET, std::string(text).c_str(), &v4) == 1 || IsIpv6Address(text);
}

Result<std::vector<std::string>> ResolveTarget(const std::string& host, DnsResolver& resolver) {
  if (IsIpAddress(host)) return std::vector<std::string>{host};
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> addresses, resolver.LookupAddresses(host));
  if (addresses.empty())
    return Error(Code::kDns, "DNS problem: no valid A or AAAA records found for " + host);
  return addresses;
}

std::vector<std::string> ConnectOrder(const std::vector<std::string>& addresses) {
  std::vector<std::string> order;
  for (const std::string& a : addresses) {
    if (IsIpv6Address(a)) {
      order.push_back(a);
      break;
    }
  }
  for (const std::string& a : addresses) {
    if (!IsIpv6Address(a) && IsIpAddress(a)) {
      order.push_back(a);
      break;
    }
  }
  return order;
}

std::string QuoteForDetail(std::string_view bytes, size_t limit) {
  std::string out = "\"";
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c >= 0x20 && c < 0x7F) {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
          out += buf;
        }
    }
  }
  out += '"';
  if (bytes.size() > limit) out += "...";
  return out;
}

std::string_view TrimTrailingWhitespace(std::string_view text) {
  while (!text.empty()) {
    const char c = text.back();
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\v' && c != '\f') break;
    text.remove_suffix(1);
  }
  return text;
}

std::string HostPort(std::string_view host, uint16_t port) {
  std::string out;
  if (IsIpv6Address(host)) {
    out = "[" + std::string(host) + "]";
  } else {
    out = std::string(host);
  }
  return out + ":" + std::to_string(port);
}

}  // namespace internal

Result<std::string> ReverseDnsName(const std::string& ip) {
  static constexpr char kHex[] = "0123456789abcdef";
  in_addr v4;
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    const auto* b = reinterpret_cast<const unsigned char*>(&v4.s_addr);
    return std::to_string(b[3]) + "." + std::to_string(b[2]) + "." + std::to_string(b[1]) + "." +
           std::to_string(b[0]) + ".in-addr.arpa";
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    std::string out;
    for (int i = 15; i >= 0; --i) {
      out += kHex[v6.s6_addr[i] & 0x0F];
      out += '.';
      out += kHex[v6.s6_addr[i] >> 4];
      out += '.';
    }
    return out + "ip6.arpa";
  }
  return Error(Code::kMalformed, "\"" + ip + "\" is not an IP address");
}

}  // namespace anvil::va
