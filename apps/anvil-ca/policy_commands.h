// `anvil-ca policy …`, `anvil-ca eab …` and `anvil-ca account set-policy`: the named policies and the EAB key
// lifecycle of issue 15 from the command line (docs/policy.md). Changes go through the RA, so that they are
// checked as the configuration's policies are and audited; a running anvil-ca sees a policy defined or deleted
// here within a second (ra/policy_catalog.h). Each command prints to stdout, reports errors on stderr,
// and returns the process exit code (0, or 1 with "anvil-ca: WHAT: why").
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"

namespace anvil::app {

struct EabCreateArgs {
  std::string kid;         // empty: random
  std::string label;       // who or what the key is for
  std::string policy;      // a [policies.NAME] every account bound with it gets
  std::string expires_in;  // a duration ("30d"); empty: never
  int64_t uses = 1;        // accounts it may bind; 0: any number
  std::string device;      // the device its accounts may order for ("permanent-identifier:SERIAL"); empty: any
  bool json = false;
};
int EabCreate(const config::Config& config, const EabCreateArgs& args);
int EabList(const config::Config& config, bool json);
int EabRevoke(const config::Config& config, const std::string& kid);

// Every policy in force, configured or defined at run time (its source), its rules, and which profiles bind it.
int PolicyList(const config::Config& config);

// Defines the named policy NAME from a JSON file holding its rules (the object GET /admin/v1/policies shows for a
// policy's "rules"; fields left out keep a named policy's defaults), or replaces the rules of one defined so.
int PolicyDefine(const config::Config& config, const std::string& name, const std::string& rules_file);
// Deletes a policy defined at run time; refused while a profile, an account or a usable EAB key binds it.
int PolicyDelete(const config::Config& config, const std::string& name);

struct PolicyExplainArgs {
  std::string account;   // the account's id
  std::string name;      // a DNS name or an IP address
  std::string profile;   // empty: the default profile
  std::string key_type;  // ec256 … ed25519; empty: not asked
};
// Which policies bind the account's requests for the profile, and what each says of the identifier (and key
// type): the rule that decides. Exit code 0 when everything asked is allowed, 2 when something is refused.
int PolicyExplain(const config::Config& config, const PolicyExplainArgs& args);

// Binds a configured named policy to the account ("" unbinds it).
int AccountSetPolicy(const config::Config& config, const std::string& account_id, const std::string& policy);

}  // namespace anvil::app
