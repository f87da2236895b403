// swtpm for tests (support/swtpm.h): manufacturing with swtpm_setup and a private swtpm_localca, then
// `swtpm socket` on loopback ports picked by FreePort. Call from the test thread (support/swtpm.h).
#include "support/swtpm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/loopback.h"

namespace anvil::testing {
namespace {

// The absolute path of `program` on $PATH; empty if absent.
std::string FindProgram(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// Whether a TCP connection to 127.0.0.1:port is accepted (it is closed at once; swtpm then waits for the
// next).
bool Accepts(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// Runs `argv` to completion, its output in `log`; kUnavailable with that output if it fails.
Status RunToEnd(const std::vector<std::string>& argv, const std::string& log) {
  Result<pid_t> pid = SpawnChild(argv, log);
  if (!pid.ok()) return pid.status();
  int status = 0;
  if (waitpid(*pid, &status, 0) != *pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status(Code::kUnavailable, argv[0] + " failed: " + ReadAll(log));
  }
  return Status::Ok();
}

}  // namespace

bool Swtpm::Installed() {
  return !FindProgram("swtpm").empty() && !FindProgram("swtpm_setup").empty() &&
         !FindProgram("swtpm_localca").empty();
}

Result<std::unique_ptr<Swtpm>> Swtpm::Start(const Options& options) {
  std::unique_ptr<Swtpm> tpm(new Swtpm);
  if (tpm->dir_.path().empty()) return Status(Code::kIo, "cannot make a temporary directory");
  tpm->ek_certificate_ = options.ek_certificate;
  std::filesystem::create_directory(tpm->dir() + "/state");
  if (options.ek_certificate) ANVIL_RETURN_IF_ERROR(tpm->Manufacture());
  ANVIL_RETURN_IF_ERROR(tpm->Launch());
  return tpm;
}

Swtpm::~Swtpm() { KillChild(pid_); }

std::string Swtpm::ek_root_ca() const {
  return ek_certificate_ ? dir() + "/localca/swtpm-localca-rootca-cert.pem" : "";
}

std::string Swtpm::ek_intermediate_ca() const {
  return ek_certificate_ ? dir() + "/localca/issuercert.pem" : "";
}

// swtpm_setup reads swtpm_setup.conf, which names swtpm_localca and its configuration; swtpm_localca makes
// its root and intermediate in `statedir` on first use.
Status Swtpm::Manufacture() {
  const std::string d = dir();
  std::filesystem::create_directory(d + "/localca");
  std::ofstream(d + "/swtpm_setup.conf") << "create_certs_tool = " << FindProgram("swtpm_localca") << "\n"
                                         << "create_certs_tool_config = " << d << "/swtpm-localca.conf\n"
                                         << "create_certs_tool_options = " << d << "/swtpm-localca.options\n"
                                         << "active_pcr_banks = sha256\n";
  std::ofstream(d + "/swtpm-localca.conf") << "statedir = " << d << "/localca\n"
                                           << "signingkey = " << d << "/localca/signkey.pem\n"
                                           << "issuercert = " << d << "/localca/issuercert.pem\n"
                                           << "certserial = " << d << "/localca/certserial\n";
  std::ofstream(d + "/swtpm-localca.options") << "--platform-manufacturer Anvil\n"
                                              << "--platform-version 2.1\n"
                                              << "--platform-model test\n";
  return RunToEnd({FindProgram("swtpm_setup"), "--tpm2", "--tpmstate", d + "/state", "--create-ek-cert",
                   "--create-platform-cert", "--config", d + "/swtpm_setup.conf", "--pcr-banks", "sha256",
                   "--logfile", d + "/swtpm_setup.log"},
                  d + "/swtpm_setup.out");
}

Status Swtpm::Launch() {
  // The swtpm TCTI finds the control channel on the TPM's port + 1: both must be free.
  for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) {
    Result<uint16_t> port = FreePort();
    if (!port.ok()) return port.status();
    if (*port == 65535) continue;
    const int ctrl = BindLoopback(SOCK_STREAM, static_cast<uint16_t>(*port + 1));
    if (ctrl < 0) continue;
    close(ctrl);
    port_ = *port;
  }
  if (port_ == 0) return Status(Code::kIo, "no two adjacent free ports on 127.0.0.1 for swtpm");
  const std::string log = dir() + "/swtpm.log";
  Result<pid_t> pid =
      SpawnChild({FindProgram("swtpm"), "socket", "--tpm2", "--server",
                  "type=tcp,port=" + std::to_string(port_) + ",bindaddr=127.0.0.1", "--ctrl",
                  "type=tcp,port=" + std::to_string(port_ + 1) + ",bindaddr=127.0.0.1", "--tpmstate",
                  "dir=" + dir() + "/state", "--flags", "not-need-init,startup-clear"},
                 log);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!Accepts(port_)) {
    if (ChildExited(pid_)) return Status(Code::kUnavailable, "swtpm exited: " + ReadAll(log));
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(Code::kUnavailable,
                    "swtpm does not listen on 127.0.0.1:" + std::to_string(port_) + ": " + ReadAll(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  tcti_ = "swtpm:host=127.0.0.1,port=" + std::to_string(port_);
  return Status::Ok();
}

}  // namespace anvil::testing
