#include "agent/http_client.h"

#include <curl/curl.h>

#include <mutex>
#include <utility>

#include "base/file.h"

namespace anvil::agent {
namespace {

std::once_flag g_curl_init_once;
bool g_curl_init_ok = false;

struct Transfer {
  HttpResponse response;
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

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue or a proxy CONNECT): only the final response's fields count.
    t->response.headers = http::Headers();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // The blank line ending the block, or junk.
  t->response.headers.Add(std::string(Trim(line.substr(0, colon))),
                          std::string(Trim(line.substr(colon + 1))));
  return n;
}

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(CurlHttpClientOptions options, CURL* curl) : options_(std::move(options)), curl_(curl) {}
  ~CurlHttpClient() override { curl_easy_cleanup(curl_); }
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> Send(std::string_view method, const std::string& url, const http::Headers& headers,
                            std::string_view body) override {
    if (method.empty() || method.find_first_of(" \r\n") != std::string_view::npos) {
      return Error(Code::kInvalidArgument, "bad HTTP method");
    }
    std::lock_guard<std::mutex> lock(mu_);
    curl_easy_reset(curl_);  // Keeps the connection cache, forgets the previous request's options.
    Transfer t;
    t.max_bytes = options_.max_response_bytes;
    CURL* c = curl_;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, long(options_.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, long(options_.total_timeout.count()));
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
      if (http::EqualsIgnoreCase(name, "Expect")) has_expect = true;
      list = curl_slist_append(list, (name + ": " + value).c_str());
    }
    if (!has_expect) list = curl_slist_append(list, "Expect:");  // No 100-continue round trip.
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    // The error buffer must outlive every use libcurl makes of it, so it is a member, and it is detached
    // again before returning (libcurl may write to it even during curl_easy_cleanup).
    error_buffer_[0] = '\0';
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer_);

    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(list);
    const char* error_buffer = error_buffer_;
    if (rc != CURLE_OK) {
      std::string what =
          method_str + " " + url + ": " + (error_buffer[0] ? error_buffer : curl_easy_strerror(rc));
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

 private:
  const CurlHttpClientOptions options_;
  std::mutex mu_;
  CURL* curl_;
  char error_buffer_[CURL_ERROR_SIZE] = {0};
};

}  // namespace

Result<std::unique_ptr<HttpClient>> NewCurlHttpClient(CurlHttpClientOptions options) {
  std::call_once(g_curl_init_once,
                 [] { g_curl_init_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  if (!g_curl_init_ok) return Error(Code::kInternal, "libcurl initialization failed");
  if (!options.ca_bundle.empty()) {
    auto pem = ReadFile(options.ca_bundle);
    if (!pem.ok())
      return Error(Code::kInvalidArgument, "CA bundle " + options.ca_bundle + ": " + pem.status().message());
  }
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Error(Code::kInternal, "curl_easy_init failed");
  return std::unique_ptr<HttpClient>(std::make_unique<CurlHttpClient>(std::move(options), curl));
}

}  // namespace anvil::agent
