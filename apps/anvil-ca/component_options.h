// The composition root's translation of the configuration into each server component's own options: the
// components read no configuration themselves (docs/architecture.md), so a key's meaning is decided here
// and in docs/configuration.md only. Pure functions of their arguments.
#pragma once

#include "ca/ca_material.h"
#include "config/config.h"
#include "publish/crl_updater.h"
#include "publish/publication.h"
#include "ra/options.h"
#include "ra/policy_set.h"
#include "va/network_validator.h"
#include "wfe/wfe.h"

namespace anvil::app {

ca::CaOptions CaOptionsFrom(const config::Config& config);
ra::RaOptions RaOptionsFrom(const config::Config& config);
// The default policy ([policy]) and the named ones ([policies.NAME]).
Result<ra::PolicySet> PoliciesFrom(const config::Config& config);
va::ValidatorOptions ValidatorOptionsFrom(const config::Config& config);
// The CRL of the intermediate: `crl_url` (its distribution point, "" without a publication listener) and the
// file it is written to.
publish::CrlUpdaterOptions CrlUpdaterOptionsFrom(const config::Config& config, const std::string& crl_url,
                                                 const std::string& output_path);
// The front end's options, serving `material`'s certificates.
wfe::WfeOptions WfeOptionsFrom(const config::Config& config, const ca::CaMaterial& material);
// The generations of `material` as the front end serves them (WfeOptions::issuers, WebFrontEnd::UpdateIssuers).
wfe::WfeIssuers WfeIssuersFrom(const ca::CaMaterial& material);

}  // namespace anvil::app
