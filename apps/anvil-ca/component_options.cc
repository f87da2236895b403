#include "component_options.h"

namespace anvil::app {

ca::CaOptions CaOptionsFrom(const config::Config& config) {
  const config::CaConfig& c = config.ca;
  ca::CaOptions o;
  o.root_common_name = c.root_common_name;
  o.intermediate_common_name = c.intermediate_common_name;
  o.organization = c.organization;
  o.root_validity = c.root_validity;
  o.intermediate_validity = c.intermediate_validity;
  o.cross_signed_chain = c.cross_signed_chain;
  o.key_passphrase = c.key_passphrase_value;
  o.pkcs11_module = c.pkcs11_module;
  o.pkcs11_pin = c.pkcs11_pin_value;
  // New intermediates name their root's CRL on the publication listener (the openssl -crl_check_all and nginx
  // relying parties need a CRL for every level of the chain): /crl/ROOT.crl, publish::CrlPath(ca::RootName(N)).
  if (!config.publication.listen.empty()) o.root_crl_base_url = config.publication.external_url + "/crl";
  return o;
}

ra::RaOptions RaOptionsFrom(const config::Config& config) {
  const config::AcmeConfig& acme = config.acme;
  ra::RaOptions o;
  o.external_account_required = acme.external_account_required;
  o.terms_of_service_required = !acme.terms_of_service.empty();
  o.order_lifetime = acme.order_lifetime;
  o.pending_authorization_lifetime = acme.pending_authorization_lifetime;
  o.authorization_lifetime = acme.authorization_lifetime;
  o.reuse_valid_authorizations = acme.reuse_valid_authorizations;
  o.challenge_wait = acme.challenge_wait;
  o.default_profile = config.default_profile;
  o.device.enabled = config.device_attestation.enabled;
  o.device.profile = config.device_attestation.profile;
  o.check_caa = !config.validation.caa_identities.empty();
  o.caa_recheck_after = config.validation.caa_recheck_after;
  o.account_url_prefix = config.server.external_url + wfe::WebFrontEnd::AccountPathPrefix();
  const auto rule = [](const config::RateLimitConfig& r) { return ra::RateRule{r.count, r.period}; };
  o.limits.new_accounts_per_ip = rule(config.limits.new_accounts_per_ip);
  o.limits.new_orders_per_account = rule(config.limits.new_orders_per_account);
  o.limits.failed_validations_per_identifier = rule(config.limits.failed_validations_per_identifier);
  o.limits.certificates_per_domain = rule(config.limits.certificates_per_domain);
  o.limits.pending_authorizations_per_account = config.limits.pending_authorizations_per_account;
  o.limits.pending_orders_per_account = config.limits.pending_orders_per_account;
  for (const auto& [name, p] : config.profiles) {
    ra::ProfileRules rules;
    rules.certificate.name = name;
    rules.certificate.validity = p.validity;
    rules.certificate.backdate = p.backdate;
    rules.certificate.ext_key_usages = p.ext_key_usages;
    rules.certificate.crl = p.crl;
    rules.certificate.ocsp = p.ocsp;
    rules.identifier_types = p.identifier_types;
    rules.key_types = p.key_types;
    rules.policy = p.policy;
    o.profiles.emplace(name, std::move(rules));
  }
  return o;
}

namespace {

ra::PolicyRules RulesFrom(const std::string& name, const config::PolicyConfig& p) {
  ra::PolicyRules r;
  r.name = name;
  r.allowed_domains = p.allowed_domains;
  r.denied_domains = p.denied_domains;
  r.allowed_ip_ranges = p.allowed_ip_ranges;
  r.denied_ip_ranges = p.denied_ip_ranges;
  r.identifier_types = p.identifier_types;
  r.challenge_types = p.challenge_types;
  r.profiles = p.profiles;
  r.allow_wildcards = p.allow_wildcards;
  r.max_identifiers = p.max_identifiers;
  r.key_types = p.key_types;
  if (p.max_validity.count() > 0) r.max_validity = p.max_validity;
  return r;
}

}  // namespace

Result<ra::PolicySet> PoliciesFrom(const config::Config& config) {
  std::vector<ra::PolicyRules> named;
  for (const auto& [name, p] : config.policies) named.push_back(RulesFrom(name, p));
  return ra::PolicySet::Create(RulesFrom("default", config.policy), named);
}

va::ValidatorOptions ValidatorOptionsFrom(const config::Config& config) {
  const config::ValidationConfig& v = config.validation;
  va::ValidatorOptions o;
  o.http_port = v.http_port;
  o.https_port = v.https_port;
  o.tls_alpn_port = v.tls_alpn_port;
  o.workers = v.workers;
  o.http_timeout = v.timeout;
  o.tls_timeout = v.timeout;
  o.caa_identities = v.caa_identities;
  return o;
}

publish::CrlUpdaterOptions CrlUpdaterOptionsFrom(const config::Config& config, const std::string& crl_url,
                                                 const std::string& output_path) {
  publish::CrlUpdaterOptions o;
  o.distribution_point_url = crl_url;
  o.output_path = output_path;
  o.period = config.publication.crl_period;
  o.lifetime = config.publication.crl_lifetime;
  o.revocation_delay = config.publication.crl_revocation_delay;
  return o;
}

wfe::WfeIssuers WfeIssuersFrom(const ca::CaMaterial& material) {
  wfe::WfeIssuers o;
  for (const ca::Intermediate& i : material.intermediates) {
    o.issuer_der[publish::CrlUpdater::IssuerId(i.certificate)] = i.certificate.ToDer();
    // Keyed by the default chain each generation's certificates record (IssuingCa::chain_pem).
    std::vector<std::string>& alternates = o.alternate_chains_pem[i.certificate.ToPem()];
    alternates = i.alternate_chains_pem;
    if (i.certificate.fingerprint_sha256() == material.intermediate.fingerprint_sha256()) {
      alternates.insert(alternates.end(), material.alternate_chains_pem.begin(), material.alternate_chains_pem.end());
    }
  }
  return o;
}

wfe::WfeOptions WfeOptionsFrom(const config::Config& config, const ca::CaMaterial& material) {
  const config::AcmeConfig& acme = config.acme;
  wfe::WfeOptions o;
  o.base_url = config.server.external_url;
  o.root_pem = material.root.ToPem();
  o.intermediate_pem = material.intermediate.ToPem();
  o.intermediate_der = material.intermediate.ToDer();
  o.issuers = WfeIssuersFrom(material);
  o.terms_of_service = acme.terms_of_service;
  o.website = acme.website;
  o.caa_identities = config.validation.caa_identities;
  o.external_account_required = acme.external_account_required;
  for (const auto& [name, p] : config.profiles) o.profiles[name] = p.description;
  o.retry_after = acme.retry_after;
  o.ari_retry_after = acme.ari_retry_after;
  o.orders_per_page = acme.orders_per_page;
  return o;
}

}  // namespace anvil::app
