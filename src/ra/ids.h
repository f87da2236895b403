// Identifiers of the resources the RA creates (accounts, orders, authorizations, challenges) and challenge
// tokens.
#pragma once

#include <string>

#include "base/time.h"

namespace anvil::ra {

// 20 URL-safe characters: 8 of creation time (milliseconds since the epoch, 48 bits, in an alphabet whose
// ASCII order is its value order) then 12 of base64url CSPRNG output (72 bits). Ids made close together share
// a prefix and sort by time, so the store inserts them into the same few B-tree pages instead of random ones
// (docs/storage.md); the random part keeps them unique and unguessable. Resource URLs reveal when the
// resource was made, which the resources themselves say too (created, expires).
std::string NewId(TimePoint now);

// A challenge token: 256 bits of CSPRNG output, base64url (RFC 8555 §8.1 asks for at least 128).
std::string NewToken();

}  // namespace anvil::ra
