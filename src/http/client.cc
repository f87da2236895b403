#include "http/client.h"

#include <curl/curl.h>

#include <mutex>
#include <utility>
#include <vector>

#include "base/file.h"
#include "base/strings.h"

namespace anvil::http {
namespace {

std::once_flag g_curl_init_once;
bool g_curl_init_ok = false;

struct Transfer {
  ClientResponse response;
  size_t max_bytes = 0;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // Aborts the transfer with CURLE_WRITE_ERROR.
  }
  t->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue or a proxy CONNECT): only the final response's fields count.
    t->response.headers = Headers();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // The blank line ending the block, or junk.
  t->response.headers.Add(std::string(TrimAsciiWhitespace(line.substr(0, colon))),
                          std::string(TrimAsciiWhitespace(line.substr(colon + 1))));
  return n;
}

// One easy handle with its error buffer. The buffer must outlive every use libcurl makes of it, so it lives
// beside the handle, and it is detached again after each transfer (libcurl may write to it even during
// curl_easy_cleanup).
struct Handle {
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

class CurlHttpClient final : public Client {
 public:
  explicit CurlHttpClient(CurlClientOptions options) : options_(std::move(options)) {}
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<ClientResponse> Send(std::string_view method, const std::string& url, const Headers& headers,
                              std::string_view body) override {
    if (method.empty() || method.find_first_of(" \r\n") != std::string_view::npos) {
      return Error(Code::kInvalidArgument, "bad HTTP method");
    }
    ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<Handle> handle, Take());
    Result<ClientResponse> r = Perform(*handle, method, url, headers, body);
    Give(std::move(handle));
    return r;
  }

 private:
  // Concurrent requests each get a handle of their own; idle ones (with their connection caches) are kept.
  static constexpr size_t kIdleHandles = 8;

  Result<std::unique_ptr<Handle>> Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<Handle> h = std::move(idle_.back());
        idle_.pop_back();
        return h;
      }
    }
    auto h = std::make_unique<Handle>();
    h->curl = curl_easy_init();
    if (h->curl == nullptr) return Error(Code::kInternal, "curl_easy_init failed");
    return h;
  }

  void Give(std::unique_ptr<Handle> h) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kIdleHandles) idle_.push_back(std::move(h));
  }

  Result<ClientResponse> Perform(Handle& handle, std::string_view method, const std::string& url,
                                 const Headers& headers, std::string_view body) {
    CURL* c = handle.curl;
    curl_easy_reset(c);  // Keeps the connection cache, forgets the previous request's options.
    Transfer t;
    t.max_bytes = options_.max_response_bytes;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    // libcurl counts in milliseconds so that sub-second timeouts (a webhook's) are honoured.
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(options_.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(options_.total_timeout.count()));
    curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // Whatever libcurl can decode.
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    std::string method_str(method);
    if (method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (method == "POST") {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
    } else if (method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_str.c_str());
      if (!body.empty()) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
      }
    }
    curl_slist* list = nullptr;
    bool has_expect = false;
    for (const auto& [name, value] : headers.entries()) {
      if (EqualsIgnoreCase(name, "Expect")) has_expect = true;
      list = curl_slist_append(list, (name + ": " + value).c_str());
    }
    if (!has_expect) list = curl_slist_append(list, "Expect:");  // No 100-continue round trip.
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    handle.error[0] = '\0';
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle.error);

    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
      std::string what = method_str + " " + url + ": " + (handle.error[0] ? handle.error : curl_easy_strerror(rc));
      if (t.too_large) {
        return Error(Code::kIo, method_str + " " + url + ": response larger than " +
                                    std::to_string(options_.max_response_bytes) + " bytes");
      }
      switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
          return Error(Code::kConnection, what);
        case CURLE_OPERATION_TIMEDOUT:
          return Error(Code::kTimeout, what);
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
          return Error(Code::kTls, what);
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
          return Error(Code::kInvalidArgument, what);
        default:
          return Error(Code::kIo, what);
      }
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = int(status);
    return std::move(t.response);
  }

  const CurlClientOptions options_;
  std::mutex mu_;  // guards idle_
  std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace

Result<std::unique_ptr<Client>> NewCurlClient(CurlClientOptions options) {
  std::call_once(g_curl_init_once,
                 [] { g_curl_init_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  if (!g_curl_init_ok) return Error(Code::kInternal, "libcurl initialization failed");
  if (!options.ca_bundle.empty()) {
    auto pem = ReadFile(options.ca_bundle);
    if (!pem.ok())
      return Error(Code::kInvalidArgument, "CA bundle " + options.ca_bundle + ": " + pem.status().message());
  }
  if (options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0) {
    return Error(Code::kInvalidArgument, "HTTP client timeouts must be positive");
  }
  return std::unique_ptr<Client>(std::make_unique<CurlHttpClient>(std::move(options)));
}

}  // namespace anvil::http
