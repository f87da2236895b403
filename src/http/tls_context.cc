#include "http/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <string_view>

#include "http/openssl_errors.h"

namespace anvil::http::internal {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string OpenSslErrors() { return internal::TakeOpenSslErrors("unknown OpenSSL error"); }

struct KeyPair {
  std::vector<X509Ptr> chain;  // Leaf first.
  PkeyPtr key;
};

Result<KeyPair> ParsePem(const std::string& chain_pem, const std::string& key_pem) {
  ERR_clear_error();
  KeyPair out;
  std::unique_ptr<BIO, BioFree> chain_bio(
      BIO_new_mem_buf(chain_pem.data(), static_cast<int>(chain_pem.size())));
  if (!chain_bio) return Error(Code::kInternal, "BIO_new_mem_buf failed");
  while (X509* x = PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr)) out.chain.emplace_back(x);
  ERR_clear_error();  // The loop ends with a "no start line" error.
  if (out.chain.empty())
    return Error(Code::kInvalidArgument, "TLS certificate chain: no PEM certificate found");
  std::unique_ptr<BIO, BioFree> key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  if (!key_bio) return Error(Code::kInternal, "BIO_new_mem_buf failed");
  out.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!out.key) return Error(Code::kInvalidArgument, "TLS private key: " + OpenSslErrors());
  if (X509_check_private_key(out.chain.front().get(), out.key.get()) != 1) {
    ERR_clear_error();
    return Error(Code::kInvalidArgument, "TLS private key does not match the certificate");
  }
  return out;
}

// Installs `pair` on one connection (certificate selection by SNI).
bool UseOnConnection(SSL* ssl, const KeyPair& pair) {
  if (SSL_use_certificate(ssl, pair.chain.front().get()) != 1) return false;
  if (SSL_clear_chain_certs(ssl) != 1) return false;
  for (size_t i = 1; i < pair.chain.size(); ++i) {
    if (SSL_add1_chain_cert(ssl, pair.chain[i].get()) != 1) return false;
  }
  return SSL_use_PrivateKey(ssl, pair.key.get()) == 1;
}

// Finds the first of `server` (preference order) in a client's ALPN wire list ("\x08http/1.1\x02h2"), RFC
// 7301 §3.1. Returns the offset of the chosen name's bytes in `wire`, and sets `len`; npos if none.
size_t ChooseAlpn(const std::vector<std::string>& server, std::string_view wire, size_t& len) {
  for (const std::string& want : server) {
    for (size_t i = 0; i < wire.size();) {
      size_t n = static_cast<unsigned char>(wire[i]);
      if (n == 0 || i + 1 + n > wire.size()) break;  // Malformed list: stop looking.
      if (wire.substr(i + 1, n) == want) {
        len = n;
        return i + 1;
      }
      i += 1 + n;
    }
  }
  return std::string_view::npos;
}

int AlpnSelect(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
  const auto* config = static_cast<const TlsServerConfig*>(arg);
  size_t len = 0;
  size_t at =
      ChooseAlpn(config->alpn_protocols, std::string_view(reinterpret_cast<const char*>(in), inlen), len);
  // No common protocol: continue without ALPN rather than failing (RFC 7301 §3.2 allows either), so a client
  // that offers only h2 still reaches an http/1.1 server.
  if (at == std::string_view::npos) return SSL_TLSEXT_ERR_NOACK;
  *out = in + at;
  *outlen = static_cast<unsigned char>(len);
  return SSL_TLSEXT_ERR_OK;
}

// Reads the first host_name of a ClientHello's server_name extension (RFC 6066 §3).
std::string SniFromClientHello(SSL* ssl) {
  const unsigned char* p = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) != 1 || len < 2) return "";
  size_t list_len = (size_t{p[0]} << 8) | p[1];
  if (list_len + 2 != len) return "";
  for (size_t i = 2; i + 3 <= len;) {
    unsigned type = p[i];
    size_t n = (size_t{p[i + 1]} << 8) | p[i + 2];
    if (i + 3 + n > len) return "";
    if (type == TLSEXT_NAMETYPE_host_name) return std::string(reinterpret_cast<const char*>(p + i + 3), n);
    i += 3 + n;
  }
  return "";
}

// The protocol AlpnSelect will choose for this ClientHello, so the selector sees it before the certificate is
// set.
std::string AlpnFromClientHello(SSL* ssl, const TlsServerConfig& config) {
  const unsigned char* p = nullptr;
  size_t len = 0;
  if (config.alpn_protocols.empty()) return "";
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &p, &len) != 1 ||
      len < 2) {
    return "";
  }
  size_t list_len = (size_t{p[0]} << 8) | p[1];
  if (list_len + 2 != len) return "";
  std::string_view wire(reinterpret_cast<const char*>(p + 2), list_len);
  size_t n = 0;
  size_t at = ChooseAlpn(config.alpn_protocols, wire, n);
  return at == std::string_view::npos ? "" : std::string(wire.substr(at, n));
}

int ClientHello(SSL* ssl, int* alert, void* arg) {
  const auto* config = static_cast<const TlsServerConfig*>(arg);
  if (!config->certificate_selector) return SSL_CLIENT_HELLO_SUCCESS;
  std::string sni = SniFromClientHello(ssl);
  std::string alpn = AlpnFromClientHello(ssl, *config);
  std::optional<std::pair<std::string, std::string>> choice;
  try {
    choice = config->certificate_selector(sni, alpn);
  } catch (const std::exception& e) {
    spdlog::error("http: TLS certificate selector threw for SNI '{}': {}", sni, e.what());
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  if (!choice) return SSL_CLIENT_HELLO_SUCCESS;
  Result<KeyPair> pair = ParsePem(choice->first, choice->second);
  if (!pair.ok() || !UseOnConnection(ssl, *pair)) {
    spdlog::error("http: TLS certificate selected for SNI '{}' is unusable: {}", sni,
                  pair.ok() ? OpenSslErrors() : pair.status().ToString());
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  spdlog::debug("http: TLS certificate selected for SNI '{}' ALPN '{}'", sni, alpn);
  return SSL_CLIENT_HELLO_SUCCESS;
}

// Client certificates (ServerOptions::client_ca_pem): asked for, not required, so that a client that
// authenticates otherwise (a bearer token) still connects; one that is presented must verify against `pem`.
Status RequestClientCertificates(SSL_CTX* c, const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error(Code::kInternal, "BIO_new_mem_buf failed");
  X509_STORE* store = SSL_CTX_get_cert_store(c);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  if (names == nullptr) return Error(Code::kInternal, "sk_X509_NAME_new_null failed");
  int count = 0;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509Ptr cert(x);
    ++count;
    if (X509_STORE_add_cert(store, cert.get()) != 1) ERR_clear_error();  // a duplicate is fine
    if (X509_NAME* name = X509_NAME_dup(X509_get_subject_name(cert.get()))) sk_X509_NAME_push(names, name);
  }
  ERR_clear_error();  // The loop ends with a "no start line" error.
  if (count == 0) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    return Error(Code::kInvalidArgument, "client CA certificates: no PEM certificate found");
  }
  SSL_CTX_set_client_CA_list(c, names);  // takes ownership
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  // Sessions are not resumed across contexts with other client CAs (OpenSSL requires an id with VERIFY_PEER).
  static const unsigned char kSessionContext[] = "anvil-client-auth";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof(kSessionContext) - 1);
  return Status::Ok();
}

}  // namespace

std::string VerifiedPeerCertificateDer(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  unsigned char* der = nullptr;
  const int len = i2d_X509(peer, &der);
  if (len <= 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

void SslCtxFree::operator()(ssl_ctx_st* ctx) const { SSL_CTX_free(ctx); }

Status ValidateAlpnProtocols(const std::vector<std::string>& protocols) {
  for (const std::string& p : protocols) {
    if (p.empty() || p.size() > 255) {
      return Error(Code::kInvalidArgument, "ALPN protocol names must be 1 to 255 bytes: '" + p + "'");
    }
  }
  return Status::Ok();
}

Result<SslCtxPtr> NewServerContext(const std::string& chain_pem, const std::string& key_pem,
                                   const TlsServerConfig* config) {
  ANVIL_RETURN_IF_ERROR(ValidateAlpnProtocols(config->alpn_protocols));
  ANVIL_ASSIGN_OR_RETURN(KeyPair pair, ParsePem(chain_pem, key_pem));
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return Error(Code::kInternal, "SSL_CTX_new: " + OpenSslErrors());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Mozilla "intermediate" TLS 1.2 suites (forward-secret AEAD only); TLS 1.3 suites keep OpenSSL's defaults.
  if (SSL_CTX_set_cipher_list(c,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1) {
    return Error(Code::kInternal, "SSL_CTX_set_cipher_list: " + OpenSslErrors());
  }
  if (SSL_CTX_use_certificate(c, pair.chain.front().get()) != 1) {
    return Error(Code::kInvalidArgument, "TLS certificate: " + OpenSslErrors());
  }
  for (size_t i = 1; i < pair.chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(c, pair.chain[i].get()) != 1) {
      return Error(Code::kInvalidArgument, "TLS certificate chain: " + OpenSslErrors());
    }
  }
  if (SSL_CTX_use_PrivateKey(c, pair.key.get()) != 1 || SSL_CTX_check_private_key(c) != 1) {
    return Error(Code::kInvalidArgument, "TLS private key: " + OpenSslErrors());
  }
  if (!config->alpn_protocols.empty()) {
    SSL_CTX_set_alpn_select_cb(c, AlpnSelect, const_cast<TlsServerConfig*>(config));
  }
  if (config->certificate_selector) {
    SSL_CTX_set_client_hello_cb(c, ClientHello, const_cast<TlsServerConfig*>(config));
  }
  if (!config->client_ca_pem.empty()) ANVIL_RETURN_IF_ERROR(RequestClientCertificates(c, config->client_ca_pem));
  return ctx;
}

}  // namespace anvil::http::internal
