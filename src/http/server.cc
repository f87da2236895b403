// The Beast/Asio implementation of http::Server: the one translation unit of Anvil that instantiates Beast.
//
// Shape: one io_context run by `io_threads` threads; each connection is a C++20 coroutine on its own strand;
// handlers run on an asio::thread_pool and the connection's coroutine resumes on its strand afterwards, or
// (worker_threads = 0) on a fiber resumed on the connection's strand, the coroutine waiting while it waits.
// Timeouts use beast::tcp_stream deadlines, which close the socket when they pass. Every connection is
// registered in `connections_` so Stop() can close idle ones, wait for busy ones, and force the rest after
// the grace period. Plain and TLS connections share one session coroutine over a type-erased ByteStream,
// which about halves this file's compile time compared with a template per stream type.
#include "http/server.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <map>
#include <mutex>
#include <span>
#include <thread>

#include "base/fiber.h"
#include "http/tls_context.h"

namespace anvil::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// How long a closing connection waits for the peer's close (TLS close_notify, then TCP FIN) while discarding
// what it still sends, so that an error response is not lost to a TCP reset (the "lingering close").
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 1 << 20;
constexpr size_t kReadChunk = 16 * 1024;

// Blocks the asynchronous termination signals while threads are created, so they inherit a mask that leaves
// SIGINT/SIGTERM to the thread waiting for them (see signals.h).
class ScopedSignalBlock {
 public:
  ScopedSignalBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~ScopedSignalBlock() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  ScopedSignalBlock(const ScopedSignalBlock&) = delete;
  ScopedSignalBlock& operator=(const ScopedSignalBlock&) = delete;

 private:
  sigset_t old_;
};

// IMF-fixdate (RFC 9110 §5.6.7), independent of the C locale.
std::string HttpDate(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// RFC 9110 §5.1 token characters (field names).
bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Field values may not carry CR, LF or NUL (RFC 9110 §5.5); anything else a handler sends is passed through.
bool IsSafeValue(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) == s.npos; }

bool HasToken(std::string_view list, std::string_view token) {
  // Comma-separated, case-insensitive ("Connection: keep-alive, Close").
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The response to a request that could not be read, or 0 when nobody is left to answer (timeout, reset, EOF).
int StatusForReadError(const beast::error_code& ec) {
  if (ec == bh::error::header_limit) return 431;
  if (ec == bh::error::body_limit) return 413;
  if (ec == bh::error::end_of_stream || ec == bh::error::partial_message) return 0;
  if (ec.category() == bh::make_error_code(bh::error::bad_method).category()) return 400;
  return 0;
}

Response PlainError(int status, std::string_view text) {
  Response r;
  r.status = status;
  r.headers.Add("Content-Type", "text/plain; charset=utf-8");
  r.body = std::string(text) + "\n";
  return r;
}

std::string Endpoint(const tcp::endpoint& ep) {
  std::string ip = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(ep.port());
}

// A connection as Stop() sees it. `strand` is immutable; the other fields are touched only on that strand.
struct Connection {
  explicit Connection(Strand s) : strand(std::move(s)) {}
  Strand strand;
  beast::tcp_stream* tcp = nullptr;  // Null before the session starts and after it ends.
  bool busy = false;                 // Between the first byte of a request and the end of its response.
};

// A connection's byte stream with async_read_some/async_write_some type-erased (Asio's
// any_completion_handler), so that Beast's HTTP algorithms and the session coroutines are instantiated once
// rather than once per concrete stream (plain TCP, TLS): this roughly halves the compile time of this file.
// The cost is one virtual call and one handler allocation per read or write, which is noise next to a system
// call.
class ByteStream {
 public:
  using executor_type = asio::any_io_executor;
  using IoHandler = asio::any_completion_handler<void(beast::error_code, std::size_t)>;

  virtual ~ByteStream() = default;
  virtual executor_type get_executor() = 0;
  virtual beast::tcp_stream& tcp() = 0;  // The TCP layer: timeouts, close, half-close.
  virtual TlsStream* tls() { return nullptr; }

  // AsyncReadStream: reads into the first buffer of `buffers` (Beast passes a single buffer).
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](IoHandler handler, asio::mutable_buffer buffer) { ReadSome(buffer, std::move(handler)); },
        token, asio::mutable_buffer(*asio::buffer_sequence_begin(buffers)));
  }

  // AsyncWriteStream: writes from the first kMaxBuffers non-empty buffers of `buffers` (a partial write is
  // allowed).
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    size_t count = 0;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
      asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      if (count == write_buffers_.size()) break;
      write_buffers_[count++] = b;
    }
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](IoHandler handler, size_t n) {
          WriteSome(std::span<const asio::const_buffer>(write_buffers_.data(), n), std::move(handler));
        },
        token, count);
  }

 protected:
  virtual void ReadSome(asio::mutable_buffer buffer, IoHandler handler) = 0;
  // `buffers` stays valid until the handler runs (one write at a time, as for any stream).
  virtual void WriteSome(std::span<const asio::const_buffer> buffers, IoHandler handler) = 0;

 private:
  std::array<asio::const_buffer, 16> write_buffers_;
};

class PlainByteStream final : public ByteStream {
 public:
  explicit PlainByteStream(tcp::socket socket) : stream_(std::move(socket)) {}
  executor_type get_executor() override { return stream_.get_executor(); }
  beast::tcp_stream& tcp() override { return stream_; }

 private:
  // Binding the stream's executor (the connection's strand, as for every handler here) gives Beast a handler
  // whose executor supports blocking.never; Boost 1.81's any_completion_executor does not.
  void ReadSome(asio::mutable_buffer buffer, IoHandler handler) override {
    stream_.async_read_some(buffer, asio::bind_executor(stream_.get_executor(), std::move(handler)));
  }
  void WriteSome(std::span<const asio::const_buffer> buffers, IoHandler handler) override {
    stream_.async_write_some(buffers, asio::bind_executor(stream_.get_executor(), std::move(handler)));
  }
  beast::tcp_stream stream_;
};

class TlsByteStream final : public ByteStream {
 public:
  TlsByteStream(tcp::socket socket, std::shared_ptr<asio::ssl::context> context)
      : context_(std::move(context)), stream_(beast::tcp_stream(std::move(socket)), *context_) {}
  executor_type get_executor() override { return stream_.get_executor(); }
  beast::tcp_stream& tcp() override { return beast::get_lowest_layer(stream_); }
  TlsStream* tls() override { return &stream_; }

 private:
  // Binding the stream's executor (the connection's strand, as for every handler here) gives Beast a handler
  // whose executor supports blocking.never; Boost 1.81's any_completion_executor does not.
  void ReadSome(asio::mutable_buffer buffer, IoHandler handler) override {
    stream_.async_read_some(buffer, asio::bind_executor(stream_.get_executor(), std::move(handler)));
  }
  void WriteSome(std::span<const asio::const_buffer> buffers, IoHandler handler) override {
    stream_.async_write_some(buffers, asio::bind_executor(stream_.get_executor(), std::move(handler)));
  }
  std::shared_ptr<asio::ssl::context> context_;  // Outlives stream_, which uses it.
  TlsStream stream_;
};

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)), ioc_(std::max(options_.io_threads, 1)) {
    tls_config_.alpn_protocols = options_.alpn_protocols;
    tls_config_.certificate_selector = options_.certificate_selector;
    tls_config_.client_ca_pem = options_.client_ca_pem;
  }

  ~Impl() { Stop(std::chrono::seconds(10)); }

  Status Init() {
    if (!options_.tls_certificate_chain_pem.empty()) {
      ANVIL_ASSIGN_OR_RETURN(internal::SslCtxPtr ctx,
                             internal::NewServerContext(options_.tls_certificate_chain_pem,
                                                        options_.tls_private_key_pem, &tls_config_));
      tls_context_ = std::make_shared<asio::ssl::context>(ctx.release());
    }
    for (const ListenAddress& listen : options_.listen) ANVIL_RETURN_IF_ERROR(Bind(listen));
    return Status::Ok();
  }

  void Run() {
    ScopedSignalBlock block;
    work_.emplace(ioc_.get_executor());
    if (options_.worker_threads > 0)
      workers_ = std::make_unique<asio::thread_pool>(static_cast<size_t>(options_.worker_threads));
    for (auto& acceptor : acceptors_) {
      asio::co_spawn(acceptor->get_executor(), Accept(*acceptor),
                     [](std::exception_ptr e) { LogException(e); });
    }
    for (int i = 0; i < options_.io_threads; ++i) {
      io_threads_.emplace_back([this] {
        for (;;) {
          try {
            ioc_.run();
            return;
          } catch (const std::exception& e) {
            spdlog::error("http: exception escaped the I/O loop: {}", e.what());
          }
        }
      });
    }
    running_ = true;
  }

  std::vector<uint16_t> ports() const { return ports_; }

  Status ReloadCertificate(const std::string& chain_pem, const std::string& key_pem) {
    if (options_.tls_certificate_chain_pem.empty()) {
      return Error(Code::kInvalidArgument, "ReloadCertificate on a plain-HTTP server");
    }
    ANVIL_ASSIGN_OR_RETURN(internal::SslCtxPtr ctx,
                           internal::NewServerContext(chain_pem, key_pem, &tls_config_));
    auto next = std::make_shared<asio::ssl::context>(ctx.release());
    std::lock_guard lock(mu_);
    tls_context_ = std::move(next);
    return Status::Ok();
  }

  void Stop(std::chrono::seconds grace) {
    std::lock_guard stop_lock(stop_mu_);
    if (!running_) return;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    stopping_ = true;
    for (auto& acceptor : acceptors_) {
      asio::post(acceptor->get_executor(), [a = acceptor.get()] {
        beast::error_code ignored;
        a->close(ignored);
      });
    }
    CloseConnections(/*force=*/false);
    {
      std::unique_lock lock(mu_);
      if (!drained_.wait_until(lock, deadline, [this] { return connections_.empty(); })) {
        spdlog::warn("http: {} connection(s) still open after the {} s grace period; closing them",
                     connections_.size(), grace.count());
      }
    }
    CloseConnections(/*force=*/true);
    // A handler cannot be interrupted; wait for it (a handler on a fiber keeps ioc_ running until it ends).
    if (workers_) workers_->join();
    work_.reset();
    for (std::thread& t : io_threads_) t.join();
    io_threads_.clear();
    running_ = false;
  }

 private:
  // Binds one ListenAddress ("localhost" → 127.0.0.1 and, when the host has IPv6, ::1 on the same port).
  Status Bind(const ListenAddress& listen) {
    if (listen.host != "localhost") {
      std::string host = listen.host;
      if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
      beast::error_code ec;
      asio::ip::address address = asio::ip::make_address(host, ec);
      if (ec)
        return Error(Code::kInvalidArgument, "listen address is not an IP literal: '" + listen.host + "'");
      return BindOne(tcp::endpoint(address, listen.port)).status();
    }
    // With port 0 the ::1 socket reuses the port picked for 127.0.0.1; if that port is taken on ::1, pick
    // again.
    for (int attempt = 0;; ++attempt) {
      ANVIL_ASSIGN_OR_RETURN(uint16_t port,
                             BindOne(tcp::endpoint(asio::ip::address_v4::loopback(), listen.port)));
      beast::error_code v6_error;
      Result<uint16_t> v6 = BindOne(tcp::endpoint(asio::ip::address_v6::loopback(), port), &v6_error);
      if (v6.ok()) return Status::Ok();
      if (v6_error == boost::system::errc::address_not_available ||
          v6_error == boost::system::errc::address_family_not_supported) {
        spdlog::debug("http: no IPv6 loopback, listening on 127.0.0.1:{} only", port);
        return Status::Ok();
      }
      if (listen.port != 0 || attempt == 10) return v6.status();
      acceptors_.pop_back();
      ports_.pop_back();
    }
  }

  // Opens, binds and listens; on failure also stores the socket error in `error` when given.
  Result<uint16_t> BindOne(const tcp::endpoint& endpoint, beast::error_code* error = nullptr) {
    auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(ioc_));
    beast::error_code ec;
    const char* step = "open";
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) step = "bind";
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) step = "listen";
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      if (error != nullptr) *error = ec;
      return Error(Code::kIo, std::string(step) + " " + Endpoint(endpoint) + ": " + ec.message());
    }
    uint16_t port = acceptor->local_endpoint().port();
    spdlog::debug("http: listening on {}", Endpoint(acceptor->local_endpoint()));
    acceptors_.push_back(std::move(acceptor));
    ports_.push_back(port);
    return port;
  }

  static void LogException(const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("http: connection failed with an exception: {}", ex.what());
    } catch (...) {
      spdlog::error("http: connection failed with an unknown exception");
    }
  }

  asio::awaitable<void> Accept(tcp::acceptor& acceptor) {
    asio::steady_timer backoff(acceptor.get_executor());
    while (!stopping_) {
      Strand strand = asio::make_strand(ioc_);
      auto [ec, socket] = co_await acceptor.async_accept(strand, kTuple);
      if (ec == asio::error::operation_aborted || stopping_ || !acceptor.is_open()) break;
      if (ec) {
        // EMFILE and friends: back off instead of spinning; the pending connection stays in the backlog.
        spdlog::warn("http: accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(kTuple);
        continue;
      }
      auto conn = std::make_shared<Connection>(strand);
      {
        std::lock_guard lock(mu_);
        if (connections_.size() >= options_.max_connections) {
          spdlog::debug("http: connection limit {} reached, closing a new connection",
                        options_.max_connections);
          beast::error_code ignored;
          socket.close(ignored);
          continue;
        }
        connections_.emplace(conn.get(), conn);
      }
      asio::co_spawn(strand, Session(std::move(socket), std::move(conn)),
                     [](std::exception_ptr e) { LogException(e); });
    }
  }

  // Unregisters the connection however the session coroutine ends (including frame destruction).
  struct Registration {
    Impl* impl;
    std::shared_ptr<Connection> conn;
    ~Registration() {
      conn->tcp = nullptr;
      std::lock_guard lock(impl->mu_);
      impl->connections_.erase(conn.get());
      if (impl->connections_.empty()) impl->drained_.notify_all();
    }
  };

  // Note on GCC 12: locals of one coroutine get distinct names here (idle_ec / ec, read_status / bad_status,
  // ...) because GCC 12 can give same-named locals of sibling scopes one frame slot sized for only one of
  // them.
  asio::awaitable<void> Session(tcp::socket socket, std::shared_ptr<Connection> conn) {
    Registration registration{this, conn};
    beast::error_code endpoint_ec;
    tcp::endpoint remote = socket.remote_endpoint(endpoint_ec);
    if (endpoint_ec) co_return;  // Already reset by the peer.
    std::string remote_address = remote.address().to_string();
    std::shared_ptr<asio::ssl::context> context;
    {
      std::lock_guard lock(mu_);
      context = tls_context_;
    }
    std::unique_ptr<ByteStream> stream;
    if (context) {
      stream = std::make_unique<TlsByteStream>(std::move(socket), std::move(context));
    } else {
      stream = std::make_unique<PlainByteStream>(std::move(socket));
    }
    conn->tcp = &stream->tcp();
    co_await Serve(*stream, *conn, remote_address);
  }

  // Closes idle connections (force: all connections) on their strands.
  void CloseConnections(bool force) {
    std::lock_guard lock(mu_);
    for (auto& [ptr, conn] : connections_) {
      asio::post(conn->strand, [conn = conn, force] {
        if (conn->tcp != nullptr && (force || !conn->busy)) conn->tcp->close();
      });
    }
  }

  asio::awaitable<void> Serve(ByteStream& stream, Connection& conn, const std::string& remote_address) {
    const bool tls = stream.tls() != nullptr;
    beast::tcp_stream& tcp = stream.tcp();
    std::string client_certificate;  // DER, verified in the handshake; empty: none presented
    if (stopping_) co_return;
    if (tls) {
      tcp.expires_after(options_.request_timeout);
      auto [handshake_ec] = co_await stream.tls()->async_handshake(asio::ssl::stream_base::server, kTuple);
      if (handshake_ec) {
        spdlog::debug("http: TLS handshake with {} failed: {}", remote_address, handshake_ec.message());
        co_return;
      }
      if (!options_.client_ca_pem.empty()) {
        client_certificate = internal::VerifiedPeerCertificateDer(stream.tls()->native_handle());
      }
    }
    beast::flat_buffer buffer;
    for (;;) {
      conn.busy = false;
      if (stopping_) {
        // Shutting down between requests. With nothing sent by the client, a plain close cannot cause a reset
        // that destroys the response just written, so skip the lingering close and let Stop() finish sooner.
        beast::error_code available_ec;
        if (buffer.size() == 0 && tcp.socket().available(available_ec) == 0 && !available_ec) co_return;
        break;
      }
      if (buffer.size() == 0) {
        // Idle: wait for the first byte of the next request under the idle timeout.
        tcp.expires_after(options_.idle_timeout);
        auto [idle_ec, idle_n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), kTuple);
        if (idle_ec) {
          spdlog::debug("http: connection from {} ends while idle: {}", remote_address, idle_ec.message());
          co_return;
        }
        buffer.commit(idle_n);
        if (!tls && static_cast<const unsigned char*>(buffer.data().data())[0] == 0x16) {
          // A TLS ClientHello (handshake record, 0x16) on a plain port: no HTTP will follow, so do not wait
          // for a header that never comes.
          spdlog::debug("http: TLS handshake from {} on a plain-HTTP port; closing", remote_address);
          co_return;
        }
      }
      conn.busy = true;
      tcp.expires_after(options_.request_timeout);
      bh::request_parser<bh::string_body> parser;
      parser.header_limit(
          static_cast<std::uint32_t>(std::min<size_t>(options_.max_header_bytes, UINT32_MAX)));
      parser.body_limit(options_.max_body_bytes);
      auto [ec, n] = co_await bh::async_read_header(stream, buffer, parser, kTuple);
      if (!ec && !parser.is_done() && parser.get().version() == 11 &&
          HasToken(parser.get()[bh::field::expect], "100-continue")) {
        // The client waits for this before sending the body (RFC 9110 §10.1.1).
        bh::response<bh::empty_body> proceed{bh::status::continue_, 11};
        std::tie(ec, n) = co_await bh::async_write(stream, proceed, kTuple);
        if (ec) co_return;
      }
      if (!ec && !parser.is_done()) std::tie(ec, n) = co_await bh::async_read(stream, buffer, parser, kTuple);
      if (ec) {
        int read_status = StatusForReadError(ec);
        spdlog::debug("http: reading a request from {} failed: {}", remote_address, ec.message());
        if (read_status == 0) co_return;
        const char* text = read_status == 431   ? "Request Header Fields Too Large"
                           : read_status == 413 ? "Content Too Large"
                                                : "Bad Request";
        Response error = Refusal(read_status, text);
        co_await SendAndClose(stream, error, 11, false);
        co_return;
      }

      bh::request<bh::string_body>& message = parser.get();
      const unsigned version = message.version();
      const bool head = message.method() == bh::verb::head;
      Request request;
      if (std::string problem = FillRequest(message, request); !problem.empty()) {
        spdlog::debug("http: bad request from {}: {}", remote_address, problem);
        int bad_status = problem == "HTTP version not supported" ? 505 : 400;
        Response bad_request = Refusal(bad_status, problem);
        co_await SendAndClose(stream, bad_request, version == 10 ? 10 : 11, head);
        co_return;
      }
      request.remote_address = remote_address;
      request.tls = tls;
      request.client_certificate_der = client_certificate;
      bool keep_alive = message.keep_alive();

      tcp.expires_never();
      Response response;
      if (workers_) {
        response =
            co_await asio::co_spawn(workers_->get_executor(), CallHandler(request), asio::use_awaitable);
      } else {
        response = co_await CallHandlerOnFiber(request);
      }
      if (auto c = response.headers.Get("Connection"); c && HasToken(*c, "close")) keep_alive = false;
      if (stopping_) keep_alive = false;

      tcp.expires_after(options_.request_timeout);
      if (!keep_alive) {
        co_await SendAndClose(stream, response, version, head);
        co_return;
      }
      beast::error_code write_ec = co_await Write(stream, response, version, head, true);
      if (write_ec) {
        spdlog::debug("http: writing a response to {} failed: {}", remote_address, write_ec.message());
        co_return;
      }
    }
    co_await Linger(stream);
  }

  // Fills `out` from a parsed message; returns a problem description for a 400 (or 505), else "".
  std::string FillRequest(bh::request<bh::string_body>& message, Request& out) const {
    if (message.version() != 10 && message.version() != 11) return "HTTP version not supported";
    out.method = std::string(message.method_string());
    out.target = std::string(message.target());
    std::optional<ParsedTarget> target = ParseTarget(out.target);
    if (!target) return "request target must be origin-form or absolute-form";
    out.path = std::move(target->path);
    out.query = std::move(target->query);
    for (const auto& field : message)
      out.headers.Add(std::string(field.name_string()), std::string(field.value()));
    // RFC 9112 §3.2: HTTP/1.1 needs exactly one valid Host; an absolute-form target's authority takes
    // precedence.
    std::vector<std::string> hosts = out.headers.GetAll("Host");
    if (hosts.size() > 1) return "more than one Host header";
    if (hosts.empty() && message.version() == 11) return "missing Host header";
    if (!hosts.empty()) {
      std::optional<std::string> host = HostFromAuthority(hosts.front());
      if (!host) return "invalid Host header";
      out.host = std::move(*host);
    }
    if (!target->host.empty()) out.host = std::move(target->host);
    // RFC 9112 §6.3: a request whose final transfer coding is not chunked has no determinable length (and is
    // a request-smuggling vector behind proxies). The parser already rejects Transfer-Encoding with
    // Content-Length.
    if (message.count(bh::field::transfer_encoding) > 0 && !message.chunked())
      return "unsupported transfer coding";
    out.body = std::move(message.body());
    return "";
  }

  // The handler, with whatever it throws turned into a 500.
  Response InvokeHandler(const Request& request) {
    try {
      return handler_(request);
    } catch (const std::exception& e) {
      spdlog::error("http: handler threw for {} {}: {}", request.method, request.path, e.what());
    } catch (...) {
      spdlog::error("http: handler threw a non-exception for {} {}", request.method, request.path);
    }
    return Refusal(500, "Internal Server Error");
  }

  // The response to a request refused before or instead of the handler (ServerOptions::refusal_response).
  Response Refusal(int status, const std::string& detail) const {
    if (!options_.refusal_response) return PlainError(status, detail);
    Response r = options_.refusal_response(status, detail);
    return r.status == status ? r : PlainError(status, detail);
  }

  asio::awaitable<Response> CallHandler(const Request& request) { co_return InvokeHandler(request); }

  // One handler call on a fiber, on the connection's strand. The fiber runs until it finishes or waits
  // (fiber::Await); a waiting fiber's wake posts its resumption to the strand, and the coroutine waits on a
  // timer that never expires (outstanding work, so ioc_ keeps running until the handler ends), which the
  // resumption that finishes the fiber cancels.
  struct FiberCall {
    explicit FiberCall(const asio::any_io_executor& strand) : executor(strand), finished(strand) {
      finished.expires_at(asio::steady_timer::time_point::max());
    }
    asio::any_io_executor executor;  // the connection's strand
    asio::steady_timer finished;
    std::optional<fiber::Fiber> fiber;
    Response response;
  };

  asio::awaitable<Response> CallHandlerOnFiber(const Request& request) {
    FiberCall call(co_await asio::this_coro::executor);  // lives in this frame until the fiber has finished
    FiberCall* raw = &call;
    call.fiber.emplace([this, raw, &request] { raw->response = InvokeHandler(request); },
                       [raw] {
                         asio::post(raw->executor, [raw] {
                           if (raw->fiber->Resume()) raw->finished.cancel();
                         });
                       });
    // Resumptions run on this strand, so none can finish the fiber between this check and the wait.
    bool finished = call.fiber->Resume();
    while (!finished) {
      co_await call.finished.async_wait(kTuple);
      finished = call.fiber->finished();
    }
    co_return std::move(call.response);
  }

  // Sends `response` (consuming its body).
  asio::awaitable<beast::error_code> Write(ByteStream& stream, Response& response, unsigned version,
                                           bool head, bool keep_alive) {
    if (response.status < 200 || response.status > 599) {
      spdlog::error("http: handler returned status {}; sending 500", response.status);
      response = Refusal(500, "Internal Server Error");
    }
    bh::response<bh::string_body> res;
    res.version(version);
    res.result(static_cast<unsigned>(response.status));
    bool has_date = false;
    for (auto& [name, value] : response.headers.entries()) {
      if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
          EqualsIgnoreCase(name, "Connection")) {
        continue;  // Framing and connection management are ours.
      }
      if (!IsToken(name) || !IsSafeValue(value)) {
        spdlog::error("http: dropping invalid response header '{}'", name);
        continue;
      }
      has_date = has_date || EqualsIgnoreCase(name, "Date");
      res.insert(name, value);
    }
    if (!has_date) res.set(bh::field::date, HttpDate(std::time(nullptr)));
    res.keep_alive(keep_alive);
    // RFC 9110 §8.6 and §15.4.5: no Content-Length and no body with 204 and 304.
    if (response.status == 204 || response.status == 304) {
      response.body.clear();
    } else {
      res.content_length(response.body.size());
    }
    if (!head) res.body() = std::move(response.body);  // HEAD: Content-Length as for GET, no body.
    auto [write_ec, written] = co_await bh::async_write(stream, res, kTuple);
    co_return write_ec;
  }

  asio::awaitable<void> SendAndClose(ByteStream& stream, Response& response, unsigned version, bool head) {
    stream.tcp().expires_after(options_.request_timeout);
    beast::error_code write_ec = co_await Write(stream, response, version, head, false);
    if (!write_ec) co_await Linger(stream);
  }

  // Closes gracefully: TLS close_notify, then half-close and discard input until the peer closes, bounded.
  asio::awaitable<void> Linger(ByteStream& stream) {
    beast::tcp_stream& tcp = stream.tcp();
    if (!tcp.socket().is_open()) co_return;
    tcp.expires_after(kLingerTime);
    if (TlsStream* tls = stream.tls()) {
      auto [shutdown_ec] = co_await tls->async_shutdown(kTuple);
      (void)shutdown_ec;  // Peers often just close; nothing to do either way.
    }
    beast::error_code ec;
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
    auto sink = std::make_unique<char[]>(4096);
    for (size_t total = 0; !ec && total < kLingerBytes;) {
      auto [read_ec, n] = co_await tcp.async_read_some(asio::buffer(sink.get(), 4096), kTuple);
      ec = read_ec;
      total += n;
    }
    tcp.close();
  }

  const ServerOptions options_;
  const Handler handler_;
  internal::TlsServerConfig tls_config_;  // Read by TLS callbacks; outlives every SSL context.

  mutable std::mutex mu_;
  std::condition_variable drained_;
  std::map<Connection*, std::shared_ptr<Connection>> connections_;  // Guarded by mu_.
  std::shared_ptr<asio::ssl::context> tls_context_;                 // Guarded by mu_ (after Init).

  std::mutex stop_mu_;
  bool running_ = false;  // Guarded by stop_mu_ (after Run).
  std::atomic<bool> stopping_{false};

  // Declared last so that it is destroyed first, while everything a dying coroutine frame touches still
  // exists; the acceptors are I/O objects of ioc_ and must die before it.
  asio::io_context ioc_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<uint16_t> ports_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<asio::thread_pool> workers_;
  std::vector<std::thread> io_threads_;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { impl_->Stop(std::chrono::seconds(10)); }

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  if (options.listen.empty()) return Error(Code::kInvalidArgument, "no listen address");
  if (!handler) return Error(Code::kInvalidArgument, "no handler");
  if (options.worker_threads < 0) return Error(Code::kInvalidArgument, "worker_threads must not be negative");
  if (options.io_threads < 0) return Error(Code::kInvalidArgument, "io_threads must not be negative");
  if (options.io_threads == 0)
    options.io_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (options.max_connections == 0)
    return Error(Code::kInvalidArgument, "max_connections must be at least 1");
  if (options.tls_certificate_chain_pem.empty() &&
      (!options.alpn_protocols.empty() || options.certificate_selector ||
       !options.tls_private_key_pem.empty())) {
    return Error(Code::kInvalidArgument, "TLS options given without a TLS certificate");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  ANVIL_RETURN_IF_ERROR(impl->Init());
  impl->Run();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::vector<uint16_t> Server::ports() const { return impl_->ports(); }

void Server::Stop(std::chrono::seconds grace) { impl_->Stop(grace); }

Status Server::ReloadCertificate(const std::string& chain_pem, const std::string& key_pem) {
  return impl_->ReloadCertificate(chain_pem, key_pem);
}

}  // namespace anvil::http
