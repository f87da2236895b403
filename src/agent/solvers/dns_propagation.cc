#include "agent/solvers/dns_propagation.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <cstdlib>

#include "agent/solvers/ldns_handles.h"

namespace anvil::agent {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

using ldns_handles::PktPtr;
using ldns_handles::RdfPtr;
using ldns_handles::ResolverPtr;

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string Fqdn(std::string name) {
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

std::string Quoted(const std::vector<std::string>& values) {
  if (values.empty()) return "no TXT record";
  std::string out = "TXT";
  for (const auto& v : values) out += " \"" + v + "\"";
  return out;
}

class LdnsTxtLookup final : public TxtLookup {
 public:
  explicit LdnsTxtLookup(milliseconds timeout) : timeout_(timeout) {}

  Result<std::vector<std::string>> LookupTxt(const std::string& name, const DnsServer& server) override {
    ANVIL_ASSIGN_OR_RETURN(ResolverPtr res, NewResolver(server));
    RdfPtr dname(ldns_dname_new_frm_str(Fqdn(name).c_str()));
    if (!dname) return Error(Code::kInvalidArgument, "bad DNS name " + name);
    ldns_pkt* raw = nullptr;
    ldns_status st =
        ldns_resolver_query_status(&raw, res.get(), dname.get(), LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, LDNS_RD);
    PktPtr answer(raw);
    if (st != LDNS_STATUS_OK || !answer) {
      return Error(Code::kDns, server.ToString() + ": " + ldns_get_errorstr_by_id(st));
    }
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(answer.get());
    if (rcode == LDNS_RCODE_NXDOMAIN) return std::vector<std::string>{};
    if (rcode != LDNS_RCODE_NOERROR) {
      char* rc = ldns_pkt_rcode2str(rcode);
      std::string text = rc ? rc : std::to_string(int(rcode));
      free(rc);
      return Error(Code::kDns, server.ToString() + " answered " + text);
    }
    // Every TXT record of the answer (a CNAME chain's target included), each record's strings joined.
    std::vector<std::string> values;
    ldns_rr_list* list = ldns_pkt_answer(answer.get());
    for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(list, i);
      if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT) continue;
      std::string value;
      for (size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
        ldns_rdf* rdf = ldns_rr_rdf(rr, j);
        const uint8_t* data = ldns_rdf_data(rdf);
        size_t size = ldns_rdf_size(rdf);
        if (size == 0) continue;
        size_t len = std::min<size_t>(data[0], size - 1);  // <character-string>: length byte, then bytes.
        value.append(reinterpret_cast<const char*>(data + 1), len);
      }
      values.push_back(std::move(value));
    }
    return values;
  }

 private:
  Result<ResolverPtr> NewResolver(const DnsServer& server) const {
    ldns_resolver* raw = nullptr;
    ResolverPtr res;
    if (server.address.empty()) {
      ldns_status st = ldns_resolver_new_frm_file(&raw, nullptr);
      res.reset(raw);
      if (st != LDNS_STATUS_OK || !res) {
        return Error(Code::kDns, std::string("cannot read the system resolver configuration "
                                             "(/etc/resolv.conf): ") +
                                     ldns_get_errorstr_by_id(st));
      }
    } else {
      res.reset(ldns_resolver_new());
      if (!res) return Error(Code::kInternal, "ldns_resolver_new failed");
      RdfPtr addr(ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, server.address.c_str()));
      if (!addr) addr.reset(ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, server.address.c_str()));
      if (!addr) return Error(Code::kInvalidArgument, "DNS resolver '" + server.address + "' is not an IP");
      if (ldns_resolver_push_nameserver(res.get(), addr.get()) != LDNS_STATUS_OK) {
        return Error(Code::kInternal, "ldns_resolver_push_nameserver failed");
      }
      ldns_resolver_set_port(res.get(), server.port);
    }
    ldns_resolver_set_recursive(res.get(), true);
    ldns_resolver_set_defnames(res.get(), false);
    ldns_resolver_set_dnsrch(res.get(), false);
    ldns_resolver_set_fallback(res.get(), true);
    ldns_resolver_set_retry(res.get(), 2);
    auto ms = timeout_.count();
    struct timeval tv = {static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
    ldns_resolver_set_timeout(res.get(), tv);
    return res;
  }

  milliseconds timeout_;
};

}  // namespace

std::string DnsServer::ToString() const {
  if (address.empty()) return "the system resolver";
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

Result<DnsServer> ParseDnsServer(const std::string& spec) {
  DnsServer s;
  std::string port;
  if (spec.starts_with("[")) {
    size_t close = spec.find(']');
    if (close == std::string::npos) return Error(Code::kInvalidArgument, "bad DNS server '" + spec + "'");
    s.address = spec.substr(1, close - 1);
    if (close + 1 < spec.size()) {
      if (spec[close + 1] != ':') return Error(Code::kInvalidArgument, "bad DNS server '" + spec + "'");
      port = spec.substr(close + 2);
    }
  } else if (std::count(spec.begin(), spec.end(), ':') == 1) {
    s.address = spec.substr(0, spec.find(':'));
    port = spec.substr(spec.find(':') + 1);
  } else {
    s.address = spec;
  }
  if (!IsIp(s.address)) {
    return Error(Code::kInvalidArgument, "DNS server '" + spec + "': not an IPv4 or IPv6 address");
  }
  if (!port.empty()) {
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p < 1 || p > 65535) {
      return Error(Code::kInvalidArgument, "DNS server '" + spec + "': bad port");
    }
    s.port = static_cast<uint16_t>(p);
  }
  return s;
}

std::unique_ptr<TxtLookup> NewLdnsTxtLookup(milliseconds timeout) {
  return std::make_unique<LdnsTxtLookup>(timeout);
}

PropagationChecker::PropagationChecker(std::unique_ptr<TxtLookup> lookup, const Clock& clock,
                                       Sleeper& sleeper, PropagationOptions options)
    : lookup_(std::move(lookup)), clock_(clock), sleeper_(sleeper), options_(std::move(options)) {
  if (options_.resolvers.empty()) options_.resolvers.push_back(DnsServer{});
}

Status PropagationChecker::WaitForTxt(const std::string& name, const std::string& value) {
  const std::string fqdn = Fqdn(name);
  const TimePoint start = clock_.Now();
  const TimePoint deadline = start + options_.timeout;
  std::vector<DnsServer> pending = options_.resolvers;
  std::vector<std::string> last(pending.size());  // What each pending resolver last answered.
  for (;;) {
    for (size_t i = 0; i < pending.size();) {
      auto values = lookup_->LookupTxt(fqdn, pending[i]);
      if (values.ok() && std::find(values->begin(), values->end(), value) != values->end()) {
        pending.erase(pending.begin() + i);
        last.erase(last.begin() + i);
        continue;
      }
      last[i] = values.ok() ? Quoted(*values) : values.status().message();
      ++i;
    }
    const TimePoint now = clock_.Now();
    auto waited = duration_cast<milliseconds>(now - start);
    if (pending.empty()) {
      if (options_.log) {
        options_.log("dns-01: TXT " + name + " \"" + value + "\" is visible (after " +
                     std::to_string(waited.count() / 1000) + " s)");
      }
      return Status::Ok();
    }
    std::string seen;
    for (size_t i = 0; i < pending.size(); ++i) {
      seen += (i ? "; " : "") + pending[i].ToString() + ": " + last[i];
    }
    if (now >= deadline) {
      return Error(Code::kDns, "the TXT record " + name + " with value \"" + value +
                                   "\" was not visible after " + std::to_string(options_.timeout.count()) +
                                   " s (--dns-propagation-timeout) at " + seen);
    }
    auto wait = std::min(options_.interval, duration_cast<milliseconds>(deadline - now));
    if (options_.log) {
      options_.log("dns-01: TXT " + name + " \"" + value + "\" not yet visible at " + seen + "; again in " +
                   std::to_string(wait.count()) + " ms");
    }
    sleeper_.Sleep(std::max(wait, milliseconds(1)));
  }
}

}  // namespace anvil::agent
