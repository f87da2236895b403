#include "ra/order_issuance.h"

#include <nlohmann/json.hpp>

#include "acme/problem.h"

namespace anvil::ra {

OrderIssuance::OrderIssuance(storage::IssuanceStore& store, const Clock& clock, const storage::Order& order,
                             acme::OrderStatus from, std::vector<storage::RateLimit> limits)
    : store_(store), clock_(clock), order_(order), from_(from), limits_(std::move(limits)) {}

Status OrderIssuance::Record(const ca::PendingCertificate& pending) {
  storage::CertificateRecord record;
  record.serial = pending.serial;
  record.order_id = order_.id;
  record.account_id = order_.account_id;
  record.state = storage::CertificateState::kPending;
  record.tbs_der = pending.tbs_der;
  record.issuer_chain_pem = pending.issuer_chain_pem;
  record.names = pending.names;
  record.profile = pending.profile;
  record.authority_key_id = pending.authority_key_id;
  record.not_before = pending.not_before;
  record.not_after = pending.not_after;
  record.created_at = clock_.Now();
  Status begun = store_.BeginIssuance(record, from_, limits_);
  recorded_ = begun.ok();
  return begun;
}

Status OrderIssuance::Complete(const std::string& serial, const std::string& der) {
  storage::AuditEvent audit{.at = clock_.Now(),
                            .kind = "certificate.issued",
                            .account_id = order_.account_id,
                            .subject = serial,
                            .details_json = nlohmann::json{{"order_id", order_.id}}.dump()};
  return store_.FinishIssuance(serial, der, audit);
}

Status OrderIssuance::Abandon(const std::string& serial, const Status& why) {
  // The client sees serverInternal without the internal detail; the audit row keeps the detail.
  Status failed(Code::kServerInternal, "issuance failed; please place a new order");
  storage::AuditEvent audit{
      .at = clock_.Now(),
      .kind = "certificate.abandoned",
      .account_id = order_.account_id,
      .subject = serial,
      .details_json = nlohmann::json{{"order_id", order_.id}, {"reason", why.ToString()}}.dump()};
  return store_.AbandonIssuance(serial, acme::ProblemJson(failed).dump(), audit);
}

}  // namespace anvil::ra
