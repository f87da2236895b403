#include "http/message.h"

#include <algorithm>
#include <cctype>

namespace anvil::http {
namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// RFC 3986 reg-name characters: unreserved / pct-encoded / sub-delims.
bool IsRegNameChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("-._~%!$&'()*+,;=").find(c) != std::string_view::npos;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

void Headers::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void Headers::Set(std::string name, std::string value) {
  auto first = std::find_if(entries_.begin(), entries_.end(),
                            [&](const auto& e) { return EqualsIgnoreCase(e.first, name); });
  if (first == entries_.end()) {
    entries_.emplace_back(std::move(name), std::move(value));
    return;
  }
  first->first = std::move(name);
  first->second = std::move(value);
  const std::string& kept = first->first;
  auto rest = std::remove_if(std::next(first), entries_.end(),
                             [&](const auto& e) { return EqualsIgnoreCase(e.first, kept); });
  entries_.erase(rest, entries_.end());
}

size_t Headers::Remove(std::string_view name) {
  auto rest = std::remove_if(entries_.begin(), entries_.end(),
                             [&](const auto& e) { return EqualsIgnoreCase(e.first, name); });
  size_t removed = static_cast<size_t>(entries_.end() - rest);
  entries_.erase(rest, entries_.end());
  return removed;
}

bool Headers::Contains(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const auto& e) { return EqualsIgnoreCase(e.first, name); });
}

std::optional<std::string> Headers::Get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Headers::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : entries_) {
    if (EqualsIgnoreCase(n, name)) out.push_back(v);
  }
  return out;
}

std::optional<std::string> HostFromAuthority(std::string_view authority) {
  // Drop userinfo ("user@host"), which RFC 9110 §4.2.4 deprecates but an absolute-form target may carry.
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string_view host;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 2) return std::nullopt;
    host = authority.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return std::nullopt;
    }
    rest = authority.substr(close + 1);
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsRegNameChar)) return std::nullopt;
  }
  if (!rest.empty()) {
    // port = *DIGIT (RFC 3986 §3.2.3); an empty port is allowed, a value above 65535 is not.
    if (rest.front() != ':' || rest.size() > 6) return std::nullopt;
    unsigned port = 0;
    for (char c : rest.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port > 65535) return std::nullopt;
  }
  return ToLower(host);
}

std::optional<ParsedTarget> ParseTarget(std::string_view target) {
  ParsedTarget out;
  if (target == "*") {
    out.path = "*";
    return out;
  }
  std::string_view path_and_query = target;
  if (StartsWithIgnoreCase(target, "http://") || StartsWithIgnoreCase(target, "https://")) {
    std::string_view rest = target.substr(target.find("://") + 3);
    size_t end = rest.find_first_of("/?#");
    std::optional<std::string> host = HostFromAuthority(rest.substr(0, end));
    if (!host) return std::nullopt;
    out.host = std::move(*host);
    path_and_query = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (path_and_query.empty() || path_and_query.front() != '/') {
      // "http://h" and "http://h?q" have an empty path, which means "/" (RFC 9112 §3.2.1).
      out.path = "/";
      if (!path_and_query.empty() && path_and_query.front() == '?') out.query = path_and_query.substr(1);
      return out;
    }
  } else if (target.empty() || target.front() != '/') {
    return std::nullopt;
  }
  size_t q = path_and_query.find('?');
  out.path = path_and_query.substr(0, q);
  if (q != std::string_view::npos) out.query = path_and_query.substr(q + 1);
  return out;
}

}  // namespace anvil::http
