#include "agent/solvers/http01.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file.h"

namespace anvil::agent {

bool IsValidToken(std::string_view token) {
  if (token.empty() || token.size() > 256) return false;
  for (char c : token) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<std::unique_ptr<Http01StandaloneSolver>> Http01StandaloneSolver::Start(const std::string& address,
                                                                              uint16_t port) {
  std::unique_ptr<Http01StandaloneSolver> solver(new Http01StandaloneSolver());
  http::ServerOptions options;
  options.listen.push_back({address, port});
  options.io_threads = 1;
  options.worker_threads = 0;  // the handler only looks up a token: it runs on a fiber, no pool needed
  options.max_body_bytes = 1024;
  options.request_timeout = std::chrono::seconds(10);
  options.idle_timeout = std::chrono::seconds(10);
  Http01StandaloneSolver* self = solver.get();
  ANVIL_ASSIGN_OR_RETURN(
      solver->server_,
      http::Server::Start(std::move(options), [self](const http::Request& r) { return self->Handle(r); }));
  return solver;
}

Http01StandaloneSolver::~Http01StandaloneSolver() {
  if (server_) server_->Stop(std::chrono::seconds(1));
}

uint16_t Http01StandaloneSolver::port() const {
  auto ports = server_->ports();
  return ports.empty() ? 0 : ports[0];
}

http::Response Http01StandaloneSolver::Handle(const http::Request& request) {
  http::Response response;
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    return response;
  }
  std::string_view path = request.path;
  if (path.starts_with(kAcmeChallengePath)) {
    std::string token(path.substr(sizeof(kAcmeChallengePath) - 1));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(token);
    if (it != tokens_.end()) {
      response.headers.Set("Content-Type", "application/octet-stream");
      response.body = it->second;
      return response;
    }
  }
  response.status = 404;
  return response;
}

Status Http01StandaloneSolver::Present(const ChallengeTask& task) {
  if (!IsValidToken(task.token)) return Error(Code::kMalformed, "invalid challenge token");
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[task.token] = task.key_authorization;
  return Status::Ok();
}

Status Http01StandaloneSolver::CleanUp(const ChallengeTask& task) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.erase(task.token);
  return Status::Ok();
}

std::string Http01WebrootSolver::PathFor(const std::string& token) const {
  std::string dir = webroot_;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + kAcmeChallengePath + token;
}

Status Http01WebrootSolver::Present(const ChallengeTask& task) {
  if (!IsValidToken(task.token)) return Error(Code::kMalformed, "invalid challenge token");
  std::string path = PathFor(task.token);
  ANVIL_RETURN_IF_ERROR(MakeDirectories(path.substr(0, path.rfind('/')), 0755));
  return WriteFileAtomic(path, task.key_authorization, 0644);
}

Status Http01WebrootSolver::CleanUp(const ChallengeTask& task) {
  if (!IsValidToken(task.token)) return Status::Ok();
  std::string path = PathFor(task.token);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error(Code::kIo, "cannot remove " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace anvil::agent
