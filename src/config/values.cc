#include "config/values.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/file.h"

namespace anvil::config::internal {
namespace {

constexpr std::string_view kDigits = "0123456789";

Status Invalid(std::string message) { return Error(Code::kInvalidArgument, std::move(message)); }

bool IsDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of(kDigits) == std::string_view::npos;
}

// Digits without a leading zero ("0" itself is fine).
bool IsCanonicalNumber(std::string_view s) { return IsDigits(s) && (s.size() == 1 || s.front() != '0'); }

bool IsLdhChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// inet_pton wants a NUL-terminated string.
bool ParseAddress(int family, std::string_view text, unsigned char* out) {
  if (text.empty() || text.size() > 64) return false;
  const std::string copy(text);
  return inet_pton(family, copy.c_str(), out) == 1;
}

}  // namespace

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (IsControl(c)) {
          std::array<char, 8> buf{};
          std::snprintf(buf.data(), buf.size(), "\\u%04X",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf.data();
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

bool IsIpv4Literal(std::string_view text) {
  std::array<unsigned char, 4> bytes{};
  return ParseAddress(AF_INET, text, bytes.data());
}

bool IsIpv6Literal(std::string_view text) {
  std::array<unsigned char, 16> bytes{};
  return ParseAddress(AF_INET6, text, bytes.data());
}

bool IsIpLiteral(std::string_view text) { return IsIpv4Literal(text) || IsIpv6Literal(text); }

bool IsUnspecifiedAddress(std::string_view text) {
  std::array<unsigned char, 16> bytes{};
  const bool parsed = ParseAddress(AF_INET, text, bytes.data()) || ParseAddress(AF_INET6, text, bytes.data());
  return parsed && std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; });
}

Result<ListenAddress> ParseHostPort(std::string_view text, bool allow_port_zero) {
  const auto malformed = [&] { return Invalid("expected \"host:port\", got " + Quote(text)); };
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return malformed();
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (!IsIpv6Literal(host)) {
      return Invalid("expected an IPv6 address inside the brackets, got " + Quote(text));
    }
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return malformed();
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Invalid("expected \"host:port\", got " + Quote(text) +
                     " (write IPv6 addresses in brackets, e.g. \"[::1]:14000\")");
    }
    if (host.empty()) return Invalid("missing host in " + Quote(text));
  }
  if (!IsDigits(port) || port.size() > 5) return malformed();
  int value = 0;
  for (const char c : port) value = value * 10 + (c - '0');
  const int min = allow_port_zero ? 0 : 1;
  if (value < min || value > 65535) {
    return Invalid("port " + std::string(port) + " out of range (" + std::to_string(min) + "..65535)");
  }
  return ListenAddress{std::string(host), static_cast<uint16_t>(value)};
}

std::string UrlForListenAddress(const ListenAddress& address, std::string_view scheme) {
  std::string host = address.host;
  if (IsUnspecifiedAddress(host)) {
    host = "localhost";
  } else if (IsIpv6Literal(host)) {
    host = "[" + host + "]";
  }
  return std::string(scheme) + "://" + host + ":" + std::to_string(address.port);
}

Status NormalizeDnsName(std::string& name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  if (IsIpLiteral(name)) return Invalid("expected a DNS name, got the IP address " + Quote(name));
  const auto invalid = [&] { return Invalid("invalid DNS name " + Quote(name)); };
  if (name.empty() || name.size() > 253) return invalid();
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return Invalid("invalid DNS name " + Quote(name) + " (write internationalized names in their xn-- form)");
  }
  std::string_view rest = name;
  std::string_view label;
  while (true) {
    const size_t dot = rest.find('.');
    label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), IsLdhChar)) {
      return invalid();
    }
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  // The last label is a top-level domain, never all-numeric (RFC 3696 §2); this also rejects "10.0.0.300".
  if (IsDigits(label)) return invalid();
  return Status::Ok();
}

Status CheckCidr(std::string_view text) {
  const auto invalid = [&] {
    return Invalid("expected a CIDR such as \"192.0.2.0/24\" or \"2001:db8::/32\", got " + Quote(text));
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return invalid();
  const std::string_view address = text.substr(0, slash);
  const std::string_view prefix = text.substr(slash + 1);
  std::array<unsigned char, 16> bytes{};
  int family = AF_INET;
  size_t bits = 32;
  if (!ParseAddress(AF_INET, address, bytes.data())) {
    if (!ParseAddress(AF_INET6, address, bytes.data())) return invalid();
    family = AF_INET6;
    bits = 128;
  }
  if (!IsCanonicalNumber(prefix) || prefix.size() > 3) return invalid();
  size_t length = 0;
  for (const char c : prefix) length = length * 10 + static_cast<size_t>(c - '0');
  if (length > bits) {
    return Invalid("prefix length " + std::string(prefix) + " out of range (0.." + std::to_string(bits) +
                   ") in " + Quote(text));
  }
  std::array<unsigned char, 16> network = bytes;
  for (size_t bit = length; bit < bits; ++bit) {
    network[bit / 8] = static_cast<unsigned char>(network[bit / 8] & ~(0x80u >> (bit % 8)));
  }
  if (network != bytes) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    inet_ntop(family, network.data(), buf.data(), buf.size());
    return Invalid(Quote(text) + " has host bits set; did you mean " +
                   Quote(std::string(buf.data()) + "/" + std::string(prefix)) + "?");
  }
  return Status::Ok();
}

Status CheckOid(std::string_view text) {
  const auto invalid = [&] {
    return Invalid("expected a dotted OID such as \"1.3.6.1.5.5.7.3.1\", got " + Quote(text));
  };
  std::string_view rest = text;
  std::array<std::string_view, 2> first_arcs{};
  size_t arcs = 0;
  while (true) {
    const size_t dot = rest.find('.');
    const std::string_view arc = rest.substr(0, dot);
    if (!IsCanonicalNumber(arc)) return invalid();
    if (arcs < first_arcs.size()) first_arcs[arcs] = arc;
    ++arcs;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (arcs < 2) return invalid();
  // X.660: the first arc is 0, 1 or 2; under 0 and 1 the second arc is below 40.
  if (first_arcs[0].size() != 1 || first_arcs[0][0] > '2') return invalid();
  const std::string_view second = first_arcs[1];
  const bool second_below_40 = second.size() == 1 || (second.size() == 2 && second < "40");
  if (first_arcs[0][0] != '2' && !second_below_40) return invalid();
  return Status::Ok();
}

Status CheckUrl(std::string_view url, bool allow_http) {
  const auto invalid = [&] {
    return Invalid(
        std::string(allow_http ? "expected an http:// or https:// URL" : "expected an https:// URL") +
        ", got " + Quote(url));
  };
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (allow_http && url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return invalid();
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return invalid();
  if (std::any_of(url.begin(), url.end(), [](char c) { return c == ' ' || IsControl(c); })) return invalid();
  return Status::Ok();
}

Status NormalizeBaseUrl(std::string& url, bool http) {
  if (http) {
    if (!url.starts_with("http://")) return Invalid("expected an http:// URL, got " + Quote(url));
    ANVIL_RETURN_IF_ERROR(CheckUrl(url, /*allow_http=*/true));
  } else {
    ANVIL_RETURN_IF_ERROR(CheckUrl(url, /*allow_http=*/false));
  }
  const size_t scheme_length = http ? 7 : 8;
  const std::string_view rest = std::string_view(url).substr(scheme_length);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (url.find_first_of("?#") != std::string::npos || authority.find('@') != std::string_view::npos) {
    return Invalid("expected a base URL without user info, query or fragment, got " + Quote(url));
  }
  const size_t path_start = scheme_length + authority.size();  // url is modified below; not authority
  while (url.size() > path_start && url.back() == '/') url.pop_back();
  return Status::Ok();
}

namespace {

Status SecretError(std::string_view key, const std::string& why) {
  return Error(Code::kInvalidArgument, std::string(key) + ": " + why);
}

Result<std::string> ReadSecretFile(std::string_view key, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return SecretError(key, "cannot read " + path + ": " + std::strerror(errno));
  if ((st.st_mode & 077) != 0) return SecretError(key, path + " may be read by group or others: chmod 600 it");
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return SecretError(key, "cannot read " + path + ": " + text.status().message());
  std::string value = std::move(*text);
  if (value.ends_with("\r\n")) {
    value.resize(value.size() - 2);
  } else if (value.ends_with("\n")) {
    value.pop_back();
  }
  return value;
}

}  // namespace

Result<std::string> ReadSecret(std::string_view source, std::string_view key) {
  std::string value;
  if (source.starts_with("file:")) {
    ANVIL_ASSIGN_OR_RETURN(value, ReadSecretFile(key, std::string(source.substr(5))));
  } else if (source.starts_with("env:")) {
    const std::string name(source.substr(4));
    const char* env = std::getenv(name.c_str());
    if (env == nullptr) return SecretError(key, "the environment variable " + name + " is not set");
    value = env;
  } else if (source.starts_with("credential:")) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (dir == nullptr || dir[0] == '\0') {
      return SecretError(key, "CREDENTIALS_DIRECTORY is not set (systemd's LoadCredential= sets it)");
    }
    ANVIL_ASSIGN_OR_RETURN(value, ReadSecretFile(key, std::string(dir) + "/" + std::string(source.substr(11))));
  } else {
    return SecretError(key, "must be file:PATH, env:NAME or credential:NAME");
  }
  if (value.empty()) return SecretError(key, "the secret is empty");
  return value;
}

Result<std::string> ReadPassphrase(std::string_view source) { return ReadSecret(source, "ca.key_passphrase"); }

}  // namespace anvil::config::internal
