// Small file-system helpers with the durability rules of docs/architecture.md: writes are atomic (temp file in the same
// directory, fsync, rename, fsync of the directory) so a crash leaves either the old or the new content.
// Thread-compatible; concurrent writers of one path must serialize themselves.
#pragma once

#include <string>
#include <sys/types.h>

#include "base/status.h"

namespace anvil {

Result<std::string> ReadFile(const std::string& path);
// Writes `data` to `path` atomically with permission `mode` (e.g. 0600 for keys) set before any byte is written.
Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode);
// mkdir -p with `mode` for the directories it creates.
Status MakeDirectories(const std::string& path, mode_t mode);
bool FileExists(const std::string& path);

}  // namespace anvil
