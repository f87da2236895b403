// Plain HTTP message values: Headers, Request, Response and the Handler that maps one to the other.
//
// These are the only types the rest of Anvil (wfe, admin, the http-01 test responder) sees of HTTP; they
// carry no Boost or socket types, so a handler is a pure function that tests call directly without a network.
// The server (http/server.h) fills a Request from the wire and serializes the Response; see there for which
// headers it adds.
//
// Thread-safety: value types, thread-compatible (concurrent const access is safe, mutation needs exclusion).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace anvil::http {

// Returns true if `a` and `b` are equal ignoring ASCII case (header names, RFC 9110 §5.1).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// An ordered list of header fields. Names compare case-insensitively (RFC 9110 §5.1) but keep the spelling
// they were added with; a name may occur several times (each occurrence is one entry, in order).
class Headers {
 public:
  // Appends a field, keeping any existing fields of the same name.
  void Add(std::string name, std::string value);
  // Replaces every field named `name` by one field with `value`, at the position of the first one (or at the
  // end).
  void Set(std::string name, std::string value);
  // Removes every field named `name`; returns how many were removed.
  size_t Remove(std::string_view name);
  bool Contains(std::string_view name) const;
  // The first value of `name`, or nullopt.
  std::optional<std::string> Get(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> GetAll(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// One request as received. `target` is the request-target exactly as sent; `path` is its path part (for an
// absolute-form target "http://h/p?q" the path is "/p"; for "*" it is "*"), `query` the part after the first
// '?'. Neither is percent-decoded. `host` is the authority's host without the port, lower-cased; an IPv6
// literal keeps its brackets ("[::1]") as in RFC 3986 §3.2.2.
struct Request {
  std::string method;  // "GET", "POST", "HEAD", ... (case-sensitive, RFC 9110 §9.1)
  std::string target;
  std::string path;
  std::string query;
  Headers headers;
  std::string body;            // The decoded body (chunked transfer coding already removed).
  std::string remote_address;  // The peer's IP address as text.
  std::string host;
  bool tls = false;
  // The DER of the client certificate the TLS handshake verified (ServerOptions::client_ca_pem); empty when
  // the client presented none.
  std::string client_certificate_der;
};

// A response to send. The server adds Content-Length (and Date unless set), and "Connection: close" when it
// closes the connection; a Content-Length or Transfer-Encoding set here is replaced. For HEAD the body is not
// sent but Content-Length still gives its size. A handler may set "Connection: close" to close the connection
// after sending.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

// Maps a request to a response. Called on a worker thread, possibly concurrently for different requests, so
// it must be thread-safe; it may block (e.g. on a database). An exception escaping it becomes a 500 response.
using Handler = std::function<Response(const Request&)>;

// Splits a request-target into path and query and extracts the host of an absolute-form target
// (RFC 9112 §3.2). Returns false if the target is not origin-form ("/..."), absolute-form ("http[s]://..."),
// or
// "*" (asterisk-form); `host` is left empty unless the target is absolute-form.
struct ParsedTarget {
  std::string path;
  std::string query;
  std::string host;  // Only for absolute-form targets; without port, lower-cased.
};
std::optional<ParsedTarget> ParseTarget(std::string_view target);

// Returns the host part of a Host header value or authority ("example.com:443" → "example.com",
// "[::1]:8080" → "[::1]"), lower-cased; nullopt if it is malformed (empty, bad port, stray characters).
std::optional<std::string> HostFromAuthority(std::string_view authority);

}  // namespace anvil::http
