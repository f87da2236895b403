// http-01 (RFC 8555 §8.3; RFC 8738 §7 for ip identifiers) with libcurl. See docs/validation.md for the
// policy.
//
// Every request uses a fresh connection pinned to an address we resolved ourselves (CURLOPT_CONNECT_TO with
// an IP literal, so curl never resolves a name), without proxies, cookies, TLS session reuse, redirects (we
// follow them by hand, re-resolving each new name through the DnsResolver) or protocols other than http and
// https. The transfer runs on curl's multi interface, its waits in http::Poll, so on the VA's fibers a
// validation waiting for its target suspends only itself. Multi and easy handles are kept in a pool and reset
// after every request (a new multi handle costs curl a socket pair for its wake-ups).
#include <curl/curl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "http/fiber_runner.h"
#include "va/common.h"
#include "va/network_validator.h"

namespace anvil::va {
namespace {

using Clock = std::chrono::steady_clock;
using internal::HostPort;
using internal::IsIpv6Address;
using internal::QuoteForDetail;

constexpr int kMaxRedirects = 10;  // Boulder's limit
// A challenge URL is under 100 octets; 2,000 is what every HTTP client accepts, and bounds what a hostile
// target can make the validator parse, log and store in the validation record.
constexpr size_t kMaxRedirectUrl = 2000;

// A multi handle with its one easy handle, reused by one transfer at a time.
struct Transfer {
  Transfer() : multi(curl_multi_init()), easy(curl_easy_init()) {}
  ~Transfer() {
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  CURLM* multi;
  CURL* easy;
};

// Idle transfers; Fetch takes one (or makes one) and gives it back reset.
class TransferPool {
 public:
  std::unique_ptr<Transfer> Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<Transfer> t = std::move(idle_.back());
        idle_.pop_back();
        return t;
      }
    }
    return std::make_unique<Transfer>();
  }
  void Give(std::unique_ptr<Transfer> t) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(t));
  }

 private:
  static constexpr size_t kMaxIdle = 64;
  std::mutex mu_;
  std::vector<std::unique_ptr<Transfer>> idle_;  // guarded by mu_
};

TransferPool& Transfers() {
  // Never destroyed: a validation may still be running while static objects are destroyed at exit.
  static auto* pool = new TransferPool();
  return *pool;
}

// What curl asked to be watched (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION) during one transfer.
struct Watch {
  std::vector<pollfd> sockets;
  std::optional<std::chrono::steady_clock::time_point> timer;
};

int OnSocket(CURL*, curl_socket_t s, int what, void* user, void*) {
  auto* watch = static_cast<Watch*>(user);
  auto it =
      std::find_if(watch->sockets.begin(), watch->sockets.end(), [s](const pollfd& p) { return p.fd == s; });
  if (what == CURL_POLL_REMOVE) {
    if (it != watch->sockets.end()) watch->sockets.erase(it);
    return 0;
  }
  const short events =
      static_cast<short>(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0));
  if (it == watch->sockets.end()) {
    watch->sockets.push_back(pollfd{s, events, 0});
  } else {
    it->events = events;
  }
  return 0;
}

int OnTimer(CURLM*, long timeout_ms, void* user) {
  auto* watch = static_cast<Watch*>(user);
  if (timeout_ms < 0) {
    watch->timer.reset();
  } else {
    watch->timer = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

// Runs the transfer of `t.easy` to its end; the result as curl_easy_perform would return it.
CURLcode Perform(Transfer& t) {
  Watch watch;
  curl_multi_setopt(t.multi, CURLMOPT_SOCKETFUNCTION, &OnSocket);
  curl_multi_setopt(t.multi, CURLMOPT_SOCKETDATA, &watch);
  curl_multi_setopt(t.multi, CURLMOPT_TIMERFUNCTION, &OnTimer);
  curl_multi_setopt(t.multi, CURLMOPT_TIMERDATA, &watch);
  if (curl_multi_add_handle(t.multi, t.easy) != CURLM_OK) return CURLE_FAILED_INIT;
  CURLcode result = CURLE_FAILED_INIT;
  int running = 1;
  for (;;) {
    int queued = 0;
    bool done = false;
    while (CURLMsg* msg = curl_multi_info_read(t.multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == t.easy) {
        result = msg->data.result;
        done = true;
      }
    }
    if (done || running == 0) break;
    // curl's CURLOPT_TIMEOUT_MS keeps a timer set while the transfer runs; the 100 ms are only a guard.
    int wait_ms = 100;
    if (watch.timer) {
      const auto left = *watch.timer - std::chrono::steady_clock::now();
      wait_ms =
          static_cast<int>(std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
    }
    std::vector<pollfd> fds = watch.sockets;  // curl may change the set while we act on it
    const int ready = wait_ms == 0 ? 0 : http::Poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && ready != -EINTR) break;  // CURLE_FAILED_INIT: a system failure, not the target's
    if (ready <= 0) {
      watch.timer.reset();
      curl_multi_socket_action(t.multi, CURL_SOCKET_TIMEOUT, 0, &running);
      continue;
    }
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      const int mask = ((p.revents & POLLIN) ? CURL_CSELECT_IN : 0) |
                       ((p.revents & POLLOUT) ? CURL_CSELECT_OUT : 0) |
                       ((p.revents & (POLLERR | POLLHUP)) ? CURL_CSELECT_ERR : 0);
      curl_multi_socket_action(t.multi, p.fd, mask, &running);
    }
  }
  curl_multi_remove_handle(t.multi, t.easy);
  curl_multi_setopt(t.multi, CURLMOPT_SOCKETDATA, nullptr);  // `watch` ends here
  curl_multi_setopt(t.multi, CURLMOPT_TIMERDATA, nullptr);
  curl_multi_setopt(t.multi, CURLMOPT_SOCKETFUNCTION, nullptr);
  curl_multi_setopt(t.multi, CURLMOPT_TIMERFUNCTION, nullptr);
  return result;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// The authority part of an http(s) URL: the port is left out when it is the scheme's default.
std::string Authority(const std::string& scheme, const std::string& host, uint16_t port) {
  const uint16_t default_port = scheme == "https" ? 443 : 80;
  if (port == default_port) return IsIpv6Address(host) ? "[" + host + "]" : host;
  return HostPort(host, port);
}

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  bool body_too_large = false;
  std::string redirect_url;  // absolute, from a 3xx Location
  bool connected = false;    // the TCP connection was established
  long os_errno = 0;
};

struct BodySink {
  std::string* body;
  size_t limit;
  bool* too_large;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t n = size * count;
  if (sink->body->size() + n > sink->limit) {
    *sink->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

// One GET of `url`, connecting to `address`:`port` whatever the URL's host says.
Fetched Fetch(const std::string& url, const std::string& address, uint16_t port,
              const std::optional<std::string>& host_header, std::chrono::milliseconds timeout,
              std::chrono::milliseconds connect_timeout, const ValidatorOptions& options) {
  Fetched out;
  std::unique_ptr<Transfer> transfer = Transfers().Take();
  if (transfer->multi == nullptr || transfer->easy == nullptr) {
    out.code = CURLE_FAILED_INIT;
    return out;
  }
  CURL* h = transfer->easy;
  // Reset and pooled on the way out: the next call starts from a clean handle, and the handle never keeps
  // pointers to this call's lists and buffers.
  struct GiveBackOnExit {
    std::unique_ptr<Transfer>& t;
    ~GiveBackOnExit() {
      curl_easy_reset(t->easy);
      Transfers().Give(std::move(t));
    }
  } give_back_on_exit{transfer};
  // "::ADDRESS:PORT": any host and port of the URL connects to this literal address (no DNS by curl).
  const std::string connect_to =
      "::" + (IsIpv6Address(address) ? "[" + address + "]" : address) + ":" + std::to_string(port);
  std::unique_ptr<curl_slist, SlistDeleter> connect_list(curl_slist_append(nullptr, connect_to.c_str()));
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  if (host_header) headers.reset(curl_slist_append(nullptr, ("Host: " + *host_header).c_str()));
  headers.reset(curl_slist_append(headers.release(), "Accept: */*"));
  BodySink sink{&out.body, options.max_http_body, &out.body_too_large};

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_list.get());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based timeouts
  curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, timeout.count())));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, connect_timeout.count())));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_http_body));
  // An https redirect target's certificate is not checked: the response itself is the proof (as Boulder
  // does).
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);

  out.code = Perform(*transfer);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  curl_off_t connect_time = 0;
  curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_time);
  out.connected = connect_time > 0;
  curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &out.os_errno);
  char* location = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location != nullptr) {
    out.redirect_url = location;
  }
  return out;
}

// A failed transfer as the ACME problem the client sees (Boulder's wording where it has one).
Status TransferError(const Fetched& f, const std::string& url, size_t max_body) {
  const std::string prefix = "Fetching " + url + ": ";
  switch (f.code) {
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      if (f.body_too_large || f.code == CURLE_FILESIZE_EXCEEDED) {
        return Error(Code::kIncorrectResponse, "Invalid response from " + url + ": body is larger than " +
                                              std::to_string(max_body) + " bytes");
      }
      break;
    case CURLE_COULDNT_CONNECT:
      switch (f.os_errno) {
        case ECONNREFUSED:
          return Error(Code::kConnection, prefix + "Connection refused");
        case ENETUNREACH:
          return Error(Code::kConnection, prefix + "Network unreachable");
        case EHOSTUNREACH:
          return Error(Code::kConnection, prefix + "No route to host");
        default:
          return Error(Code::kConnection, prefix + "Could not connect");
      }
    case CURLE_OPERATION_TIMEDOUT:
      return Error(Code::kConnection,
                   prefix + (f.connected ? "Timeout after connect (your server may be slow or overloaded)"
                                         : "Timeout during connect (likely firewall problem)"));
    case CURLE_GOT_NOTHING:
      return Error(Code::kConnection, prefix + "Connection closed without a response");
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return Error(Code::kConnection, prefix + "Connection reset by peer");
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_PARTIAL_FILE:
    case CURLE_BAD_CONTENT_ENCODING:
      return Error(Code::kConnection, prefix + "Malformed HTTP response");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return Error(Code::kTls, prefix + "TLS handshake failed");
    default:
      break;
  }
  return Error(Code::kConnection, prefix + curl_easy_strerror(f.code));
}

struct RedirectTarget {
  std::string scheme, host, url;
  uint16_t port = 0;
};

// Checks a redirect's Location against the policy of docs/validation.md: http or https only, ports 80/443 or
// the configured ones, a host that is a name or an IP literal.
Result<RedirectTarget> ParseRedirect(const std::string& location, const ValidatorOptions& options) {
  if (location.size() > kMaxRedirectUrl) {
    return Error(Code::kConnection, "Redirect target is longer than " + std::to_string(kMaxRedirectUrl) +
                                        " octets: " + QuoteForDetail(location, 128));
  }
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, location.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return Error(Code::kConnection, "Invalid redirect target " + QuoteForDetail(location, 256));
  }
  auto part = [&](CURLUPart which, unsigned flags) -> std::string {
    char* value = nullptr;
    if (curl_url_get(u.get(), which, &value, flags) != CURLUE_OK || value == nullptr) return "";
    std::string s(value);
    curl_free(value);
    return s;
  };
  RedirectTarget t;
  t.scheme = part(CURLUPART_SCHEME, 0);
  if (t.scheme != "http" && t.scheme != "https") {
    return Error(Code::kConnection,
                 "Invalid protocol scheme in redirect target. Only \"http\" and \"https\" are "
                 "supported, not " +
                     QuoteForDetail(t.scheme));
  }
  t.host = part(CURLUPART_HOST, 0);
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']')
    t.host = t.host.substr(1, t.host.size() - 2);
  if (t.host.empty()) return Error(Code::kConnection, "Invalid host in redirect target: empty");
  if (!part(CURLUPART_USER, 0).empty()) {
    return Error(Code::kConnection, "Invalid redirect target: userinfo is not allowed");
  }
  const std::string port_text = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  const long port = std::strtol(port_text.c_str(), nullptr, 10);
  const bool allowed = t.scheme == "http" ? (port == 80 || port == options.http_port)
                                          : (port == 443 || port == options.https_port);
  if (!allowed) {
    std::string ports = t.scheme == "http" ? "80" : "443";
    const uint16_t configured = t.scheme == "http" ? options.http_port : options.https_port;
    if (std::to_string(configured) != ports) ports += ", " + std::to_string(configured);
    return Error(Code::kConnection, "Invalid port in redirect target: " + port_text + " (allowed for " +
                                        t.scheme + ": " + ports + ")");
  }
  t.port = static_cast<uint16_t>(port);
  t.url = part(CURLUPART_URL, 0);
  return t;
}

}  // namespace

void internal::EnsureCurlInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

ValidationResult ValidateHttp01(const ValidationRequest& request, const ValidatorOptions& options,
                                DnsResolver& resolver) {
  internal::EnsureCurlInitialized();
  ValidationResult result;
  const acme::Identifier& id = request.identifier;
  if (id.wildcard()) {
    result.status = Error(Code::kMalformed, "http-01 cannot validate a wildcard name (RFC 8555 §7.1.3)");
    return result;
  }
  // §8.3: the token is base64url; anything else would let it change the URL's path or query.
  if (request.token.empty() ||
      request.token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_") != std::string::npos) {
    result.status = Error(Code::kMalformed, "http-01 token is not base64url (RFC 8555 §8.3)");
    return result;
  }
  if (id.type == acme::IdentifierType::kIp && !internal::IsIpAddress(id.value)) {
    result.status = Error(Code::kMalformed, "\"" + id.value + "\" is not an IP address");
    return result;
  }
  const auto deadline = Clock::now() + options.http_timeout;
  RedirectTarget target{"http", id.value, "", options.http_port};
  target.url = "http://" + Authority("http", id.value, options.http_port) + "/.well-known/acme-challenge/" +
               request.token;
  // §8.3: the Host header names the identifier (RFC 8738 §7: the address, bracketed for IPv6). Redirect hops
  // send curl's Host for their URL.
  std::optional<std::string> host_header = IsIpv6Address(id.value) ? "[" + id.value + "]" : id.value;

  for (int redirects = 0;; ++redirects) {
    ValidationRecord record;
    record.url = target.url;
    record.hostname = target.host;
    record.port = std::to_string(target.port);
    if (Clock::now() >= deadline) {  // slow DNS along a redirect chain spends the same budget
      result.records.push_back(std::move(record));
      result.status = Error(Code::kConnection, "Fetching " + target.url + ": Timeout before connect");
      return result;
    }
    auto addresses = internal::ResolveTarget(target.host, resolver);
    if (!addresses.ok()) {
      result.records.push_back(std::move(record));
      result.status = addresses.status();
      return result;
    }
    record.addresses_resolved = *addresses;
    const std::vector<std::string> order = internal::ConnectOrder(*addresses);
    if (order.empty()) {
      result.records.push_back(std::move(record));
      result.status = Error(Code::kDns, "DNS problem: no usable address for " + target.host);
      return result;
    }
    Fetched fetched;
    for (size_t i = 0; i < order.size(); ++i) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        fetched = Fetched();
        fetched.code = CURLE_OPERATION_TIMEDOUT;
        break;
      }
      const bool fallback_exists = i + 1 < order.size();
      // Keep half of the budget for the IPv4 fallback when the IPv6 connect hangs.
      const auto connect_timeout = fallback_exists ? left / 2 : left;
      record.address_used = order[i];
      fetched = Fetch(target.url, order[i], target.port, host_header, left, connect_timeout, options);
      const bool connect_failed = fetched.code == CURLE_COULDNT_CONNECT ||
                                  (fetched.code == CURLE_OPERATION_TIMEDOUT && !fetched.connected);
      if (!connect_failed || !fallback_exists) break;
      record.addresses_tried.push_back(order[i]);
    }
    result.records.push_back(std::move(record));

    if (fetched.code != CURLE_OK) {
      result.status = TransferError(fetched, target.url, options.max_http_body);
      return result;
    }
    const long code = fetched.status;
    // Only 301, 302, 307 and 308 are followed (as Boulder): 303 "See Other" names another resource, not this one
    // moved, and is answered like any other status that is not 200.
    const bool redirect = code == 301 || code == 302 || code == 307 || code == 308;
    if (redirect && !fetched.redirect_url.empty()) {
      if (redirects >= kMaxRedirects) {
        result.status =
            Error(Code::kConnection, "Too many redirects (more than " + std::to_string(kMaxRedirects) +
                                         ") starting at " + result.records.front().url);
        return result;
      }
      auto next = ParseRedirect(fetched.redirect_url, options);
      if (!next.ok()) {
        result.status = next.status();
        return result;
      }
      target = std::move(next).value();
      host_header.reset();
      continue;
    }
    if (code != 200) {
      result.status =
          Error(Code::kUnauthorized, "Invalid response from " + target.url + ": " + std::to_string(code));
      return result;
    }
    // §8.3: the body must be the key authorization; trailing whitespace is tolerated (Boulder, Pebble and
    // certbot's webroot files end in a newline).
    // A response that is not the key authorization is "incorrectResponse" (RFC 8555 §6.7: "Response received
    // didn't match the challenge's requirements"; Boulder says unauthorized, docs/acme-compliance.md).
    if (internal::TrimTrailingWhitespace(fetched.body) != request.key_authorization) {
      result.status =
          Error(Code::kIncorrectResponse,
                "The key authorization file from the server did not match this challenge. Expected \"" +
                    request.key_authorization + "\" (got " + QuoteForDetail(fetched.body) + ")");
      return result;
    }
    result.status = Status::Ok();
    return result;
  }
}

}  // namespace anvil::va
