#include "support/named.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "support/challtestsrv.h"
#include "support/child_process.h"

namespace anvil::testing {
namespace {

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Error(Code::kIo, "cannot write " + path);
  return Status::Ok();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::unique_ptr<NamedServer>> NamedServer::Start(const std::string& origin, const std::string& records,
                                                        std::chrono::milliseconds timeout) {
  if (access(kNamedPath, X_OK) != 0)
    return Error(Code::kUnavailable, std::string(kNamedPath) + " is not installed");
  std::unique_ptr<NamedServer> s(new NamedServer());
  std::string tmpl = (std::filesystem::temp_directory_path() / "anvil-named-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return Error(Code::kIo, "mkdtemp failed");
  s->dir_ = tmpl;
  ANVIL_ASSIGN_OR_RETURN(s->port_, FreePort());
  const std::string zone_file = s->dir_ + "/zone.db";
  ANVIL_RETURN_IF_ERROR(WriteFile(zone_file, "$ORIGIN " + origin + ".\n$TTL 60\n" + "@ IN SOA ns." + origin +
                                                 ". admin." + origin + ". 1 60 60 600 60\n@ IN NS ns." +
                                                 origin + ".\nns IN A 127.0.0.1\n" + records + "\n"));
  const std::string conf = s->dir_ + "/named.conf";
  ANVIL_RETURN_IF_ERROR(
      WriteFile(conf, "options {\n  directory \"" + s->dir_ + "\";\n  pid-file \"" + s->dir_ +
                          "/named.pid\";\n  listen-on port " + std::to_string(s->port_) +
                          " { 127.0.0.1; };\n  listen-on-v6 { none; };\n  recursion no;\n"
                          "  allow-query { any; };\n  dnssec-validation no;\n};\n"
                          "controls { };\nzone \"" +
                          origin + "\" {\n  type primary;\n  file \"" + zone_file + "\";\n};\n"));
  // -g: foreground, log to stderr; -n 1: one worker thread (the machine has two cores).
  const std::string log = s->dir_ + "/named.log";
  ANVIL_ASSIGN_OR_RETURN(s->pid_, SpawnChild({kNamedPath, "-g", "-n", "1", "-c", conf}, log));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ChildExited(s->pid_)) return Error(Code::kIo, "named exited at start-up: " + ReadFile(log));
    if (AnswersDns(s->port_)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error(Code::kIo, "named did not answer in time: " + ReadFile(log));
}

NamedServer::~NamedServer() {
  KillChild(pid_);
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace anvil::testing
