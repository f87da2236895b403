#include "beast_http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "base/fiber.h"
#include "http/fiber_runner_executor.h"

namespace anvil::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct Target {
  std::string host;  // without brackets
  std::string port;
  std::string path;  // origin-form request target
};

// https://host[:port][/path]; host may be a bracketed IPv6 literal.
std::optional<Target> ParseHttpsUrl(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (url.compare(0, kScheme.size(), kScheme) != 0) return std::nullopt;
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Target t;
  t.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    t.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (t.host.empty() || t.path.find_first_of(" \r\n") != std::string::npos) return std::nullopt;
  t.port = port.empty() ? "443" : std::string(port);
  return t;
}

class BeastHttpClient final : public http::Client {
 public:
  BeastHttpClient(BeastHttpClientOptions options, ssl::context context)
      : options_(std::move(options)), context_(std::move(context)) {
    if (const asio::any_io_executor* strand = http::CurrentFiberExecutor()) strand_ = *strand;
  }

  Result<http::ClientResponse> Send(std::string_view method, const std::string& url, const http::Headers& headers,
                                   std::string_view body) override {
    if (method.empty() || method.find_first_of(" \r\n") != std::string_view::npos) {
      return Error(Code::kInvalidArgument, "bad HTTP method");
    }
    std::optional<Target> target = ParseHttpsUrl(url);
    if (!target) return Error(Code::kInvalidArgument, "not an https URL: " + url);
    bh::request<bh::string_body> request(bh::string_to_verb(method), target->path, 11);
    if (request.method() == bh::verb::unknown) request.method_string(method);
    const bool default_port = target->port == "443";
    const std::string host_field =
        (target->host.find(':') != std::string::npos ? "[" + target->host + "]" : target->host) +
        (default_port ? "" : ":" + target->port);
    request.set(bh::field::host, host_field);
    request.set(bh::field::user_agent, options_.user_agent);
    for (const auto& [name, value] : headers.entries()) request.insert(name, value);
    if (!body.empty() || method == "POST") request.body() = std::string(body);
    request.keep_alive(true);
    request.prepare_payload();

    // A kept-alive connection the server has closed fails on first use; then once more on a new one.
    const bool reused = stream_ && host_ == target->host && port_ == target->port;
    for (int attempt = reused ? 0 : 1; attempt < 2; ++attempt) {
      if (attempt == 1 || !stream_) {
        Status connected = Connect(*target);
        if (!connected.ok()) return connected;
      }
      bool response_started = false;
      Result<http::ClientResponse> response = Exchange(request, response_started);
      if (response.ok()) return response;
      stream_.reset();
      // Only a connection found closed is retried: not a request the server may be working on (timeout).
      if (attempt == 1 || response_started || response.status().code() == Code::kTimeout) {
        return response.status();
      }
    }
    return Error(Code::kIo, "unreachable");
  }

 private:
  // Runs one asynchronous operation until it completes or the timeout closes the connection
  // (beast::error::timeout): on a FiberLoop fiber by suspending the fiber until the loop completes it,
  // elsewhere on this client's own io_context. Blocking Beast calls would wait for ever on a silent server:
  // asio polls again, without a limit, whenever a socket timeout interrupts a read.
  template <typename Start>
  beast::error_code RunBounded(beast::tcp_stream& lowest, Start start) {
    beast::error_code result = asio::error::would_block;
    lowest.expires_after(options_.timeout);
    if (strand_) {
      fiber::Await([&](fiber::Wake wake) {
        start([&result, wake = std::move(wake)](beast::error_code ec, auto&&...) {
          result = ec;
          wake();
        });
      });
      return result;
    }
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    io_.restart();
    io_.run();
    return result;
  }

  // Where the I/O objects run: the fiber's strand, or this client's own io_context.
  asio::any_io_executor Executor() { return strand_ ? *strand_ : asio::any_io_executor(io_.get_executor()); }

  Status Connect(const Target& target) {
    stream_.reset();
    beast::error_code ec;
    tcp::resolver resolver(Executor());
    auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (ec) return Error(Code::kConnection, "resolving " + target.host + ": " + ec.message());
    auto stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(Executor(), context_);
    beast::tcp_stream& lowest = beast::get_lowest_layer(*stream);
    ec = RunBounded(lowest, [&](auto handler) { lowest.async_connect(endpoints, std::move(handler)); });
    if (ec) return Error(Code::kConnection, "connecting to " + target.host + ":" + target.port + ": " + ec.message());
    lowest.socket().set_option(tcp::no_delay(true), ec);
    (void)asio::ip::make_address(target.host, ec);
    if (ec) {  // a name: SNI, and the certificate must be for it
      if (!SSL_set_tlsext_host_name(stream->native_handle(), target.host.c_str())) {
        return Error(Code::kTls, "cannot set the TLS server name");
      }
    }
    stream->set_verify_callback(ssl::host_name_verification(target.host));
    ec = RunBounded(lowest, [&](auto handler) { stream->async_handshake(ssl::stream_base::client, std::move(handler)); });
    if (ec) return Error(Code::kTls, "TLS handshake with " + target.host + ": " + ec.message());
    stream_ = std::move(stream);
    buffer_.clear();
    host_ = target.host;
    port_ = target.port;
    return Status::Ok();
  }

  Result<http::ClientResponse> Exchange(bh::request<bh::string_body>& request, bool& response_started) {
    beast::tcp_stream& lowest = beast::get_lowest_layer(*stream_);
    beast::error_code ec =
        RunBounded(lowest, [&](auto handler) { bh::async_write(*stream_, request, std::move(handler)); });
    if (ec) return Error(Code::kIo, "sending the request: " + ec.message());
    bh::response_parser<bh::string_body> parser;
    parser.skip(request.method() == bh::verb::head);  // no body follows, whatever Content-Length says
    parser.body_limit(options_.max_response_bytes);
    parser.header_limit(64 * 1024);
    ec = RunBounded(lowest, [&](auto handler) { bh::async_read(*stream_, buffer_, parser, std::move(handler)); });
    response_started = parser.got_some();
    if (ec == bh::error::body_limit) {
      return Error(Code::kIo, "response larger than " + std::to_string(options_.max_response_bytes) + " bytes");
    }
    if (ec == beast::error::timeout) return Error(Code::kTimeout, "no response within the timeout");
    if (ec) return Error(Code::kIo, "reading the response: " + ec.message());
    bh::response<bh::string_body> message = parser.release();
    http::ClientResponse out;
    out.status = static_cast<int>(message.result_int());
    for (const auto& field : message) out.headers.Add(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(message.body());
    if (!message.keep_alive()) stream_.reset();
    return out;
  }

  const BeastHttpClientOptions options_;
  std::optional<asio::any_io_executor> strand_;  // set when created on a FiberLoop fiber
  asio::io_context io_;
  ssl::context context_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream_;
  std::string host_, port_;  // what stream_ is connected to
  beast::flat_buffer buffer_;
};

}  // namespace

Result<std::unique_ptr<http::Client>> NewBeastHttpClient(BeastHttpClientOptions options) {
  ssl::context context(ssl::context::tls_client);
  context.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                      ssl::context::no_tlsv1_1);
  context.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (options.ca_bundle.empty()) {
    context.set_default_verify_paths(ec);
  } else {
    context.load_verify_file(options.ca_bundle, ec);
  }
  if (ec) return Error(Code::kInvalidArgument, "CA bundle " + options.ca_bundle + ": " + ec.message());
  return std::unique_ptr<http::Client>(new BeastHttpClient(std::move(options), std::move(context)));
}

}  // namespace anvil::bench
