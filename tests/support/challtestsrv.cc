#include "support/challtestsrv.h"

#include <curl/curl.h>
#include <unistd.h>

#include <thread>

#include "support/child_process.h"

namespace anvil::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string JsonStrings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + JsonString(v[i]);
  return out + "]";
}

}  // namespace

Result<std::unique_ptr<ChallTestSrv>> ChallTestSrv::Start(std::chrono::milliseconds timeout) {
  if (access(kChallTestSrvPath, X_OK) != 0) {
    return Error(Code::kUnavailable, std::string(kChallTestSrvPath) + " is not installed");
  }
  std::unique_ptr<ChallTestSrv> srv(new ChallTestSrv());
  ANVIL_ASSIGN_OR_RETURN(srv->dns_port_, FreePort());
  // FreePort closes what it bound, so the kernel may hand the same port out twice in a row: pick again.
  for (int attempt = 0; attempt < 20; ++attempt) {
    ANVIL_ASSIGN_OR_RETURN(srv->management_port_, FreePort());
    if (srv->management_port_ != srv->dns_port_) break;
  }
  if (srv->management_port_ == srv->dns_port_) return Error(Code::kIo, "port collision");
  std::vector<std::string> args = {kChallTestSrvPath,
                                   "-dns01",
                                   srv->dns_server(),
                                   "-management",
                                   "127.0.0.1:" + std::to_string(srv->management_port_),
                                   "-http01",
                                   "",
                                   "-https01",
                                   "",
                                   "-tlsalpn01",
                                   "",
                                   "-defaultIPv4",
                                   "127.0.0.1",
                                   "-defaultIPv6",
                                   ""};
  ANVIL_ASSIGN_OR_RETURN(srv->pid_, SpawnChild(args));
  ANVIL_RETURN_IF_ERROR(srv->WaitUntilReady(timeout));
  return srv;
}

Status ChallTestSrv::WaitUntilReady(std::chrono::milliseconds timeout) {
  // The child's sockets can only be observed from outside: poll them, bounded, with a short back-off.
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ChildExited(pid_)) return Error(Code::kIo, "pebble-challtestsrv exited at start-up");
    if (AnswersDns(dns_port_) && Post("/clear-txt", R"({"host":"ready.anvil.test."})").ok()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error(Code::kIo, "pebble-challtestsrv did not come up in time");
}

ChallTestSrv::~ChallTestSrv() { Stop(); }

void ChallTestSrv::Stop() { KillChild(pid_); }

Status ChallTestSrv::Post(const std::string& path, const std::string& json) {
  CURL* h = curl_easy_init();
  if (h == nullptr) return Error(Code::kInternal, "curl_easy_init");
  const std::string url = "http://127.0.0.1:" + std::to_string(management_port_) + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, json.c_str());
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(
      h, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) return Error(Code::kIo, path + ": " + curl_easy_strerror(rc));
  if (status != 200) return Error(Code::kIo, path + ": HTTP " + std::to_string(status));
  return Status::Ok();
}

Status ChallTestSrv::SetTxt(const std::string& host, const std::string& value) {
  return Post("/set-txt", "{\"host\":" + JsonString(host + ".") + ",\"value\":" + JsonString(value) + "}");
}
Status ChallTestSrv::ClearTxt(const std::string& host) {
  return Post("/clear-txt", "{\"host\":" + JsonString(host + ".") + "}");
}
Status ChallTestSrv::SetServfail(const std::string& host) {
  return Post("/set-servfail", "{\"host\":" + JsonString(host + ".") + "}");
}
Status ChallTestSrv::SetCname(const std::string& host, const std::string& target) {
  return Post("/set-cname",
              "{\"host\":" + JsonString(host + ".") + ",\"target\":" + JsonString(target + ".") + "}");
}
Status ChallTestSrv::AddA(const std::string& host, const std::vector<std::string>& addresses) {
  return Post("/add-a",
              "{\"host\":" + JsonString(host + ".") + ",\"addresses\":" + JsonStrings(addresses) + "}");
}
Status ChallTestSrv::AddAaaa(const std::string& host, const std::vector<std::string>& addresses) {
  return Post("/add-aaaa",
              "{\"host\":" + JsonString(host + ".") + ",\"addresses\":" + JsonStrings(addresses) + "}");
}

Status ChallTestSrv::AddCaa(const std::string& host,
                           const std::vector<std::pair<std::string, std::string>>& properties) {
  std::string policies = "[";
  for (size_t i = 0; i < properties.size(); ++i) {
    policies += std::string(i ? "," : "") + "{\"tag\":" + JsonString(properties[i].first) +
                ",\"value\":" + JsonString(properties[i].second) + "}";
  }
  policies += "]";
  return Post("/add-caa", "{\"host\":" + JsonString(host + ".") + ",\"policies\":" + policies + "}");
}
Status ChallTestSrv::ClearCaa(const std::string& host) {
  return Post("/clear-caa", "{\"host\":" + JsonString(host + ".") + "}");
}

}  // namespace anvil::testing
