// Internal to the agent's DNS solvers: RAII owners for ldns objects (the RFC 2136 updater and the dns-01
// propagation check).
#pragma once

#include <ldns/ldns.h>

#include <memory>

namespace anvil::agent::ldns_handles {

struct ResolverFree {
  void operator()(ldns_resolver* r) const { ldns_resolver_deep_free(r); }
};
struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct RrListFree {
  void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverFree>;
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListFree>;

}  // namespace anvil::agent::ldns_handles
