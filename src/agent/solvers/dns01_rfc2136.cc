#include "agent/solvers/dns01_rfc2136.h"

#include <ldns/ldns.h>

#include <memory>

#include "agent/solvers/dns01_hook.h"
#include "agent/solvers/ldns_handles.h"
#include "base/file.h"

namespace anvil::agent {
namespace {

using ldns_handles::PktPtr;
using ldns_handles::RdfPtr;
using ldns_handles::ResolverPtr;
using ldns_handles::RrListPtr;

std::string Fqdn(std::string name) {
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

Result<ResolverPtr> NewResolver(const Rfc2136Options& o, bool sign) {
  ResolverPtr res(ldns_resolver_new());
  if (!res) return Error(Code::kInternal, "ldns_resolver_new failed");
  RdfPtr addr(ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, o.server_address.c_str()));
  if (!addr) addr.reset(ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, o.server_address.c_str()));
  if (!addr)
    return Error(Code::kInvalidArgument, "RFC 2136 server '" + o.server_address + "' is not an IP address");
  if (ldns_resolver_push_nameserver(res.get(), addr.get()) != LDNS_STATUS_OK) {
    return Error(Code::kInternal, "ldns_resolver_push_nameserver failed");
  }
  ldns_resolver_set_port(res.get(), o.port);
  ldns_resolver_set_recursive(res.get(), false);
  ldns_resolver_set_retry(res.get(), 2);
  struct timeval tv = {static_cast<time_t>(o.timeout.count()), 0};
  ldns_resolver_set_timeout(res.get(), tv);
  if (sign && !o.key.name.empty()) {
    ldns_resolver_set_tsig_keyname(res.get(), Fqdn(o.key.name).c_str());
    ldns_resolver_set_tsig_algorithm(res.get(), Fqdn(o.key.algorithm).c_str());
    ldns_resolver_set_tsig_keydata(res.get(), o.key.secret_base64.c_str());
  }
  return res;
}

// The zone holding `name`: the owner of the first SOA in the server's answer or authority section.
Result<std::string> FindZone(ldns_resolver* res, const std::string& name) {
  RdfPtr dname(ldns_dname_new_frm_str(name.c_str()));
  if (!dname) return Error(Code::kInvalidArgument, "bad DNS name " + name);
  PktPtr answer(ldns_resolver_query(res, dname.get(), LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0));
  if (!answer) return Error(Code::kDns, "no answer to the SOA query for " + name + " (server unreachable?)");
  for (ldns_rr_list* list : {ldns_pkt_answer(answer.get()), ldns_pkt_authority(answer.get())}) {
    for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(list, i);
      if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA) continue;
      char* owner = ldns_rdf2str(ldns_rr_owner(rr));
      std::string zone = owner ? owner : "";
      free(owner);
      if (!zone.empty()) return zone;
    }
  }
  return Error(Code::kDns, "cannot find the zone of " + name + " (no SOA in the answer); give the zone");
}

}  // namespace

Result<TsigKey> ParseTsigKey(const std::string& spec) {
  TsigKey key;
  if (FileExists(spec)) {
    ANVIL_ASSIGN_OR_RETURN(std::string text, ReadFile(spec));
    auto quoted_after = [&text](std::string_view word, size_t from) -> std::string {
      size_t p = text.find(word, from);
      if (p == std::string::npos) return "";
      size_t q1 = text.find('"', p);
      size_t q2 = q1 == std::string::npos ? q1 : text.find('"', q1 + 1);
      return q2 == std::string::npos ? "" : text.substr(q1 + 1, q2 - q1 - 1);
    };
    key.name = quoted_after("key", 0);
    key.secret_base64 = quoted_after("secret", 0);
    size_t a = text.find("algorithm");
    if (a != std::string::npos) {
      size_t end = text.find(';', a);
      key.algorithm = Trim(text.substr(a + 9, end == std::string::npos ? std::string::npos : end - a - 9));
    }
  } else {
    size_t last = spec.rfind(':');
    if (last == std::string::npos)
      return Error(Code::kInvalidArgument, "TSIG key: expected [ALG:]NAME:SECRET or a key file");
    key.secret_base64 = spec.substr(last + 1);
    std::string head = spec.substr(0, last);
    size_t first = head.find(':');
    if (first == std::string::npos) {
      key.name = head;
    } else {
      key.algorithm = head.substr(0, first);
      key.name = head.substr(first + 1);
    }
  }
  if (key.name.empty() || key.secret_base64.empty()) {
    return Error(Code::kInvalidArgument, "TSIG key: missing name or secret");
  }
  key.algorithm = Fqdn(key.algorithm);
  return key;
}

Status Dns01Rfc2136Solver::Update(const ChallengeTask& task, bool add) {
  if (task.identifier.type != acme::IdentifierType::kDns) {
    return Error(Code::kUnsupportedIdentifier, "dns-01 cannot validate IP identifiers (RFC 8738 §7)");
  }
  std::string name = Fqdn(Dns01RecordName(task.identifier));
  std::string value = Dns01RecordValue(task.key_authorization);
  ANVIL_ASSIGN_OR_RETURN(ResolverPtr res, NewResolver(options_, /*sign=*/true));
  std::string zone = options_.zone;
  if (zone.empty()) {
    // The SOA look-up is an ordinary query: unsigned, so a wrong key shows up as a refused update, not as
    // silence.
    ANVIL_ASSIGN_OR_RETURN(ResolverPtr plain, NewResolver(options_, /*sign=*/false));
    ANVIL_ASSIGN_OR_RETURN(zone, FindZone(plain.get(), name));
  }
  RdfPtr zone_rdf(ldns_dname_new_frm_str(Fqdn(zone).c_str()));
  if (!zone_rdf) return Error(Code::kInvalidArgument, "bad zone " + zone);

  ldns_rr* rr = nullptr;
  std::string text = name + " " + std::to_string(options_.ttl) + " IN TXT \"" + value + "\"";
  if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK || rr == nullptr) {
    return Error(Code::kInternal, "cannot build the TXT record " + text);
  }
  if (!add) {  // RFC 2136 §2.5.4: delete an RR from an RRset.
    ldns_rr_set_class(rr, LDNS_RR_CLASS_NONE);
    ldns_rr_set_ttl(rr, 0);
  }
  RrListPtr updates(ldns_rr_list_new());
  ldns_rr_list_push_rr(updates.get(), rr);
  PktPtr update(
      ldns_update_pkt_new(ldns_rdf_clone(zone_rdf.get()), LDNS_RR_CLASS_IN, nullptr, updates.get(), nullptr));
  if (!update) return Error(Code::kInternal, "ldns_update_pkt_new failed");
  ldns_pkt_set_random_id(update.get());
  if (!options_.key.name.empty() && ldns_update_pkt_tsig_add(update.get(), res.get()) != LDNS_STATUS_OK) {
    return Error(Code::kInvalidArgument, "cannot sign the update with TSIG key " + options_.key.name);
  }
  ldns_pkt* raw_answer = nullptr;
  ldns_status st = ldns_send(&raw_answer, res.get(), update.get());
  PktPtr answer(raw_answer);
  std::string what = std::string("RFC 2136 ") + (add ? "add" : "delete") + " of " + name + " in zone " +
                     zone + " at " + options_.server_address + ":" + std::to_string(options_.port);
  if (st != LDNS_STATUS_OK || !answer) return Error(Code::kDns, what + ": " + ldns_get_errorstr_by_id(st));
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(answer.get());
  if (rcode != LDNS_RCODE_NOERROR) {
    char* rc = ldns_pkt_rcode2str(rcode);
    std::string rc_text = rc ? rc : std::to_string(int(rcode));
    free(rc);
    return Error(Code::kDns, what + ": server answered " + rc_text);
  }
  return Status::Ok();
}

Status Dns01Rfc2136Solver::Present(const ChallengeTask& task) {
  ANVIL_RETURN_IF_ERROR(Update(task, true));
  if (propagation_) {
    ANVIL_RETURN_IF_ERROR(
        propagation_->WaitForTxt(Dns01RecordName(task.identifier), Dns01RecordValue(task.key_authorization)));
  }
  if (options_.propagation_delay.count() > 0) sleeper_.Sleep(options_.propagation_delay);
  return Status::Ok();
}

Status Dns01Rfc2136Solver::CleanUp(const ChallengeTask& task) { return Update(task, false); }

}  // namespace anvil::agent
