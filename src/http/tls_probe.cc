#include "http/tls_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "http/fiber_runner.h"
#include "http/openssl_errors.h"

namespace anvil::http {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string OpenSslErrors() { return internal::TakeOpenSslErrors("handshake failed"); }

std::string Where(const std::string& ip, uint16_t port) {
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

// Waits until `fd` is ready for `events` or the deadline passes (kConnection naming `what`).
Status WaitFor(int fd, short events, SteadyClock::time_point deadline, const std::string& what) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) return Error(Code::kConnection, "timed out " + what);
    pollfd pfd{fd, events, 0};
    int rc = Poll(&pfd, 1, static_cast<int>(left + 1));  // a fiber's wait on a FiberRunner
    if (rc > 0) return Status::Ok();  // Ready, or an error the next call reports.
    if (rc < 0 && rc != -EINTR) return Error(Code::kConnection, "poll: " + std::string(std::strerror(-rc)));
  }
}

Result<std::unique_ptr<Socket>> Connect(const std::string& ip, uint16_t port,
                                        SteadyClock::time_point deadline) {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string literal =
      ip.size() > 2 && ip.front() == '[' && ip.back() == ']' ? ip.substr(1, ip.size() - 2) : ip;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    addr_len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    addr_len = sizeof(sockaddr_in6);
  } else {
    return Error(Code::kInvalidArgument, "not an IP address: '" + ip + "'");
  }
  auto sock = std::make_unique<Socket>(socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (sock->fd() < 0) return Error(Code::kConnection, "socket: " + std::string(std::strerror(errno)));
  if (connect(sock->fd(), reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      return Error(Code::kConnection, "connect to " + Where(ip, port) + ": " + std::strerror(errno));
    }
    ANVIL_RETURN_IF_ERROR(WaitFor(sock->fd(), POLLOUT, deadline, "connecting to " + Where(ip, port)));
    int err = 0;
    socklen_t err_len = sizeof err;
    if (getsockopt(sock->fd(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
    if (err != 0)
      return Error(Code::kConnection, "connect to " + Where(ip, port) + ": " + std::strerror(err));
  }
  return sock;
}

// Sends everything OpenSSL queued in `wbio` (MSG_NOSIGNAL: a peer that hung up must not raise SIGPIPE).
Status Flush(int fd, BIO* wbio, SteadyClock::time_point deadline, const std::string& where) {
  char buf[16384];
  while (BIO_ctrl_pending(wbio) > 0) {
    int n = BIO_read(wbio, buf, sizeof buf);
    if (n <= 0) break;
    for (int sent = 0; sent < n;) {
      ssize_t w = send(fd, buf + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (w >= 0) {
        sent += static_cast<int>(w);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        ANVIL_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline, "in TLS handshake with " + where));
      } else if (errno != EINTR) {
        return Error(Code::kConnection, "send to " + where + ": " + std::strerror(errno));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<TlsProbeResult> ProbeTls(const std::string& ip, uint16_t port, const std::string& server_name,
                                const std::vector<std::string>& alpn_protocols,
                                std::chrono::milliseconds timeout) {
  const SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  const std::string where = Where(ip, port);
  std::string alpn_wire;
  for (const std::string& p : alpn_protocols) {
    if (p.empty() || p.size() > 255)
      return Error(Code::kInvalidArgument, "bad ALPN protocol name '" + p + "'");
    alpn_wire += static_cast<char>(p.size());
    alpn_wire += p;
  }
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<Socket> sock, Connect(ip, port, deadline));

  ERR_clear_error();
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error(Code::kInternal, "SSL_CTX_new: " + OpenSslErrors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // The caller inspects the certificate itself.
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl) return Error(Code::kInternal, "SSL_new: " + OpenSslErrors());
  SSL_set_connect_state(ssl.get());
  if (!server_name.empty() && SSL_set_tlsext_host_name(ssl.get(), server_name.c_str()) != 1) {
    return Error(Code::kInvalidArgument, "bad SNI name '" + server_name + "': " + OpenSslErrors());
  }
  if (!alpn_wire.empty() &&
      SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                          static_cast<unsigned>(alpn_wire.size())) != 0) {  // 0 means success here.
    return Error(Code::kInternal, "SSL_set_alpn_protos: " + OpenSslErrors());
  }
  // Memory BIOs: OpenSSL never touches the socket, so all I/O is ours (non-blocking, deadline, MSG_NOSIGNAL).
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  if (!rbio || !wbio) {
    BIO_free(rbio);
    BIO_free(wbio);
    return Error(Code::kInternal, "BIO_new failed");
  }
  SSL_set_bio(ssl.get(), rbio, wbio);  // `ssl` owns both now.

  for (;;) {
    int rc = SSL_do_handshake(ssl.get());
    ANVIL_RETURN_IF_ERROR(Flush(sock->fd(), wbio, deadline, where));
    if (rc == 1) break;
    int err = SSL_get_error(ssl.get(), rc);
    if (err != SSL_ERROR_WANT_READ) {
      return Error(Code::kTls, "TLS handshake with " + where + ": " + OpenSslErrors());
    }
    ANVIL_RETURN_IF_ERROR(WaitFor(sock->fd(), POLLIN, deadline, "in TLS handshake with " + where));
    char buf[16384];
    ssize_t n = recv(sock->fd(), buf, sizeof buf, 0);
    if (n == 0)
      return Error(Code::kConnection, "connection closed by " + where + " during the TLS handshake");
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return Error(Code::kConnection, "recv from " + where + ": " + std::strerror(errno));
    }
    BIO_write(rbio, buf, static_cast<int>(n));
  }

  TlsProbeResult result;
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &alpn, &alpn_len);
  if (alpn != nullptr) result.negotiated_alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  result.tls_version = SSL_get_version(ssl.get());
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());  // On a client: leaf first, as sent.
  int count = chain ? sk_X509_num(chain) : 0;
  if (count <= 0) return Error(Code::kTls, where + " presented no certificate");
  for (int i = 0; i < count; ++i) {
    X509* cert = sk_X509_value(chain, i);
    int len = i2d_X509(cert, nullptr);
    if (len <= 0) return Error(Code::kTls, "unencodable certificate from " + where);
    std::string der(static_cast<size_t>(len), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509(cert, &out);
    result.peer_chain_der.push_back(std::move(der));
  }
  // Be polite: send close_notify if the socket takes it right away; never wait for the reply.
  SSL_shutdown(ssl.get());
  char buf[1024];
  while (BIO_ctrl_pending(wbio) > 0) {
    int n = BIO_read(wbio, buf, sizeof buf);
    if (n <= 0 || send(sock->fd(), buf, static_cast<size_t>(n), MSG_NOSIGNAL | MSG_DONTWAIT) != n) break;
  }
  ERR_clear_error();
  return result;
}

}  // namespace anvil::http
